"""The demo's simulation: a playbook at work on a population, event by event, with a small
simulated sales team working the MQLs."""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Final

import attrs

from smarketing.backtest import AutoMoves
from smarketing.demo._population import FREE_MAIL, Population, Table
from smarketing.errors import ConfigError
from smarketing.funnel import FunnelReport, funnel_report
from smarketing.leads import Activity, Lead
from smarketing.personas import derive_facts
from smarketing.playbook import Playbook

__all__ = ["DEFAULT_START", "Simulation", "simulate"]

#: When the demo's period starts (a Monday); the demo never reads the clock.
DEFAULT_START: Final = datetime(2026, 1, 5, tzinfo=timezone.utc)
#: The demo's sales team: each rep, and how often they make the first touch in time.
REPS: Final = (
    ("sales:ana", 0.93),
    ("sales:ben", 0.85),
    ("sales:chloe", 0.6),
    ("sales:dev", 0.8),
)
#: The share of MQLs that nobody ever touches: they sit in the queue and go stale.
FORGOTTEN: Final = 0.03
#: How likely sales accepts an MQL that nothing rules out, by the lead's persona.
ACCEPT: Final = {
    "Marketing leader": 0.6,
    "Founder": 0.55,
    "Sales leader": 0.45,
    "Marketing practitioner": 0.35,
    "Technical evaluator": 0.3,
    None: 0.2,
}
#: How likely an SQL becomes a customer, by the lead's persona (the rest are lost).
WIN: Final = {"Marketing leader": 0.5, "Founder": 0.5, "Sales leader": 0.4, None: 0.25}
#: Why sales hands back an MQL that nothing in its profile rules out.
RECYCLE_REASONS: Final = (
    ("bad timing", 40),
    ("no budget", 25),
    ("no authority", 20),
    ("no need", 15),
)
#: Why a deal is lost; the lead goes back to nurture.
LOST_REASONS: Final = (("chose a competitor", 45), ("no decision", 35), ("budget cut", 20))
#: Why sales rules an MQL out altogether, and how likely each is.
DISQUALIFY: Final = (("competitor", 0.015), ("fake data", 0.015))
BUDGETS: Final = ("under $10k", "$10k-$50k", "over $50k")
TIMELINES: Final = ("this quarter", "next quarter", "this year")
#: What brings a recycled lead back to marketing's attention, once it has rested a while.
REENGAGE_KINDS: Final = frozenset({"demo_request", "webinar"})
NURTURE: Final = timedelta(days=21)
#: The triggers the simulated team fires; the playbook's lifecycle must have them all.
TRIGGERS: Final = ("engage", "qualify", "accept", "recycle", "win", "disqualify", "reengage")

_RECYCLE, _LOST = Table(RECYCLE_REASONS), Table(LOST_REASONS)
#: The stage a lead must still be in for each step of the sales team's work.
_WAITING: Final = {"touch": "mql", "decide": "mql", "close": "sql"}
_TICK: Final = timedelta(microseconds=1)


@attrs.frozen
class Simulation:
    """A population after a playbook ran over it.

    ``leads`` are the leads as they stand at ``end`` (in creation order, each with its stage
    history); ``activities`` are the leads' activities and the sales team's touches (``call``,
    ``sales_email``, ``meeting``), sorted by time.
    """

    leads: tuple[Lead, ...]
    activities: tuple[Activity, ...]
    start: datetime
    end: datetime
    playbook: Playbook = attrs.field(eq=False, repr=False)

    def report(self) -> FunnelReport:
        """The funnel over the simulated period, with the playbook's SLA on its calendar."""
        pb = self.playbook
        return funnel_report(
            self.leads,
            lifecycle=pb.lifecycle,
            start=self.start,
            end=self.end,
            sla=pb.sla,
            activities=self.activities,
            calendar=pb.clock,
        )


def simulate(
    pop: Population,
    playbook: Playbook | None = None,
    *,
    seed: int = 0,
    on_day: Callable[[int, int], None] | None = None,
) -> Simulation:
    """Run ``playbook`` (the default one if omitted) over ``pop``, event by event.

    At each activity the playbook moves the lead on its own (engage and qualify), as a
    real-time CRM would: at the instant the definition holds, not at the next tick; a lead
    that decay would move later (an old unsubscribe wearing off) gets a timer for that exact
    instant (`smarketing.AutoMoves.step`). Each new MQL gets a rep, who makes a first touch
    (usually within the SLA, sometimes late, now and then never), then accepts it (learning
    budget and timeline) or recycles it with a reason that depends on who the lead is; a few
    are disqualified. Some SQLs
    become customers after a few weeks, the others are lost and recycled. A recycled lead that
    requests a demo or joins a webinar after three weeks is re-engaged by marketing.

    ``on_day(day, days)`` is called after each simulated day (for progress bars). The
    lifecycle must have the default lifecycle's triggers (a ``ConfigError`` otherwise).
    """
    pb = Playbook.default() if playbook is None else playbook
    missing = [t for t in TRIGGERS if t not in pb.lifecycle.triggers]
    if missing:
        msg = f"simulate() needs a lifecycle with the triggers {', '.join(missing)}."
        raise ConfigError(msg, key="lifecycle", piece=missing)
    return _World(pop, pb, seed).run(on_day)


class _World:
    """The simulation's mutable state: where every lead stands, what is scheduled, who works it."""

    def __init__(self, pop: Population, pb: Playbook, seed: int) -> None:
        self.pop, self.pb, self.lc, self.clock = pop, pb, pb.lifecycle, pb.clock
        self.rng = random.Random(seed)
        self.first_touch = pb.sla.first_touch if pb.sla is not None else timedelta(hours=4)
        self.leads = {lead.id: lead for lead in pop.leads}
        self.seen: dict[str, list[Activity]] = {lead.id: [] for lead in pop.leads}
        self.touches: list[Activity] = []
        self.reps: dict[str, tuple[str, float]] = {}
        self.events: list[tuple[datetime, int, str, str]] = []
        self.order = itertools.count()
        self.auto = frozenset(s for t in self.lc.transitions if t.is_auto for s in t.source)
        self.timers: dict[str, int] = {}
        self.moves = AutoMoves(pb)
        self.stop = pop.end + _TICK

    def run(self, on_day: Callable[[int, int], None] | None) -> Simulation:
        pop, seen, leads, events = self.pop, self.seen, self.leads, self.events
        acts, i, count = pop.activities, 0, len(pop.activities)
        days = math.ceil((pop.end - pop.start) / timedelta(days=1))
        for day in range(days):
            until = min(pop.start + timedelta(days=day + 1), pop.end)
            while True:
                due = acts[i].at if i < count and acts[i].at <= until else None
                # The sales team's work and the playbook's timers come first at the same instant.
                if events and events[0][0] <= until and (due is None or events[0][0] <= due):
                    self._run_event()
                    continue
                if due is None:
                    break
                # Every activity at this instant, then the automatic moves they make possible.
                fresh: dict[str, None] = {}
                back: dict[str, None] = {}
                while i < count and acts[i].at == due:
                    activity = acts[i]
                    i += 1
                    lead_id = activity.lead_id
                    seen[lead_id].append(activity)
                    fresh[lead_id] = None
                    if activity.kind in REENGAGE_KINDS and leads[lead_id].stage == "recycled":
                        since = leads[lead_id].entered("recycled")
                        if since is not None and activity.at - since >= NURTURE:
                            back[lead_id] = None
                for lead_id in back:
                    leads[lead_id] = self.lc.fire(
                        leads[lead_id], "reengage", at=due, actor="marketing:nurture"
                    )
                self._advance(fresh, due)
            if on_day is not None:
                on_day(day + 1, days)
        everything = [*pop.activities, *self.touches]
        everything.sort(key=lambda a: (a.at, a.lead_id, a.kind))
        return Simulation(
            tuple(leads[lead.id] for lead in pop.leads),
            tuple(everything),
            pop.start,
            pop.end,
            self.pb,
        )

    def _advance(self, fresh: Iterable[str], at: datetime) -> None:
        """The automatic moves of the leads that did something; new MQLs go to sales.

        A lead the playbook does not move to an MQL gets a timer for the instant decay would
        move it on (`AutoMoves.step`), as a real-time CRM sets one; a later activity or
        timer replaces it.
        """
        leads, seen, timers, auto = self.leads, self.seen, self.timers, self.auto
        for lead_id in fresh:
            before = leads[lead_id]
            timers.pop(lead_id, None)
            if before.stage not in auto:
                continue
            after, when = self.moves.step(before, seen[lead_id], at=at, before=self.stop)
            if after is not before:
                leads[lead_id] = after
                if after.stage == "mql":
                    self._assign(after, at)
            if when is not None and leads[lead_id].stage in auto:
                order = next(self.order)
                timers[lead_id] = order
                heapq.heappush(self.events, (when, order, lead_id, "auto"))

    # --- the sales team -------------------------------------------------------------------

    def _schedule(self, at: datetime, lead_id: str, action: str) -> None:
        if at <= self.pop.end:
            heapq.heappush(self.events, (at, next(self.order), lead_id, action))

    def _run_event(self) -> None:
        at, order, lead_id, action = heapq.heappop(self.events)
        lead = self.leads[lead_id]
        if action == "auto":
            if self.timers.get(lead_id) == order:  # not replaced by a later activity
                self._advance((lead_id,), at)
            return
        if lead.stage == _WAITING[action]:  # else the playbook moved it on while sales was busy
            if action == "touch":
                self._touch(lead, at)
            elif action == "decide":
                self._decide(lead, at)
            else:
                self._close(lead, at)

    def _assign(self, lead: Lead, at: datetime) -> None:
        """A new MQL: its rep (the same one when it comes back) plans the first touch."""
        rng = self.rng
        rep = self.reps.get(lead.id)
        if rep is None:
            rep = self.reps[lead.id] = REPS[rng.randrange(len(REPS))]
            self.leads[lead.id] = lead.learn({"owner": rep[0]}, at=at, source="crm")
        if rng.random() < FORGOTTEN:
            return
        share = rng.uniform(0.1, 0.95) if rng.random() < rep[1] else rng.uniform(1.2, 8.0)
        self._schedule(self.clock.add(at, self.first_touch * share), lead.id, "touch")

    def _log(self, lead_id: str, kind: str, at: datetime) -> None:
        self.touches.append(Activity(lead_id, kind, at, {"rep": self.reps[lead_id][0]}))

    def _touch(self, lead: Lead, at: datetime) -> None:
        self._log(lead.id, "call" if self.rng.random() < 0.6 else "sales_email", at)
        later = self.clock.add(at, timedelta(hours=self.rng.uniform(2, 30)))
        self._schedule(later, lead.id, "decide")

    def _decide(self, lead: Lead, at: datetime) -> None:
        """Sales accepts the MQL, recycles it with a reason, or (rarely) rules it out."""
        rng, rep = self.rng, self.reps[lead.id][0]
        roll = rng.random()
        for reason, chance in DISQUALIFY:
            if roll < chance:
                self.leads[lead.id] = self.lc.fire(
                    lead, "disqualify", at=at, actor=rep, reason=reason
                )
                return
            roll -= chance
        problem = _problem(derive_facts(lead))
        persona = self._persona(lead)
        if problem is None and rng.random() < ACCEPT.get(persona, ACCEPT[None]):
            self._log(lead.id, "meeting", at)
            size = lead.value("company_size")
            big = isinstance(size, int | float) and size >= 500
            learned = {
                "budget": BUDGETS[min(2, rng.randrange(3) + big)],
                "timeline": TIMELINES[rng.randrange(3)],
            }
            lead = lead.learn(learned, at=at, source=rep)
            self.leads[lead.id] = self.lc.fire(lead, "accept", at=at, actor=rep)
            self._schedule(at + timedelta(days=rng.uniform(14, 75)), lead.id, "close")
            return
        reason = problem or _RECYCLE.draw(rng)
        self.leads[lead.id] = self.lc.fire(lead, "recycle", at=at, actor=rep, reason=reason)

    def _close(self, lead: Lead, at: datetime) -> None:
        """The deal is won, or lost and the lead recycled."""
        rng, rep = self.rng, self.reps[lead.id][0]
        self._log(lead.id, "meeting", at)
        if rng.random() < WIN.get(self._persona(lead), WIN[None]):
            self.leads[lead.id] = self.lc.fire(lead, "win", at=at, actor=rep)
        else:
            reason = _LOST.draw(rng)
            self.leads[lead.id] = self.lc.fire(lead, "recycle", at=at, actor=rep, reason=reason)

    def _persona(self, lead: Lead) -> str | None:
        match = self.pb.personas.match(lead)
        return None if match is None else match.persona.name


def _problem(facts: dict[str, object]) -> str | None:
    """What in the profile makes sales hand the lead back, whatever the score says."""
    title = str(facts.get("job_title") or "").lower()
    if facts.get("seniority") == "entry" or "student" in title:
        return "student"
    size = facts.get("company_size")
    if isinstance(size, int | float) and size < 10:
        return "no budget"
    if str(facts.get("email") or "").split("@")[-1] in FREE_MAIL:
        return "no budget"
    if facts.get("seniority") == "individual":
        return "no authority"
    return None
