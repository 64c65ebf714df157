"""The recorded past, lead by lead: a lead's activities and learned facts in time order, and
its replay under one or more playbooks up to its first MQL entry.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Container, Iterable, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Final

from smarketing.backtest._moves import _TICK, _Engine, _next_move
from smarketing.leads import Activity, Lead, rebuilt
from smarketing.playbook import Playbook
from smarketing.scoring import Score, _Fit

#: The stages a backtest reads from the lifecycle: the handoff, sales' acceptance, the win.
MQL: Final = "mql"
SQL: Final = "sql"
CUSTOMER: Final = "customer"


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
            lead = rebuilt(
                lead, stage=stage, fields=MappingProxyType(fields), history=(), high_water=stage
            )
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
        self.lead = rebuilt(lead, fields=fields)
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
        self.lead = rebuilt(lead, stage=stage, history=())
        self.view = view.restaged(self.lead)
        return False


def _first_mqls(
    engines: Sequence[_Engine], tl: _Timeline, end: datetime, *, nested: bool = False
) -> list[datetime | None]:
    """When the lead first becomes an MQL under each engine (all sharing one scoring model).

    With ``nested``, a world whose definition holds implies that every world before it holds,
    so among the worlds in one stage only the first needs its next move searched. The lead
    was created by ``end`` (the backtest replays no other), so its creation is the first event.
    """
    initial = engines[0].lifecycle.initial
    events = tl.events(end, engines[0].model._by_kind)
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
