"""The funnel and report commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from smarketing.cli._run import (
    UsageError,
    _can_evaluate,
    _check_document,
    _costs,
    _note,
    _recorded,
    _Run,
    _write_document,
)
from smarketing.funnel import funnel_report
from smarketing.io._read import inputs_set_aside
from smarketing.playbook import Playbook


def _funnel(args: argparse.Namespace) -> int:
    _check_document(args.output, "the funnel report")
    run = _Run.start(args, checked_output=False)
    pb = run.playbook
    # The report reads activities only for the SLA's touches: the others (most of a file:
    # page views, e-mail opens) are read, checked and counted, but not kept.
    touches = frozenset(pb.sla.touch_kinds) if pb.sla is not None else frozenset()
    leads, activities, start, end = _recorded(run, args, kinds=touches)
    sla = pb.sla if activities is not None else None
    with inputs_set_aside():
        report = funnel_report(
            leads,
            lifecycle=pb.lifecycle,
            start=start,
            end=end,
            sla=sla,
            activities=activities,
            calendar=pb.clock,
        )
        run.finish()
        _write_document(args.output, report.to_markdown, report.to_dict)
    return 0


def _report(args: argparse.Namespace) -> int:
    output = Path(args.output or "report.html")
    if output.suffix.lower() not in (".html", ".htm"):
        msg = f"-o {output}: the report is one HTML page (.html)"
        raise UsageError(msg)
    try:
        from smarketing.report import build_report, render_html, write_html
    except ImportError:
        msg = "the report needs Jinja2: pip install 'smarketing[report]'"
        raise UsageError(msg) from None
    run = _Run.start(args, checked_output=False)
    candidate = None if args.candidate is None else Playbook.from_toml(args.candidate)
    leads, activities, start, end = _recorded(run, args)
    spent = _costs(run, args.costs)
    run.finish()
    with inputs_set_aside():
        page = build_report(
            leads,
            activities or (),
            playbook=run.playbook,
            start=start,
            end=end,
            costs=spent,
            candidate=candidate,
            evaluation=_can_evaluate(),
        )
        html = render_html(page)
    write_html(output, html)
    _note(f"wrote {output} ({len(html.encode('utf-8')) / 1024:,.0f} KB)")
    return 0
