"""smf.funnel_report on a Polars frame of stage changes against sm.funnel_report on the same
leads as Python objects (the baseline, measured in the same run).

The leads are bench_funnel's: eight journeys through the default lifecycle at seven paces,
created over fifteen months, with one follow-up call per lead; the window is the year 2025 and
an SLA of four hours on wall-clock time is checked. Both sides compute the whole report
(reached, every conversion, times in stage, reasons, stale leads, the SLA) and must give equal
reports. The frames hold what the files would: a history frame (one row per change), a leads
frame (id, created_at, stage) and an activities frame; building them is not timed, as reading
files is not timed on the Python side either.

Prints the seconds of each (best of the repeats) and the ratio Python / Polars.
Run: python benchmarks/bench_frames_funnel.py [--leads N] [--repeats R]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import polars as pl

import smarketing as sm
import smarketing.frames as smf

sys.path.insert(0, str(Path(__file__).parent))
from bench_funnel import END, LC, START, best_seconds, make_activities, make_leads

SLA = sm.SLA(first_touch=timedelta(hours=4))


def to_frames(
    leads: Sequence[sm.Lead], activities: Sequence[sm.Activity]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The three tables a user reads from history.csv, leads.csv and activities.csv."""
    time_type = pl.Datetime("us", "UTC")
    rows = [(lead.id, c) for lead in leads for c in lead.history]
    history = pl.DataFrame(
        {
            "lead_id": [i for i, _ in rows],
            "from_stage": [c.from_stage for _, c in rows],
            "to_stage": [c.to_stage for _, c in rows],
            "trigger": [c.trigger for _, c in rows],
            "at": pl.Series([c.at.astimezone(UTC) for _, c in rows], dtype=time_type),
            "actor": [c.actor for _, c in rows],
            "reason": pl.Series([c.reason for _, c in rows], dtype=pl.String),
        }
    )
    people = pl.DataFrame(
        {
            "id": [x.id for x in leads],
            "created_at": pl.Series([x.created_at for x in leads], dtype=time_type),
            "stage": [x.stage for x in leads],
        }
    )
    acts = pl.DataFrame(
        {
            "lead_id": [a.lead_id for a in activities],
            "kind": [a.kind for a in activities],
            "at": pl.Series([a.at for a in activities], dtype=time_type),
        }
    )
    return history, people, acts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    leads = make_leads(args.leads)
    activities = make_activities(leads)
    history, people, acts = to_frames(leads, activities)
    options: dict[str, Any] = {"lifecycle": LC, "start": START, "end": END, "sla": SLA}

    def python() -> sm.FunnelReport:
        return sm.funnel_report(leads, activities=activities, **options)

    def polars() -> sm.FunnelReport:
        return smf.funnel_report(history, leads=people, activities=acts, **options)

    assert polars() == python(), "the frame report differs from sm.funnel_report"
    baseline = best_seconds(python, args.repeats)
    frames = best_seconds(polars, args.repeats)
    print(f"{args.leads:,} leads, {history.height:,} stage changes, {acts.height:,} activities")
    print(f"  sm.funnel_report (Python objects): {baseline:8.3f} s")
    print(f"  smf.funnel_report (Polars frame):  {frames:8.3f} s")
    print(f"  ratio Python / Polars:             {baseline / frames:8.2f}x")


if __name__ == "__main__":
    main()
