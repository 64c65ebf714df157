"""When a playbook's definition next changes for a lead: the one answer to "when would the
automatic transitions next move this lead", for the backtest and the demo's simulation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

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
from smarketing.leads import Activity, Lead, check_aware, rebuilt
from smarketing.lifecycle import Lifecycle
from smarketing.playbook import Playbook
from smarketing.scoring import LetterGrading, Score, ScoringModel, _Fit, _make_score

#: The facts that change between events (decay, windows, caps), read from the score.
_MOVING: Final = ("score", "engagement")
_TICK: Final = timedelta(microseconds=1)

# Bounds are built from per-rule points without the score's exact adjustments; this margin
# keeps them safely wide: points live on a 2**-30 grid, and a rule's points move monotonically
# in time up to one rounding step, so 16 grid steps cover every rounding. It also sets how
# long the search splits intervals near a threshold, where no bound can rule a move out:
# 1e-6 (about 1,000 steps) made a lead cooling below a score threshold cost ~40 ms a step in
# the demo's simulation (60 leads, 60 days: 4.6 s), 2**-26 costs 0.1 s there.
_MARGIN: Final = 2.0**-26


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
    elif type(condition).__module__.split(".")[:2] != ["smarketing", "conditions"]:
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
                rules_lead = rebuilt(rules_lead, stage=lead.stage, high_water=lead.high_water)
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
        assert moves is not None  # asked only of a view that is not hopeless
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
