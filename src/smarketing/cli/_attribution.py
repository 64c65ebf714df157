"""The attribution command."""

from __future__ import annotations

import argparse

from smarketing.attribution import MODELS, attribute, check_model, check_stage
from smarketing.cli._options import _common, _histories, _Parser
from smarketing.cli._run import _check_document, _costs, _recorded, _Run, _write_document


def _attribution_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    sub = commands.add_parser(
        "attribution",
        help="credit per channel for MQLs, SQLs or customers, and the ROI with costs",
        description="Which channels' touches led to the conversions at a milestone, by an "
        "attribution model; with --costs, cost per lead, MQL, SQL and customer per channel.",
    )
    _histories(sub, activities="activities with a channel column", required=True)
    sub.add_argument("--costs", metavar="FILE", help="channel, campaign, start, amount")
    sub.add_argument("--model", default="w_shaped", metavar="MODEL", help=", ".join(MODELS))
    sub.add_argument("--milestone", default="customer", metavar="STAGE", help="default customer")
    sub.add_argument(
        "--source-touch", action="store_true", help="count each lead's source as a touch"
    )
    _common(sub, output="write the result to OUT: .md for Markdown, .json for data")
    sub.set_defaults(command=_attribution)


def _attribution(args: argparse.Namespace) -> int:
    _check_document(args.output, "the attribution")
    check_model(args.model)  # bad options fail now, not after reading the files
    run = _Run.start(args, checked_output=False)
    check_stage(run.playbook.lifecycle, args.milestone, "milestone")
    leads, activities, _, _ = _recorded(run, args)
    start = run.time(args.start, "--start") if args.start else None
    end = run.time(args.end, "--end") if args.end else None
    spent = _costs(run, args.costs)
    run.finish()
    credit = attribute(
        leads,
        activities or (),
        model=args.model,
        milestone=args.milestone,
        source=args.source_touch,
        start=start,
        end=end,
        lifecycle=run.playbook.lifecycle,
    )
    roi = None if spent is None else credit.roi(spent)

    def markdown() -> str:
        return credit.to_markdown() + ("" if roi is None else "\n" + roi.to_markdown())

    def data() -> object:
        return {"attribution": credit.to_dict(), "roi": None if roi is None else roi.to_dict()}

    _write_document(args.output, markdown, data)
    return 0
