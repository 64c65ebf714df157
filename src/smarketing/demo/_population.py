"""The demo's population: synthetic B2B leads and what they do, drawn from one seeded RNG."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

import attrs

from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, check_aware

__all__ = ["Population", "Table", "population"]

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
_EMAIL: Final = MappingProxyType({"channel": "email"})
_CONTENT: Final = MappingProxyType({"channel": "content"})
_WEBINAR: Final = MappingProxyType({"channel": "webinar"})


class Table:
    """A weighted choice, with its cumulative weights computed once."""

    __slots__ = ("cum", "values")

    def __init__(self, table: Sequence[tuple[str, int]]) -> None:
        self.values = [v for v, _ in table]
        self.cum = list(itertools.accumulate(w for _, w in table))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum)[0]


_INDUSTRY, _COUNTRY, _SOURCE, _TITLE = (Table(t) for t in (INDUSTRIES, COUNTRIES, SOURCES, TITLES))


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
