"""Reading and writing lead, activity and history files (CSV or JSON Lines). An adapter.

Every bad row is kept with its line number and reason (a :class:`Reject`); nothing is ever
dropped silently. In CSV input a cell that parses as a number is a number and an empty cell is
an unknown fact; in JSON Lines ``null`` is an unknown fact.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any, Final, TypeVar

import attrs
from dateutil import parser as dateparser
from dateutil import tz as dateutil_tz

from smarketing.attribution import Cost
from smarketing.errors import SmarketingError, ValidationError
from smarketing.leads import Activity, Lead, StageChange

__all__ = [
    "COST_COLUMNS",
    "FileFormatError",
    "Reject",
    "Rows",
    "format_of",
    "parse_time",
    "read_activities",
    "read_changes",
    "read_costs",
    "read_leads",
    "read_rows",
    "write_rows",
]

T = TypeVar("T")

LEAD_COLUMNS: Final = frozenset({"id", "created_at", "stage", "source"})
ACTIVITY_COLUMNS: Final = frozenset({"lead_id", "kind", "at"})
CHANGE_COLUMNS: Final = ("lead_id", "from_stage", "to_stage", "trigger", "at", "actor", "reason")
COST_COLUMNS: Final = ("channel", "campaign", "start", "amount")


class FileFormatError(SmarketingError, ValueError):
    """A file cannot be read at all: unknown extension, missing columns, unreadable text."""


@attrs.frozen
class Reject:
    """A row that could not be read: where it is, why, and what it held."""

    path: str
    line: int
    reason: str
    row: Mapping[str, object]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@attrs.frozen
class Rows:
    """The rows read from a file, each with its line number, and the rows rejected."""

    path: str
    rows: tuple[tuple[int, dict[str, object]], ...]
    rejects: tuple[Reject, ...] = ()


def format_of(path: Path) -> str:
    """``"csv"`` or ``"jsonl"``, by the file's extension; a ``FileFormatError`` otherwise."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    msg = (
        f"{path}: cannot tell the format from the extension {suffix or '(none)'!r}; "
        "use .csv or .jsonl."
    )
    raise FileFormatError(msg)


def _number(text: str) -> object:
    """A CSV cell as a number when it reads as one, else the text itself."""
    stripped = text.strip()
    if not stripped:
        return None
    try:
        return int(stripped)
    except ValueError:
        pass
    try:
        value = float(stripped)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def read_rows(path: str | Path, *, stream: IO[str] | None = None) -> Rows:
    """Every row of a CSV or JSON Lines file as a dict, with its line number.

    CSV cells that read as numbers become numbers; empty cells and JSON ``null`` become
    ``None`` (unknown). A JSON line that is not an object is a reject.
    """
    p = Path(path)
    kind = format_of(p)
    try:
        handle = stream if stream is not None else p.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        msg = f"{p}: cannot open the file ({exc.strerror or exc})."
        raise FileFormatError(msg) from None
    with handle:
        try:
            return _read_csv(p, handle) if kind == "csv" else _read_jsonl(p, handle)
        except UnicodeDecodeError as exc:
            msg = f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})."
            raise FileFormatError(msg) from None
        except csv.Error as exc:
            msg = f"{p}: not readable as CSV ({exc})."
            raise FileFormatError(msg) from None


def _read_csv(path: Path, handle: IO[str]) -> Rows:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return Rows(str(path), ())
    names = [h.strip() for h in header]
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank or len(set(names)) != len(names):
        problem = f"column {blank[0]} has no name" if blank else "a column name appears twice"
        msg = f"{path}:1: bad header ({problem})."
        raise FileFormatError(msg)
    rows: list[tuple[int, dict[str, object]]] = []
    rejects: list[Reject] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            raw = dict(zip(names, cells, strict=False))
            reason = f"expected {len(names)} cells, found {len(cells)}"
            rejects.append(Reject(str(path), line, reason, raw))
            continue
        rows.append((line, {n: _number(c) for n, c in zip(names, cells, strict=True)}))
    return Rows(str(path), tuple(rows), tuple(rejects))


def _read_jsonl(path: Path, handle: IO[str]) -> Rows:
    rows: list[tuple[int, dict[str, object]]] = []
    rejects: list[Reject] = []
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            rejects.append(Reject(str(path), line, f"not JSON ({exc.msg})", {"text": text[:200]}))
            continue
        if not isinstance(value, dict):
            rejects.append(Reject(str(path), line, "not a JSON object", {"text": text[:200]}))
            continue
        rows.append((line, value))
    return Rows(str(path), tuple(rows), tuple(rejects))


def parse_time(value: object, *, default_tz: tzinfo, where: str) -> datetime:
    """A timestamp from a file: ISO 8601 or a common format; zone-less ones get ``default_tz``."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        msg = f"{where} must be a timestamp (got {value!r})"
        raise ValidationError(msg, value=value, where=where, expected="a timestamp")
    text = str(value).strip()
    try:
        parsed = dateparser.isoparse(text)
    except ValueError:
        try:
            parsed = dateparser.parse(text)
        except (ValueError, OverflowError):
            msg = f"{where} is not a timestamp we can read ({text!r})"
            raise ValidationError(msg, value=value, where=where, expected="a timestamp") from None
    if parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def resolve_tz(name: str) -> tzinfo:
    """A time zone by name (``UTC``, ``Europe/Berlin``); a ``ValidationError`` if unknown."""
    zone = dateutil_tz.gettz(name)
    if zone is None:
        msg = f"--tz {name!r} is not a time zone name (e.g. 'UTC', 'Europe/Berlin')"
        raise ValidationError(msg, value=name, where="--tz", expected="a time zone name")
    return zone


def _convert(
    rows: Rows, build: Callable[[int, dict[str, object]], T]
) -> tuple[list[T], list[Reject]]:
    out: list[T] = []
    rejects = list(rows.rejects)
    for line, row in rows.rows:
        try:
            out.append(build(line, row))
        except SmarketingError as exc:
            rejects.append(Reject(rows.path, line, str(exc).rstrip("."), row))
    rejects.sort(key=lambda r: r.line)
    return out, rejects


def _require(rows: Rows, columns: Iterable[str]) -> None:
    if not rows.rows:
        return
    present = set().union(*(r.keys() for _, r in rows.rows))
    missing = [c for c in columns if c not in present]
    if missing:
        msg = f"{rows.path}: no {', '.join(repr(c) for c in missing)} column."
        raise FileFormatError(msg)


def _optional(row: Mapping[str, object], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _text(row: Mapping[str, object], key: str, where: str) -> str:
    value = _optional(row, key)
    if value is None:
        msg = f"{where}: {key!r} is empty"
        raise ValidationError(msg, value=value, where=key, expected="a value")
    return value


def read_leads(
    path: str | Path,
    *,
    default_at: datetime,
    default_tz: tzinfo,
    stream: IO[str] | None = None,
) -> tuple[list[Lead], list[Reject]]:
    """Leads from a file with an ``id`` column, optional ``created_at``, ``stage`` and
    ``source``, and one column per profile field. A missing ``created_at`` is ``default_at``.
    """
    rows = read_rows(path, stream=stream)
    _require(rows, ["id"])
    seen: set[str] = set()

    def build(line: int, row: dict[str, object]) -> Lead:
        where = f"line {line}"
        lead_id = _text(row, "id", where)
        if lead_id in seen:
            msg = f"{where}: the id {lead_id!r} appears twice"
            raise ValidationError(msg, value=lead_id, where="id", expected="a unique id")
        created = row.get("created_at")
        at = (
            default_at
            if created is None
            else parse_time(created, default_tz=default_tz, where="created_at")
        )
        fields = {k: v for k, v in row.items() if k not in LEAD_COLUMNS and v is not None}
        lead = Lead.new(
            lead_id,
            at=at,
            fields=fields,
            source=_optional(row, "source"),
            stage=_optional(row, "stage") or "suspect",
        )
        seen.add(lead_id)
        return lead

    return _convert(rows, build)


def read_activities(
    path: str | Path, *, default_tz: tzinfo, stream: IO[str] | None = None
) -> tuple[list[Activity], list[Reject]]:
    """Activities from a file with ``lead_id``, ``kind`` and ``at`` columns; any other column
    becomes a property of the activity."""
    rows = read_rows(path, stream=stream)
    _require(rows, sorted(ACTIVITY_COLUMNS))

    def build(line: int, row: dict[str, object]) -> Activity:
        where = f"line {line}"
        props = {k: v for k, v in row.items() if k not in ACTIVITY_COLUMNS and v is not None}
        return Activity(
            _text(row, "lead_id", where),
            _text(row, "kind", where),
            parse_time(row.get("at"), default_tz=default_tz, where="at"),
            props,
        )

    return _convert(rows, build)


def read_changes(
    path: str | Path, *, default_tz: tzinfo, stream: IO[str] | None = None
) -> tuple[list[tuple[str, StageChange]], list[Reject]]:
    """Stage changes from a history file: ``lead_id``, ``from_stage``, ``to_stage``,
    ``trigger``, ``at``, and optional ``actor`` and ``reason``."""
    rows = read_rows(path, stream=stream)
    _require(rows, CHANGE_COLUMNS[:5])

    def build(line: int, row: dict[str, object]) -> tuple[str, StageChange]:
        where = f"line {line}"
        change = StageChange(
            _text(row, "from_stage", where),
            _text(row, "to_stage", where),
            _text(row, "trigger", where),
            parse_time(row.get("at"), default_tz=default_tz, where="at"),
            _optional(row, "actor"),
            _optional(row, "reason"),
        )
        return _text(row, "lead_id", where), change

    return _convert(rows, build)


def read_costs(
    path: str | Path, *, default_tz: tzinfo, stream: IO[str] | None = None
) -> tuple[list[Cost], list[Reject]]:
    """Marketing costs from a file with ``channel``, optional ``campaign``, ``start`` (the
    date the spend's period starts) and ``amount`` (a number >= 0) columns."""
    rows = read_rows(path, stream=stream)
    _require(rows, ("channel", "start", "amount"))

    def build(line: int, row: dict[str, object]) -> Cost:
        where = f"line {line}"
        start = parse_time(row.get("start"), default_tz=default_tz, where="start").date()
        amount = row.get("amount")
        if amount is None:
            msg = f"{where}: 'amount' is empty"
            raise ValidationError(msg, value=amount, where="amount", expected="a number")
        return Cost(_text(row, "channel", where), _optional(row, "campaign"), start, amount)

    return _convert(rows, build)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ";".join(str(v) for v in value)
    return value


def write_rows(
    path: str | Path,
    rows: Iterable[Mapping[str, object]],
    columns: Sequence[str],
    *,
    stream: IO[str] | None = None,
) -> int:
    """Write rows as CSV or JSON Lines (by the extension of ``path``); returns the count."""
    p = Path(path)
    kind = format_of(p)
    handle = stream if stream is not None else p.open("w", encoding="utf-8", newline="")
    count = 0
    with handle:
        if kind == "csv":
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
                count += 1
        else:
            for row in rows:
                record = {c: _json(row.get(c)) for c in columns}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    return count


def _json(value: object) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
