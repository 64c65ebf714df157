"""ProfilePlanner.plan against one ScoringModel.score call on the same lead.

A 30-field catalog, 8 personas and 20 fit rules; each lead knows a few fields and has about
ten activities. The target: one plan costs at most 20 score calls, counted in score calls
without activities (the planner reads none, so a score of the lead's facts alone is the
honest unit; the score with its ten activities is printed beside it).

Run: python benchmarks/bench_profiling.py [--leads N]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import smarketing as sm
from smarketing.profiling import FormField, ProfilePlanner

F = sm.field
AT = datetime(2026, 6, 1, tzinfo=timezone.utc)
FIELDS = (
    "company", "company_size", "industry", "country", "job_title", "phone", "website",
    "budget", "timeline", "authority", "need", "crm", "marketing_automation", "team_size",
    "annual_revenue", "funding", "use_case", "competitor", "city", "state", "postal_code",
    "linkedin", "twitter", "department_size", "pain_point", "integration", "hosting",
    "language", "timezone", "newsletter",
)  # fmt: skip
CATALOG = [
    FormField(
        name,
        label=name.replace("_", " ").title(),
        friction=1.0 + (i % 3) * 0.5,
        requires=("company",) if name in ("company_size", "annual_revenue", "funding") else (),
        from_stage="mql" if name in ("budget", "timeline", "authority", "need") else None,
    )
    for i, name in enumerate(FIELDS)
]
DEPARTMENTS = (
    "marketing",
    "sales",
    "engineering",
    "product",
    "finance",
    "operations",
    "data",
    "hr",
)
PERSONAS = [
    sm.Persona(
        f"{dept.title()} leader",
        traits=[
            sm.Trait(F("department") == dept, weight=3),
            sm.Trait(F("seniority").is_in({"vp", "director", "c-level"}), weight=2),
            sm.Trait(F("company_size") >= 50 + 100 * i, weight=1),
            sm.Trait(F("crm").exists(), weight=1),
        ],
    )
    for i, dept in enumerate(DEPARTMENTS)
]
FIT = [
    sm.FitRule(f"industry {ind}", F("industry") == ind, points=5 + i)
    for i, ind in enumerate(("software", "saas", "fintech", "retail", "health"))
] + [
    sm.FitRule("mid-size", F("company_size").between(50, 5000), points=15),
    sm.FitRule("enterprise", F("company_size") > 5000, points=10),
    sm.FitRule("target country", F("country").is_in({"US", "DE", "GB", "FR"}), points=10),
    sm.FitRule(
        "decision maker", F("job_title").contains_any({"vp", "head", "director"}), points=10
    ),
    sm.FitRule("has budget", F("budget").exists(), points=10),
    sm.FitRule("uses a CRM", F("crm").exists(), points=5),
    sm.FitRule("uses automation", F("marketing_automation").exists(), points=5),
    sm.FitRule("big team", F("team_size") >= 10, points=5),
    sm.FitRule("revenue", F("annual_revenue") >= 1_000_000, points=10),
    sm.FitRule("funded", F("funding").is_in({"series_a", "series_b", "series_c"}), points=5),
    sm.FitRule("free mail", F("website").missing(), points=-5),
    sm.FitRule("competitor", F("competitor").exists(), points=-10),
    sm.FitRule("has a use case", F("use_case").exists(), points=5),
    sm.FitRule("integration", F("integration").exists(), points=5),
    sm.FitRule("cloud", F("hosting") == "cloud", points=5),
]
ENGAGEMENT = [
    sm.EngagementRule("demo request", kind="demo_request", points=30, half_life=timedelta(days=30)),
    sm.EngagementRule("webinar", kind="webinar", points=10, half_life=timedelta(days=30)),
    sm.EngagementRule("page view", kind="page_view", points=2, half_life=timedelta(days=14)),
    sm.EngagementRule("email click", kind="email_click", points=4, half_life=timedelta(days=14)),
    sm.EngagementRule("download", kind="content_download", points=8, half_life=timedelta(days=30)),
    sm.EngagementRule("email open", kind="email_open", points=1, half_life=timedelta(days=7)),
]
KINDS = ("demo_request", "webinar", "page_view", "email_click", "content_download", "email_open")


def fixtures(n: int) -> list[tuple[sm.Lead, list[sm.Activity]]]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        known = {
            "company": f"Company {i}",
            "job_title": rng.choice(("VP Marketing", "Software Engineer", "Head of Sales", "CFO")),
        }
        if rng.random() < 0.5:
            known["industry"] = rng.choice(("software", "retail", "saas"))
        stage = rng.choice(("suspect", "prospect", "mql"))
        lead = sm.Lead.new(f"L-{i}", at=AT - timedelta(days=90), fields=known, stage=stage)
        acts = [
            sm.Activity(lead.id, rng.choice(KINDS), AT - timedelta(days=rng.randrange(90)))
            for _ in range(10)
        ]
        out.append((lead, acts))
    return out


def timed(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    model = sm.ScoringModel(fit=FIT, engagement=ENGAGEMENT)
    matcher = sm.PersonaMatcher(PERSONAS)
    planner = ProfilePlanner(
        CATALOG, max_fields=3, personas=matcher, scoring=model, lifecycle=sm.Lifecycle.default()
    )
    leads = fixtures(args.leads)
    sample = [planner.plan(lead, at=AT) for lead, _ in leads[:3]]
    assert all(len(plan.fields) == 3 for plan in sample), sample
    gc.collect()
    gc.freeze()

    score_s = timed(lambda: [model.score(lead, acts, at=AT) for lead, acts in leads], args.repeats)
    fit_s = timed(lambda: [model.score(lead, at=AT) for lead, _ in leads], args.repeats)
    plan_s = timed(lambda: [planner.plan(lead, at=AT) for lead, _ in leads], args.repeats)
    n = len(leads)
    print(f"catalog {len(CATALOG)} fields, {len(PERSONAS)} personas, {len(FIT)} fit rules")
    print(f"score (10 activities) {score_s / n * 1e6:8.1f} µs/lead")
    print(f"score (no activities) {fit_s / n * 1e6:8.1f} µs/lead")
    print(f"plan                  {plan_s / n * 1e6:8.1f} µs/lead")
    print(
        f"plan / score          {plan_s / fit_s:8.1f}x   target <= 20x (score without activities)"
    )
    print(f"plan / score          {plan_s / score_s:8.1f}x   (score with 10 activities)")
    print("\nfirst plan:\n" + sample[0].explain())


if __name__ == "__main__":
    main()
