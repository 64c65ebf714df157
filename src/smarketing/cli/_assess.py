"""The score and plan commands: each lead assessed, one row out per lead."""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone

from smarketing.cli._fork import BATCH, pipelined, usable_cpus
from smarketing.cli._progress import _Progress
from smarketing.cli._run import UsageError, _note, _Run
from smarketing.io import Scan, scan_leads, write_rows
from smarketing.io._check import supplied_facts
from smarketing.io._read import inputs_set_aside
from smarketing.leads import Activity, Lead
from smarketing.playbook import Assessment

#: One output row of a command: the lead, as read, and what its assessment says.
_RowOf = Callable[[Lead, Assessment], dict[str, object]]


def _assessed(run: _Run, label: str, row_of: _RowOf) -> Iterator[dict[str, object]]:
    """The rows of a score or plan run, one per lead in file order, each assessed at --at.

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
    rest = leads if first is None else itertools.chain((first,), leads)
    pb, empty = run.playbook, ()

    def work(batch: Sequence[Lead]) -> list[dict[str, object]]:
        return [row_of(lead, pb.assess(lead, groups.get(lead.id, empty), at=at)) for lead in batch]

    return _assess_each(run, label, scan, rest, groups, work)


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
    leads: Iterator[Lead],
    groups: Mapping[str, list[Activity]],
    work: Callable[[Sequence[Lead]], list[dict[str, object]]],
) -> Iterator[dict[str, object]]:
    """The rows of ``work`` over the leads, read a batch at a time and shared out among
    ``--jobs`` processes (see :mod:`smarketing.cli._fork`)."""
    strict = run.args.strict
    jobs = run.args.jobs or usable_cpus()
    known: set[str] = set()
    progress = _Progress(label, 0)

    def batches() -> Iterator[list[Lead]]:
        while batch := list(itertools.islice(leads, BATCH)):
            known.update(lead.id for lead in batch)
            if strict and (scan.rejects or run.rejects):
                continue  # the run fails: count every bad row, assess nothing more
            yield batch

    done = 0
    with inputs_set_aside():  # the activities, held while the leads stream past
        for rows in pipelined(work, batches(), jobs):
            yield from rows
            done += len(rows)
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

    def row(lead: Lead, a: Assessment) -> dict[str, object]:
        return {
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

    _emit(run, _assessed(run, "scoring", row), columns)
    return 0


def _plan(args: argparse.Namespace) -> int:
    run = _Run.start(args)
    width = run.playbook.max_fields
    columns = ["id", "stage"]
    for i in range(1, width + 1):
        columns += [f"field_{i}", f"reason_{i}"]
    keep = [run.spec.fact(c) for c in args.keep]
    columns += [c for c in keep if c not in columns]

    def row(lead: Lead, a: Assessment) -> dict[str, object]:
        cells: dict[str, object] = {"id": a.lead_id, "stage": a.stage}
        for i, f in enumerate(a.next_fields.fields, start=1):
            cells[f"field_{i}"] = f.name
            cells[f"reason_{i}"] = f.reason
        cells.update(_kept(lead, keep))
        return cells

    _emit(run, _assessed(run, "planning", row), columns)
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
