"""The backtest command."""

from __future__ import annotations

import argparse

from smarketing.backtest import backtest
from smarketing.cli._options import _common, _histories, _Parser
from smarketing.cli._run import UsageError, _check_document, _recorded, _Run, _write_document
from smarketing.playbook import Playbook


def _backtest_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    sub = commands.add_parser(
        "backtest",
        help="what a candidate playbook would have done over recorded leads",
        description="Replay recorded leads, their activities and histories under the playbook "
        "(the baseline) and a candidate, and compare their MQLs with what sales did (Markdown).",
    )
    _histories(sub, activities="the activities", required=True)
    sub.add_argument("--candidate", required=True, metavar="NEW.toml", help="the new playbook")
    sub.add_argument(
        "--sweep",
        metavar="FACT=FROM:TO:STEP",
        help="also sweep the candidate's MQL threshold on FACT, e.g. score=30:90:5",
    )
    _common(sub, output="write the report to OUT: .md for Markdown, .json for data")
    sub.set_defaults(command=_backtest)


def _sweep_spec(text: str) -> tuple[str, list[float]]:
    """``score=30:90:5`` as the fact and its thresholds, 30 to 90 inclusive by 5."""
    fact, _, numbers = text.partition("=")
    parts = numbers.split(":")
    try:
        low, high, step = (float(p) for p in parts) if len(parts) == 3 else (0.0, -1.0, 0.0)
    except ValueError:
        low, high, step = 0.0, -1.0, 0.0
    if not fact.strip() or step <= 0 or high < low:
        msg = f"--sweep {text}: expected FACT=FROM:TO:STEP with FROM <= TO and STEP > 0"
        raise UsageError(msg)
    count = int((high - low) / step + 1e-9) + 1
    return fact.strip(), [round(low + i * step, 10) for i in range(count)]


def _backtest(args: argparse.Namespace) -> int:
    _check_document(args.output, "the backtest")
    sweep = _sweep_spec(args.sweep) if args.sweep else None
    run = _Run.start(args, checked_output=False)
    candidate = Playbook.from_toml(args.candidate)
    leads, activities, start, end = _recorded(run, args)
    bt = backtest(
        leads, activities or (), baseline=run.playbook, candidate=candidate, start=start, end=end
    )
    swept = bt.sweep(*sweep) if sweep is not None else None
    run.finish()

    def markdown() -> str:
        text = bt.to_markdown()
        if swept is not None:
            text += f"\n**Sweep** of the candidate's MQL threshold on {swept.fact}:\n\n"
            text += swept.to_markdown()
        return text

    def data() -> object:
        return {"backtest": bt.to_dict(), "sweep": None if swept is None else swept.to_dict()}

    _write_document(args.output, markdown, data)
    return 0
