"""The demo command: the whole story on synthetic data, and the files it writes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from smarketing.cli._progress import _Progress
from smarketing.cli._run import _can_evaluate, _note
from smarketing.demo import (
    DEFAULT_START,
    Simulation,
    costs,
    funnel_chart,
    population,
    report,
    simulate,
)
from smarketing.funnel import FunnelReport
from smarketing.io import atomic_output, write_rows
from smarketing.io._read import (
    COST_COLUMNS,
    HISTORY_COLUMNS,
    collector_paused,
    inputs_set_aside,
)
from smarketing.leads import Activity, Lead

#: The order of the well-known lead columns in files the command writes.
LEAD_COLUMNS = ("id", "created_at", "stage", "source")
FIELD_ORDER = (
    "first_name",
    "last_name",
    "email",
    "company",
    "job_title",
    "industry",
    "company_size",
    "country",
    "owner",
    "budget",
    "timeline",
)


def _demo(args: argparse.Namespace) -> int:
    out = None if args.out is None else Path(args.out)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    building = _Progress(f"building {args.leads:,} leads", 0)
    building(0)
    # Hundreds of thousands of long-lived objects, and no cycles among them: the collector
    # would walk them again and again (a quarter of the build time at 100,000 leads) for
    # nothing. Build without it, then set the population aside for the rest of the run.
    with collector_paused():
        pop = population(args.leads, seed=args.seed, start=DEFAULT_START, days=args.days)
    building.close()
    with inputs_set_aside():
        progress = _Progress("simulating days", args.days)
        sim = simulate(pop, seed=args.seed, on_day=progress)
        progress.close()
        funnel = sim.report()
        text = report(sim, funnel, seed=args.seed)
        sys.stdout.write(text)
        sys.stdout.flush()
        if out is not None:
            _write_demo(out, sim, funnel, text)
    return 0


def _write_demo(out: Path, sim: Simulation, funnel: FunnelReport, text: str) -> None:
    written = ["leads.csv", "activities.csv", "history.csv", "costs.csv", "demo.md"]
    write_rows(out / "leads.csv", *_lead_table(sim.leads))
    write_rows(out / "activities.csv", *_activity_table(sim.activities))
    changes = (
        {"lead_id": lead.id, **attrs.asdict(change, recurse=False)}
        for lead in sim.leads
        for change in lead.history
    )
    write_rows(out / "history.csv", changes, HISTORY_COLUMNS)
    write_rows(out / "costs.csv", (attrs.asdict(c) for c in costs(sim)), COST_COLUMNS)
    with atomic_output(out / "demo.md") as handle:
        handle.write(text)
    page = _demo_page(out, sim)
    if page is not None:
        written.append(page.name)
    try:
        funnel_chart(funnel, out / "funnel.png")
        written.append("funnel.png")
    except ImportError:
        _note("no funnel.png: the chart needs the plot extra (pip install 'smarketing[plot]')")
    _note(f"wrote {', '.join(written)} to {out}")
    if page is not None:
        _note(f"the report both teams open: {page}")


def _demo_page(out: Path, sim: Simulation) -> Path | None:
    """The demo's report.html, or ``None`` (and a note) without the report extra."""
    try:
        from smarketing.report import build_report, render_html, write_html
    except ImportError:
        _note("no report.html: the page needs the report extra (pip install 'smarketing[report]')")
        return None
    page = build_report(
        sim.leads,
        sim.activities,
        playbook=sim.playbook,
        start=sim.start,
        end=sim.end,
        title="The smarketing demo: the funnel and the feedback loop",
        costs=costs(sim),
        evaluation=_can_evaluate(),
    )
    return write_html(out / "report.html", render_html(page))


def _lead_table(leads: Sequence[Lead]) -> tuple[list[Mapping[str, object]], list[str]]:
    """Leads as rows: the well-known columns, then the profile fields in a readable order."""
    names = {name for lead in leads for name in lead.fields}
    fields = [n for n in FIELD_ORDER if n in names] + sorted(names - set(FIELD_ORDER))
    rows: list[Mapping[str, object]] = [
        {
            "id": lead.id,
            "created_at": lead.created_at,
            "stage": lead.stage,
            "source": lead.source,
            **{name: fv.value for name, fv in lead.fields.items()},
        }
        for lead in leads
    ]
    return rows, [*LEAD_COLUMNS, *fields]


def _activity_table(
    activities: Sequence[Activity],
) -> tuple[list[Mapping[str, object]], list[str]]:
    """Activities as rows: lead, kind and time, then one column per property."""
    props = sorted({name for a in activities for name in a.properties})
    rows: list[Mapping[str, object]] = [
        {"lead_id": a.lead_id, "kind": a.kind, "at": a.at, **a.properties} for a in activities
    ]
    return rows, ["lead_id", "kind", "at", *props]
