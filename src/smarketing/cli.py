"""The ``smarketing`` command: the playbook at work on files. An adapter at the edge.

::

    smarketing demo [--leads N] [--seed S] [--days D] [--out DIR]
    smarketing score LEADS [--activities FILE] [--playbook FILE] [--at T] [--tz ZONE] [-o OUT]
    smarketing plan LEADS [...the same options]
    smarketing funnel LEADS --history FILE [--activities FILE] [--start T] [--end T] [-o OUT]
    smarketing report LEADS --history FILE --activities FILE [--playbook FILE] [-o report.html]
    smarketing backtest LEADS --history FILE --activities FILE --candidate NEW.toml
                        [--playbook OLD.toml] [--start T] [--end T] [--sweep score=30:90:5]
    smarketing attribution LEADS --history FILE --activities FILE [--costs FILE] [--model M]
        [--milestone STAGE] [--source-touch] [--start T] [--end T] [-o OUT]
    smarketing diagram [--playbook FILE]
    smarketing check PLAYBOOK.toml [--data LEADS [--activities FILE]] [--effective]
    smarketing init [FILE]

Files are CSV or JSON Lines, told apart by their extension. Bad rows are reported on stderr
with ``file:line`` and their reason and written to a rejects file; ``--strict`` makes any bad
row an error. A usage or input error exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final, NoReturn, TypeVar

import attrs

from smarketing.attribution import MODELS, Cost, attribute, check_model, check_stage
from smarketing.backtest import backtest
from smarketing.config import commented_default, to_toml
from smarketing.dataspec import DataSpec
from smarketing.demo import (
    DEFAULT_START,
    Simulation,
    costs,
    funnel_chart,
    population,
    report,
    simulate,
)
from smarketing.errors import SmarketingError, ValidationError
from smarketing.funnel import FunnelReport, funnel_report
from smarketing.io import (
    Reject,
    Scan,
    atomic_output,
    format_of,
    parse_time,
    read_costs,
    read_history,
    read_leads,
    resolve_tz,
    scan_activities,
    scan_leads,
    write_rows,
)
from smarketing.io._check import check_data, supplied_facts
from smarketing.io._read import COST_COLUMNS, HISTORY_COLUMNS, collector_paused
from smarketing.leads import Activity, Lead
from smarketing.playbook import Assessment, Playbook
from smarketing.predictive import facts_at
from smarketing.serialisation import to_dict

__all__ = ["main"]

T = TypeVar("T")
PROG = "smarketing"
#: How many bad rows are listed on stderr; the rejects file has them all.
SHOWN_REJECTS = 20
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


class UsageError(Exception):
    """A bad command line or bad input: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and no traceback), not usage plus message."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --- the entry point ----------------------------------------------------------------------------


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


def _note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


# --- the command line ---------------------------------------------------------------------------


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


# --- progress on a terminal ---------------------------------------------------------------------


class _Progress:
    """A progress bar on stderr when it is a terminal; nothing at all when it is not."""

    WIDTH = 30

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.on = sys.stderr.isatty()
        self.shown = -1.0

    def __call__(self, done: int, total: int | None = None) -> None:
        """Show ``done`` of ``total`` (or only the label, for work of unknown size)."""
        if not self.on:
            return
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self.shown < 0.1 and done < self.total:
            return
        self.shown = now
        if self.total < 1:
            sys.stderr.write(f"\r{self.label}...")
        else:
            filled = self.WIDTH * done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            sys.stderr.write(f"\r{self.label} [{bar}] {100 * done // self.total:3d}%")
        sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r" + " " * (len(self.label) + self.WIDTH + 8) + "\r")
            sys.stderr.flush()

    def each(self, items: Iterable[T]) -> Iterator[T]:
        """The items, counting them on the bar."""
        for done, item in enumerate(items, start=1):
            yield item
            if done % 256 == 0:
                self(done)
        self.close()


# --- reading inputs -----------------------------------------------------------------------------


@attrs.define
class _Run:
    """What one run has read: the playbook, how to read files, and every bad row.

    Each file read says how many rows it held and what became of them (rows = records +
    rejects); the rejects go to ``--rejects``, beside the output, or to stderr.
    """

    args: argparse.Namespace
    playbook: Playbook
    spec: DataSpec
    rejects: list[Reject] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    counts: list[str] = attrs.field(factory=list)
    finished: bool = False

    @classmethod
    def start(cls, args: argparse.Namespace, *, checked_output: bool = True) -> _Run:
        if args.output is not None and checked_output:
            format_of(Path(args.output))  # a bad extension fails now, not after the work
        pb = _playbook(args.playbook)
        spec = pb.data
        if args.tz is not None:
            resolve_tz(args.tz, where="--tz")
            spec = attrs.evolve(spec, timezone=args.tz)
        return cls(args, pb, spec)

    def time(self, text: str, option: str) -> datetime:
        zone = resolve_tz(self.spec.timezone, where="[data] timezone")
        return parse_time(text, default_tz=zone, where=option, dayfirst=self.spec.dayfirst)

    def counted(self, path: str, rows: int, records: int, noun: str, rejects: int) -> None:
        self.counts.append(f"{path}: {rows:,} rows read: {records:,} {noun}, {rejects:,} rejected")

    def activities(self) -> dict[str, list[Activity]]:
        """The activities file's activities by lead (empty without --activities)."""
        path = self.args.activities
        if path is None:
            return {}
        scan = scan_activities(path, spec=self.spec)
        groups: dict[str, list[Activity]] = {}
        count = 0
        with collector_paused():
            for activity in scan:
                count += 1
                group = groups.get(activity.lead_id)
                if group is None:
                    groups[activity.lead_id] = [activity]
                else:
                    group.append(activity)
        self.rejects += scan.rejects
        self.counted(path, scan.rows, count, "activities", len(scan.rejects))
        return groups

    def leads(self, at: datetime) -> list[Lead]:
        """The leads file read whole (for commands that need every lead at once)."""
        path = self.args.leads
        result = read_leads(path, spec=self.spec, at=at, lifecycle=self.playbook.lifecycle)
        self.rejects += result.rejects
        self.counted(path, result.rows, len(result.leads), "leads", len(result.rejects))
        return list(result.leads)

    def strangers(self, groups: Mapping[str, Sized], known: set[str], what: str) -> None:
        """A note for records of leads that the leads file does not have."""
        count = sum(len(v) for k, v in groups.items() if k not in known)
        if count:
            self.notes.append(f"{count:,} {what} of leads not read from {self.args.leads}")

    def finish(self) -> None:
        """Say what was read; put every bad row where it belongs; --strict fails on any.

        Once per run: the first call reports, later ones do nothing.
        """
        if self.finished:
            return
        self.finished = True
        for line in self.counts:
            _note(line)
        target = self._rejects_file()
        if self.rejects:
            self.rejects.sort(key=lambda r: (r.path or "", r.line))
            if target is not None:
                rows = (
                    {"file": r.path, "line": r.line, "reason": r.reason, "row": r.raw}
                    for r in self.rejects
                )
                write_rows(target, rows, ("file", "line", "reason", "row"))
            count = len(self.rejects)
            where = f", listed in {target}" if target is not None else ""
            if self.args.strict:
                msg = f"{self.rejects[0]} ({count:,} bad rows in all{where}; --strict)"
                raise UsageError(msg)
            shown = self.rejects if target is None else self.rejects[:SHOWN_REJECTS]
            for reject in shown:
                _note(f"{reject}: {reject.raw.rstrip()[:200]!r}")
            more = ""
            if target is not None and count > SHOWN_REJECTS:
                more = f"; the first {SHOWN_REJECTS} are above"
            _note(f"{count:,} bad rows left out{where}{more}")
        elif target is not None and target.exists():
            target.unlink()  # a stale list from an earlier run would name rows now fine
        for note in self.notes:
            _note(note)

    def _rejects_file(self) -> Path | None:
        if self.args.rejects is not None:
            return Path(self.args.rejects)
        if self.args.output is None:
            return None  # writing to stdout: the rejects go to stderr
        return Path(self.args.output).with_suffix(".rejects.csv")


def _playbook(path: str | None) -> Playbook:
    return Playbook.default() if path is None else Playbook.from_toml(path)


# --- score and plan -----------------------------------------------------------------------------


def _assessments(run: _Run, label: str) -> Iterator[tuple[Lead, Assessment]]:
    """The leads of a score or plan run, read one at a time and each assessed at --at.

    Bad options and files that cannot be read at all fail here, before any row is written.
    """
    args = run.args
    at = run.time(args.at, "--at") if args.at else datetime.now(timezone.utc)
    groups = run.activities()
    scan = scan_leads(args.leads, spec=run.spec, at=at, lifecycle=run.playbook.lifecycle)
    leads = iter(scan)
    first = next(leads, None)  # the header is read and checked now
    _warn_unread(run, scan.columns)
    if args.keep:
        absent = [c for c in args.keep if run.spec.fact(c) not in scan.columns]
        if absent:
            msg = f"--keep {','.join(absent)}: no such column in {args.leads}"
            raise UsageError(msg)
    return _assess_each(run, label, scan, first, leads, groups, at)


def _warn_unread(run: _Run, columns: Sequence[str]) -> None:
    """A note when no fit rule can hold: none of the facts they read is in the file."""
    fit = run.playbook.scoring.fit
    read = {name for rule in fit for name in rule.condition.fields}
    if fit and not read & supplied_facts(columns):
        shown = ", ".join(sorted(read)[:8])
        run.notes.append(
            f"no column of {run.args.leads} is a fact the fit rules read ({shown}): every lead "
            f"gets fit 0; 'smarketing check PLAYBOOK --data {run.args.leads}' tells more"
        )


def _assess_each(
    run: _Run,
    label: str,
    scan: Scan[Lead],
    first: Lead | None,
    rest: Iterator[Lead],
    groups: Mapping[str, list[Activity]],
    at: datetime,
) -> Iterator[tuple[Lead, Assessment]]:
    pb, strict = run.playbook, run.args.strict
    known: set[str] = set()
    progress = _Progress(label, 0)
    empty: tuple[Activity, ...] = ()
    leads = rest if first is None else itertools.chain((first,), rest)
    for done, lead in enumerate(leads, start=1):
        known.add(lead.id)
        if strict and (scan.rejects or run.rejects):
            continue  # the run fails: count every bad row, assess nothing more
        yield lead, pb.assess(lead, groups.get(lead.id, empty), at=at)
        if done % 256 == 0:
            progress(done)
    progress.close()
    run.rejects += scan.rejects
    path = run.args.leads
    run.counted(path, scan.rows, scan.rows - len(scan.rejects), "leads", len(scan.rejects))
    run.strangers(groups, known, "activities")


def _score(args: argparse.Namespace) -> int:
    run = _Run.start(args)
    keep = [run.spec.fact(c) for c in args.keep]
    columns = ["id", "stage", "qualifies", "score", "fit", "engagement", "grade", "persona"]
    columns += ["next_fields", *(c for c in keep if c not in columns)]
    rows = (
        {
            "id": a.lead_id,
            "stage": a.stage,
            "qualifies": a.qualifies,
            "score": _number(a.score.total),
            "fit": _number(a.score.fit),
            "engagement": _number(a.score.engagement),
            "grade": a.score.grade,
            "persona": None if a.persona is None else a.persona.persona.name,
            "next_fields": a.next_fields.names,
            **_kept(lead, keep),
        }
        for lead, a in _assessments(run, "scoring")
    )
    _emit(run, rows, columns)
    return 0


def _plan(args: argparse.Namespace) -> int:
    run = _Run.start(args)
    width = run.playbook.max_fields
    columns = ["id", "stage"]
    for i in range(1, width + 1):
        columns += [f"field_{i}", f"reason_{i}"]
    keep = [run.spec.fact(c) for c in args.keep]
    columns += [c for c in keep if c not in columns]
    assessed = _assessments(run, "planning")

    def rows() -> Iterator[dict[str, object]]:
        for lead, a in assessed:
            row: dict[str, object] = {"id": a.lead_id, "stage": a.stage}
            for i, f in enumerate(a.next_fields.fields, start=1):
                row[f"field_{i}"] = f.name
                row[f"reason_{i}"] = f.reason
            row.update(_kept(lead, keep))
            yield row

    _emit(run, rows(), columns)
    return 0


def _kept(lead: Lead, keep: Sequence[str]) -> dict[str, object]:
    """The --keep columns of a lead, as read (an unknown fact is an empty cell)."""
    if not keep:
        return {}
    facts = lead.facts()
    return {c: facts.get(c) for c in keep}


def _number(value: float) -> float | int:
    rounded = round(value, 2)
    return int(rounded) if rounded.is_integer() else rounded


def _emit(run: _Run, rows: Iterable[Mapping[str, object]], columns: Sequence[str]) -> None:
    """Rows to ``-o`` (atomically, by its extension), else a table on a terminal or CSV down
    a pipe; then what was read and rejected."""
    output = run.args.output
    if run.args.strict:  # all or nothing: no row is written when a bad row is found
        rows = list(rows)
        run.finish()
    if output is not None:
        count = write_rows(output, rows, columns)
        run.finish()
        if sys.stderr.isatty():
            _note(f"wrote {count:,} rows to {output}")
    elif sys.stdout.isatty():
        table = list(rows)
        run.finish()
        sys.stdout.write(_aligned(table, columns))
    else:
        write_rows("stdout.csv", rows, columns, stream=sys.stdout)
        sys.stdout.flush()
        run.finish()


def _aligned(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    """A plain table for people: columns padded, numbers right-aligned."""

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, tuple | list):
            return ", ".join(map(str, value))
        return str(value)

    cells = [[text(row.get(c)) for c in columns] for row in rows]
    numeric = [
        all(isinstance(row.get(c), int | float) or row.get(c) is None for row in rows)
        for c in columns
    ]
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        padded = (
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        )
        return "  ".join(padded).rstrip()

    out = [line(list(columns)), line(["-" * w for w in widths])]
    out += [line(values) for values in cells]
    return "\n".join(out) + "\n"


# --- funnel -------------------------------------------------------------------------------------


def _funnel(args: argparse.Namespace) -> int:
    output = args.output
    if output is not None and Path(output).suffix.lower() not in (".md", ".json"):
        msg = f"-o {output}: the funnel report is written as .md (Markdown) or .json (data)"
        raise UsageError(msg)
    run = _Run.start(args, checked_output=False)
    leads, activities, start, end = _recorded(run, args)
    pb = run.playbook
    report = funnel_report(
        leads,
        lifecycle=pb.lifecycle,
        start=start,
        end=end,
        sla=pb.sla if activities is not None else None,
        activities=activities,
        calendar=pb.clock,
    )
    run.finish()
    if output is not None and output.lower().endswith(".json"):
        with atomic_output(output) as out:
            out.write(json.dumps(report.to_dict(), indent=2) + "\n")
    elif output is not None:
        with atomic_output(output) as out:
            out.write(report.to_markdown())
    else:
        sys.stdout.write(report.to_markdown())
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


def _costs(run: _Run, path: str | None) -> list[Cost] | None:
    """The cost records of --costs (``None`` without it), counted and their rejects kept."""
    if path is None:
        return None
    paid = read_costs(path, spec=run.spec)
    run.rejects += paid.rejects
    run.counted(path, paid.rows, len(paid.records), "costs", len(paid.rejects))
    return list(paid.records)


def _can_evaluate() -> bool:
    """Whether the report can evaluate the score (numpy); if not, one note says so."""
    try:
        import smarketing.predict  # noqa: F401
    except ImportError:
        _note("no evaluation of the score: it needs numpy (pip install 'smarketing[predict]')")
        return False
    return True


def _recorded(
    run: _Run, args: argparse.Namespace
) -> tuple[list[Lead], list[Activity] | None, datetime, datetime]:
    """The leads rebuilt from their recorded histories, their activities (``None`` without
    --activities) and the window: --start/--end, else the first lead to the last event."""
    start = run.time(args.start, "--start") if args.start else None
    end = run.time(args.end, "--end") if args.end else None
    leads = _leads_with_history(run, start)
    groups = run.activities() if args.activities else None
    if groups is not None:
        run.strangers(groups, {lead.id for lead in leads}, "activities")
    elif run.playbook.sla is not None:
        run.notes.append("no --activities: the SLA is not checked")
    if not leads:
        run.finish()
        what = "good leads" if run.rejects else "leads"
        msg = f"{args.leads}: no {what} to report on"
        raise UsageError(msg)
    activities = None if groups is None else [a for g in groups.values() for a in g]
    if start is None:
        start = min(lead.created_at for lead in leads)
    if end is None:
        times = [lead.updated_at for lead in leads]
        times += [a.at for a in activities or ()]
        end = max(times)
    return leads, activities, start, end


def _leads_with_history(run: _Run, start: datetime | None) -> list[Lead]:
    """The leads, each carrying its recorded history; a lead without ``created_at`` was
    created at its first recorded change (or at --start, or now)."""
    args = run.args
    history = read_history(args.history, spec=run.spec)
    at = start or datetime.now(timezone.utc)
    result = read_leads(
        args.leads, spec=run.spec, at=at, history=history, lifecycle=run.playbook.lifecycle
    )
    ours = [r for r in result.rejects if r.path == str(args.leads)]
    run.rejects += result.rejects
    run.counted(args.leads, result.rows, len(result.leads), "leads", len(ours))
    changes = sum(len(v) for v in history.records.values())
    run.counted(args.history, history.rows, changes, "stage changes", len(history.rejects))
    run.strangers(history.records, {lead.id for lead in result.leads}, "stage changes")
    return list(result.leads)


# --- backtest -----------------------------------------------------------------------------------


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
    output = args.output
    if output is not None and Path(output).suffix.lower() not in (".md", ".json"):
        msg = f"-o {output}: the backtest is written as .md (Markdown) or .json (data)"
        raise UsageError(msg)
    sweep = _sweep_spec(args.sweep) if args.sweep else None
    run = _Run.start(args, checked_output=False)
    candidate = Playbook.from_toml(args.candidate)
    leads, activities, start, end = _recorded(run, args)
    bt = backtest(
        leads, activities or (), baseline=run.playbook, candidate=candidate, start=start, end=end
    )
    swept = bt.sweep(*sweep) if sweep is not None else None
    run.finish()
    if output is not None and output.lower().endswith(".json"):
        data = {"backtest": bt.to_dict(), "sweep": None if swept is None else swept.to_dict()}
        with atomic_output(output) as out:
            out.write(json.dumps(data, indent=2) + "\n")
        return 0
    text = bt.to_markdown()
    if swept is not None:
        text += f"\n**Sweep** of the candidate's MQL threshold on {swept.fact}:\n\n"
        text += swept.to_markdown()
    if output is not None:
        with atomic_output(output) as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


# --- attribution ----------------------------------------------------------------------------------


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
    output = args.output
    if output is not None and Path(output).suffix.lower() not in (".md", ".json"):
        msg = f"-o {output}: the attribution is written as .md (Markdown) or .json (data)"
        raise UsageError(msg)
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
    if output is not None and output.lower().endswith(".json"):
        data = {"attribution": credit.to_dict(), "roi": None if roi is None else roi.to_dict()}
        with atomic_output(output) as out:
            out.write(json.dumps(data, indent=2) + "\n")
        return 0
    text = credit.to_markdown() + ("" if roi is None else "\n" + roi.to_markdown())
    if output is not None:
        with atomic_output(output) as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


# --- diagram, check, init -----------------------------------------------------------------------


def _diagram(args: argparse.Namespace) -> int:
    sys.stdout.write(_playbook(args.playbook).lifecycle.to_mermaid())
    return 0


def _check(args: argparse.Namespace) -> int:
    pb = Playbook.from_toml(args.playbook)
    if args.effective:
        sys.stdout.write(to_toml(pb.to_dict()))
        return 0
    parts = [
        (len(pb.lifecycle.stage_names), "stage"),
        (len(pb.scoring.fit), "fit rule"),
        (len(pb.scoring.engagement), "engagement rule"),
        (len(pb.personas.personas), "persona"),
        (len(pb.forms), "form field"),
    ]
    summary = ", ".join(f"{n} {word}{'s' * (n != 1)}" for n, word in parts)
    if args.data is None:
        if args.activities is not None:
            raise UsageError("--activities goes with --data LEADS")
        print(f"{args.playbook}: OK ({summary})")
        return 0
    found = check_data(pb, args.data, at=datetime.now(timezone.utc), activities=args.activities)
    print(f"{args.playbook}: {summary}")
    print(
        f"{args.data}: {found.rows:,} rows read: {found.leads:,} leads, "
        f"{len(found.rejects):,} rejected"
    )
    for reject in found.rejects[:SHOWN_REJECTS]:
        print(f"  bad row {reject}")
    for problem in found.problems:
        print(f"  problem: {problem}")
    for note in found.notes:
        print(f"  note: {note}")
    if found.ok:
        print("OK: no problem found")
        return 0
    problems = len(found.problems)
    print(f"{problems:,} problem{'s' * (problems != 1)}, {len(found.rejects):,} bad rows")
    return 1


def _init(args: argparse.Namespace) -> int:
    target = Path(args.file)
    if target.exists() and not args.force:
        msg = f"{target} exists; pass --force to replace it"
        raise UsageError(msg)
    with atomic_output(target) as out:
        out.write(commented_default())
    _note(f"wrote {target}: the default playbook, commented; try 'smarketing check {target}'")
    return 0


# --- demo ---------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    out = None if args.out is None else Path(args.out)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    building = _Progress(f"building {args.leads:,} leads", 0)
    building(0)
    # Hundreds of thousands of long-lived objects, and no cycles among them: the collector
    # would walk them again and again (a quarter of the build time at 100,000 leads) for
    # nothing. Build without it, then set the population aside for the rest of the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        pop = population(args.leads, seed=args.seed, start=DEFAULT_START, days=args.days)
    finally:
        if collecting:
            gc.enable()
    building.close()
    gc.freeze()
    try:
        progress = _Progress("simulating days", args.days)
        sim = simulate(pop, seed=args.seed, on_day=progress)
        progress.close()
        funnel = sim.report()
        text = report(sim, funnel, seed=args.seed)
        sys.stdout.write(text)
        sys.stdout.flush()
        if out is not None:
            _write_demo(out, sim, funnel, text)
    finally:
        gc.unfreeze()
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


# --- train, evaluate: learned scores (the predict extra) ----------------------------------------


def _learned_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    train = commands.add_parser(
        "train",
        help="learn a score from lead histories (needs the predict extra)",
        description="Learn a score from leads and their recorded stage changes, each lead as "
        "it was known at the decision time, and write the model as JSON for a playbook's "
        "[predictive] section.",
    )
    train.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    train.add_argument("--history", required=True, metavar="FILE", help="the stage changes")
    train.add_argument("--activities", metavar="FILE", help="the leads' activities")
    train.add_argument("--outcome", default="customer", metavar="STAGE", help="default customer")
    train.add_argument(
        "--at",
        default="mql",
        metavar="WHEN",
        help="decision time: mql (default), created, a stage, or an ISO time",
    )
    train.add_argument("--kind", default="additive", choices=("additive", "naive_bayes"))
    _common(train, output="the model file to write (.json)")
    train.set_defaults(command=_train)

    evaluate = commands.add_parser(
        "evaluate",
        help="how well the hand-set and a learned score rank a labelled file",
        description="ROC AUC, lift and gains of the playbook's hand-set score on a leads file "
        "with a known outcome column, beside a learned score's (cross-validated).",
    )
    evaluate.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    evaluate.add_argument(
        "--outcome-column", required=True, metavar="COLUMN", help="1/0, yes/no or true/false"
    )
    evaluate.add_argument("--activities", metavar="FILE", help="the leads' activities")
    evaluate.add_argument("--at", metavar="ISO-TIME", help="score as of this time (default: now)")
    evaluate.add_argument("--folds", type=_count, default=5, metavar="K", help="default 5")
    evaluate.add_argument("--kind", default="additive", choices=("additive", "naive_bayes"))
    _common(evaluate, output="write the Markdown report to OUT instead of stdout")
    evaluate.set_defaults(command=_evaluate)


def _learning() -> Any:
    try:
        import smarketing.predict as predict
    except ImportError as exc:  # pragma: no cover - numpy is in the dev install
        msg = f'learned scores need numpy: pip install "smarketing[predict]" ({exc})'
        raise UsageError(msg) from None
    return predict


def _train(args: argparse.Namespace) -> int:
    predict = _learning()
    if args.output is None or Path(args.output).suffix.lower() != ".json":
        raise UsageError("-o: train writes the model as a .json file (-o model.json)")
    run = _Run.start(args, checked_output=False)
    at: str | datetime = args.at
    if args.at not in ("mql", "created") and re.match(r"^\d{4}-", args.at):
        at = run.time(args.at, "--at")
    leads = _leads_with_history(run, None)
    activities = [a for group in run.activities().values() for a in group]
    run.finish()
    ds = predict.training_set(leads, activities, outcome=args.outcome, at=at)
    scorer = predict.LeadScorer(kind=args.kind, random_state=0).fit(list(ds.X), list(ds.y))
    text = json.dumps(to_dict(scorer.model_), indent=2) + "\n"
    with atomic_output(args.output) as out:  # a reader never sees half a model
        out.write(text)
    converted = sum(ds.y)
    print(
        f"{args.output}: {args.kind} model of {len(scorer.model_.shapes)} fields, trained on "
        f"{len(ds.y):,} leads ({converted:,} reached {args.outcome}; {ds.skipped:,} left "
        f"out: not at {args.at} or already past the outcome)"
    )
    why = {
        name: f"learned after the outcome for {share:.0%} of the converted leads"
        for name, share in ds.leaks.items()
    }
    for name, auc in predict.leak_suspects(list(ds.X), list(ds.y)).items():
        why.setdefault(name, f"alone ranks the outcome with a ROC AUC of {auc:.3f}")
    for name, reason in why.items():
        _note(f"{name!r} is a likely leak: {reason}")
    return 0


_YES: Final = {"1", "yes", "true", "y", "won", "converted"}
_NO: Final = {"0", "no", "false", "n", "lost"}


def _outcome(lead: Lead, column: str) -> int:
    value = lead.value(column)
    text = str(value).strip().lower() if value is not None else ""
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return int(value)
    if text in _YES:
        return 1
    if text in _NO:
        return 0
    msg = (
        f"lead {lead.id!r}: the outcome column {column!r} is {value!r}; expected 1/0, "
        "yes/no or true/false"
    )
    raise ValidationError(msg, value=value, where=f"{lead.id}.{column}", expected="1 or 0")


def _evaluate(args: argparse.Namespace) -> int:
    predict = _learning()
    run = _Run.start(args, checked_output=False)
    pb = run.playbook
    at = run.time(args.at, "--at") if args.at else datetime.now(timezone.utc)
    groups = run.activities()
    leads = run.leads(at)
    run.strangers(groups, {lead.id for lead in leads}, "activities")
    activities = [a for group in groups.values() for a in group]
    run.finish()
    column = args.outcome_column
    if leads and all(column not in lead.fields for lead in leads):
        raise UsageError(f"{args.leads}: no column {column!r} (the outcome to evaluate against)")
    y = [_outcome(lead, column) for lead in leads]
    leads = [
        attrs.evolve(x, fields={k: v for k, v in x.fields.items() if k != column}) for x in leads
    ]
    assessments = list(pb.assess_many(leads, activities, at=at))
    hand = predict.Evaluation.from_scores(
        y, [a.score.total for a in assessments], grades=[a.score.grade for a in assessments]
    )
    rows = [facts_at(lead, groups.get(lead.id, ()), at) for lead in leads]
    learned = predict.evaluate(
        predict.LeadScorer(kind=args.kind, random_state=0), rows, y, folds=args.folds
    )
    parts = [
        f"# Scores against {column!r} in {args.leads}",
        "",
        f"## The hand-set score ({args.playbook or 'the default playbook'})",
        "",
        hand.to_markdown(),
        f"## A learned score ({args.kind}, {args.folds}-fold cross-validated)",
        "",
        learned.to_markdown(),
    ]
    leaks = predict.leak_suspects(rows, y)
    if leaks:
        parts += [
            "## Likely leaks",
            "",
            "These fields alone rank the outcome almost perfectly: they are usually recorded "
            "because of it. Leave them out, or train on `smarketing train` point-in-time rows.",
            "",
            *(f"- `{name}`: ROC AUC {auc:.3f} alone" for name, auc in leaks.items()),
            "",
        ]
    if pb.predictive is not None:
        own = [a.prediction.probability for a in assessments if a.prediction is not None]
        given = predict.Evaluation.from_scores(
            y,
            own,
            grades=[a.prediction.grade for a in assessments if a.prediction is not None],
            probabilities=True,
        )
        parts += [
            "## The playbook's learned model (as trained, not re-fitted)",
            "",
            given.to_markdown(),
        ]
    text = "\n".join(parts)
    if args.output:
        with atomic_output(args.output) as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0
