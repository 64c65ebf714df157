"""ScoringModel.score and score_many against the same rules written by hand in plain Python.

Tens of thousands of synthetic leads (smarketing.demo's profiles, with their unknown fields)
with 10 activities each (some in the future, some of kinds no rule names), scored by 8 fit and
6 engagement rules with half-life and linear decay, a look-back window, a repeat cap, two
capped groups, an engagement cap and the floor:

  (a) smarketing ScoringModel.score, lead by lead (activities already grouped per lead);
  (b) a hand-written function computing the same rules, keeping its results and its
      contributions as plain tuples;
  (c) smarketing ScoringModel.score_many over the whole shuffled activity log;
  (d) the hand-written function behind a one-pass grouping of the same log.

Same answers first (totals, fit, engagement, grades and the contributing rules), then the
timings, best of --repeats, with the garbage collector's view of the fixtures frozen.
Targets: (a)/(b) <= 3x, (c)/(d) <= 2x. Run: python benchmarks/bench_scoring.py
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import re
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import smarketing as sm
from smarketing.demo import population

F = sm.field
DAY = timedelta(days=1)
AT = datetime(2026, 7, 1, tzinfo=timezone.utc)

MODEL = sm.ScoringModel(
    fit=[
        sm.FitRule("software company", F("industry").is_in({"software", "saas"}), 15),
        sm.FitRule("big company", F("company_size") >= 200, 10),
        sm.FitRule("mid-size company", F("company_size").between(50, 199), 5),
        sm.FitRule("decision maker", F("job_title").contains_any(["vp", "chief", "head of"]), 20),
        sm.FitRule("target country", F("country").is_in({"US", "GB", "DE", "FR"}), 5),
        sm.FitRule("free email", F("email").matches(r"@(gmail|yahoo|hotmail|outlook)\."), -10),
        sm.FitRule("student", F("job_title") == "Student", -20),
        sm.FitRule("named company", F("company").exists(), 3),
    ],
    engagement=[
        sm.EngagementRule("demo request", "demo_request", 30, half_life=30 * DAY),
        sm.EngagementRule(
            "pricing page",
            "page_view",
            10,
            half_life=14 * DAY,
            group="web",
            where=F("url").contains("/pricing"),
        ),
        sm.EngagementRule("page view", "page_view", 1, within=30 * DAY, max_count=5, group="web"),
        sm.EngagementRule("email click", "email_click", 3, lose=0.25, per=30 * DAY, group="email"),
        sm.EngagementRule("webinar", "webinar", 15, half_life=60 * DAY),
        sm.EngagementRule("unsubscribe", "unsubscribe", -40),
    ],
    group_caps={"web": 25, "email": 15},
    engagement_cap=100,
)

KINDS = (
    ("page_view", 30),
    ("email_open", 20),
    ("email_click", 15),
    ("content_download", 10),
    ("webinar", 10),
    ("demo_request", 10),
    ("unsubscribe", 1),
)
PAGES = ("/pricing", "/blog", "/features", "/customers")


def make_fixtures(n: int, seed: int = 1) -> tuple[list[sm.Lead], list[sm.Activity]]:
    leads = list(population(n, seed=seed, start=AT - timedelta(days=360)).leads)
    rng = random.Random(seed)
    kinds, weights = zip(*KINDS, strict=True)
    activities = []
    for lead in leads:
        for kind in rng.choices(kinds, weights, k=10):
            # Mostly in the last 180 days; one in twenty after AT, which must not count.
            at = AT - timedelta(seconds=rng.randrange(-9 * 86_400, 180 * 86_400))
            props = {"url": rng.choice(PAGES)} if kind == "page_view" else {}
            activities.append(sm.Activity(lead.id, kind, at, props))
    rng.shuffle(activities)
    return leads, activities


# --- the hand-written equivalent -----------------------------------------------------------------

FREE_MAIL = re.compile(r"@(gmail|yahoo|hotmail|outlook)\.")
TITLES = ("vp", "chief", "head of")
HALF_DEMO, HALF_PRICING, HALF_WEBINAR = (d.total_seconds() for d in (30 * DAY, 14 * DAY, 60 * DAY))
MONTH, WINDOW = (30 * DAY).total_seconds(), (30 * DAY).total_seconds()

Result = tuple[float, float, float, str, tuple[tuple[str, str, float, int], ...]]


def hand_score(lead: sm.Lead, activities: Sequence[sm.Activity], at: datetime) -> Result:
    """The same rules as MODEL, written the way one would without a library."""
    facts = lead.facts()
    parts: list[tuple[str, str, float, int]] = []
    industry, size, title = facts.get("industry"), facts.get("company_size"), facts.get("job_title")
    email, country = facts.get("email"), facts.get("country")
    if industry in ("software", "saas"):
        parts.append(("software company", "fit", 15.0, 0))
    if isinstance(size, int) and size >= 200:
        parts.append(("big company", "fit", 10.0, 0))
    if isinstance(size, int) and 50 <= size <= 199:
        parts.append(("mid-size company", "fit", 5.0, 0))
    if isinstance(title, str) and any(t in title.casefold() for t in TITLES):
        parts.append(("decision maker", "fit", 20.0, 0))
    if country in ("US", "GB", "DE", "FR"):
        parts.append(("target country", "fit", 5.0, 0))
    if isinstance(email, str) and FREE_MAIL.search(email):
        parts.append(("free email", "fit", -10.0, 0))
    if title == "Student":
        parts.append(("student", "fit", -20.0, 0))
    if facts.get("company") is not None:
        parts.append(("named company", "fit", 3.0, 0))
    fit = sum(p[2] for p in parts)

    demos: list[float] = []
    pricing: list[float] = []
    views: list[float] = []
    clicks: list[float] = []
    webinars: list[float] = []
    unsubscribes = 0
    for a in activities:
        if a.lead_id != lead.id:
            continue
        age = (at - a.at).total_seconds()
        if age < 0:
            continue
        kind = a.kind
        if kind == "page_view":
            url = a.properties.get("url")
            if isinstance(url, str) and "/pricing" in url.casefold():
                pricing.append(age)
            if age <= WINDOW:
                views.append(age)
        elif kind == "demo_request":
            demos.append(age)
        elif kind == "email_click":
            clicks.append(age)
        elif kind == "webinar":
            webinars.append(age)
        elif kind == "unsubscribe":
            unsubscribes += 1
    engagement_parts: list[tuple[str, str, float, int, str | None]] = []
    if demos:
        points = sum(30 * 0.5 ** (age / HALF_DEMO) for age in demos)
        engagement_parts.append(("demo request", "engagement", points, len(demos), None))
    if pricing:
        points = sum(10 * 0.5 ** (age / HALF_PRICING) for age in pricing)
        engagement_parts.append(("pricing page", "engagement", points, len(pricing), "web"))
    if views:
        count = min(len(views), 5)
        engagement_parts.append(("page view", "engagement", float(count), count, "web"))
    if clicks:
        points = sum(3 * max(0.0, 1 - 0.25 * (age / MONTH)) for age in clicks)
        engagement_parts.append(("email click", "engagement", points, len(clicks), "email"))
    if webinars:
        points = sum(15 * 0.5 ** (age / HALF_WEBINAR) for age in webinars)
        engagement_parts.append(("webinar", "engagement", points, len(webinars), None))
    if unsubscribes:
        engagement_parts.append(
            ("unsubscribe", "engagement", -40.0 * unsubscribes, unsubscribes, None)
        )
    parts.extend(p[:4] for p in engagement_parts)
    engagement = sum(p[2] for p in engagement_parts)
    for group, cap in (("web", 25.0), ("email", 15.0)):
        in_group = sum(p[2] for p in engagement_parts if p[4] == group)
        if in_group > cap:
            parts.append(("group_caps", "adjustment", cap - in_group, 0))
            engagement += cap - in_group
    if engagement > 100:
        parts.append(("engagement_cap", "adjustment", 100 - engagement, 0))
        engagement = 100.0
    if engagement < 0:
        parts.append(("floor", "adjustment", -engagement, 0))
        engagement = 0.0
    grade = "A" if fit >= 40 else "B" if fit >= 25 else "C" if fit >= 10 else "D"
    return fit + engagement, fit, engagement, grade, tuple(parts)


def hand_score_many(
    leads: Sequence[sm.Lead], activities: Sequence[sm.Activity], at: datetime
) -> list[Result]:
    groups: dict[str, list[sm.Activity]] = {}
    for a in activities:
        groups.setdefault(a.lead_id, []).append(a)
    return [hand_score(lead, groups.get(lead.id, ()), at) for lead in leads]


# --- the four contenders -------------------------------------------------------------------------


def run_score(leads: list[sm.Lead], grouped: dict[str, list[sm.Activity]]) -> list[Any]:
    score, at = MODEL.score, AT
    return [score(lead, grouped[lead.id], at=at) for lead in leads]


def run_hand(leads: list[sm.Lead], grouped: dict[str, list[sm.Activity]]) -> list[Any]:
    at = AT
    return [hand_score(lead, grouped[lead.id], at) for lead in leads]


def run_score_many(leads: list[sm.Lead], activities: list[sm.Activity]) -> list[Any]:
    return MODEL.score_many(leads, activities, at=AT)


def run_hand_many(leads: list[sm.Lead], activities: list[sm.Activity]) -> list[Any]:
    return hand_score_many(leads, activities, AT)


def check_same_answers(leads: list[sm.Lead], activities: list[sm.Activity]) -> None:
    """Every lead gets the same score, grade and contributing rules from both."""
    ours = MODEL.score_many(leads, activities, at=AT)
    theirs = hand_score_many(leads, activities, AT)
    capped = 0
    for lead, s, (total, fit, engagement, grade, parts) in zip(leads, ours, theirs, strict=True):
        assert math.isclose(s.total, total, abs_tol=1e-6), (lead.id, s.explain(), parts)
        assert math.isclose(s.fit, fit, abs_tol=1e-6), lead.id
        assert s.grade == grade, lead.id
        assert math.isclose(s.engagement, engagement, abs_tol=1e-6), lead.id
        assert [c.rule for c in s.contributions] == [p[0] for p in parts], lead.id
        assert math.fsum(c.points for c in s.contributions) == s.total
        capped += any(c.kind == "adjustment" for c in s.contributions)
    assert capped, "the fixtures should make caps and the floor apply"


def per_lead_seconds(
    fn: Callable[[Any, Any], list[Any]], args: tuple[Any, Any], repeats: int
) -> float:
    best = math.inf
    for _ in range(repeats):
        gc.collect()
        gc.freeze()  # the fixtures are long-lived: keep them out of every collection
        start = time.perf_counter()
        kept = fn(*args)
        best = min(best, time.perf_counter() - start)
        del kept
        gc.unfreeze()
    return best / len(args[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    leads, activities = make_fixtures(args.leads)
    grouped: dict[str, list[sm.Activity]] = {lead.id: [] for lead in leads}
    for a in activities:
        grouped[a.lead_id].append(a)
    check_same_answers(leads, activities)
    print(
        f"{len(leads)} leads, {len(activities)} activities, "
        f"{len(MODEL.fit)} fit and {len(MODEL.engagement)} engagement rules"
    )

    rows = [
        ("(a) smarketing score, lead by lead", run_score, (leads, grouped)),
        ("(b) hand-written, lead by lead", run_hand, (leads, grouped)),
        ("(c) smarketing score_many", run_score_many, (leads, activities)),
        ("(d) hand-written, grouped in one pass", run_hand_many, (leads, activities)),
    ]
    secs = {}
    for name, fn, fn_args in rows:
        secs[name[:3]] = per_lead_seconds(fn, fn_args, args.repeats)
        print(f"{name:40s} {secs[name[:3]] * 1e6:8.2f} µs/lead")
    print()
    print(f"(a)/(b) score:      {secs['(a)'] / secs['(b)']:.2f}x   target <= 3x")
    print(f"(c)/(d) score_many: {secs['(c)'] / secs['(d)']:.2f}x   target <= 2x")


if __name__ == "__main__":
    main()
