"""The score and plan commands: each lead assessed, one row out per lead."""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone

from smarketing.cli._progress import _Progress
from smarketing.cli._run import UsageError, _note, _Run
from smarketing.io import Scan, scan_leads, write_rows
from smarketing.io._check import supplied_facts
from smarketing.io._read import inputs_set_aside
from smarketing.leads import Activity, Lead
from smarketing.playbook import Assessment


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
    with inputs_set_aside():  # the activities, held while the leads stream past
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
