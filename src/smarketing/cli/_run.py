"""One run of a command: the playbook, how files are read, what was read and rejected, and the
recorded leads, activities and costs the analysis commands share.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sized
from datetime import datetime, timezone
from pathlib import Path

import attrs

from smarketing.attribution import Cost
from smarketing.dataspec import DataSpec
from smarketing.io import (
    Reject,
    atomic_output,
    format_of,
    parse_time,
    read_costs,
    read_history,
    read_leads,
    resolve_tz,
    scan_activities,
    write_rows,
)
from smarketing.io._read import collector_paused
from smarketing.leads import Activity, Lead
from smarketing.playbook import Playbook

PROG = "smarketing"
#: How many bad rows are listed on stderr; the rejects file has them all.
SHOWN_REJECTS = 20


class UsageError(Exception):
    """A bad command line or bad input: reported as one line, exit status 2."""


def _note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


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
    #: The latest time of an activity read by :meth:`activities` (``None`` before, or none).
    last_activity: datetime | None = None

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

    def activities(
        self, *, kinds: frozenset[str] | None = None, known: set[str] | None = None
    ) -> dict[str, list[Activity]]:
        """The activities file's activities by lead (empty without --activities).

        With ``kinds``, only activities of those kinds are kept: the others are read, checked
        and counted, then let go (the funnel keeps the SLA's touches: at the demo's 100,000
        leads, 584,000 activities held where 52,000 are needed). With ``known`` (the ids of
        the leads read), activities of other leads are noted here. ``last_activity`` is then
        the latest time of any activity read.
        """
        path = self.args.activities
        if path is None:
            return {}
        scan = scan_activities(path, spec=self.spec)
        groups: dict[str, list[Activity]] = {}
        count = strangers = 0
        last: datetime | None = None
        with collector_paused():
            for activity in scan:
                count += 1
                if last is None or activity.at > last:
                    last = activity.at
                lead_id = activity.lead_id
                if known is not None and lead_id not in known:
                    strangers += 1
                if kinds is not None and activity.kind not in kinds:
                    continue
                group = groups.get(lead_id)
                if group is None:
                    groups[lead_id] = [activity]
                else:
                    group.append(activity)
        self.last_activity = last
        self.rejects += scan.rejects
        self.counted(path, scan.rows, count, "activities", len(scan.rejects))
        self._note_strangers(strangers, "activities")
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
        self._note_strangers(sum(len(v) for k, v in groups.items() if k not in known), what)

    def _note_strangers(self, count: int, what: str) -> None:
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
    run: _Run, args: argparse.Namespace, kinds: frozenset[str] | None = None
) -> tuple[list[Lead], list[Activity] | None, datetime, datetime]:
    """The leads rebuilt from their recorded histories, their activities (``None`` without
    --activities; with ``kinds``, only those kinds) and the window: --start/--end, else the
    first lead to the last event."""
    start = run.time(args.start, "--start") if args.start else None
    end = run.time(args.end, "--end") if args.end else None
    leads = _leads_with_history(run, start)
    groups = None
    if args.activities:
        groups = run.activities(kinds=kinds, known={lead.id for lead in leads})
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
        end = max(lead.updated_at for lead in leads)
        if groups is not None and run.last_activity is not None:
            end = max(end, run.last_activity)
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


def _check_document(output: str | None, what: str) -> None:
    """An ``-o`` for a report written as Markdown or as data; a bad one fails before the work."""
    if output is not None and Path(output).suffix.lower() not in (".md", ".json"):
        msg = f"-o {output}: {what} is written as .md (Markdown) or .json (data)"
        raise UsageError(msg)


def _write_document(
    output: str | None, markdown: Callable[[], str], data: Callable[[], object]
) -> None:
    """The report as JSON data when ``-o`` names a .json file, else as Markdown."""
    if output is not None and output.lower().endswith(".json"):
        _write_text(output, json.dumps(data(), indent=2) + "\n")
    else:
        _write_text(output, markdown())


def _write_text(output: str | None, text: str) -> None:
    """``text`` to ``-o`` (atomically: a reader never sees half a file), else to stdout."""
    if output is not None:
        with atomic_output(output) as out:
            out.write(text)
    else:
        sys.stdout.write(text)
