"""Leads, activities and stage histories read from files through a :class:`DataSpec`.

Every row becomes a record or a :class:`Reject` with its line and raw text: rows read =
records + rejects, always. Readers stream (``scan_*``) so that memory stays flat in the number
of rows; ``read_*`` collect a :class:`ReadResult`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import IO, Final, Generic, TypeVar

import attrs

from smarketing import _validate as _v
from smarketing.attribution import Cost
from smarketing.dataspec import DataSpec
from smarketing.errors import SmarketingError, ValidationError
from smarketing.io._rows import (
    Reject,
    Row,
    cells_reader,
    checked_path,
    checked_stream,
    format_of,
    iter_rows,
    parse_time,
    resolve_tz,
)
from smarketing.leads import (
    Activity,
    Lead,
    StageChange,
    check_aware,
    not_a_lead,
    rebuilt,
    trusted_activity,
    trusted_lead,
)
from smarketing.lifecycle import Lifecycle

__all__ = [
    "COST_COLUMNS",
    "ReadResult",
    "Scan",
    "attach_history",
    "read_activities",
    "read_costs",
    "read_history",
    "read_leads",
    "scan_activities",
    "scan_leads",
]

T = TypeVar("T")
R = TypeVar("R")

LEAD_COLUMNS: Final = ("id", "created_at", "stage", "source")
ACTIVITY_COLUMNS: Final = ("lead_id", "kind", "at")
HISTORY_COLUMNS: Final = ("lead_id", "from_stage", "to_stage", "trigger", "at", "actor", "reason")
_PATH_SPEC: Final = DataSpec()
#: How many distinct property sets a reader shares before it stops remembering new ones.
SHARED_PROPERTIES: Final = 4096


@attrs.frozen
class ReadResult(Generic[R]):
    """What a reader read: the records, the rows it rejected, and how many rows there were.

    ``rows == len(records) + len(rejects)`` for leads and activities (for a history, ``rows``
    counts stage changes read plus rejects). ``leads`` is another name for ``records``.
    """

    records: R
    rejects: tuple[Reject, ...]
    rows: int
    path: str | None = None

    @property
    def leads(self) -> R:
        """The records (the leads, for :func:`read_leads`)."""
        return self.records


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a block with the cyclic garbage collector paused (and restored after).

    Reading builds hundreds of thousands of long-lived values with no cycles among them; the
    collector would walk them again and again for nothing, a third of the reading time at
    100,000 leads and 555,000 activities (benchmarks/bench_io.py). Reference counting still
    frees everything as usual.

    What the block built is what was read, and it lives on: it joins the collector's oldest
    generation at once (``gc.freeze()`` then ``gc.unfreeze()``, which move the generations
    without walking them), where the next full pass finds it as it finds every long-lived
    value. Left young, the first pass after the block walked all of it: 0.26 s, a tenth of
    reading those files. A program that froze values of its own keeps them frozen: then the
    move is skipped.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


@contextmanager
def inputs_set_aside() -> Iterator[None]:
    """Run a block with every value built so far left out of the collector's passes.

    What a command has read (its leads with their histories, their activities) lives until
    the command ends and holds no cycles, yet every full pass of the cyclic collector walks
    it: over the demo's 100,000 leads, their histories and 584,000 activities, 2 million
    objects, one pass took 1.0 s (``gc.collect()``, busy machine). Values the block builds
    are collected as usual; afterwards the collector sees everything again.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class Scan(Generic[T]):
    """Records as they are read, one at a time, keeping the rejects and the row count.

    Iterate it once; afterwards ``rejects`` and ``rows`` are complete.
    """

    def __init__(
        self,
        rows: Iterator[Row | Reject],
        build: Callable[[Row], T],
        path: str | Path,
        columns: list[str],
    ) -> None:
        self._rows = rows
        #: The file's columns as fact names (after renaming), known once reading has begun.
        self.columns = columns
        self._build = build
        self.path = str(path)
        self.rejects: list[Reject] = []
        self.rows = 0

    def __iter__(self) -> Iterator[T]:
        build, rejects, path = self._build, self.rejects, self.path
        for row in self._rows:
            self.rows += 1
            if isinstance(row, Reject):
                rejects.append(row)
                continue
            try:
                yield build(row)
            except SmarketingError as exc:
                line, raw, _ = row
                rejects.append(Reject(line, raw, str(exc).rstrip("."), path))


def _text(value: object, column: str, missing: frozenset[str]) -> str | None:
    """A built-in text column (id, stage, source, kind, ...): the text as written, or None."""
    if type(value) is str:
        if not value or value.isspace() or (missing and value.strip() in missing):
            return None
        return value
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a JSON integer: its digits are what the file says
    msg = f"{column!r} must be text (got {value!r})"
    raise ValidationError(msg, value=value, where=column, expected="text")


def _required(value: object, column: str, missing: frozenset[str]) -> str:
    text = _text(value, column, missing)
    if text is None:
        msg = f"{column!r} is empty"
        raise ValidationError(msg, value=value, where=column, expected="a value")
    return text


def _time(value: object, column: str, spec: DataSpec, zone: tzinfo) -> datetime:
    if type(value) is not str:
        msg = f"{column!r} must be a timestamp written as text (got {value!r})"
        raise ValidationError(msg, value=value, where=column, expected="a timestamp")
    try:
        moment = datetime.fromisoformat(value)  # the common case, fast
    except ValueError:
        return parse_time(value, default_tz=zone, where=column, dayfirst=spec.dayfirst)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _source(reader: str, path: object, spec: object, stream: object) -> None:
    """What a reader is handed to read from, checked before anything is read."""
    checked_path(path, reader)
    _v.instance(spec, f"{reader}(spec=...)", cls=DataSpec, error=_v.runtime, expected="a DataSpec")
    checked_stream(stream, reader, "readline")


# --- leads --------------------------------------------------------------------------------------


def scan_leads(
    path: str | Path,
    *,
    spec: DataSpec = _PATH_SPEC,
    at: datetime,
    lifecycle: Lifecycle | None = None,
    stream: IO[str] | None = None,
    created: Mapping[str, datetime] | None = None,
) -> Scan[Lead]:
    """Leads read one at a time (see :func:`read_leads`); memory stays flat in the rows.

    ``created`` gives some leads another creation time than ``at`` when the file has none
    (a lead with a recorded history was created no later than its first change).
    """
    _source("read_leads", path, spec, stream)
    _v.instance(
        lifecycle,
        "read_leads(lifecycle=...)",
        cls=Lifecycle,
        error=_v.runtime,
        expected="a Lifecycle",
        optional=True,
    )
    check_aware(at, "read_leads(at=...)")
    zone = resolve_tz(spec.timezone, where="[data] timezone")
    read = cells_reader(spec, zone)
    missing = frozenset(spec.missing)
    initial = lifecycle.initial if lifecycle is not None else "suspect"
    stages = frozenset(lifecycle.stage_names) if lifecycle is not None else None
    seen: dict[str, int] = {}
    numbered = spec.id is None
    iso = datetime.fromisoformat

    def build(row: Row) -> Lead:
        line, _, cells = row
        if numbered:
            lead_id = str(scan.rows)  # the row's place in the file, rejected rows counted
            cells.pop("id", None)
        else:
            lead_id = _required(cells.pop("id", None), spec.id or "id", frozenset())
        first = seen.get(lead_id)
        if first is not None:
            msg = f"the id {lead_id!r} appears twice (first on line {first})"
            raise ValidationError(msg, value=lead_id, where="id", expected="a unique id")
        written = cells.pop("created_at", None)
        # An ISO time with its offset, the common case, read without a call (as activities'
        # times are); anything else, placeholders included, goes the long way.
        try:
            created_at = iso(written) if type(written) is str and written not in missing else None
        except ValueError:
            created_at = None
        if created_at is None or created_at.tzinfo is None:
            created_at = (
                (at if created is None else created.get(lead_id, at))
                if _text(written, "created_at", missing) is None
                else _time(written, "created_at", spec, zone)
            )
        stage = _text(cells.pop("stage", None), "stage", missing) or initial
        if stages is not None and stage not in stages:
            msg = f"stage {stage!r} is not a stage of the lifecycle ({', '.join(sorted(stages))})"
            raise ValidationError(msg, value=stage, where="stage", expected="a stage")
        source = _text(cells.pop("source", None), "source", missing)
        # Every part is checked above (cells_reader gives plain values only): no validator
        # needs to run again.
        lead = trusted_lead(lead_id, stage, created_at, source, read(cells))
        seen[lead_id] = line
        return lead

    columns: list[str] = []
    rows = iter_rows(path, spec=spec, required=("id",), stream=stream, header=columns)
    scan = Scan(rows, build, path, columns)
    return scan


def read_leads(
    path: str | Path,
    *,
    spec: DataSpec = _PATH_SPEC,
    at: datetime,
    history: str | Path | ReadResult[Mapping[str, tuple[StageChange, ...]]] | None = None,
    lifecycle: Lifecycle | None = None,
    stream: IO[str] | None = None,
) -> ReadResult[tuple[Lead, ...]]:
    """Leads from a file with an id column (``spec.id``), optional ``created_at``, ``stage``
    and ``source``, and one column per profile field.

    A lead without ``created_at`` was created ``at``. Ids are text exactly as written; a cell
    becomes a number only when the number writes back to the same text (unless
    ``spec.types`` says otherwise); empty cells and ``spec.missing`` values are unknown.

    With ``history`` (a file, or what :func:`read_history` read from one), each lead carries
    its recorded stage changes, replayed on
    ``lifecycle`` (the default one when omitted). A lead whose history does not fit is a
    reject of the leads file, its reason naming the history's line; the history file's own
    bad rows are listed too (``Reject.path`` tells the files apart). ``rows`` counts the
    leads file's rows: ``rows == len(leads) + (rejects of the leads file)``.
    """
    _source("read_leads", path, spec, stream)
    with collector_paused():
        return _read_leads(path, spec, at, history, lifecycle, stream)


def _read_leads(
    path: str | Path,
    spec: DataSpec,
    at: datetime,
    history: str | Path | ReadResult[Mapping[str, tuple[StageChange, ...]]] | None,
    lifecycle: Lifecycle | None,
    stream: IO[str] | None,
) -> ReadResult[tuple[Lead, ...]]:
    if history is None:
        scan = scan_leads(path, spec=spec, at=at, lifecycle=lifecycle, stream=stream)
        leads = list(scan)
    else:
        if isinstance(history, bytes) or not isinstance(history, str | os.PathLike | ReadResult):
            msg = (
                "read_leads(history=...) must be a history file or what read_history read "
                f"(got {history!r})."
            )
            expected = "a path or a ReadResult"
            raise ValidationError(msg, value=history, where="history", expected=expected)
        changes = history if isinstance(history, ReadResult) else read_history(history, spec=spec)
        firsts = {k: min(at, v[0].at) for k, v in changes.records.items()}
        scan = scan_leads(
            path, spec=spec, at=at, lifecycle=lifecycle, stream=stream, created=firsts
        )
        leads, misfits = attach_history(scan, changes.records, lifecycle or Lifecycle.default())
        lines = _lines_of(path, spec, {lead_id for lead_id, _ in misfits}, stream is None)
        for lead_id, reason in misfits:
            line, raw = lines.get(lead_id, (0, ""))
            scan.rejects.append(Reject(line, raw, f"{reason} (in {changes.path})", scan.path))
        scan.rejects.extend(changes.rejects)
    rejects = sorted(scan.rejects, key=lambda r: (r.path != scan.path, r.path or "", r.line))
    return ReadResult(tuple(leads), tuple(rejects), scan.rows, scan.path)


def _lines_of(
    path: str | Path, spec: DataSpec, ids: set[str], again: bool
) -> dict[str, tuple[int, str]]:
    """The line and raw text of the rows holding ``ids`` (the file read again: errors only)."""
    if not ids or not again:
        return {}
    found: dict[str, tuple[int, str]] = {}
    numbered = 0
    for row in iter_rows(path, spec=spec, required=("id",)):
        numbered += 1
        if isinstance(row, Reject):
            continue
        line, raw, cells = row
        value = str(numbered) if spec.id is None else cells.get("id")
        key = value if isinstance(value, str) else str(value)
        if key in ids and key not in found:
            found[key] = (line, raw)
    return found


# --- activities ---------------------------------------------------------------------------------


def scan_activities(
    path: str | Path, *, spec: DataSpec = _PATH_SPEC, stream: IO[str] | None = None
) -> Scan[Activity]:
    """Activities read one at a time (see :func:`read_activities`)."""
    _source("read_activities", path, spec, stream)
    zone = resolve_tz(spec.timezone, where="[data] timezone")
    read = cells_reader(spec, zone)
    missing = frozenset(spec.missing)
    kinds: dict[str, str] = {}
    ids: dict[str, str] = {}
    # Activities with the same property cells (a channel, a campaign) share one read-only
    # mapping, read once: at 555,000 activities that is most of their memory and a fifth of
    # the reading time (benchmarks/bench_io.py). The key is the cells as written, so equal
    # keys always read to equal properties.
    seen: dict[object, Mapping[str, object]] = {}
    iso = datetime.fromisoformat
    # A CSV row has the header's columns, in its order: its property cells are picked from it
    # by name, without taking the built-in ones out of the row first (three pops and the
    # items of the rest were a tenth of reading benchmarks/bench_io.py's 555,134 activities).
    # A JSON Lines row has the keys it has: its built-in ones are taken out, the rest kept.
    csv_rows = format_of(path) == "csv"
    picked: list[Callable[[Mapping[str, object]], object]] = []  # made once the header is read

    def build(row: Row) -> Activity:
        cells = row[2]
        if csv_rows:
            given, kind_given, written = cells["lead_id"], cells["kind"], cells["at"]
        else:
            given = cells.pop("lead_id", None)
            kind_given = cells.pop("kind", None)
            written = cells.pop("at", None)
        # One string per kind and per lead, not one per row: 555,000 activities of 100,000
        # leads held 97 MiB, 72 MiB so (tracemalloc). A text met before was checked then:
        # it is not checked again (smarketing funnel on the demo's 100,000 leads, 584,000
        # activities: 1.2 million calls less).
        lead_id = ids.get(given) if type(given) is str else None
        if lead_id is None:
            lead_id = _required(given, "lead_id", missing)
            lead_id = ids.setdefault(lead_id, lead_id)
        kind = kinds.get(kind_given) if type(kind_given) is str else None
        if kind is None:
            kind = _required(kind_given, "kind", missing)
            kind = kinds.setdefault(kind, kind)
        # _time's own first step written out, a call less per row (27,600 activities: 706 ->
        # 679 million instructions, callgrind); any other cell goes to _time itself.
        try:
            when = iso(written) if type(written) is str else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            when = _time(written, "at", spec, zone)
        if csv_rows:
            if not picked:
                picked.append(_picker([c for c in columns if c not in ACTIVITY_COLUMNS]))
            key = picked[0](cells)
        else:
            key = tuple(cells.items())
        try:
            shared = seen.get(key)
        except TypeError:  # a JSON list or object among the cells: read them as they come
            return trusted_activity(lead_id, kind, when, MappingProxyType(read(cells)))
        if shared is None:
            if csv_rows:  # the built-in cells are still in the row
                cells = {c: v for c, v in cells.items() if c not in ACTIVITY_COLUMNS}
            shared = MappingProxyType(read(cells))
            if len(seen) < SHARED_PROPERTIES:
                seen[key] = shared
        return trusted_activity(lead_id, kind, when, shared)

    columns: list[str] = []
    rows = iter_rows(path, spec=spec, required=ACTIVITY_COLUMNS, stream=stream, header=columns)
    return Scan(rows, build, path, columns)


def _picker(names: Sequence[str]) -> Callable[[Mapping[str, object]], object]:
    """The cells of ``names`` from a row, as one key (``()`` when there are none)."""
    if not names:
        return lambda _: ()
    return itemgetter(*names)


def read_activities(
    path: str | Path, *, spec: DataSpec = _PATH_SPEC, stream: IO[str] | None = None
) -> ReadResult[tuple[Activity, ...]]:
    """Activities from a file with ``lead_id``, ``kind`` and ``at`` columns; every other
    column is a property of the activity (read as lead fields are)."""
    scan = scan_activities(path, spec=spec, stream=stream)
    with collector_paused():
        records = tuple(scan)
    return ReadResult(records, tuple(scan.rejects), scan.rows, scan.path)


# --- costs --------------------------------------------------------------------------------------

COST_COLUMNS: Final = ("channel", "campaign", "start", "amount")


def read_costs(
    path: str | Path, *, spec: DataSpec = _PATH_SPEC, stream: IO[str] | None = None
) -> ReadResult[tuple[Cost, ...]]:
    """Marketing's spend from a file with ``channel``, optional ``campaign``, ``start`` (the
    date the spend's period starts) and ``amount`` (a number, at least 0) columns.

    A row with an empty channel, a start that is not a date or an amount that is not a
    non-negative number is a reject with its line, like any other.
    """
    _source("read_costs", path, spec, stream)
    zone = resolve_tz(spec.timezone, where="[data] timezone")
    missing = frozenset(spec.missing)
    cost_spec = attrs.evolve(spec, id=None, types={**spec.types, "amount": "number"})
    read = cells_reader(cost_spec, zone)

    def build(row: Row) -> Cost:
        cells = row[2]
        channel = _required(cells.get("channel"), "channel", missing)
        campaign = _text(cells.get("campaign"), "campaign", missing)
        start = _time(cells.get("start"), "start", spec, zone).date()
        amount = read({"amount": cells.get("amount")}).get("amount")
        if amount is None:
            msg = "'amount' is empty"
            raise ValidationError(msg, value=amount, where="amount", expected="a number")
        return Cost(channel, campaign, start, amount)

    columns: list[str] = []
    rows = iter_rows(
        path, spec=cost_spec, required=("channel", "start", "amount"), stream=stream, header=columns
    )
    scan = Scan(rows, build, path, columns)
    records = tuple(scan)
    return ReadResult(records, tuple(scan.rejects), scan.rows, scan.path)


# --- histories ----------------------------------------------------------------------------------


@attrs.frozen
class _Changes:
    by_lead: dict[str, list[tuple[int, StageChange]]]
    rejects: list[Reject]
    rows: int


def _history_rows(path: str | Path, spec: DataSpec, stream: IO[str] | None = None) -> _Changes:
    zone = resolve_tz(spec.timezone, where="[data] timezone")
    missing = frozenset(spec.missing)
    history_spec = attrs.evolve(spec, id=None)  # a history file has no id column of its own
    by_lead: dict[str, list[tuple[int, StageChange]]] = {}

    def build(row: Row) -> None:
        line, _, c = row
        lead_id = _required(c.get("lead_id"), "lead_id", missing)
        change = StageChange(
            _required(c.get("from_stage"), "from_stage", missing),
            _required(c.get("to_stage"), "to_stage", missing),
            _required(c.get("trigger"), "trigger", missing),
            _time(c.get("at"), "at", spec, zone),
            _text(c.get("actor"), "actor", missing),
            _text(c.get("reason"), "reason", missing),
        )
        changes = by_lead.setdefault(lead_id, [])
        if changes and change.at < changes[-1][1].at:
            line = changes[-1][0]
            msg = (
                f"lead {lead_id!r}: the change at {change.at.isoformat()} is earlier than "
                f"the one on line {line}; a history is written oldest first"
            )
            raise ValidationError(msg, value=change.at, where="at", expected="time order")
        changes.append((line, change))

    columns: list[str] = []
    rows = iter_rows(
        path, spec=history_spec, required=HISTORY_COLUMNS[:5], stream=stream, header=columns
    )
    scan = Scan(rows, build, path, columns)
    for _ in scan:
        pass
    return _Changes(by_lead, scan.rejects, scan.rows)


def read_history(
    path: str | Path, *, spec: DataSpec = _PATH_SPEC, stream: IO[str] | None = None
) -> ReadResult[Mapping[str, tuple[StageChange, ...]]]:
    """Stage changes from a history file (``lead_id``, ``from_stage``, ``to_stage``,
    ``trigger``, ``at``, optional ``actor`` and ``reason``), by lead, oldest first.

    A change earlier than the lead's change before it is a reject: histories are written in
    time order.
    """
    _source("read_history", path, spec, stream)
    with collector_paused():
        changes = _history_rows(path, spec, stream)
        records = {k: tuple(c for _, c in v) for k, v in changes.by_lead.items()}
    return ReadResult(records, tuple(changes.rejects), changes.rows, str(path))


def attach_history(
    leads: Iterable[Lead],
    history: Mapping[str, Sequence[StageChange]],
    lifecycle: Lifecycle,
) -> tuple[list[Lead], list[tuple[str, str]]]:
    """Each lead rebuilt from its recorded stage changes on ``lifecycle``.

    Returns the leads and, for each lead whose history does not fit (a move the lifecycle
    lacks, or a history ending elsewhere than the lead's stage), its id and the reason; those
    leads are left out. Leads without a history are kept as they are.
    """
    where = "attach_history"
    _v.iterable(leads, f"{where}(leads)")
    expected = "a mapping of lead id to its stage changes"
    given: object = history  # typed, but handed in by callers: checked as it comes
    if not isinstance(given, Mapping):
        msg = f"{where}(history) must be {expected} (got {history!r})."
        raise ValidationError(msg, value=history, where=f"{where}(history)", expected=expected)
    _v.instance(
        lifecycle, f"{where}(lifecycle)", cls=Lifecycle, error=_v.runtime, expected="a Lifecycle"
    )
    out: list[Lead] = []
    misfits: list[tuple[str, str]] = []
    for position, lead in enumerate(leads):
        if not isinstance(lead, Lead):
            raise not_a_lead(lead, position)
        recorded: object = history.get(lead.id)
        if not recorded:
            out.append(lead)
            continue
        if not isinstance(recorded, tuple | list) or not all(
            isinstance(c, StageChange) for c in recorded
        ):
            msg = f"{where}(history): lead {lead.id!r} must map to StageChanges (got {recorded!r})."
            raise ValidationError(msg, value=recorded, where=f"{where}(history)", expected=expected)
        start = recorded[0].from_stage
        try:
            # The lead and the change were checked when read; replay checks the stages.
            # attrs.evolve checked the lead's fields again: a quarter of attaching 85,000
            # histories (smarketing funnel on the demo's 100,000 leads, cProfile).
            base = rebuilt(lead, stage=start, high_water=start)
            replayed = lifecycle.replay(base, recorded)
        except ValidationError as exc:
            misfits.append((lead.id, str(exc).rstrip(".")))
            continue
        if lead.stage not in (replayed.stage, start):
            reason = (
                f"lead {lead.id!r}: the history ends in {replayed.stage!r} but the leads file "
                f"says {lead.stage!r}"
            )
            misfits.append((lead.id, reason))
            continue
        out.append(replayed)
    return out, misfits
