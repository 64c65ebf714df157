"""Rows out of CSV and JSON Lines files, each with its line and its raw text. Nothing is lost:
a row is read or rejected, and a file that cannot be read at all is a one-line error.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Final, TypeAlias

import attrs
from dateutil import parser as dateparser
from dateutil import tz as dateutil_tz

from smarketing import _validate as _v
from smarketing.dataspec import DELIMITERS, DataSpec
from smarketing.errors import SmarketingError, ValidationError
from smarketing.leads import FactValue, check_value

__all__ = [
    "FileFormatError",
    "Reject",
    "Row",
    "auto_value",
    "cells_reader",
    "format_of",
    "iter_rows",
    "parse_time",
    "resolve_tz",
    "typed_value",
]

#: How much of a raw row a reject keeps (a runaway quoted cell can hold megabytes).
RAW_LIMIT: Final = 2_000
_FLOAT_START: Final = frozenset("-0123456789.")
_TRUE: Final = frozenset({"true", "yes", "y", "1"})
_FALSE: Final = frozenset({"false", "no", "n", "0"})
_NUMERIC_DATE: Final = re.compile(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")
_ZONE_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*\Z")
_STRICT_NUMBER: Final = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


class FileFormatError(SmarketingError, ValueError):
    """A file cannot be read at all: an unknown extension, no header, a missing id column,
    text that is not UTF-8, a quote that is never closed. The message names file and line."""


@attrs.frozen
class Reject:
    """A row that was not read: its line in the file, the row exactly as written, and why."""

    line: int
    raw: str
    reason: str
    path: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:" if self.path else "line "
        return f"{where}{self.line}: {self.reason}"


#: One row of a file: (its first line, its raw text, its cells by column name). CSV cells are
#: the text as written; JSON Lines values are JSON's own types. A plain tuple: one is made per
#: row, and a NamedTuple's constructor (a Python ``__new__``) took 3,200 instructions against
#: 450, a tenth of reading an activity (benchmarks/bench_io.py, callgrind).
Row: TypeAlias = tuple[int, str, dict[str, object]]


def checked_path(value: object, where: str) -> None:
    """A file argument, checked to be a path (text or a ``pathlib.Path``) before any use."""
    text = os.fspath(value) if isinstance(value, str | os.PathLike) else None
    # A NUL no file system takes (Python raises ValueError); bytes are not text.
    if not isinstance(text, str) or "\x00" in text:
        msg = f"{where}: the file must be a path, text or a pathlib.Path (got {value!r})."
        raise ValidationError(msg, value=value, where=f"{where}(path)", expected="a path")


def checked_stream(value: object, where: str, method: str) -> None:
    """A ``stream=`` argument: None, or an open text file that has ``method``."""
    if value is not None and not callable(getattr(value, method, None)):
        msg = f"{where}(stream=...) must be an open text file (got {value!r})."
        raise ValidationError(
            msg, value=value, where=f"{where}(stream=...)", expected="a text file"
        )


def format_of(path: str | Path) -> str:
    """``"csv"`` or ``"jsonl"``, by the file's extension; a ``FileFormatError`` otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    msg = (
        f"{path}: cannot tell the format from the extension {suffix or '(none)'!r}; "
        "use .csv or .jsonl."
    )
    raise FileFormatError(msg)


def _clip(raw: str) -> str:
    return raw if len(raw) <= RAW_LIMIT else raw[:RAW_LIMIT] + f"... ({len(raw):,} characters)"


class _Lines:
    """The file's lines, keeping those of the row being read (its raw text) and a count.

    ``push`` hands a line already read back, for the CSV parser to read first.
    """

    __slots__ = ("count", "handle", "kept", "pushed")

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.kept: list[str] = []
        self.count = 0
        self.pushed: str | None = None

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.pushed
        if line is not None:
            self.pushed = None
        else:
            line = self.handle.readline()
            if not line:
                raise StopIteration
            self.count += 1
        self.kept.append(line)
        return line

    def push(self, line: str) -> None:
        self.kept.clear()
        self.pushed = line

    def take(self) -> str:
        raw = "".join(self.kept)
        self.kept.clear()
        return raw


def iter_rows(
    path: str | Path,
    *,
    spec: DataSpec,
    required: Sequence[str] = (),
    stream: IO[str] | None = None,
    header: list[str] | None = None,
) -> Iterator[Row | Reject]:
    """Every data row of a CSV or JSON Lines file, or a :class:`Reject` in its place.

    ``required`` names columns (after ``spec.rename``) the header must have; ``header``, when
    given, receives the columns' fact names once the header is read. File-level problems
    raise :class:`FileFormatError` naming the file and line.
    """
    names: list[str] = [] if header is None else header
    p = Path(path)
    kind = format_of(p)
    try:
        handle = stream if stream is not None else p.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        msg = f"{p}: cannot open the file ({exc.strerror or exc})."
        raise FileFormatError(msg) from None
    lines = _Lines(handle)
    with handle:
        try:
            if kind == "csv":
                yield from _csv_rows(p, lines, spec, required, names)
            else:
                yield from _jsonl_rows(p, lines, spec, required, names)
        except UnicodeDecodeError as exc:
            line = _bad_utf8_line(p) if stream is None else lines.count + 1
            msg = f"{p}:{line}: not UTF-8 text ({exc.reason}); save the file as UTF-8."
            raise FileFormatError(msg) from None


def _bad_utf8_line(path: Path) -> int:
    """The first line that is not UTF-8 (read again, on the error path only)."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1  # pragma: no cover - the error was raised, so some line is bad


def _sniff(header: str) -> str:
    """The delimiter that splits the header line into the most columns (a comma on a tie)."""
    best, most = ",", 0
    for delimiter in DELIMITERS:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        if len(cells) > most:
            best, most = delimiter, len(cells)
    return best


def _header(path: Path, names: list[str], spec: DataSpec, required: Sequence[str]) -> list[str]:
    names = [n.strip() for n in names]
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        msg = f"{path}:1: bad header (column {blank[0]} has no name)."
        raise FileFormatError(msg)
    facts = [("id" if spec.id is not None and n == spec.id else spec.fact(n)) for n in names]
    seen: dict[str, str] = {}
    for name, fact in zip(names, facts, strict=True):
        if fact in seen:
            also = "" if seen[fact] == name else f" (renamed from {seen[fact]!r} and {name!r})"
            msg = f"{path}:1: bad header (the column {fact!r} appears twice{also})."
            raise FileFormatError(msg)
        seen[fact] = name
    if spec.id is not None and "id" in required and spec.id not in names:
        msg = f"{path}:1: no {spec.id!r} column (the id); set [data] id to the id column's name"
        if spec.id == "id":
            msg += ", or id = false to number the rows"
        raise FileFormatError(msg + f" (columns: {_listed(names)}).")
    missing = [c for c in required if c != "id" and c not in facts]
    if spec.id is None and "id" in required and "id" in facts:
        msg = (
            f"{path}:1: the file has an 'id' column, but [data] id = false numbers the rows; "
            'set id = "id", or rename the column'
        )
        raise FileFormatError(msg)
    if missing:
        absent = ", ".join(repr(c) for c in missing)
        msg = f"{path}:1: no {absent} column (columns: {_listed(names)})."
        raise FileFormatError(msg)
    return facts


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:12])
    return shown + (f" and {len(names) - 12} more" if len(names) > 12 else "")


def _csv_rows(
    path: Path, lines: _Lines, spec: DataSpec, required: Sequence[str], header: list[str]
) -> Iterator[Row | Reject]:
    first = next(lines, None)
    if first is None or not first.strip():
        msg = f"{path}:1: the file is empty (no header line)."
        raise FileFormatError(msg)
    delimiter = spec.delimiter or _sniff(first)
    lines.kept.clear()
    names = _header(path, next(csv.reader([first], delimiter=delimiter)), spec, required)
    header.extend(names)
    width = len(names)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    readline = lines.handle.readline
    sp = str(path)
    while True:
        text = readline()
        if not text:
            return
        lines.count += 1
        line = lines.count
        if '"' not in text:
            # No quote, no quoting: the cells are the line split on the delimiter, exactly as
            # the csv module would split it, at a third of the cost (benchmarks/bench_io.py).
            raw = text
            body = text.rstrip("\r\n")
            cells = body.split(delimiter) if body else []
        else:
            lines.push(text)
            try:
                cells = next(reader)
            except csv.Error as exc:
                problem = str(exc)
                if "end of data" in problem or "field larger" in problem:
                    problem = "a quote opened here is never closed"
                raw = _clip(lines.take())
                msg = f"{path}:{line}: not readable as CSV ({problem}): {raw[:80]!r}."
                raise FileFormatError(msg) from None
            raw = lines.take()
        if len(cells) == width:
            if width == 1 and not cells[0].strip():
                yield Reject(line, raw, "an empty row", sp)
                continue
            # The lengths are equal (checked above): strict=True would check again, at half
            # the cost of building the dict (about 0.1 s of benchmarks/bench_io.py's reading).
            yield (line, raw, dict(zip(names, cells, strict=False)))
        elif not any(c.strip() for c in cells):
            yield Reject(line, _clip(raw), "an empty row", sp)
        else:
            reason = f"expected {width} cells, found {len(cells)}"
            yield Reject(line, _clip(raw), reason, sp)


def _jsonl_rows(
    path: Path, lines: _Lines, spec: DataSpec, required: Sequence[str], header: list[str]
) -> Iterator[Row | Reject]:
    sp = str(path)
    checked = False
    for text in lines:
        raw = lines.take()
        line = lines.count
        if not text.strip():
            yield Reject(line, raw, "an empty line", sp)
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Reject(line, _clip(raw), f"not JSON ({exc.msg} at column {exc.colno})", sp)
            continue
        except (ValueError, RecursionError) as exc:  # huge integers, deep nesting
            yield Reject(line, _clip(raw), f"not readable as JSON ({exc})", sp)
            continue
        if not isinstance(value, dict):
            yield Reject(line, _clip(raw), "not a JSON object", sp)
            continue
        if any(not k.strip() for k in value):
            yield Reject(line, _clip(raw), "a key with no name", sp)
            continue
        if "\\u" in text:  # only an escape makes text that cannot be written as UTF-8
            unwritable = _unwritable(value)
            if unwritable is not None:
                yield Reject(line, _clip(raw), unwritable, sp)
                continue
        if spec.rename or spec.id not in (None, "id"):
            renamed = {_json_name(k, spec): v for k, v in value.items()}
            if len(renamed) != len(value):
                yield Reject(line, _clip(raw), "two keys are renamed to the same fact", sp)
                continue
            value = renamed
        if spec.id is None and "id" in required and "id" in value:
            yield Reject(
                line, _clip(raw), "an 'id' key, but [data] id = false numbers the rows", sp
            )
            continue
        if not checked:
            checked = True
            _header(path, list(value), spec, [c for c in required if c != "id"])
        header.extend(k for k in value if k not in header)
        if spec.id is not None and "id" in required and "id" not in value:
            yield Reject(line, _clip(raw), f"no {spec.id!r} (the id)", sp)
            continue
        yield (line, raw, value)
    if not checked:
        msg = f"{path}:1: the file is empty (no JSON lines)."
        raise FileFormatError(msg)


def _unwritable(row: dict[str, object]) -> str | None:
    """Why a JSON row cannot be read: a key or a text in it holds a lone surrogate (no file or
    terminal could take the text back); ``None`` when every text can be written as UTF-8."""
    todo: list[tuple[str, object]] = []
    for key, value in row.items():
        todo.append(("a key", key))
        todo.append((repr(key) if _v.is_utf8(key) else "a key", value))
    while todo:
        where, item = todo.pop()
        if isinstance(item, str):
            try:
                _v.utf8(item, where, error=_v.runtime)
            except ValidationError as exc:
                return str(exc).rstrip(".")
        elif isinstance(item, list):
            todo.extend((where, one) for one in item)
        elif isinstance(item, dict):
            todo.extend((where, one) for pair in item.items() for one in pair)
    return None


def _json_name(key: str, spec: DataSpec) -> str:
    return "id" if key == spec.id else spec.fact(key)


# --- cells --------------------------------------------------------------------------------------


def auto_value(text: str) -> str | int | float:
    """A CSV cell as a number when the number writes back to the same text, else the text.

    ``"250"`` is 250 and ``"2.5"`` is 2.5, but ``"007"``, ``"+49"``, ``"1_000"``, ``"1e3"``,
    ``"2.50"`` and ``"1,5"`` stay text: the file's bytes are never rewritten by a guess.
    """
    if not text or text[0] not in _FLOAT_START:
        return text
    try:
        number = int(text)
    except ValueError:
        try:
            real = float(text)
        except ValueError:
            return text
        return real if math.isfinite(real) and repr(real) == text else text
    return number if str(number) == text else text


def typed_value(
    text: str, kind: str, *, where: str, dayfirst: bool, zone: tzinfo
) -> str | int | float | bool:
    """A cell read as the type ``[data] types`` gives its column."""
    if kind == "text":
        return text
    if kind == "number":
        stripped = text.strip()
        if _STRICT_NUMBER.match(stripped):
            number = float(stripped)
            if math.isfinite(number):
                whole = number.is_integer() and "." not in stripped and "e" not in stripped.lower()
                return int(stripped) if whole else number
        msg = f"{where}: {text!r} is not a number"
        raise ValidationError(msg, value=text, where=where, expected="a number")
    if kind == "boolean":
        folded = text.strip().casefold()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        msg = f"{where}: {text!r} is not true or false (nor yes/no, 1/0)"
        raise ValidationError(msg, value=text, where=where, expected="true or false")
    return parse_time(text, default_tz=zone, where=where, dayfirst=dayfirst).isoformat()


def cells_reader(
    spec: DataSpec, zone: tzinfo
) -> Callable[[Mapping[str, object]], dict[str, FactValue]]:
    """The function that turns a row's cells into facts: each cell read as its column says,
    unknown ones (empty, a ``missing`` placeholder, ``null``, NaN) left out."""
    missing = frozenset(spec.missing)
    types = spec.types
    dayfirst = spec.dayfirst

    def read(cells: Mapping[str, object]) -> dict[str, FactValue]:
        facts: dict[str, FactValue] = {}
        for name, value in cells.items():
            if type(value) is str:
                if not value or value.isspace() or (missing and value.strip() in missing):
                    continue
                kind = types.get(name) if types else None
                if kind is not None:
                    facts[name] = typed_value(value, kind, where=name, dayfirst=dayfirst, zone=zone)
                elif value[0] in _FLOAT_START:  # auto_value's own first test: text stays text
                    facts[name] = auto_value(value)
                else:
                    facts[name] = value
            elif value is not None and not (isinstance(value, float) and math.isnan(value)):
                kind = types.get(name)
                if kind == "text" and isinstance(value, int | float) and type(value) is not bool:
                    facts[name] = str(value)
                else:  # JSON's own types: lists, numbers, booleans
                    facts[name] = check_value(value, name)
        return facts

    return read


# --- times --------------------------------------------------------------------------------------


def parse_time(
    value: object, *, default_tz: tzinfo, where: str, dayfirst: bool = False
) -> datetime:
    """A timestamp from a file: ISO 8601 or a common format; zone-less ones get ``default_tz``.

    A numeric date such as ``03/04/2026`` is read month first unless ``dayfirst``; one that
    cannot be read that way (``13/04/2026`` month first) is an error, never a silent swap.
    """
    if isinstance(value, datetime):
        parsed = value
    else:
        if not isinstance(value, str) or not value.strip():
            msg = f"{where} must be a timestamp (got {value!r})"
            raise ValidationError(msg, value=value, where=where, expected="a timestamp")
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = _parse_loose(text, where=where, dayfirst=dayfirst)
    if parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def _parse_loose(text: str, *, where: str, dayfirst: bool) -> datetime:
    numeric = _NUMERIC_DATE.match(text)
    if numeric is not None:
        month = int(numeric.group(2) if dayfirst else numeric.group(1))
        if not 1 <= month <= 12:
            order = "day first" if dayfirst else "month first"
            other = "false" if dayfirst else "true"
            msg = (
                f"{where}: {text!r} is not a date read {order}; if the file writes days "
                f"first everywhere, set [data] dayfirst = {other}"
            )
            raise ValidationError(msg, value=text, where=where, expected="a timestamp")
    try:
        return dateparser.parse(text, dayfirst=dayfirst)
    except (ValueError, OverflowError):
        msg = f"{where}: {text!r} is not a timestamp we can read"
        raise ValidationError(msg, value=text, where=where, expected="a timestamp") from None


def resolve_tz(name: str, *, where: str = "--tz") -> tzinfo:
    """A time zone by name (``UTC``, ``Europe/Berlin``); a ``ValidationError`` if unknown."""
    # A zone name, never a path: dateutil would read any file it is pointed at.
    zone = dateutil_tz.gettz(name) if _ZONE_NAME.match(name) and ".." not in name else None
    if zone is None:
        msg = f"{where} {name!r} is not a time zone name (e.g. 'UTC', 'Europe/Berlin')"
        raise ValidationError(msg, value=name, where=where, expected="a time zone name")
    return zone
