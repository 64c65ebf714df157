"""Backtests: what a changed lead definition would have done, replayed over the recorded past.

Scores are computed at read time from recorded activities and facts (each with its
``learned_at``), so the past can be replayed under any playbook. `backtest` replays every lead
in time order under a baseline and a candidate playbook; a lead becomes an MQL under a playbook
the first time the playbook's automatic transitions would take it there. The replay is exact:
the definition is evaluated at every recorded event (the lead's creation, an activity, a learned
fact) and, between events, at the first microsecond where decay, a look-back window or a cap
makes it change (`next_move`, the one place that answers "when does the definition next
change"; the demo's simulation uses it too, as a real-time CRM would).

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> pb = sm.Playbook.default()
>>> lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing", "industry": "software"})
>>> demo = sm.Activity("L-1", "demo_request", t0 + timedelta(days=2))
>>> end = t0 + timedelta(days=30)
>>> bt = sm.backtest([lead], [demo], baseline=pb, candidate=pb, start=t0, end=end)
>>> bt.mqls
Compared(baseline=1, candidate=1)
>>> bt.leads[0].candidate == demo.at
True
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections.abc import Container, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Final, Generic, Literal, TypeAlias, TypeVar

import attrs

from smarketing.conditions import (
    Between,
    Compare,
    Condition,
    Exists,
    IsIn,
    Missing,
    Not,
    _Junction,
    always,
    never,
)
from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, check_aware
from smarketing.lifecycle import Lifecycle, Transition
from smarketing.playbook import Playbook
from smarketing.scoring import LetterGrading, Score, ScoringModel, _Fit, _make_score

__all__ = [
    "AutoMoves",
    "Backtest",
    "Compared",
    "LeadReplay",
    "MQLChange",
    "PlaybookResult",
    "Sweep",
    "SweepRow",
    "backtest",
    "next_move",
]

#: The stages a backtest reads from the lifecycle: the handoff, sales' acceptance, the win.
MQL: Final = "mql"
SQL: Final = "sql"
CUSTOMER: Final = "customer"
#: The facts that change between events (decay, windows, caps), read from the score.
_MOVING: Final = ("score", "engagement")
_TICK: Final = timedelta(microseconds=1)
_DAY: Final = 86_400.0
_WEEK: Final = timedelta(days=7)
# Bounds are built from per-rule points without the score's exact adjustments; this margin
# keeps them safely wide (points live on a 2**-30 grid, far finer than this).
_MARGIN: Final = 1e-6

Dimension: TypeAlias = Literal["persona", "source", "grade"]
_T = TypeVar("_T")


# --- when does the definition next change ------------------------------------------------------


def _thresholds(condition: Condition, out: dict[str, set[float]]) -> None:
    """Collect the numbers ``score`` and ``engagement`` are compared with in ``condition``."""
    if isinstance(condition, _Junction):
        for part in condition.parts:
            _thresholds(part, out)
    elif isinstance(condition, Not):
        _thresholds(condition.part, out)
    elif not condition.fields & set(_MOVING):
        return
    elif isinstance(condition, Compare):
        _add_number(out, condition.name, condition.value)
    elif isinstance(condition, Between):
        _add_number(out, condition.name, condition.low)
        _add_number(out, condition.name, condition.high)
    elif isinstance(condition, IsIn):
        for value in condition.values:
            _add_number(out, condition.name, value)
    elif type(condition).__module__ != "smarketing.conditions":
        msg = (
            f"the backtest cannot tell when {condition} changes: a condition on "
            f"{' or '.join(sorted(condition.fields & set(_MOVING)))} must be built from "
            "comparisons, between() and in."
        )
        raise ValidationError(msg, value=condition, where="lifecycle", expected="a comparison")
    # exists(), missing(), contains() and matches() on a number never change between events.


def _add_number(out: dict[str, set[float]], name: str, value: object) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        out.setdefault(name, set()).add(float(value))


@attrs.frozen
class _Moves:
    """The automatic moves out of one stage, and the thresholds their conditions read."""

    conditions: tuple[tuple[str, Condition], ...]
    score: tuple[float, ...]
    engagement: tuple[float, ...]
    #: The conditions as they read with the moving facts unknown (see `_unknown_score`).
    static: tuple[Condition, ...]


def _moves_by_stage(lifecycle: Lifecycle) -> dict[str, _Moves]:
    table: dict[str, _Moves] = {}
    for stage in lifecycle.stage_names:
        autos = tuple(
            (t.dest, t.auto_condition())
            for t in lifecycle.transitions_from(stage)
            if t.is_auto and t.dest != stage
        )
        found: dict[str, set[float]] = {}
        for _, condition in autos:
            _thresholds(condition, found)
        table[stage] = _Moves(
            autos,
            tuple(sorted(found.get("score", ()))),
            tuple(sorted(found.get("engagement", ()))),
            tuple(_unknown_score(c) for _, c in autos),
        )
    return table


def _unknown_score(condition: Condition) -> Condition:
    """``condition`` for evaluating with the moving facts left out: every lead has a score,
    so ``exists(score)`` holds and ``missing(score)`` does not, whatever its value."""
    if isinstance(condition, _Junction):
        return type(condition)(tuple(_unknown_score(p) for p in condition.parts))
    if isinstance(condition, Not):
        return Not(_unknown_score(condition.part))
    if isinstance(condition, Exists | Missing) and condition.name in _MOVING:
        return always() if isinstance(condition, Exists) else never()
    return condition


class _Engine:
    """One playbook, compiled for replays: its scoring model, lifecycle and automatic moves."""

    __slots__ = (
        "caps",
        "gains",
        "lifecycle",
        "model",
        "moves",
        "playbook",
        "reads_stage",
        "signs",
    )

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.lifecycle = playbook.lifecycle
        self.model: ScoringModel = playbook.scoring
        self.moves = _moves_by_stage(playbook.lifecycle)
        self.signs = {r.name: (r.points >= 0, r.group) for r in self.model.engagement}
        self.caps = dict(self.model.group_caps)
        grades = self.model.grades
        graded = grades.criteria if isinstance(grades, LetterGrading) else ()
        conditions = [r.condition for r in self.model.fit] + [c.condition for c in graded]
        self.reads_stage = any("stage" in c.fields for c in conditions)
        # What one activity of a kind adds at most (None: a kind with negative points).
        gains: dict[str, float | None] = {}
        for rule in self.model.engagement:
            gain = gains.get(rule.kind, 0.0)
            gains[rule.kind] = None if gain is None or rule.points < 0 else gain + rule.points
        self.gains = gains

    def view(self, lead: Lead, rules_lead: Lead | None = None) -> _View:
        return _View(self, lead, rules_lead)

    def bounds(self, low: Score, high: Score) -> tuple[float, float]:
        """Bounds on engagement at any instant between two scores of one lead (same facts).

        A rule of positive points only loses worth as time passes (decay, leaving a window);
        one of negative points only gains; caps and the floor are monotone, so the bounds
        carry through them.
        """
        lows: dict[str | None, float] = {}
        highs: dict[str | None, float] = {}
        at_low = {p[0]: p[2] for p in low._parts if p[1] == "engagement"}
        at_high = {p[0]: p[2] for p in high._parts if p[1] == "engagement"}
        for rule in at_low.keys() | at_high.keys():
            a, b = at_low.get(rule, 0.0), at_high.get(rule, 0.0)
            group = self.signs[rule][1]
            lows[group] = lows.get(group, 0.0) + min(a, b)
            highs[group] = highs.get(group, 0.0) + max(a, b)
        lo = hi = 0.0
        for group in lows:
            cap = self.caps.get(group) if group is not None else None
            glo, ghi = lows[group], highs[group]
            if cap is not None:
                glo, ghi = min(glo, cap), min(ghi, cap)
            lo, hi = lo + glo, hi + ghi
        cap, floor = self.model.engagement_cap, self.model.floor
        if cap is not None:
            lo, hi = min(lo, cap), min(hi, cap)
        if floor is not None:
            lo, hi = max(lo, floor), max(hi, floor)
        if lo == hi:  # clamped to one value (a cap or the floor): exact, no margin needed
            return lo, hi
        return lo - _MARGIN, hi + _MARGIN


class _View:
    """A lead with fixed facts and stage under one engine: its score at any instant, its moves.

    The fit side of the score and the derived facts are worked out once per view.
    """

    __slots__ = ("base", "derived", "engine", "fit", "hopeless", "lead", "moves", "rules_lead")

    def __init__(
        self,
        engine: _Engine,
        lead: Lead,
        rules_lead: Lead | None = None,
        same: _View | None = None,
    ) -> None:
        self.engine = engine
        self.lead = lead
        self.base = lead.facts()
        self.moves = engine.moves.get(lead.stage)
        if same is not None and not engine.reads_stage:
            # Only the stage changed, and no fit rule reads it: the fit side stays.
            self.rules_lead: Lead = same.rules_lead
            self.fit: _Fit = same.fit
            self.derived: dict[str, object] = same.derived
        else:
            if rules_lead is None:
                rules_lead = Playbook._derived(lead)
            elif rules_lead.stage != lead.stage:
                rules_lead = attrs.evolve(rules_lead, stage=lead.stage, high_water=lead.high_water)
            self.rules_lead = rules_lead
            self.fit = fit = engine.model._fit_of(rules_lead)
            # The facts the playbook layers over the lead, without the moving ones.
            fake = _make_score(fit[2], 0.0, 0.0, fit[3], ())
            self.derived = engine.playbook._facts(rules_lead, fake)
            for name in _MOVING:
                del self.derived[name]
        # No score can move a lead whose facts rule every move out (Kleene: false, not unknown).
        moves = self.moves
        self.hopeless = moves is None or not any(
            c.evaluate({**self.base, **self.derived}) is not False for c in moves.static
        )

    def restaged(self, lead: Lead) -> _View:
        """The view of the same facts in the lead's new stage."""
        return _View(self.engine, lead, self.rules_lead, self)

    def score(self, activities: Sequence[Activity], at: datetime) -> Score:
        return self.engine.model._with_engagement(self.fit, self.lead.id, activities, at)

    def facts(self, score: Score) -> dict[str, object]:
        """The facts the playbook layers over the lead: derived ones and the score's."""
        return {**self.derived, **score.facts()}

    def moving(self, score: Score) -> bool:
        """Whether an automatic transition out of the lead's stage holds with this score."""
        moves = self.moves
        if moves is None or not moves.conditions:
            return False
        facts = {**self.base, **self.derived, **score.facts()}
        return any(c.evaluate(facts) is True for _, c in moves.conditions)

    def steady(self, low: Score, high: Score) -> bool:
        """Whether every condition of the moves is constant between these two instants."""
        moves = self.moves
        assert moves is not None  # only asked when a move is possible
        if low._parts == high._parts:
            return True
        lo, hi = self.engine.bounds(low, high)
        return self._clear(low.fit, lo, hi)

    def _clear(self, fit: float, lo: float, hi: float) -> bool:
        """Whether no threshold lies where engagement ranges over ``[lo, hi]``."""
        moves = self.moves
        assert moves is not None
        if lo == hi:
            return True
        if any(lo <= c <= hi for c in moves.engagement):
            return False
        return not any(fit + lo - _MARGIN <= c <= fit + hi + _MARGIN for c in moves.score)

    def below(self, engagement: float) -> bool:
        """Whether no threshold lies at or below this engagement: with engagement no higher,
        every condition of the moves reads as it did (for positive points only)."""
        return self._clear(self.fit[2], -math.inf, engagement + _MARGIN)

    def one_way(self, score: Score) -> bool:
        """Whether, with no new activity, no threshold can be reached from this score.

        With only positive engagement points counted, engagement can only fall as time
        passes; with only negative ones, only rise (each rule keeps its sign).
        """
        points = [p[2] for p in score._parts if p[1] == "engagement"]
        if not points or all(p == 0 for p in points):
            return True  # nothing left to decay: engagement stays as it is
        e = score.engagement
        if all(p >= 0 for p in points):
            return self._clear(score.fit, -math.inf, e + _MARGIN)
        if all(p <= 0 for p in points):
            return self._clear(score.fit, e - _MARGIN, math.inf)
        return False


class AutoMoves:
    """A playbook's automatic transitions, compiled once to answer `next_move` many times.

    >>> from datetime import datetime, timedelta, timezone
    >>> import smarketing as sm
    >>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    >>> lead = sm.Lead.new("L-1", at=t0, fields={"industry": "software"}, stage="prospect")
    >>> moves = sm.AutoMoves(sm.Playbook.default())
    >>> moves.next_move(lead, [], after=t0, before=t0 + timedelta(days=30)) is None
    True
    """

    __slots__ = ("_engine", "_views")

    def __init__(self, playbook: Playbook) -> None:
        given: object = playbook
        if not isinstance(given, Playbook):
            msg = f"AutoMoves needs a Playbook (got {playbook!r})."
            raise ValidationError(msg, value=playbook, where="AutoMoves", expected="a Playbook")
        self._engine = _Engine(playbook)
        # The last view of each lead, reused while the caller passes the same lead value.
        self._views: dict[str, _View] = {}

    def _view(self, lead: Lead) -> _View:
        view = self._views.get(lead.id)
        if view is None or view.lead is not lead:
            view = self._views[lead.id] = self._engine.view(lead)
        return view

    def step(
        self, lead: Lead, activities: Sequence[Activity], *, at: datetime, before: datetime
    ) -> tuple[Lead, datetime | None]:
        """``advance`` at ``at``, and when the lead it gives would next move (`next_move`
        over ``(at, before)``): a real-time CRM's step at an event, and its next timer.
        """
        check_aware(at, "step(at=...)")
        check_aware(before, "step(before=...)")
        view = self._view(lead)
        score = view.score(activities, at)
        if not view.hopeless and view.moving(score):
            lead = self._engine.lifecycle.advance(lead, at=at, facts=view.facts(score))
            view = self._views[lead.id] = view.restaged(lead)
        return lead, _next_move(view, activities, at, score, before)

    def next_move(
        self,
        lead: Lead,
        activities: Sequence[Activity],
        *,
        after: datetime,
        before: datetime,
    ) -> datetime | None:
        """The first instant in ``[after, before)`` at which ``advance`` would move ``lead``.

        See `next_move`.
        """
        check_aware(after, "next_move(after=...)")
        check_aware(before, "next_move(before=...)")
        if before <= after:
            return None
        view = self._view(lead)
        if view.hopeless:
            return None
        first = view.score(activities, after)
        if view.moving(first):
            return after
        return _next_move(view, activities, after, first, before)


def next_move(
    playbook: Playbook,
    lead: Lead,
    activities: Sequence[Activity],
    *,
    after: datetime,
    before: datetime,
) -> datetime | None:
    """The first instant in ``[after, before)`` at which ``playbook.advance`` would move ``lead``.

    The lead keeps the facts and stage it has; ``activities`` are its activities so far (later
    ones are not counted). Between recorded events a lead's score changes only by decay, by
    activities leaving a ``within`` window and through caps: each engagement rule of positive
    points only loses worth as time passes and each of negative points only gains, so the
    score at any instant of an interval is bounded by the rules' worth at its two ends. Where
    those bounds reach no threshold of the automatic transitions' conditions, nothing can
    change; elsewhere the interval is halved, down to the microsecond. The answer is exact:
    the earliest microsecond at which the conditions hold, or ``None``.

    A real-time CRM sets a timer for this instant; the demo's simulation does, and the backtest
    replays with it. `AutoMoves` compiles the playbook once for many calls.
    """
    return AutoMoves(playbook).next_move(lead, activities, after=after, before=before)


def _next_move(
    view: _View, activities: Sequence[Activity], at: datetime, score: Score, before: datetime
) -> datetime | None:
    """The first instant in ``(at, before)`` where a move holds, none holding at ``at``."""
    if before - at <= _TICK:
        return None
    moves = view.moves
    if moves is None or not (moves.score or moves.engagement):
        return None  # no conditions, or none on a moving fact: constant until the next event
    if view.hopeless or view.one_way(score):
        return None
    last_at = before - _TICK
    return _search(view, activities, at, score, last_at, view.score(activities, last_at))


def _search(
    view: _View,
    activities: Sequence[Activity],
    u: datetime,
    su: Score,
    v: datetime,
    sv: Score,
) -> datetime | None:
    """The first instant in ``(u, v]`` where a move holds, none holding at ``u``."""
    while True:
        if view.steady(su, sv):
            return None
        if v - u <= _TICK:
            return v if view.moving(sv) else None
        middle = u + (v - u) // 2  # whole microseconds: timedelta // int floors
        sm = view.score(activities, middle)
        if view.moving(sm):  # the first instant is at or before the middle
            found = _search(view, activities, u, su, middle, sm)
            return middle if found is None else found
        left = _search(view, activities, u, su, middle, sm)
        if left is not None:
            return left
        u, su = middle, sm


# --- the recorded past, lead by lead -----------------------------------------------------------


def _first_entry(lead: Lead, stage: str) -> datetime | None:
    return next((c.at for c in lead.history if c.to_stage == stage), None)


class _Timeline:
    """One recorded lead: its activities in time order and when each of its facts was learned."""

    __slots__ = (
        "activities",
        "customer",
        "fact_times",
        "fits",
        "known",
        "lead",
        "recorded",
        "sql",
        "times",
    )

    def __init__(self, lead: Lead, activities: list[Activity]) -> None:
        activities.sort(key=_at)
        self.lead = lead
        self.activities = tuple(activities)
        self.times = [a.at for a in activities]
        created = lead.created_at
        self.fact_times = sorted({fv.learned_at for fv in lead.fields.values()} - {created})
        self.fact_times = [t for t in self.fact_times if t > created]
        self.recorded = _first_entry(lead, MQL)
        self.sql = _first_entry(lead, SQL)
        self.customer = _first_entry(lead, CUSTOMER)
        self.known: dict[tuple[int, str], tuple[Lead, Lead]] = {}
        self.fits: dict[tuple[int, int], _Fit] = {}

    def known_at(self, at: datetime, stage: str) -> tuple[Lead, Lead]:
        """The lead as it stood at ``at`` in ``stage`` (the facts learned by then, no history),
        and the lead the playbook's rules read (with the facts derived from its job title)."""
        key = (bisect_right(self.fact_times, at), stage)
        known = self.known.get(key)
        if known is None:
            lead = self.lead
            fields = {k: fv for k, fv in lead.fields.items() if fv.learned_at <= at}
            lead = Lead(lead.id, stage, lead.created_at, lead.source, fields, (), stage)
            known = self.known[key] = (lead, Playbook._derived(lead))
        return known

    def fit(self, engine: _Engine, rules_lead: Lead) -> _Fit:
        """The fit side of the lead's score under ``engine``, once per set of known facts."""
        key = (id(engine), id(rules_lead))
        fit = self.fits.get(key)
        if fit is None:
            fit = self.fits[key] = engine.model._fit_of(rules_lead)
        return fit

    def events(self, end: datetime, kinds: Container[str]) -> list[datetime]:
        """Creation, every learned fact and every activity of ``kinds``, in time order, up to
        ``end`` (an activity no rule counts changes nothing: the score only decays past it)."""
        created = self.lead.created_at
        moments = {created, *self.fact_times}
        moments.update(a.at for a in self.activities if a.kind in kinds and a.at >= created)
        return sorted(t for t in moments if t <= end)

    def upto(self, at: datetime) -> tuple[Activity, ...]:
        return self.activities[: bisect_right(self.times, at)]


def _at(activity: Activity) -> datetime:
    return activity.at


class _World:
    """One lead replayed under one engine: where it stands, and when it first became an MQL."""

    __slots__ = ("engine", "lead", "mql", "view")

    def __init__(self, engine: _Engine, known: tuple[Lead, Lead]) -> None:
        self.engine = engine
        self.lead = known[0]
        self.view = engine.view(*known)
        self.mql: datetime | None = None

    def refresh(self, known: tuple[Lead, Lead]) -> None:
        """New facts: the lead keeps its stage and history."""
        lead, fields = self.lead, known[0].fields
        self.lead = Lead(
            lead.id, lead.stage, lead.created_at, lead.source, fields, lead.history, lead.high_water
        )
        self.view = self.engine.view(self.lead, known[1])

    def advance(self, score: Score, at: datetime) -> bool:
        """Apply the automatic moves at ``at``; whether the lead became an MQL."""
        view = self.view
        if view.hopeless or not view.moving(score):
            return False
        # Lifecycle.advance's rule, on the stage alone: the first automatic move (in
        # definition order) whose condition holds, never into a stage already visited.
        lead, extra, table = self.lead, view.facts(score), self.engine.moves
        stage, visited = lead.stage, {lead.stage}
        while True:
            facts = {**view.base, "stage": stage, **extra}
            moves = table[stage].conditions
            dest = next(
                (d for d, c in moves if d not in visited and c.evaluate(facts) is True), None
            )
            if dest is None:
                break
            if dest == MQL:
                self.mql = at
                return True
            stage = dest
            visited.add(dest)
        self.lead = Lead(
            lead.id, stage, lead.created_at, lead.source, lead.fields, (), lead.high_water
        )
        self.view = view.restaged(self.lead)
        return False


def _first_mqls(
    engines: Sequence[_Engine], tl: _Timeline, end: datetime, *, nested: bool = False
) -> list[datetime | None]:
    """When the lead first becomes an MQL under each engine (all sharing one scoring model).

    With ``nested``, a world whose definition holds implies that every world before it holds,
    so among the worlds in one stage only the first needs its next move searched.
    """
    initial = engines[0].lifecycle.initial
    events = tl.events(end, engines[0].model._by_kind)
    if not events:
        return [None] * len(engines)
    start_lead = tl.known_at(events[0], initial)
    worlds = [_World(engine, start_lead) for engine in engines]
    fact_times = set(tl.fact_times)
    gains = engines[0].gains
    pending = worlds
    stop = end + _TICK
    # An upper bound on engagement now, while every point counted is positive (it then only
    # decays) and the facts stay: an activity adds at most its rules' points. Below every
    # threshold, nothing can move the lead, and its score need not be worked out.
    bound: float | None = None
    seen = 0
    for k, at in enumerate(events):
        if at in fact_times:
            bound = None
            known = tl.known_at(at, initial)
            for world in pending:
                world.refresh(known)
        if all(w.view.hopeless for w in pending):
            continue  # nothing moves the lead until its facts change
        upto = bisect_right(tl.times, at)
        if bound is not None:
            for activity in tl.activities[seen:upto]:
                gain = gains.get(activity.kind, 0.0)
                bound = None if gain is None or bound is None else bound + gain
            if bound is not None and all(w.view.hopeless or w.view.below(bound) for w in pending):
                seen = upto
                continue
        seen = upto
        acts = tl.activities[:upto]
        score = pending[0].view.score(acts, at)
        bound = score.engagement if _positive(score) else None
        pending = [w for w in pending if not w.advance(score, at)]
        before = events[k + 1] if k + 1 < len(events) else stop
        while pending:
            if nested:
                firsts: dict[str, _World] = {}
                for world in pending:
                    firsts.setdefault(world.lead.stage, world)
                searched: Iterable[_World] = firsts.values()
            else:
                searched = pending
            found = [
                m
                for w in searched
                if (m := _next_move(w.view, acts, at, score, before)) is not None
            ]
            if not found:
                break
            at = min(found)
            score = pending[0].view.score(acts, at)
            bound = score.engagement if _positive(score) else None
            pending = [w for w in pending if not w.advance(score, at)]
        if not pending:
            break
    return [w.mql for w in worlds]


def _positive(score: Score) -> bool:
    """Whether every engagement point in the score is positive (so it can only decay)."""
    return all(p[2] >= 0 for p in score._parts if p[1] == "engagement")


# --- results ------------------------------------------------------------------------------------


@attrs.frozen
class Compared(Generic[_T]):
    """One figure under the baseline and under the candidate playbook."""

    baseline: _T
    candidate: _T


@attrs.frozen
class LeadReplay:
    """One lead in a backtest: its recorded dates and its MQL date under each playbook.

    ``recorded`` is its first recorded entry into ``mql`` (``sql`` and ``customer`` likewise);
    ``baseline`` and ``candidate`` are when each playbook would first have made it an MQL
    (``None``: never, by the window's end); ``baseline_score`` and ``candidate_score`` are
    what each playbook scores it at its recorded MQL date (``None`` without one). ``persona``
    and ``grade`` are the baseline's view of the lead at the window's end.
    """

    lead_id: str
    source: str | None
    persona: str | None
    grade: str
    recorded: datetime | None
    sql: datetime | None
    customer: datetime | None
    baseline: datetime | None
    candidate: datetime | None
    baseline_score: float | None
    candidate_score: float | None


@attrs.frozen
class MQLChange:
    """A lead whose MQL date moves: under the baseline, under the candidate, and in the record.

    ``None`` means the playbook does not make it an MQL inside the window; ``sql`` says
    whether sales accepted it in the recorded history (inside the window).
    """

    lead_id: str
    baseline: datetime | None
    candidate: datetime | None
    recorded: datetime | None
    sql: bool

    @property
    def days(self) -> float | None:
        """Days the candidate gains (positive) or loses against the baseline; ``None`` if
        one of them never makes the lead an MQL."""
        if self.baseline is None or self.candidate is None:
            return None
        return (self.baseline - self.candidate).total_seconds() / _DAY


@attrs.frozen
class PlaybookResult:
    """What one playbook would have done over the window.

    ``mqls``: leads it makes MQLs inside the window; ``captured``: of those, the leads that
    became SQLs inside the window in the recorded history (``customers``: that became
    customers); ``precision`` = captured / mqls; ``recall`` = captured / all recorded SQLs in
    the window (``customer_recall`` likewise); ``median_days_gained``: the median of recorded
    MQL date minus replayed MQL date, in days, over its MQLs that have a recorded one
    (positive: earlier than it happened); ``mqls_per_week``: the load on sales;
    ``median_score_at_recorded``: the median score it gives the leads at their recorded MQL
    date. Figures without data are ``None``.
    """

    mqls: int
    captured: int
    customers: int
    precision: float | None
    recall: float | None
    customer_recall: float | None
    median_days_gained: float | None
    mqls_per_week: float
    median_score_at_recorded: float | None


@attrs.frozen
class SweepRow:
    """One threshold of a sweep: MQL volume, SQLs captured and their rate, customers."""

    threshold: float
    mqls: int
    captured: int
    sql_rate: float | None
    customers: int
    mqls_per_week: float


@attrs.frozen
class Sweep:
    """The candidate's MQL threshold on ``fact`` swept: one row per threshold."""

    fact: str
    rows: tuple[SweepRow, ...]

    def to_markdown(self) -> str:
        """The sweep as a Markdown table."""
        lines = [
            f"| {self.fact} >= | MQLs | MQLs per week | SQLs captured | SQL rate | customers |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for r in self.rows:
            lines.append(
                f"| {_number(r.threshold)} | {r.mqls:,} | {r.mqls_per_week:.1f} | "
                f"{r.captured:,} | {_rate(r.sql_rate)} | {r.customers:,} |"
            )
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, object]:
        """The sweep as JSON-safe data."""
        return _data(self)


class _Inputs:
    """What `Backtest.sweep` and `Backtest.by` replay again: the timelines and the playbooks."""

    __slots__ = ("baseline", "candidate", "timelines")

    def __init__(self, baseline: Playbook, candidate: Playbook, timelines: list[_Timeline]):
        self.baseline, self.candidate, self.timelines = baseline, candidate, timelines


@attrs.frozen
class Backtest:
    """What a candidate playbook would have done against the baseline, over ``[start, end]``.

    ``leads`` holds every lead replayed (`LeadReplay`); ``baseline`` and ``candidate`` the
    figures of each playbook (`PlaybookResult`); ``sqls`` and ``customers`` the leads that
    became SQLs and customers inside the window in the recorded history; ``unknown_activities``
    the activities naming no given lead (counted, not replayed), with up to ten of their lead
    ids in ``unknown_leads``.
    """

    start: datetime
    end: datetime
    leads: tuple[LeadReplay, ...]
    baseline: PlaybookResult
    candidate: PlaybookResult
    sqls: int
    customers: int
    unknown_activities: int = 0
    unknown_leads: tuple[str, ...] = ()
    _inputs: _Inputs | None = attrs.field(default=None, eq=False, repr=False, alias="_inputs")

    @property
    def mqls(self) -> Compared[int]:
        """MQLs inside the window under each playbook."""
        return Compared(self.baseline.mqls, self.candidate.mqls)

    @property
    def captured(self) -> Compared[int]:
        """MQLs that became SQLs inside the window, under each playbook."""
        return Compared(self.baseline.captured, self.candidate.captured)

    @property
    def precision(self) -> Compared[float | None]:
        """Captured / MQLs under each playbook (the SQL rate of its MQLs)."""
        return Compared(self.baseline.precision, self.candidate.precision)

    @property
    def recall(self) -> Compared[float | None]:
        """Captured / recorded SQLs in the window, under each playbook."""
        return Compared(self.baseline.recall, self.candidate.recall)

    @property
    def changed(self) -> tuple[MQLChange, ...]:
        """The leads whose MQL date in the window differs between the playbooks, by lead id."""
        out = []
        for r in self.leads:
            b, c = self._inside(r.baseline), self._inside(r.candidate)
            if b != c:
                sql = r.sql is not None and self._inside(r.sql) is not None
                out.append(MQLChange(r.lead_id, b, c, r.recorded, sql))
        return tuple(out)

    @property
    def lost(self) -> tuple[MQLChange, ...]:
        """The baseline's MQLs that the candidate never makes MQLs in the window."""
        return tuple(c for c in self.changed if c.candidate is None)

    @property
    def gained(self) -> tuple[MQLChange, ...]:
        """The candidate's MQLs that the baseline never makes MQLs in the window."""
        return tuple(c for c in self.changed if c.baseline is None)

    def _inside(self, moment: datetime | None) -> datetime | None:
        return moment if moment is not None and self.start <= moment <= self.end else None

    def by(self, dimension: Dimension) -> dict[str | None, Backtest]:
        """Sub-backtests per ``persona``, ``source`` or ``grade`` (``None`` last)."""
        if dimension not in ("persona", "source", "grade"):
            msg = f"Backtest.by() takes 'persona', 'source' or 'grade' (got {dimension!r})."
            raise ValidationError(msg, value=dimension, where="by(dimension)", expected="persona")
        groups: dict[str | None, list[int]] = {}
        for index, r in enumerate(self.leads):
            groups.setdefault(getattr(r, dimension), []).append(index)
        keys: list[str | None] = sorted((k for k in groups if k is not None), key=str)
        if None in groups:
            keys.append(None)
        return {key: self._subset(groups[key]) for key in keys}

    def _subset(self, indexes: list[int]) -> Backtest:
        records = [self.leads[i] for i in indexes]
        inputs = self._inputs
        if inputs is not None:
            inputs = _Inputs(
                inputs.baseline, inputs.candidate, [inputs.timelines[i] for i in indexes]
            )
        return _result(records, self.start, self.end, inputs, 0, ())

    def sweep(self, fact: str, thresholds: Iterable[float]) -> Sweep:
        """The candidate's MQL threshold on ``fact`` swept over ``thresholds``, in one pass.

        ``fact`` is one the candidate's MQL definition compares with ``>=`` or ``>`` (``score``,
        ``fit``, ``probability``, ...); each threshold replaces the number in those
        comparisons. When every such comparison is positive (not under ``not``), a stricter
        threshold can only qualify a lead later, so one replay per lead serves every
        threshold; otherwise each threshold is replayed on its own.
        """
        inputs = self._inputs
        if inputs is None:
            msg = "this backtest was rebuilt from data; sweep() needs the leads it replayed."
            raise ValidationError(msg, value=self, where="Backtest.sweep", expected="a replay")
        values = sorted({_threshold(t) for t in thresholds})
        if not values:
            msg = "sweep() needs at least one threshold."
            raise ValidationError(msg, value=thresholds, where="sweep(thresholds)")
        engines, nested = _swept(inputs.candidate, fact, values)
        sqls = sum(1 for r in self.leads if self._inside(r.sql) is not None)
        counts = [[0, 0, 0] for _ in values]
        for tl in inputs.timelines:
            for i, mql in enumerate(_first_mqls(engines, tl, self.end, nested=nested)):
                if self._inside(mql) is None:
                    continue
                row = counts[i]
                row[0] += 1
                row[1] += self._inside(tl.sql) is not None
                row[2] += self._inside(tl.customer) is not None
        weeks = (self.end - self.start) / _WEEK
        _ = sqls
        rows = tuple(
            SweepRow(v, n, c, c / n if n else None, w, n / weeks if weeks else 0.0)
            for v, (n, c, w) in zip(values, counts, strict=True)
        )
        return Sweep(fact, rows)

    def to_dict(self) -> dict[str, object]:
        """The backtest as JSON-safe data: times as ISO 8601 text, figures as numbers."""
        return _data(self)

    def to_markdown(self, *, limit: int = 10) -> str:
        """The backtest as Markdown: the two playbooks side by side, then the moved leads."""
        b, c = self.baseline, self.candidate
        rows: list[tuple[str, str, str]] = [
            ("MQLs", f"{b.mqls:,}", f"{c.mqls:,}"),
            ("MQLs per week", f"{b.mqls_per_week:.1f}", f"{c.mqls_per_week:.1f}"),
            ("captured (became SQL)", f"{b.captured:,}", f"{c.captured:,}"),
            ("customers captured", f"{b.customers:,}", f"{c.customers:,}"),
            ("precision (SQL rate)", _rate(b.precision), _rate(c.precision)),
            ("recall of recorded SQLs", _rate(b.recall), _rate(c.recall)),
            ("recall of recorded customers", _rate(b.customer_recall), _rate(c.customer_recall)),
            ("median days gained", _days(b.median_days_gained), _days(c.median_days_gained)),
            (
                "median score at recorded MQL",
                _optional(b.median_score_at_recorded),
                _optional(c.median_score_at_recorded),
            ),
        ]
        lines = [
            f"**Backtest** from {self.start.isoformat()} to {self.end.isoformat()}: "
            f"{len(self.leads):,} leads, {self.sqls:,} recorded SQLs, "
            f"{self.customers:,} recorded customers.",
            "",
            "| | baseline | candidate |",
            "|---|---:|---:|",
            *(f"| {name} | {x} | {y} |" for name, x, y in rows),
        ]
        if self.unknown_activities:
            lines += [
                "",
                f"{self.unknown_activities:,} activities name no given lead and were not "
                f"replayed (e.g. {', '.join(self.unknown_leads)}).",
            ]
        lost, gained = self.lost, self.gained
        moved = [x for x in self.changed if x.baseline is not None and x.candidate is not None]
        lines += [
            "",
            f"{len(self.changed):,} leads change: {len(lost):,} lost "
            f"({sum(x.sql for x in lost):,} of them recorded SQLs), {len(gained):,} gained, "
            f"{len(moved):,} moved.",
        ]
        if self.changed:
            lines += ["", "| lead | baseline | candidate | recorded SQL |", "|---|---|---|---|"]
            for x in self.changed[:limit]:
                lines.append(
                    f"| {x.lead_id} | {_when(x.baseline)} | {_when(x.candidate)} | "
                    f"{'yes' if x.sql else 'no'} |"
                )
            if len(self.changed) > limit:
                lines.append(f"| ... {len(self.changed) - limit:,} more | | | |")
        return "\n".join(lines) + "\n"


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.isoformat(sep=" ", timespec="minutes")


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def _optional(value: float | None) -> str:
    return "—" if value is None else _number(value)


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _plain(_instance: object, field: attrs.Attribute[object], value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _data(value: object) -> dict[str, object]:
    return attrs.asdict(
        value,  # type: ignore[arg-type]
        filter=lambda a, _v: not a.name.startswith("_"),
        value_serializer=_plain,
    )


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _stats(
    records: Sequence[LeadReplay],
    which: Literal["baseline", "candidate"],
    start: datetime,
    end: datetime,
    sqls: int,
    customers: int,
) -> PlaybookResult:
    def inside(moment: datetime | None) -> bool:
        return moment is not None and start <= moment <= end

    mqls = captured = won = 0
    gained: list[float] = []
    scores: list[float] = []
    for r in records:
        score = r.baseline_score if which == "baseline" else r.candidate_score
        if score is not None:
            scores.append(score)
        mql = r.baseline if which == "baseline" else r.candidate
        if not inside(mql):
            continue
        mqls += 1
        captured += inside(r.sql)
        won += inside(r.customer)
        if r.recorded is not None and mql is not None:
            gained.append((r.recorded - mql).total_seconds() / _DAY)
    weeks = (end - start) / _WEEK
    return PlaybookResult(
        mqls=mqls,
        captured=captured,
        customers=won,
        precision=captured / mqls if mqls else None,
        recall=captured / sqls if sqls else None,
        customer_recall=won / customers if customers else None,
        median_days_gained=_median(gained),
        mqls_per_week=mqls / weeks if weeks else 0.0,
        median_score_at_recorded=_median(scores),
    )


def _result(
    records: Sequence[LeadReplay],
    start: datetime,
    end: datetime,
    inputs: _Inputs | None,
    unknown: int,
    unknown_leads: tuple[str, ...],
) -> Backtest:
    def inside(moment: datetime | None) -> bool:
        return moment is not None and start <= moment <= end

    sqls = sum(inside(r.sql) for r in records)
    customers = sum(inside(r.customer) for r in records)
    return Backtest(
        start,
        end,
        tuple(records),
        _stats(records, "baseline", start, end, sqls, customers),
        _stats(records, "candidate", start, end, sqls, customers),
        sqls,
        customers,
        unknown,
        unknown_leads,
        _inputs=inputs,
    )


# --- the sweep: one definition, many thresholds ---------------------------------------------------


def _threshold(value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        msg = f"sweep() thresholds must be finite numbers (got {value!r})."
        raise ValidationError(msg, value=value, where="sweep(thresholds)", expected="a number")
    return float(value)


def _replace(
    condition: Condition, fact: str, value: float, positive: bool, seen: list[bool]
) -> Condition:
    """``condition`` with ``fact >= x`` / ``fact > x`` comparing with ``value`` instead.

    ``seen`` collects, per comparison replaced, whether it sat in a positive position.
    """
    if isinstance(condition, _Junction):
        parts = tuple(_replace(p, fact, value, positive, seen) for p in condition.parts)
        return type(condition)(parts)
    if isinstance(condition, Not):
        return Not(_replace(condition.part, fact, value, not positive, seen))
    if isinstance(condition, Compare) and condition.name == fact and condition.op in (">=", ">"):
        seen.append(positive)
        return Compare(fact, condition.op, value)
    return condition


def _swept(playbook: Playbook, fact: str, values: list[float]) -> tuple[list[_Engine], bool]:
    lc = playbook.lifecycle
    into = [t for t in lc.transitions if t.dest == MQL and t.is_auto]
    engines = []
    seen: list[bool] = []
    for value in values:
        seen.clear()
        transitions = []
        for t in lc.transitions:
            if t in into:
                when = _replace(t.when, fact, value, True, seen)
                auto = t.auto
                if isinstance(auto, Condition):
                    auto = _replace(auto, fact, value, True, seen)
                t = Transition(
                    t.trigger,
                    list(t.source),
                    t.dest,
                    when=when,
                    auto=auto,
                    requires_reason=t.requires_reason,
                )
            transitions.append(t)
        if not seen:
            msg = (
                f"the candidate's MQL definition compares no {fact!r} with >= or > "
                f"(it reads: {'; '.join(str(t.auto_condition()) for t in into) or 'nothing'})."
            )
            raise ValidationError(msg, value=fact, where="sweep(fact)", expected="a fact it reads")
        swept = Lifecycle(stages=lc.stages, initial=lc.initial, transitions=transitions)
        engines.append(_Engine(attrs.evolve(playbook, lifecycle=swept)))
    return engines, all(seen)


# --- the backtest ---------------------------------------------------------------------------------


def backtest(
    leads: Iterable[Lead],
    activities: Iterable[Activity],
    *,
    baseline: Playbook,
    candidate: Playbook,
    start: datetime,
    end: datetime,
) -> Backtest:
    """Replay the recorded leads and activities under two playbooks, over ``[start, end]``.

    Each lead (with its recorded ``history`` and its fields' ``learned_at``) is replayed from
    its creation in time order under each playbook, following the playbook's automatic
    transitions from the lifecycle's initial stage; it becomes an MQL the first time they take
    it to ``mql``. A fact counts from when it was learned (a field learned twice counts from
    the last time, the only one a lead keeps). The two playbooks share one pass over the data.

    Bad input is an error naming it: a history out of time order or naming a stage or move
    the baseline's lifecycle lacks, two leads with one id, a window that ends before it
    starts. Activities of leads not given are counted in the result, not replayed.
    """
    check_aware(start, "backtest(start=...)")
    check_aware(end, "backtest(end=...)")
    if end < start:
        msg = (
            f"backtest(): the window ends ({end.isoformat()}) before it starts "
            f"({start.isoformat()})."
        )
        raise ValidationError(msg, value=end, where="backtest(end=...)", expected="end >= start")
    playbooks: tuple[tuple[str, object], ...] = (("baseline", baseline), ("candidate", candidate))
    for name, pb in playbooks:
        if not isinstance(pb, Playbook):
            msg = f"backtest(): {name} must be a Playbook (got {pb!r})."
            raise ValidationError(msg, value=pb, where=f"backtest({name}=...)", expected="Playbook")
    given: dict[str, Lead] = {}
    items: Iterable[object] = leads  # checked one by one: the data may come from a file
    for lead in items:
        if not isinstance(lead, Lead):
            msg = f"backtest() needs Lead values (got {lead!r})."
            raise ValidationError(msg, value=lead, where="backtest(leads)", expected="a Lead")
        if lead.id in given:
            msg = f"backtest(): two leads have the id {lead.id!r}."
            raise ValidationError(msg, value=lead.id, where=f"lead {lead.id!r}", expected="unique")
        _check_history(baseline.lifecycle, lead)
        given[lead.id] = lead
    grouped: dict[str, list[Activity]] = {lead_id: [] for lead_id in given}
    unknown = 0
    unknown_leads: list[str] = []
    records_in: Iterable[object] = activities
    for activity in records_in:
        if not isinstance(activity, Activity):
            msg = f"backtest() needs Activity values (got {activity!r})."
            raise ValidationError(msg, value=activity, where="activities", expected="Activity")
        group = grouped.get(activity.lead_id)
        if group is None:
            unknown += 1
            if len(unknown_leads) < 10 and activity.lead_id not in unknown_leads:
                unknown_leads.append(activity.lead_id)
        else:
            group.append(activity)
    base, cand = _Engine(baseline), _Engine(candidate)
    timelines: list[_Timeline] = []
    records: list[LeadReplay] = []
    for lead in given.values():
        if lead.created_at > end:
            continue
        tl = _Timeline(lead, grouped[lead.id])
        timelines.append(tl)
        records.append(_replay(tl, base, cand, end))
    inputs = _Inputs(baseline, candidate, timelines)
    return _result(records, start, end, inputs, unknown, tuple(unknown_leads))


def _check_history(lifecycle: Lifecycle, lead: Lead) -> None:
    """A recorded history must be moves of the lifecycle, in time order, after creation.

    A quick pass over the changes; at the first doubt `Lifecycle.replay` (the one check of
    recorded changes) names the problem.
    """
    history = lead.history
    if not history:
        lifecycle.stage(lead.stage)
        return
    table = lifecycle._table
    stage, last = history[0].from_stage, lead.created_at
    for change in history:
        move = table.get(stage, {}).get(change.trigger)
        if (
            change.from_stage != stage
            or move is None
            or move.dest != change.to_stage
            or change.at < last
        ):
            break
        stage, last = change.to_stage, change.at
    else:
        if stage == lead.stage:
            return
    first = history[0].from_stage
    start = Lead(lead.id, first, lead.created_at, lead.source, {}, (), first)
    end = lifecycle.replay(start, history)
    if end.stage != lead.stage:
        msg = f"lead {lead.id!r} is in stage {lead.stage!r}, but its history ends in {end.stage!r}."
        raise ValidationError(msg, value=lead.stage, where=f"lead {lead.id!r}.stage")


def _score_at(engine: _Engine, tl: _Timeline, at: datetime | None) -> float | None:
    if at is None:
        return None
    rules_lead = tl.known_at(at, engine.lifecycle.initial)[1]
    fit = tl.fit(engine, rules_lead)
    return engine.model._with_engagement(fit, tl.lead.id, tl.upto(at), at).total


def _replay(tl: _Timeline, base: _Engine, cand: _Engine, end: datetime) -> LeadReplay:
    lead = tl.lead
    baseline = _first_mqls([base], tl, end)[0]
    candidate = _first_mqls([cand], tl, end)[0]
    rules_lead = tl.known_at(end, base.lifecycle.initial)[1]
    grade = tl.fit(base, rules_lead)[3]
    match = base.playbook.personas.match(rules_lead.facts())
    return LeadReplay(
        lead_id=lead.id,
        source=lead.source,
        persona=None if match is None else match.persona.name,
        grade=grade,
        recorded=tl.recorded,
        sql=tl.sql,
        customer=tl.customer,
        baseline=baseline,
        candidate=candidate,
        baseline_score=_score_at(base, tl, tl.recorded),
        candidate_score=_score_at(cand, tl, tl.recorded),
    )
