"""The options the commands share: the inputs, the recorded histories, output and rejects."""

from __future__ import annotations

import argparse
from typing import NoReturn

from smarketing.cli._run import UsageError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and no traceback), not usage plus message."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _histories(sub: argparse.ArgumentParser, *, activities: str, required: bool = False) -> None:
    """The inputs of the commands that read recorded histories (funnel, report)."""
    sub.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    sub.add_argument("--history", required=True, metavar="FILE", help="the stage changes")
    sub.add_argument("--activities", required=required, metavar="FILE", help=activities)
    sub.add_argument("--start", metavar="T", help="window start (default: the first lead)")
    sub.add_argument("--end", metavar="T", help="window end (default: the last event)")


def _inputs(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    sub.add_argument("--activities", metavar="FILE", help="the leads' activities")
    sub.add_argument("--at", metavar="ISO-TIME", help="score as of this time (default: now)")
    sub.add_argument(
        "--keep",
        type=_names,
        default=[],
        metavar="COLS",
        help="leads-file columns to carry through to the output (comma-separated)",
    )
    sub.add_argument(
        "-j",
        "--jobs",
        type=_count,
        metavar="N",
        help="assess leads in N processes (default: one per CPU; Linux only, else one)",
    )
    _common(sub, output="write to OUT (.csv or .jsonl) instead of stdout")


def _common(sub: argparse.ArgumentParser, *, output: str) -> None:
    sub.add_argument("--playbook", metavar="FILE", help="default: the embedded playbook")
    sub.add_argument(
        "--tz",
        metavar="ZONE",
        help="zone of timestamps without one (default: the playbook's [data] timezone, UTC)",
    )
    sub.add_argument("-o", "--output", metavar="OUT", help=output)
    sub.add_argument(
        "--rejects",
        metavar="FILE",
        help="write bad rows to FILE (default: OUT.rejects.csv, or stderr without -o)",
    )
    sub.add_argument("--strict", action="store_true", help="any bad row is an error (exit 2)")


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        msg = f"expected column names separated by commas, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return names


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"expected a whole number >= 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value
