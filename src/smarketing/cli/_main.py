"""The entry point and the command line: every command and its options."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from smarketing.cli._assess import _plan, _score
from smarketing.cli._attribution import _attribution_parser
from smarketing.cli._backtest import _backtest_parser
from smarketing.cli._definition import _check, _diagram, _init
from smarketing.cli._demo import _demo
from smarketing.cli._learned import _learned_commands
from smarketing.cli._options import _common, _count, _histories, _inputs, _Parser
from smarketing.cli._reports import _funnel, _report
from smarketing.cli._run import PROG, UsageError
from smarketing.errors import SmarketingError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (``sys.argv[1:]`` by default); returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        command: Callable[[argparse.Namespace], int] = args.command
        status = command(args)
        sys.stdout.flush()  # a reader that left is noticed here, not at interpreter exit
        return status
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except (UsageError, SmarketingError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            return _broken_pipe()
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")
    except KeyboardInterrupt:
        return 130


def _fail(message: str) -> int:
    text = " ".join(message.split())
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return 2


def _broken_pipe() -> int:
    """The reader went away (``smarketing demo | head``): stop quietly, as other tools do."""
    # Point stdout at /dev/null so that flushing it at exit does not fail a second time.
    try:
        target = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (a test's capture): nothing to flush
        return 1
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, target)
    os.close(devnull)
    return 1


def _parser() -> _Parser:
    from smarketing import __version__

    parser = _Parser(
        prog=PROG,
        description="One shared definition of a lead: score, plan, measure and explain.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="the whole story on synthetic data",
        description="Generate synthetic leads, run the default playbook over them day by "
        "day with a simulated sales team, and tell what happened.",
    )
    demo.add_argument("--leads", type=_count, default=2000, metavar="N", help="default 2000")
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    demo.add_argument("--days", type=_count, default=180, metavar="D", help="default 180")
    demo.add_argument(
        "--out",
        metavar="DIR",
        help="also write leads.csv, activities.csv, history.csv, costs.csv, demo.md and "
        "report.html "
        "(and funnel.png with the plot extra) to DIR",
    )
    demo.set_defaults(command=_demo)

    for name, doc, run in (
        ("score", "score, grade and persona per lead, with the next form fields", _score),
        ("plan", "the next form fields per lead, with the reasons", _plan),
    ):
        sub = commands.add_parser(name, help=doc, description=doc.capitalize() + ".")
        _inputs(sub)
        sub.set_defaults(command=run)

    funnel = commands.add_parser(
        "funnel",
        help="the funnel, SLA and recycle reasons from lead histories",
        description="The funnel report (Markdown) of leads and their stage histories.",
    )
    _histories(funnel, activities="activities; with them the SLA is checked")
    _common(funnel, output="write the report to OUT: .md for Markdown, .json for data")
    funnel.set_defaults(command=_funnel)

    page = commands.add_parser(
        "report",
        help="one self-contained HTML page: the funnel, the SLA and the feedback loop",
        description="Write the report both teams open: one HTML file with its charts inline.",
    )
    _histories(page, activities="activities, with the sales touches", required=True)
    page.add_argument("--costs", metavar="FILE", help="spend per channel (attribution and ROI)")
    page.add_argument("--candidate", metavar="FILE", help="a candidate playbook to backtest")
    _common(page, output="write the page to OUT (.html; default report.html)")
    page.set_defaults(command=_report)
    _backtest_parser(commands)
    _attribution_parser(commands)

    diagram = commands.add_parser(
        "diagram", help="the lifecycle as Mermaid text", description="The lifecycle as Mermaid."
    )
    diagram.add_argument("--playbook", metavar="FILE", help="default: the embedded playbook")
    diagram.set_defaults(command=_diagram)

    check = commands.add_parser(
        "check",
        help="validate a playbook file, and check it against your data",
        description="Validate a playbook file. With --data, also check it against a leads "
        "file: facts the rules read that no column supplies, placeholders read as answers, "
        "rules that hold for no lead or for every lead. Exit 1 when a problem is found.",
    )
    check.add_argument("playbook", metavar="PLAYBOOK.toml")
    check.add_argument("--data", metavar="LEADS", help="a leads file to check the rules against")
    check.add_argument("--activities", metavar="FILE", help="its activities (with --data)")
    check.add_argument(
        "--effective", action="store_true", help="print the playbook as it is read (TOML)"
    )
    check.set_defaults(command=_check)

    init = commands.add_parser(
        "init",
        help="write the default playbook, commented, to start from",
        description="Write the default playbook as a commented TOML file to start from.",
    )
    init.add_argument("file", nargs="?", default="playbook.toml", metavar="FILE")
    init.add_argument("--force", action="store_true", help="replace FILE if it exists")
    init.set_defaults(command=_init)
    _learned_commands(commands)
    return parser
