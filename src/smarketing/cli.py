"""The ``smarketing`` command: the playbook at work on files. An adapter at the edge.

::

    smarketing demo [--leads N] [--seed S] [--days D] [--out DIR]
    smarketing score LEADS [--activities FILE] [--playbook FILE] [--at T] [--tz ZONE] [-o OUT]
    smarketing plan LEADS [...the same options]
    smarketing funnel LEADS --history FILE [--activities FILE] [--start T] [--end T] [-o OUT]
    smarketing attribution LEADS --history FILE --activities FILE [--costs FILE] [--model M]
        [--milestone STAGE] [--source-touch] [--start T] [--end T] [-o OUT]
    smarketing diagram [--playbook FILE]
    smarketing check PLAYBOOK.toml

Files are CSV or JSON Lines, told apart by their extension. Bad rows are reported on stderr
with ``file:line`` and their reason and written to a rejects file; ``--strict`` makes any bad
row an error. A usage or input error exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import IO, NoReturn, TypeVar, cast

import attrs

from smarketing._files import (
    CHANGE_COLUMNS,
    COST_COLUMNS,
    Reject,
    format_of,
    parse_time,
    read_activities,
    read_changes,
    read_costs,
    read_leads,
    read_rows,
    resolve_tz,
    write_rows,
)
from smarketing.attribution import MODELS, attribute
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
from smarketing.leads import Activity, Lead, StageChange
from smarketing.playbook import Assessment, Playbook

__all__ = ["main"]

T = TypeVar("T")
PROG = "smarketing"
_LINE = re.compile(r"^line \d+: ")
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
        help="also write leads.csv, activities.csv, history.csv, costs.csv and demo.md "
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
    funnel.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    funnel.add_argument("--history", required=True, metavar="FILE", help="the stage changes")
    funnel.add_argument(
        "--activities", metavar="FILE", help="activities; with them the SLA is checked"
    )
    funnel.add_argument("--start", metavar="T", help="window start (default: the first lead)")
    funnel.add_argument("--end", metavar="T", help="window end (default: the last event)")
    _common(funnel, output="write the report to OUT: .md for Markdown, .json for data")
    funnel.set_defaults(command=_funnel)

    _attribution_parser(commands)

    diagram = commands.add_parser(
        "diagram", help="the lifecycle as Mermaid text", description="The lifecycle as Mermaid."
    )
    diagram.add_argument("--playbook", metavar="FILE", help="default: the embedded playbook")
    diagram.set_defaults(command=_diagram)

    check = commands.add_parser(
        "check", help="validate a playbook file", description="Validate a playbook file."
    )
    check.add_argument("playbook", metavar="PLAYBOOK.toml")
    check.set_defaults(command=_check)
    return parser


def _inputs(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    sub.add_argument("--activities", metavar="FILE", help="the leads' activities")
    sub.add_argument("--at", metavar="ISO-TIME", help="score as of this time (default: now)")
    _common(sub, output="write to OUT (.csv or .jsonl) instead of stdout")


def _common(sub: argparse.ArgumentParser, *, output: str) -> None:
    sub.add_argument("--playbook", metavar="FILE", help="default: the embedded playbook")
    sub.add_argument(
        "--tz", default="UTC", metavar="ZONE", help="zone of timestamps without one (UTC)"
    )
    sub.add_argument("-o", "--output", metavar="OUT", help=output)
    sub.add_argument("--strict", action="store_true", help="any bad row is an error (exit 2)")


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
    """What one run of score, plan or funnel has read, and the bad rows it found."""

    args: argparse.Namespace
    playbook: Playbook
    tz: tzinfo
    rejects: list[Reject] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)

    @classmethod
    def start(cls, args: argparse.Namespace) -> _Run:
        if args.output is not None and args.command not in (_funnel, _attribution):
            format_of(Path(args.output))  # a bad extension fails now, not after the work
        pb = Playbook.default() if args.playbook is None else Playbook.from_toml(args.playbook)
        return cls(args, pb, resolve_tz(args.tz))

    def time(self, text: str, option: str) -> datetime:
        return parse_time(text, default_tz=self.tz, where=option)

    def leads(self, default_at: datetime) -> list[Lead]:
        path = self.args.leads
        leads, rejects = read_leads(path, default_at=default_at, default_tz=self.tz)
        self.rejects += rejects
        stages = set(self.playbook.lifecycle.stage_names)
        bad = {lead.id for lead in leads if lead.stage not in stages}
        if bad:
            names = ", ".join(self.playbook.lifecycle.stage_names)
            lines = _lines_of(path, "id", bad)
            for lead in leads:
                if lead.id in bad:
                    reason = f"stage {lead.stage!r} is not a stage of the playbook ({names})"
                    self.rejects.append(Reject(str(path), lines[lead.id], reason, {"id": lead.id}))
        return [lead for lead in leads if lead.id not in bad]

    def activities(self, leads: Iterable[Lead]) -> list[Activity]:
        path = self.args.activities
        if path is None:
            return []
        activities, rejects = read_activities(path, default_tz=self.tz)
        self.rejects += rejects
        known = {lead.id for lead in leads}
        strangers = sum(a.lead_id not in known for a in activities)
        if strangers:
            self.notes.append(
                f"{path}: {strangers:,} activities of leads not in {self.args.leads} (ignored)"
            )
        return activities

    def report_rejects(self) -> None:
        """Every bad row on stderr (the first few) and in the rejects file; --strict fails.

        Then the notes (activities of unknown leads and the like): an error stays one line.
        """
        if self.rejects:
            # The readers start reasons with "line N: "; the line is shown once, by the path.
            self.rejects = [
                attrs.evolve(r, reason=_LINE.sub("", r.reason, count=1)) for r in self.rejects
            ]
            self._write_rejects()
        for note in self.notes:
            _note(note)

    def _write_rejects(self) -> None:
        self.rejects.sort(key=lambda r: (r.path, r.line))
        path = Path(self.args.output or self.args.leads).with_suffix(".rejects.csv")
        rows = (
            {"file": r.path, "line": r.line, "reason": r.reason, "row": _json_text(r.row)}
            for r in self.rejects
        )
        write_rows(path, rows, ("file", "line", "reason", "row"))
        count = len(self.rejects)
        if self.args.strict:
            msg = f"{self.rejects[0]} ({count:,} bad rows in all, listed in {path}; --strict)"
            raise UsageError(msg)
        for reject in self.rejects[:SHOWN_REJECTS]:
            _note(str(reject))
        more = f"; the first {SHOWN_REJECTS} are above" if count > SHOWN_REJECTS else ""
        _note(f"{count:,} bad rows left out, listed in {path}{more}")


def _json_text(row: Mapping[str, object]) -> str:
    return json.dumps(dict(row), ensure_ascii=False, default=str, sort_keys=True)


def _lines_of(path: str, column: str, values: set[str]) -> dict[str, int]:
    """The line of the first row whose ``column`` holds each value (read again: errors only)."""
    found: dict[str, int] = {}
    for line, row in read_rows(path).rows:
        value = row.get(column)
        key = str(int(value) if isinstance(value, float) and value.is_integer() else value)
        if key in values and key not in found:
            found[key] = line
    return found


# --- score and plan -----------------------------------------------------------------------------


def _assessments(args: argparse.Namespace, label: str) -> tuple[Playbook, list[Assessment]]:
    """The leads (and activities) of a score or plan run, each assessed at --at."""
    run = _Run.start(args)
    at = run.time(args.at, "--at") if args.at else datetime.now(timezone.utc)
    leads = run.leads(at)
    activities = run.activities(leads)
    run.report_rejects()
    assessments = run.playbook.assess_many(leads, activities, at=at)
    return run.playbook, list(_Progress(label, len(leads)).each(assessments))


def _score(args: argparse.Namespace) -> int:
    _, assessments = _assessments(args, "scoring")
    columns = ("id", "stage", "score", "fit", "engagement", "grade", "persona", "next_fields")
    rows = [
        {
            "id": a.lead_id,
            "stage": a.stage,
            "score": _number(a.score.total),
            "fit": _number(a.score.fit),
            "engagement": _number(a.score.engagement),
            "grade": a.score.grade,
            "persona": None if a.persona is None else a.persona.persona.name,
            "next_fields": a.next_fields.names,
        }
        for a in assessments
    ]
    _emit(rows, columns, args.output)
    return 0


def _plan(args: argparse.Namespace) -> int:
    playbook, assessments = _assessments(args, "planning")
    width = max([playbook.max_fields, *(len(a.next_fields.fields) for a in assessments)])
    columns = ["id", "stage"]
    for i in range(1, width + 1):
        columns += [f"field_{i}", f"reason_{i}"]
    rows = []
    for a in assessments:
        row: dict[str, object] = {"id": a.lead_id, "stage": a.stage}
        for i, f in enumerate(a.next_fields.fields, start=1):
            row[f"field_{i}"] = f.name
            row[f"reason_{i}"] = f.reason
        rows.append(row)
    _emit(rows, columns, args.output)
    return 0


def _number(value: float) -> float | int:
    rounded = round(value, 2)
    return int(rounded) if rounded.is_integer() else rounded


def _emit(rows: Sequence[Mapping[str, object]], columns: Sequence[str], output: str | None) -> None:
    """Rows to ``output`` (by its extension), else a table on a terminal or CSV down a pipe."""
    if output is not None:
        count = write_rows(output, rows, columns)
        if sys.stderr.isatty():
            _note(f"wrote {count:,} rows to {output}")
    elif sys.stdout.isatty():
        sys.stdout.write(_aligned(rows, columns))
    else:
        write_rows("stdout.csv", rows, columns, stream=cast(IO[str], _Unclosed(sys.stdout)))


class _Unclosed:
    """A stream that the writer may 'close' without closing stdout."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(text)

    def __enter__(self) -> _Unclosed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.flush()


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
    run = _Run.start(args)
    start = run.time(args.start, "--start") if args.start else None
    end = run.time(args.end, "--end") if args.end else None
    changes, rejects = read_changes(args.history, default_tz=run.tz)
    run.rejects += rejects
    # A lead without created_at is taken as created at the window's start (or the first change).
    first = min((change.at for _, change in changes), default=None)
    leads = run.leads(start or first or datetime.now(timezone.utc))
    if not leads and not run.rejects:
        msg = f"{args.leads}: no leads to report on"
        raise UsageError(msg)
    leads = _with_histories(run, leads, changes)
    activities = run.activities(leads) if args.activities else None
    if activities is None and run.playbook.sla is not None:
        run.notes.append("no --activities: the SLA is not checked")
    run.report_rejects()
    if not leads:
        msg = f"{args.leads}: no good leads to report on"
        raise UsageError(msg)
    if start is None:
        start = min(lead.created_at for lead in leads)
    if end is None:
        times = [lead.updated_at for lead in leads]
        times += [a.at for a in activities or ()]
        end = max(times)
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
    if output is not None and output.lower().endswith(".json"):
        Path(output).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    elif output is not None:
        Path(output).write_text(report.to_markdown(), encoding="utf-8")
    else:
        sys.stdout.write(report.to_markdown())
    return 0


def _with_histories(
    run: _Run, leads: list[Lead], changes: list[tuple[str, StageChange]]
) -> list[Lead]:
    """Each lead rebuilt from its recorded stage changes; a history that does not fit is a
    bad row of the history file."""
    path = run.args.history
    by_lead: dict[str, list[StageChange]] = {}
    for lead_id, change in changes:
        by_lead.setdefault(lead_id, []).append(change)
    known = {lead.id for lead in leads}
    strangers = sum(len(v) for k, v in by_lead.items() if k not in known)
    if strangers:
        run.notes.append(
            f"{path}: {strangers:,} stage changes of leads not in {run.args.leads} (ignored)"
        )
    lifecycle = run.playbook.lifecycle
    out: list[Lead] = []
    problems: dict[str, str] = {}
    for lead in leads:
        history = by_lead.get(lead.id)
        if not history:
            out.append(lead)
            continue
        first = history[0].from_stage
        try:
            base = attrs.evolve(lead, stage=first, high_water=first)
            rebuilt = lifecycle.replay(base, history)
        except ValidationError as exc:
            problems[lead.id] = str(exc).rstrip(".")
            continue
        if lead.stage not in (rebuilt.stage, first):
            problems[lead.id] = (
                f"lead {lead.id!r}: the history ends in {rebuilt.stage!r} but the leads file "
                f"says {lead.stage!r}"
            )
            continue
        out.append(rebuilt)
    if problems:
        lines = _lines_of(path, "lead_id", set(problems))
        for lead_id, reason in problems.items():
            run.rejects.append(Reject(str(path), lines[lead_id], reason, {"lead_id": lead_id}))
    return out


# --- attribution ----------------------------------------------------------------------------------


def _attribution_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    sub = commands.add_parser(
        "attribution",
        help="credit per channel for MQLs, SQLs or customers, and the ROI with costs",
        description="Which channels' touches led to the conversions at a milestone, by an "
        "attribution model; with --costs, cost per lead, MQL, SQL and customer per channel.",
    )
    sub.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    sub.add_argument("--history", required=True, metavar="FILE", help="the stage changes")
    sub.add_argument(
        "--activities", required=True, metavar="FILE", help="activities with a channel column"
    )
    sub.add_argument("--costs", metavar="FILE", help="channel, campaign, start, amount")
    sub.add_argument("--model", default="w_shaped", metavar="MODEL", help=", ".join(MODELS))
    sub.add_argument("--milestone", default="customer", metavar="STAGE", help="default customer")
    sub.add_argument(
        "--source-touch", action="store_true", help="count each lead's source as a touch"
    )
    sub.add_argument("--start", metavar="T", help="window start (default: unbounded)")
    sub.add_argument("--end", metavar="T", help="window end (default: unbounded)")
    _common(sub, output="write the result to OUT: .md for Markdown, .json for data")
    sub.set_defaults(command=_attribution)


def _attribution(args: argparse.Namespace) -> int:
    output = args.output
    if output is not None and Path(output).suffix.lower() not in (".md", ".json"):
        msg = f"-o {output}: the attribution is written as .md (Markdown) or .json (data)"
        raise UsageError(msg)
    run = _Run.start(args)
    start = run.time(args.start, "--start") if args.start else None
    end = run.time(args.end, "--end") if args.end else None
    changes, rejects = read_changes(args.history, default_tz=run.tz)
    run.rejects += rejects
    first = min((change.at for _, change in changes), default=None)
    leads = _with_histories(run, run.leads(start or first or datetime.now(timezone.utc)), changes)
    activities = run.activities(leads)
    spent = None
    if args.costs is not None:
        spent, rejects = read_costs(args.costs, default_tz=run.tz)
        run.rejects += rejects
    run.report_rejects()
    if not leads:
        msg = f"{args.leads}: no good leads to attribute"
        raise UsageError(msg)
    credit = attribute(
        leads,
        activities,
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
        Path(output).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return 0
    text = credit.to_markdown() + ("" if roi is None else "\n" + roi.to_markdown())
    if output is not None:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


# --- diagram, check -----------------------------------------------------------------------------


def _diagram(args: argparse.Namespace) -> int:
    pb = Playbook.default() if args.playbook is None else Playbook.from_toml(args.playbook)
    sys.stdout.write(pb.lifecycle.to_mermaid())
    return 0


def _check(args: argparse.Namespace) -> int:
    pb = Playbook.from_toml(args.playbook)
    parts = [
        (len(pb.lifecycle.stage_names), "stage"),
        (len(pb.scoring.fit), "fit rule"),
        (len(pb.scoring.engagement), "engagement rule"),
        (len(pb.personas.personas), "persona"),
        (len(pb.forms), "form field"),
    ]
    summary = ", ".join(f"{n} {word}{'s' * (n != 1)}" for n, word in parts)
    print(f"{args.playbook}: OK ({summary})")
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
    write_rows(out / "history.csv", changes, CHANGE_COLUMNS)
    write_rows(out / "costs.csv", (attrs.asdict(c) for c in costs(sim)), COST_COLUMNS)
    (out / "demo.md").write_text(text, encoding="utf-8")
    try:
        funnel_chart(funnel, out / "funnel.png")
        written.append("funnel.png")
    except ImportError:
        _note("no funnel.png: the chart needs the plot extra (pip install 'smarketing[plot]')")
    _note(f"wrote {', '.join(written)} to {out}")


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
