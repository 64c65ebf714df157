"""PersonaMatcher.match over many leads, next to hand-written weighted matchers, and parse_title.

Every lead has a job title (taken from the labelled corpus in ``tests/title_corpus.py``), a
company size, an industry and a country; eight personas read the seniority and department the
title implies, plus those facts. Four ways of finding each lead's best persona:

  (a) smarketing ``PersonaMatcher.match(lead)``;
  (b) smarketing ``PersonaMatcher.rank(lead)`` (every persona's match, for comparison);
  (c) a hand-written weighted matcher over the same conditions: the lead's facts, the title
      parsed once, then per persona a loop that sums the weights of the conditions that hold,
      skips a persona whose required condition fails, and keeps the best;
  (d) the same loop with plain Python predicates instead of conditions (the floor).

Then the same without the title: each lead's facts as a plain dict that holds its seniority
and department instead of its job title (what a CRM that stores them passes), so the title
parser's cost (about 4 µs, the same on both sides) does not hide the matcher's own:

  (e) smarketing ``PersonaMatcher.match(facts)``;
  (f) the plain-predicate loop of (d) over the same dict: the lean floor (issue 18's target:
      (e) at most 3x (f)).

All four give the same persona and confidence for every lead (checked before timing). Each is
timed best-of-several, with the garbage collector frozen after the leads are built. Then
``parse_title``'s own cost per title over the corpus.

Run: python benchmarks/bench_personas.py [--leads N] [--repeats R]
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(_ROOT / "src"), str(_ROOT / "tests")]

import smarketing as sm  # noqa: E402
from title_corpus import CORPUS  # noqa: E402

F = sm.field
T0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
LEADERS = ("owner", "c-level", "vp", "director")
HANDS_ON = ("manager", "individual", "entry")
SOFTWARE = ("software", "saas")


def _t(condition: sm.Condition, weight: float = 1.0, required: bool = False) -> sm.Trait:
    return sm.Trait(condition, weight, required)


PERSONAS = [
    sm.Persona(
        "Marketing leader",
        [
            _t(F("department") == "marketing", 3, required=True),
            _t(F("seniority").is_in(LEADERS), 2),
            _t(F("company_size") >= 50),
        ],
    ),
    sm.Persona(
        "Marketing practitioner",
        [
            _t(F("department") == "marketing", 3, required=True),
            _t(F("seniority").is_in(HANDS_ON), 2),
        ],
    ),
    sm.Persona(
        "Sales leader",
        [
            _t(F("department") == "sales", 3, required=True),
            _t(F("seniority").is_in(LEADERS), 2),
            _t(F("company_size") >= 50),
        ],
    ),
    sm.Persona(
        "Sales rep",
        [_t(F("department") == "sales", 3, required=True), _t(F("seniority").is_in(HANDS_ON), 2)],
    ),
    sm.Persona(
        "Technical evaluator",
        [
            _t(F("department").is_in({"engineering", "data", "product"}), 3),
            _t(F("seniority").is_in(HANDS_ON), 1),
            _t(F("industry").is_in(SOFTWARE), 1),
        ],
    ),
    sm.Persona(
        "Economic buyer",
        [
            _t(F("seniority").is_in({"owner", "c-level", "vp"}), 3, required=True),
            _t(F("company_size") >= 200, 2),
            _t(F("department").is_in({"executive", "finance"}), 1),
        ],
    ),
    sm.Persona(
        "Founder",
        [_t(F("seniority") == "owner", 3, required=True), _t(F("company_size") < 50, 2)],
    ),
    sm.Persona(
        "Operations and finance",
        [
            _t(F("department").is_in({"operations", "finance", "legal", "hr"}), 3),
            _t(F("country").is_in({"DE", "FR", "ES"}), 0.5),
            _t(F("company_size") >= 500, 1),
        ],
    ),
]
MATCHER = sm.PersonaMatcher(PERSONAS, min_confidence=0.5)


def make_leads(n: int, seed: int = 7) -> list[sm.Lead]:
    rnd = random.Random(seed)
    titles = [title for title, _, _ in CORPUS]
    industries = ("software", "saas", "retail", "manufacturing", "finance")
    countries = ("US", "DE", "FR", "ES", "GB")
    leads = []
    for i in range(n):
        fields: dict[str, object] = {"job_title": titles[i % len(titles)]}
        if rnd.random() < 0.8:
            fields["company_size"] = rnd.choice((5, 20, 60, 150, 400, 2000))
        if rnd.random() < 0.7:
            fields["industry"] = rnd.choice(industries)
        if rnd.random() < 0.5:
            fields["country"] = rnd.choice(countries)
        leads.append(sm.Lead.new(f"L-{i}", at=T0, fields=fields, source="webinar"))
    return leads


Answer = tuple[str, float] | None


# --- (a), (b): smarketing ----------------------------------------------------------------------


def run_match(leads: list[sm.Lead]) -> list[Answer]:
    match = MATCHER.match
    out: list[Answer] = []
    for lead in leads:
        m = match(lead)
        out.append(None if m is None else (m.persona.name, m.confidence))
    return out


def run_rank(leads: list[sm.Lead]) -> list[Answer]:
    rank, floor = MATCHER.rank, MATCHER.min_confidence
    out: list[Answer] = []
    for lead in leads:
        best = rank(lead)[0]
        ok = best.confidence > 0 and best.confidence >= floor
        out.append((best.persona.name, best.confidence) if ok else None)
    return out


# --- (c): hand-written, over the same conditions -----------------------------------------------

HAND_PERSONAS = [
    (
        p.name,
        sum(t.weight for t in p.traits),
        [(t.condition, t.weight, t.required) for t in p.traits],
    )
    for p in PERSONAS
]


def facts_of(lead: sm.Lead) -> dict[str, object]:
    """The lead's facts with seniority and department from its title, parsed once."""
    facts = lead.facts()
    title = facts.get("job_title")
    if title is not None:
        parsed = sm.parse_title(title)
        if facts.get("seniority") is None and parsed.seniority is not None:
            facts["seniority"] = parsed.seniority
        if facts.get("department") is None and parsed.department is not None:
            facts["department"] = parsed.department
    return facts


def hand_match(facts: dict[str, object]) -> Answer:
    best_name, best = None, 0.0
    for name, total, traits in HAND_PERSONAS:
        matched = 0.0
        for condition, weight, required in traits:
            verdict = condition.evaluate(facts)
            if verdict is True:
                matched += weight
            elif verdict is False and required:
                break
        else:
            if matched / total > best:
                best_name, best = name, matched / total
    return (best_name, best) if best_name is not None and best >= 0.5 else None


def run_hand_written(leads: list[sm.Lead]) -> list[Answer]:
    return [hand_match(facts_of(lead)) for lead in leads]


# --- (d): hand-written, plain Python predicates ------------------------------------------------

Pred = Callable[[Any], bool]


def _is(*values: str) -> Pred:
    allowed = frozenset(values)
    return lambda v: v in allowed


def _at_least(n: int) -> Pred:
    return lambda v: isinstance(v, int) and v >= n


def _below(n: int) -> Pred:
    return lambda v: isinstance(v, int) and v < n


PLAIN_PERSONAS: list[tuple[str, float, list[tuple[str, Pred, float, bool]]]] = [
    (
        "Marketing leader",
        6,
        [
            ("department", _is("marketing"), 3, True),
            ("seniority", _is(*LEADERS), 2, False),
            ("company_size", _at_least(50), 1, False),
        ],
    ),
    (
        "Marketing practitioner",
        5,
        [("department", _is("marketing"), 3, True), ("seniority", _is(*HANDS_ON), 2, False)],
    ),
    (
        "Sales leader",
        6,
        [
            ("department", _is("sales"), 3, True),
            ("seniority", _is(*LEADERS), 2, False),
            ("company_size", _at_least(50), 1, False),
        ],
    ),
    (
        "Sales rep",
        5,
        [("department", _is("sales"), 3, True), ("seniority", _is(*HANDS_ON), 2, False)],
    ),
    (
        "Technical evaluator",
        5,
        [
            ("department", _is("engineering", "data", "product"), 3, False),
            ("seniority", _is(*HANDS_ON), 1, False),
            ("industry", _is(*SOFTWARE), 1, False),
        ],
    ),
    (
        "Economic buyer",
        6,
        [
            ("seniority", _is("owner", "c-level", "vp"), 3, True),
            ("company_size", _at_least(200), 2, False),
            ("department", _is("executive", "finance"), 1, False),
        ],
    ),
    (
        "Founder",
        5,
        [("seniority", _is("owner"), 3, True), ("company_size", _below(50), 2, False)],
    ),
    (
        "Operations and finance",
        4.5,
        [
            ("department", _is("operations", "finance", "legal", "hr"), 3, False),
            ("country", _is("DE", "FR", "ES"), 0.5, False),
            ("company_size", _at_least(500), 1, False),
        ],
    ),
]


def plain_match(facts: dict[str, object]) -> Answer:
    best_name, best = None, 0.0
    get = facts.get
    for name, total, traits in PLAIN_PERSONAS:
        matched = 0.0
        for fact, holds, weight, required in traits:
            value = get(fact)
            if value is None:
                continue
            if holds(value):
                matched += weight
            elif required:
                break
        else:
            if matched / total > best:
                best_name, best = name, matched / total
    return (best_name, best) if best_name is not None and best >= 0.5 else None


def run_plain(leads: list[sm.Lead]) -> list[Answer]:
    return [plain_match(facts_of(lead)) for lead in leads]


# --- (e), (f): facts that already hold the seniority and department ------------------------------


def run_match_facts(facts: list[dict[str, object]]) -> list[Answer]:
    match = MATCHER.match
    out: list[Answer] = []
    for f in facts:
        m = match(f)
        out.append(None if m is None else (m.persona.name, m.confidence))
    return out


def run_plain_facts(facts: list[dict[str, object]]) -> list[Answer]:
    return [plain_match(f) for f in facts]


# --- measuring ---------------------------------------------------------------------------------


def per_item_seconds(fn: Callable[[Any], object], items: Sequence[Any], repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - start)
    return best / len(items)


def parse_all(titles: Sequence[str]) -> None:
    parse = sm.parse_title
    for title in titles:
        parse(title)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    leads = make_leads(args.leads)
    titles = [title for title, _, _ in CORPUS]
    rows = [
        ("(a) smarketing PersonaMatcher.match", run_match),
        ("(b) smarketing PersonaMatcher.rank", run_rank),
        ("(c) hand-written, same conditions", run_hand_written),
        ("(d) hand-written, plain predicates", run_plain),
    ]
    # Same answers first, for every lead (weights are halves, so the sums are exact).
    answers = [fn(leads) for _, fn in rows]
    assert all(a == answers[0] for a in answers[1:]), "the matchers disagree"
    # The title is dropped: what a CRM that stores the derived facts passes, with nothing left
    # for either side to parse.
    derived = [
        {k: v for k, v in facts_of(lead).items() if k not in ("job_title", "id", "stage")}
        for lead in leads
    ]
    plain_rows = [
        ("(e) smarketing match, derived facts", run_match_facts),
        ("(f) plain predicates, derived facts", run_plain_facts),
    ]
    assert all(fn(derived) == answers[0] for _, fn in plain_rows), "the matchers disagree"
    found = sum(a is not None for a in answers[0])
    parse_all(titles)  # warm up

    gc.collect()
    gc.freeze()
    results = {name[:3]: per_item_seconds(fn, leads, args.repeats) for name, fn in rows}
    results |= {name[:3]: per_item_seconds(fn, derived, args.repeats) for name, fn in plain_rows}
    parse_seconds = per_item_seconds(parse_all, titles, args.repeats * 4)
    gc.unfreeze()

    print(f"{len(leads)} leads, {len(PERSONAS)} personas, best of {args.repeats}")
    print(f"  {found} leads matched a persona at min_confidence {MATCHER.min_confidence}")
    for name, _ in rows + plain_rows:
        print(f"  {name:38s} {results[name[:3]] * 1e6:7.2f} µs/lead")
    a, b, c, d, e, f = (results[k] for k in ("(a)", "(b)", "(c)", "(d)", "(e)", "(f)"))
    print()
    print(f"(a)/(c) match vs hand-written, same conditions: {a / c:.2f}x   target <= 3x")
    print(f"(a)/(d) match vs hand-written, plain predicates: {a / d:.2f}x")
    print(f"(b)/(a) rank vs match: {b / a:.2f}x")
    print(f"(e)/(f) match vs the lean floor, derived facts: {e / f:.2f}x   target <= 3x")
    print(f"parse_title: {parse_seconds * 1e6:.2f} µs/title over {len(titles)} corpus titles")


if __name__ == "__main__":
    main()
