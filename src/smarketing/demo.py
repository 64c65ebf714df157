"""The demo: synthetic leads and activities, and the playbook at work on them, day by day.

The same seed gives the same population and the same story, byte for byte, on every machine:
everything is drawn from one ``random.Random(seed)`` and the start time comes in as ``start=``.
`population` makes the leads and what they do; `simulate` runs a playbook over them event by
event, as a real-time CRM would, with a small simulated sales team working the MQLs; `story`
tells what happened.

>>> from datetime import datetime, timezone
>>> from smarketing.demo import population, simulate, story
>>> pop = population(3, seed=7, start=datetime(2026, 1, 1, tzinfo=timezone.utc))
>>> [lead.id for lead in pop.leads]
['L-00001', 'L-00002', 'L-00003']
>>> pop == population(3, seed=7, start=datetime(2026, 1, 1, tzinfo=timezone.utc))
True
>>> sim = simulate(population(300, seed=7, start=datetime(2026, 1, 5, tzinfo=timezone.utc)))
>>> sorted({lead.stage for lead in sim.leads})
['customer', 'disqualified', 'mql', 'prospect', 'recycled', 'sql', 'suspect']
>>> story(sim).splitlines()[0]
'# The smarketing demo'
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import textwrap
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Final

import attrs

from smarketing.attribution import Cost, attribute
from smarketing.backtest import AutoMoves
from smarketing.errors import ConfigError, ValidationError
from smarketing.funnel import FunnelReport, funnel_report, human_duration
from smarketing.leads import Activity, Lead, StageChange, check_aware
from smarketing.personas import derive_facts
from smarketing.playbook import Playbook

__all__ = [
    "DEFAULT_START",
    "Population",
    "Simulation",
    "costs",
    "funnel_chart",
    "population",
    "report",
    "simulate",
    "story",
]

INDUSTRIES: Final = (
    ("software", 18),
    ("saas", 14),
    ("fintech", 8),
    ("ecommerce", 9),
    ("manufacturing", 10),
    ("healthcare", 8),
    ("education", 7),
    ("agency", 9),
    ("retail", 8),
    ("nonprofit", 4),
    ("government", 3),
    ("logistics", 6),
)
COUNTRIES: Final = (
    ("US", 34),
    ("GB", 12),
    ("DE", 14),
    ("FR", 9),
    ("ES", 7),
    ("NL", 6),
    ("CA", 7),
    ("AU", 5),
    ("IN", 6),
)
SOURCES: Final = (
    ("organic", 24),
    ("paid_search", 18),
    ("webinar", 14),
    ("content", 14),
    ("referral", 8),
    ("event", 10),
    ("outbound", 12),
)
# Titles as people type them, with how likely they are; the parser reads all of these.
TITLES: Final = (
    ("VP Marketing", 4),
    ("VP of Mktg & Demand Gen", 2),
    ("Head of Marketing", 5),
    ("Marketing Director", 4),
    ("Director, Demand Generation", 3),
    ("Marketing Manager", 8),
    ("Sr. Marketing Manager", 3),
    ("Content Marketing Manager", 3),
    ("Marketing Specialist", 5),
    ("Marketing Coordinator", 4),
    ("Growth Marketer", 2),
    ("CMO", 2),
    ("Chief Marketing Officer", 1),
    ("Marketing Operations Manager", 3),
    ("Head of Marketing Ops", 1),
    ("VP Sales", 3),
    ("Head of Sales EMEA", 2),
    ("Sales Director", 3),
    ("Sales Manager", 5),
    ("Account Executive", 6),
    ("SDR", 4),
    ("BDR", 3),
    ("CRO", 1),
    ("Revenue Operations Manager", 2),
    ("CTO", 2),
    ("VP Engineering", 2),
    ("Engineering Manager", 3),
    ("Software Engineer", 6),
    ("Senior Software Engineer", 4),
    ("IT Director", 2),
    ("Product Manager", 4),
    ("Head of Product", 2),
    ("CEO", 3),
    ("CEO & Co-Founder", 2),
    ("Founder", 2),
    ("Owner", 2),
    ("COO", 1),
    ("CFO", 1),
    ("Finance Manager", 2),
    ("HR Manager", 2),
    ("Customer Success Manager", 3),
    ("Data Analyst", 3),
    ("Marketing Intern", 2),
    ("Student", 2),
    ("Geschäftsführer", 2),
    ("Leiter Marketing", 2),
    ("Marketingleiterin", 1),
    ("Vertriebsleiter", 1),
    ("Directeur Marketing", 1),
    ("Responsable Marketing", 2),
    ("Directora de Marketing", 1),
    ("Jefe de Ventas", 1),
    ("Consultant", 3),
    ("Freelancer", 2),
)
FIRST: Final = (
    "Ana",
    "Ben",
    "Chloé",
    "Dev",
    "Eva",
    "Finn",
    "Gita",
    "Hugo",
    "Ines",
    "Jon",
    "Kai",
    "Lea",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yara",
    "Zoe",
)
LAST: Final = (
    "Adams",
    "Bauer",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "García",
    "Hansen",
    "Ito",
    "Jensen",
    "Khan",
    "López",
    "Meyer",
    "Novak",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Smith",
    "Tanaka",
    "Usman",
    "Vogel",
    "Weber",
    "Young",
)
SYLLABLES: Final = (
    "ac",
    "me",
    "no",
    "va",
    "tri",
    "lo",
    "zen",
    "ix",
    "qua",
    "ra",
    "sol",
    "ter",
    "bri",
    "on",
    "flux",
    "mo",
    "dyn",
    "ka",
    "pex",
    "lu",
)
SUFFIXES: Final = ("io", "ly", "labs", "works", "hq", "soft", "group", "tech", "cloud", "ai")
FREE_MAIL: Final = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")


#: The marketing channel of each kind of activity the leads do on their own. Channels are
#: named like the lead sources, so that a lead's source is the channel of its first touch.
KIND_CHANNELS: Final = {
    "email_open": "email",
    "email_click": "email",
    "content_download": "content",
    "webinar": "webinar",
    "event_visit": "event",
}
#: The channel of a lead's web visits (page views, demo requests), by its source; other
#: sources' leads find the site through organic search.
WEB_CHANNELS: Final = {
    "organic": "organic",
    "paid_search": "paid_search",
    "referral": "referral",
    "outbound": "outbound",
}
#: What marketing spends on each channel per month, for every 2,000 leads the demo makes.
MONTHLY_SPEND: Final = {
    "paid_search": 6000.0,
    "event": 4500.0,
    "outbound": 5000.0,
    "webinar": 2500.0,
    "content": 2000.0,
    "organic": 1500.0,
    "referral": 1000.0,
    "email": 800.0,
}
_EMAIL: Final = MappingProxyType({"channel": "email"})
_CONTENT: Final = MappingProxyType({"channel": "content"})
_WEBINAR: Final = MappingProxyType({"channel": "webinar"})


class _Table:
    """A weighted choice, with its cumulative weights computed once."""

    __slots__ = ("cum", "values")

    def __init__(self, table: Sequence[tuple[str, int]]) -> None:
        self.values = [v for v, _ in table]
        self.cum = list(itertools.accumulate(w for _, w in table))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum)[0]


_INDUSTRY, _COUNTRY, _SOURCE, _TITLE = (_Table(t) for t in (INDUSTRIES, COUNTRIES, SOURCES, TITLES))


@attrs.frozen
class Population:
    """Synthetic leads, with their activities sorted by time."""

    leads: tuple[Lead, ...]
    activities: tuple[Activity, ...]
    start: datetime
    end: datetime


def population(n: int, *, seed: int = 0, start: datetime, days: int = 180) -> Population:
    """``n`` synthetic B2B leads created over ``days`` days from ``start``, with activities.

    Each lead gets a company (industry, size, country), a person (title, e-mail), a source, and
    an interest level that drives how much it engages: page views, e-mail opens and clicks,
    content downloads, webinars, visits to the pricing page, demo requests, and now and then an
    unsubscribe. Some fields are left unknown, as on real forms.
    """
    check_aware(start, "population(start=...)")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        msg = f"population(n=...) must be a whole number >= 0 (got {n!r})."
        raise ValidationError(msg, value=n, where="n", expected="an int >= 0")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        msg = f"population(days=...) must be a whole number >= 1 (got {days!r})."
        raise ValidationError(msg, value=days, where="days", expected="an int >= 1")
    rng = random.Random(seed)
    end = start + timedelta(days=days)
    leads: list[Lead] = []
    activities: list[Activity] = []
    span = days * 86_400
    # Ids follow creation order: L-00001 is the first lead created.
    offsets = sorted(rng.randrange(span) for _ in range(n))
    for i, offset in enumerate(offsets, start=1):
        lead_id = f"L-{i:05d}"
        created = start + timedelta(seconds=offset)
        fields, interest = _profile(rng)
        source = _SOURCE.draw(rng)
        leads.append(Lead.new(lead_id, at=created, fields=fields, source=source))
        activities.extend(_activities(rng, lead_id, created, end, interest, source))
    leads.sort(key=lambda lead: (lead.created_at, lead.id))
    activities.sort(key=lambda a: (a.at, a.lead_id, a.kind))
    return Population(tuple(leads), tuple(activities), start, end)


def _profile(rng: random.Random) -> tuple[dict[str, object], float]:
    company = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    suffix = rng.choice(SUFFIXES)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    domain = rng.choice(FREE_MAIL) if rng.random() < 0.15 else f"{company}.{suffix[:2]}"
    size = max(1, int(math.exp(rng.gauss(4.0, 1.6))))
    industry = _INDUSTRY.draw(rng)
    title = _TITLE.draw(rng)
    fields: dict[str, object] = {
        "email": f"{first[0].lower()}.{last.lower()}@{domain}",
        "first_name": first,
        "last_name": last,
    }
    # Real forms leave gaps: each profile field is known only some of the time.
    for name, value, known in (
        ("company", f"{company.capitalize()} {suffix.capitalize()}", 0.85),
        ("job_title", title, 0.7),
        ("industry", industry, 0.55),
        ("company_size", size, 0.5),
        ("country", _COUNTRY.draw(rng), 0.6),
    ):
        if rng.random() < known:
            fields[name] = value
    fit = (industry in ("software", "saas", "fintech")) + (50 <= size <= 5000)
    interest = rng.betavariate(1.2 + fit, 3.0)
    return fields, interest


def _activities(
    rng: random.Random,
    lead_id: str,
    created: datetime,
    end: datetime,
    interest: float,
    source: str,
) -> list[Activity]:
    out: list[Activity] = []
    # Each marketing touch carries its channel (drawing nothing, so the story stays the same).
    web = {"channel": WEB_CHANNELS.get(source, "organic")}
    first_kind = {"webinar": "webinar", "content": "content_download", "event": "event_visit"}
    if source in first_kind:
        kind = first_kind[source]
        out.append(Activity(lead_id, kind, created, {"channel": KIND_CHANNELS[kind]}))
    seconds = int((end - created).total_seconds())  # >= 1: leads are created before end
    count = int(rng.expovariate(1.0) * 14 * interest)
    for _ in range(count):
        at = created + timedelta(seconds=rng.randrange(seconds))
        # Interested leads drift towards the high-intent end of the scale.
        roll = rng.random() * 0.8 + interest * 0.4 * rng.random()
        if roll < 0.3:
            out.append(Activity(lead_id, "email_open", at, _EMAIL))
        elif roll < 0.5:
            page = rng.choice(("/blog", "/blog", "/features", "/customers"))
            out.append(Activity(lead_id, "page_view", at, {"url": page, **web}))
        elif roll < 0.6:
            out.append(Activity(lead_id, "email_click", at, _EMAIL))
        elif roll < 0.7:
            out.append(Activity(lead_id, "content_download", at, _CONTENT))
        elif roll < 0.8:
            out.append(Activity(lead_id, "page_view", at, {"url": "/pricing", **web}))
        elif roll < 0.9:
            out.append(Activity(lead_id, "webinar", at, _WEBINAR))
        else:
            out.append(Activity(lead_id, "demo_request", at, web))
    if rng.random() < 0.04:
        at = created + timedelta(seconds=rng.randrange(seconds))
        out.append(Activity(lead_id, "unsubscribe", at))
    return out


# --- the simulation: the playbook at work, event by event ---------------------------------------

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

_RECYCLE, _LOST = _Table(RECYCLE_REASONS), _Table(LOST_REASONS)
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


# --- the story: what happened, told for people -------------------------------------------------


def story(sim: Simulation, *, seed: int = 0, limit: int = 5) -> str:
    """The demo's report as Markdown: the funnel, conversion by persona and by source, the
    SLA, the top recycle reasons, and three leads explained end to end."""
    return report(sim, sim.report(), seed=seed, limit=limit)


def report(sim: Simulation, funnel: FunnelReport, *, seed: int = 0, limit: int = 5) -> str:
    """`story`, from a funnel report already computed for ``sim`` (`Simulation.report`)."""
    pb = sim.playbook
    personas = {lead.id: _persona_name(pb, lead) for lead in sim.leads}
    # Conversion tables need no SLA: breaking down a report without one saves working out
    # every due time again per persona and per source.
    plain = funnel_report(sim.leads, lifecycle=pb.lifecycle, start=sim.start, end=sim.end)
    touches = sum(a.kind in _SALES_KINDS for a in sim.activities)
    changes = sum(len(lead.history) for lead in sim.leads)
    which = "the default" if pb == Playbook.default() else "the given"
    lines = [
        "# The smarketing demo",
        "",
        _wrap(
            f"{len(sim.leads):,} synthetic leads (seed {seed}), created from {_day(sim.start)} "
            f"to {_day(sim.end)} and run event by event through {which} playbook: scoring and "
            "personas decide which leads become MQLs; four simulated sales reps work the MQLs "
            "(a first touch, then accept or recycle with a reason); some SQLs become customers."
        ),
        "",
        _wrap(
            f"{len(sim.activities) - touches:,} activities by the leads, {touches:,} sales "
            f"touches, {changes:,} stage changes."
        ),
        "",
        "## The funnel",
        "",
        funnel.to_markdown(limit=limit).rstrip("\n"),
        "",
        "## Conversion by persona",
        "",
        *_conversions(plain.by(lambda lead: personas[lead.id]), "persona", "(no persona)"),
        "",
        "## Conversion by source",
        "",
        *_conversions(plain.by("source"), "source", "(no source)"),
        "",
        *_follow_up(funnel),
        "",
        *_reasons(sim, funnel, personas, limit),
        "",
        "## Three leads, end to end",
        *_three_leads(sim),
        "",
        *_cost_per_customer(sim),
    ]
    return "\n".join(lines) + "\n"


_SALES_KINDS: Final = frozenset({"call", "sales_email", "meeting"})


def _persona_name(pb: Playbook, lead: Lead) -> str | None:
    match = pb.personas.match(lead)
    return None if match is None else match.persona.name


def _wrap(text: str) -> str:
    """A paragraph wrapped for a terminal (Markdown joins the lines again)."""
    return textwrap.fill(text, width=96, break_long_words=False, break_on_hyphens=False)


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], *, text: int = 1) -> list[str]:
    """A Markdown table: the first column left-aligned, the numbers right-aligned, and the
    last ``text - 1`` columns left-aligned too."""
    numbers = len(header) - text
    out = [
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * numbers + "---|" * (text - 1),
    ]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return out


def _conversions(groups: dict[Hashable, FunnelReport], name: str, none: str) -> list[str]:
    rows = [
        (
            none if key is None else key,
            f"{sub.lead_count:,}",
            sub.reached("mql"),
            sub.reached("customer"),
            _rate(sub.conversion(sub.stages[0], "mql")),
            _rate(sub.conversion("mql", "sql")),
            _rate(sub.conversion("sql", "customer")),
        )
        for key, sub in groups.items()
    ]
    header = (name, "leads", "MQLs", "customers", "to MQL", "MQL to SQL", "SQL to customer")
    return _table(header, rows)


def _follow_up(funnel: FunnelReport) -> list[str]:
    lines = ["## Sales follow-up"]
    sla, summary = funnel.sla, funnel.sla_summary
    if sla is None or summary is None:
        return [*lines, "", "The playbook sets no SLA."]
    lines += [
        "",
        _wrap(
            f"The SLA: a first touch within {human_duration(sla.first_touch)} after a lead "
            f"becomes an {sla.stage.upper()}, counted in {funnel.clock}. "
            f"{summary.breached:,} of {summary.clocks:,} clocks ran out "
            f"({summary.late:,} touched late, {summary.unanswered:,} never "
            f"touched); met rate {_rate(summary.met_rate)}."
        ),
        "",
    ]
    rows = [
        (
            key or "(nobody)",
            s.clocks,
            s.met,
            s.late,
            s.unanswered,
            _rate(s.met_rate),
        )
        for key, sub in funnel.by("owner").items()
        if (s := sub.sla_summary) is not None and s.clocks
    ]
    lines += _table(("rep", "MQLs", "met", "late", "no touch", "met rate"), rows)
    late = sorted(b.met_at - b.due for b in funnel.sla_breaches if b.met_at is not None)
    if late:
        lines += [
            "",
            f"Late first touches came a median of {human_duration(late[len(late) // 2])} late.",
        ]
    return lines


def _reasons(
    sim: Simulation, funnel: FunnelReport, personas: dict[str, str | None], limit: int
) -> list[str]:
    """The most common recycle reasons, their share, and who hears each most often."""
    lines = ["## Top recycle reasons", ""]
    reasons = list(funnel.recycle_reasons.items())
    total = sum(n for _, n in reasons)
    if not total:
        return [*lines, "No lead was recycled."]
    recycled = set(funnel.recycle_stages)
    heard: dict[str | None, Counter[str]] = {}
    for lead in sim.leads:
        given = {c.reason for c in lead.history if c.to_stage in recycled and c.at <= sim.end}
        for reason in given:
            heard.setdefault(reason, Counter())[personas[lead.id] or "(no persona)"] += 1
    rows = []
    for reason, n in reasons[:limit]:
        persona, times = min(heard[reason].items(), key=lambda item: (-item[1], item[0]))
        rows.append((reason or "(no reason given)", n, _rate(n / total), f"{persona} ({times})"))
    return lines + _table(("reason", "leads", "share", "most often to"), rows, text=2)


def _three_leads(sim: Simulation) -> list[str]:
    """A customer, a recycled lead and a prospect still being profiled, each explained."""
    picks: list[tuple[str, Lead]] = []
    kinds: tuple[tuple[str, Callable[[Lead], object]], ...] = (
        ("from suspect to customer", lambda lead: lead.stage == "customer"),
        ("handed back to marketing", lambda lead: lead.stage == "recycled"),
        (
            "still a prospect: what to ask next",
            lambda lead: lead.stage == "prospect" and _persona_name(sim.playbook, lead),
        ),
    )
    for title, wanted in kinds:
        lead = next((x for x in sim.leads if wanted(x)), None)
        if lead is not None:
            picks.append((title, lead))
    if not picks:
        return ["", "No lead has moved yet."]
    activities: dict[str, list[Activity]] = {lead.id: [] for _, lead in picks}
    for a in sim.activities:
        if a.lead_id in activities:
            activities[a.lead_id].append(a)
    lines: list[str] = []
    for title, lead in picks:
        done = activities[lead.id]
        assessment = sim.playbook.assess(lead, done, at=sim.end)
        lines += [
            "",
            f"### {lead.id}: {title}",
            "",
            "```text",
            f"{lead.id} ({lead.source or 'no source'}), created {_when(lead.created_at)}, "
            f"{len(done)} activities",
            *(_change(c) for c in lead.history),
            "",
            assessment.explain(),
            "```",
        ]
    return lines


def _when(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="minutes")


def _change(change: StageChange) -> str:
    who = change.actor or "-"
    why = f" ({change.reason})" if change.reason else ""
    return (
        f"  {_when(change.at)}  {change.from_stage} -> {change.to_stage}  "
        f"{change.trigger} by {who}{why}"
    )


# --- what marketing spent, and what it bought ---------------------------------------------------

#: The two models the story compares: a position model as the CRMs use it, and the data-driven one.
_ROI_MODELS: Final = ("w_shaped", "markov")


def costs(sim: Simulation) -> list[Cost]:
    """What marketing spent per channel, one record per month of the simulated period.

    Spend follows `MONTHLY_SPEND`, scaled to the number of leads; a month cut by the period's
    start or end costs its share of days.
    """
    scale = len(sim.leads) / 2000
    records: list[Cost] = []
    first, last = sim.start.date(), sim.end.date()
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        begins, ends = max(month, first), min(following, last)
        share = (ends - begins).days / (following - month).days
        if share > 0:
            for channel, amount in MONTHLY_SPEND.items():
                records.append(Cost(channel, None, begins, round(amount * scale * share, 2)))
        month = following
    return records


def _cost_per_customer(sim: Simulation) -> list[str]:
    """Cost per customer by channel under the two models, and where they disagree."""
    lines = ["## Cost per customer by channel", ""]
    spent = costs(sim)
    rois = [
        attribute(
            sim.leads,
            sim.activities,
            model=model,
            milestone="customer",
            source=True,
            start=sim.start,
            end=sim.end,
            lifecycle=sim.playbook.lifecycle,
        ).roi(spent)
        for model in _ROI_MODELS
    ]
    total = sum(c.amount for c in spent)
    customers = sum(rois[0][channel].customers or 0.0 for channel in rois[0])
    lines.append(
        _wrap(
            f"Marketing spent {total:,.0f} over the period on {len(MONTHLY_SPEND)} channels. "
            "Each customer's credit is split over the marketing touches that led to it (the "
            "lead source counts as the touch that created the lead): W-shaped gives 30% each "
            "to the first touch, the lead-creation touch and the last touch before the SQL, "
            "10% to the rest; Markov credits each channel by how many conversions the journeys "
            f"lose without it. {customers:,.0f} customers in all."
        )
    )
    lines.append("")
    header = ["channel", "cost"]
    for model in _ROI_MODELS:
        header += [f"customers ({model})", f"per customer ({model})"]
    rows = []
    for channel in rois[0]:
        row: list[object] = [channel, f"{rois[0][channel].cost:,.0f}"]
        for roi in rois:
            figures = roi[channel]
            row += [f"{figures.customers or 0.0:,.1f}", _money(figures.cost_per_customer)]
        rows.append(row)
    return lines + _table(header, rows)


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def funnel_chart(funnel: FunnelReport, path: str | Path) -> None:
    """Draw the main path of the funnel as a bar chart PNG (needs the ``plot`` extra)."""
    # The optional extra, imported only when asked for.
    from matplotlib.figure import Figure  # type: ignore[import-not-found,unused-ignore]

    stages = list(funnel.main_path)
    counts = [funnel.reached(s) for s in stages]
    figure = Figure(figsize=(7, 3.5), dpi=100)
    axes = figure.add_subplot()
    bars = axes.barh(stages[::-1], counts[::-1], color="#3b6ea8")
    axes.bar_label(bars, labels=[f"{n:,}" for n in counts[::-1]], padding=3)
    axes.set_xlabel("leads that reached the stage")
    axes.set_title(f"Funnel, {_day(funnel.start)} to {_day(funnel.end)}")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})
