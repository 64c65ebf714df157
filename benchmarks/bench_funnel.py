"""funnel_report against a hand-written single pass, and how both grow from 20k to 200k leads.

The leads follow eight journeys through the default lifecycle (stay a suspect, engage, become
an MQL, win, be recycled and come back, be disqualified, ...), created over fifteen months at
varying paces; the window is the calendar year 2025. Two ways to count the funnel:

  (a) smarketing's funnel_report: every metric (reached, conversion between any two stages,
      time in stage, reasons, stale leads), with the inputs checked;
  (b) a hand-written single pass computing only what is compared: reached per stage (once per
      lead), conversion between consecutive main-path stages, and the median time in stage.

Both must give the same counts, conversions and velocities. Prints seconds per run at both
sizes, the ratio (a)/(b) (target <= 2x) and each one's growth from the small size to the large
one (target: (a)'s growth no worse than 1.5x (b)'s). Then, for information, funnel_report with
an SLA on wall-clock and on business hours, over one follow-up activity per lead.
Run: python benchmarks/bench_funnel.py [--leads N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import smarketing as sm

LC = sm.Lifecycle.default(max_age={"mql": timedelta(days=3), "sql": timedelta(days=30)})
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
END = datetime(2026, 1, 1, tzinfo=timezone.utc)
FIRST_DAY = datetime(2024, 10, 1, 9, tzinfo=timezone.utc)
DAYS = 456  # creation days: October 2024 to December 2025, so some leads start before the window
PACES = 7  # each journey at seven paces, so that times in stage spread out
SOURCES = ("webinar", "ads", "organic", "referral", None)
NO_FIELDS: MappingProxyType[str, sm.FieldValue] = MappingProxyType({})

#: Journeys as (trigger, hours after creation, reason) steps.
JOURNEYS: tuple[tuple[tuple[str, int, str | None], ...], ...] = (
    (),
    (("engage", 24, None),),
    (("engage", 24, None), ("qualify", 72, None)),
    (("engage", 24, None), ("qualify", 72, None), ("accept", 120, None), ("win", 480, None)),
    (
        ("engage", 24, None),
        ("qualify", 72, None),
        ("recycle", 100, "no budget"),
        ("reengage", 300, None),
        ("qualify", 400, None),
    ),
    (("engage", 12, None), ("disqualify", 50, "student")),
    (("engage", 24, None), ("qualify", 60, None), ("accept", 90, None), ("recycle", 200, "timing")),
    (("engage", 36, None), ("qualify", 96, None), ("recycle", 150, "no budget")),
)
MOVES = {(t.trigger, s): t.dest for t in LC.transitions for s in t.source}


def history_pool() -> list[tuple[datetime, tuple[sm.StageChange, ...], str, str]]:
    """Every (creation time, history, stage, high water) the leads are built from."""
    pool = []
    for day in range(DAYS):
        created = FIRST_DAY + timedelta(days=day, minutes=day % 60)
        for pace in range(PACES):
            for journey in JOURNEYS:
                stage, high, changes = LC.initial, LC.initial, []
                for trigger, hours, reason in journey:
                    dest = MOVES[(trigger, stage)]
                    at = created + timedelta(hours=hours * (10 + 3 * pace) / 10)
                    changes.append(sm.StageChange(stage, dest, trigger, at, "auto", reason))
                    rank = LC.rank(dest)
                    if rank is not None and rank > (LC.rank(high) or 0):
                        high = dest
                    stage = dest
                pool.append((created, tuple(changes), stage, high))
    return pool


def make_leads(n: int) -> list[sm.Lead]:
    pool = history_pool()
    step = 7919  # a prime: consecutive leads take unrelated journeys, days and paces
    leads = []
    for i in range(n):
        created, history, stage, high = pool[(i * step) % len(pool)]
        source = SOURCES[i % len(SOURCES)]
        leads.append(sm.Lead(f"L-{i}", stage, created, source, NO_FIELDS, history, high))
    return leads


def make_activities(leads: Sequence[sm.Lead]) -> list[sm.Activity]:
    """One call per lead, a few hours after its last change."""
    return [
        sm.Activity(lead.id, "call", lead.updated_at + timedelta(hours=i % 9))
        for i, lead in enumerate(leads)
    ]


# --- (b) the hand-written single pass ----------------------------------------------------------

NAMES = LC.stage_names
PAIRS = tuple(zip(LC.main_path, LC.main_path[1:], strict=False))


def hand_written(leads: Sequence[sm.Lead], start: datetime, end: datetime) -> dict[str, Any]:
    reached = dict.fromkeys(NAMES, 0)
    converted = dict.fromkeys(PAIRS, 0)
    stays: dict[str, list[timedelta]] = {name: [] for name in NAMES}
    for lead in leads:
        created = lead.created_at
        if created > end:
            continue
        history = lead.history
        stage = history[0].from_stage if history else lead.stage
        since = created
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        entries = 0
        if created >= start:
            first[stage] = last[stage] = 0
            entries = 1
        for change in history:
            at = change.at
            if at > end:
                break
            dest = change.to_stage
            if at >= start:
                if since >= start and first.get(stage) == entries - 1:
                    stays[stage].append(at - since)
                first.setdefault(dest, entries)
                last[dest] = entries
                entries += 1
            stage, since = dest, at
        for name in first:
            reached[name] += 1
        for a, b in PAIRS:
            entered = first.get(a)
            if entered is not None and last.get(b, -1) > entered:
                converted[a, b] += 1
    return {
        "reached": reached,
        "conversion": {p: converted[p] / reached[p[0]] if reached[p[0]] else None for p in PAIRS},
        "velocity": {s: statistics.median(v) if v else None for s, v in stays.items()},
    }


# --- (a) smarketing ---------------------------------------------------------------------------


def with_funnel_report(leads: Sequence[sm.Lead], start: datetime, end: datetime) -> dict[str, Any]:
    r = sm.funnel_report(leads, lifecycle=LC, start=start, end=end)
    return {
        "reached": {s: r.reached(s) for s in NAMES},
        "conversion": {(a, b): r.conversion(a, b) for a, b in PAIRS},
        "velocity": {s: r.velocity(s) for s in NAMES},
    }


# --- measuring --------------------------------------------------------------------------------


def best_seconds(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n, small = args.leads, max(100, args.leads // 10)

    began = time.perf_counter()
    leads = make_leads(n)
    activities = make_activities(leads)
    changes = sum(len(lead.history) for lead in leads)
    print(f"built {n} leads with {changes} stage changes in {time.perf_counter() - began:.1f}s")
    gc.collect()
    gc.freeze()

    # Same answers first, at both sizes.
    for size in (small, n):
        expected = hand_written(leads[:size], START, END)
        assert with_funnel_report(leads[:size], START, END) == expected, size
    assert sum(expected["reached"].values()) > n, "the fixture should exercise every stage"

    times: dict[tuple[str, int], float] = {}
    for name, fn in (("(a) funnel_report", with_funnel_report), ("(b) hand-written", hand_written)):
        for size in (small, n):
            subset = leads[:size]
            took = best_seconds(lambda f=fn, s=subset: f(s, START, END), args.repeats)
            times[name[:3], size] = took
            print(f"{name:20s} {size:>8} leads {took:8.3f} s  {took / size * 1e6:6.2f} µs/lead")

    a_small, a_large = times["(a)", small], times["(a)", n]
    b_small, b_large = times["(b)", small], times["(b)", n]
    a_growth, b_growth = a_large / a_small, b_large / b_small
    print()
    print(f"(a)/(b) time at {n} leads: {a_large / b_large:.2f}x   target <= 2x")
    print(f"growth {small} -> {n} leads: (a) {a_growth:.2f}x, (b) {b_growth:.2f}x")
    print(f"(a) growth / (b) growth: {a_growth / b_growth:.2f}   target <= 1.5")

    print()
    sla = sm.SLA(first_touch=timedelta(hours=4))
    office = sm.BusinessCalendar("Europe/Berlin")
    for label, calendar in (("wall clock", None), ("business hours", office)):
        took = best_seconds(
            lambda c=calendar: sm.funnel_report(
                leads,
                lifecycle=LC,
                start=START,
                end=END,
                sla=sla,
                activities=activities,
                calendar=c,
            ),
            1,
        )
        print(f"funnel_report with an SLA on {label:14s} {n:>8} leads {took:8.3f} s")
    gc.unfreeze()


if __name__ == "__main__":
    main()
