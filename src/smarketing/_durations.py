"""Durations as people write them in a playbook: ``"90s"``, ``"4h"``, ``"30d"``, ``"12mo"``.

Fixed lengths become :class:`~datetime.timedelta`; months and years, whose length depends on
the calendar, become :class:`dateutil.relativedelta.relativedelta`.

>>> from smarketing._durations import parse_duration, format_duration
>>> parse_duration("4h")
datetime.timedelta(seconds=14400)
>>> parse_duration("18 months")
relativedelta(years=+1, months=+6)
>>> parse_duration("P1DT2H")
datetime.timedelta(days=1, seconds=7200)
>>> format_duration(parse_duration("36h"))
'1d12h'
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final, TypeAlias

from dateutil.relativedelta import relativedelta

from smarketing._validate import MAX_DURATION, MAX_DURATION_TEXT
from smarketing.errors import ConfigError

__all__ = [
    "DURATION_PATTERN",
    "MAX_DURATION_LENGTH",
    "Duration",
    "format_duration",
    "parse_duration",
]

#: A length of time: fixed (``timedelta``) or calendar-based (``relativedelta``).
Duration: TypeAlias = timedelta | relativedelta

_UNITS: Final[dict[str, str]] = {
    "s": "seconds",
    "sec": "seconds",
    "secs": "seconds",
    "second": "seconds",
    "seconds": "seconds",
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "mo": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "year": "years",
    "years": "years",
}
_NUMBER: Final = r"[0-9]+(?:\.[0-9]+)?"
_PART: Final = re.compile(rf" *({_NUMBER}) *([A-Za-z]+) *,?")
_ISO: Final = re.compile(
    r"P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?\Z",
    re.IGNORECASE | re.ASCII,
)


def _any_case(word: str) -> str:
    """``word`` in any letter case, as a pattern both Python's re and ECMA 262 read alike."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def _pattern() -> str:
    unit = "(?:" + "|".join(_any_case(u) for u in sorted(_UNITS, key=len, reverse=True)) + ")"
    part = f"{_NUMBER} *{unit}"
    units = f"{part}(?: *,? *{part})*"
    p, t = _any_case("p"), _any_case("t")
    iso = (
        f"{p}(?! *$)(?:[0-9]+{_any_case('y')})?(?:[0-9]+{_any_case('m')})?"
        f"(?:[0-9]+{_any_case('w')})?(?:[0-9]+{_any_case('d')})?"
        f"(?:{t}(?=[0-9])(?:[0-9]+{_any_case('h')})?(?:[0-9]+{_any_case('m')})?"
        f"(?:{_NUMBER}{_any_case('s')})?)?"
    )
    return f" *(?:{iso}|{units}) *"


#: The text of every duration :func:`parse_duration` reads (a whole match), written so that
#: Python's ``re`` and ECMA 262 (JSON Schema) read it alike: the playbook's JSON Schema
#: takes it from here. Text that matches may still be too long, zero, or give a fractional
#: number of months: those are errors too.
DURATION_PATTERN: Final = _pattern()
_SYNTAX: Final = re.compile(DURATION_PATTERN)
_FORMS: Final = "'90s', '15m', '4h', '30d', '2w', '12mo', '12 months', or ISO 8601 like 'P30D'"
#: The longest text a duration may be written in.
MAX_DURATION_LENGTH: Final = 100
_MAX_TEXT: Final = MAX_DURATION_LENGTH
#: Seconds per unit, to measure a duration against the bound before it is built (a month is
#: a twelfth of the bound's 365.25-day year, so "100y" is exactly the bound).
_SECONDS: Final[dict[str, float]] = {
    "seconds": 1.0,
    "minutes": 60.0,
    "hours": 3600.0,
    "days": 86400.0,
    "weeks": 604800.0,
    "months": 365.25 * 86400.0 / 12,
    "years": 365.25 * 86400.0,
}
_MAX_SECONDS: Final = MAX_DURATION.total_seconds()
_TOO_LONG: Final = f"it is longer than {MAX_DURATION_TEXT}, the longest duration accepted"


def _bad(text: object, where: str | None, problem: str) -> ConfigError:
    at = f"{where}: " if where else ""
    msg = f"{at}{text!r} is not a duration ({problem}); write {_FORMS}."
    return ConfigError(msg, key=where, piece=text)


def parse_duration(text: object, *, where: str | None = None) -> Duration:
    """Read a duration; ``where`` (a key path) is named in the error for bad text.

    Units: ``s``, ``m``/``min``, ``h``, ``d``, ``w``, ``mo``/``months``, ``y``/``years``
    (several may be combined: ``"1d 12h"``), or ISO 8601 (``"P30D"``, ``"PT4H"``). A duration
    must be positive and at most 100 years (:data:`~smarketing._validate.MAX_DURATION`).
    Months and years give a ``relativedelta``; everything else a ``timedelta``.
    """
    if isinstance(text, timedelta | relativedelta):
        return _positive(text, text, where)
    if not isinstance(text, str):
        raise _bad(text, where, "it is not text")
    if len(text) > _MAX_TEXT:
        raise _bad(text[:_MAX_TEXT] + "...", where, "it is too long")
    stripped = text.strip(" ")
    iso = _ISO.match(stripped)
    if iso:
        amounts = {k: float(v) for k, v in iso.groupdict().items() if v is not None}
    else:
        amounts = _parse_units(stripped, text, where)
    if not _SYNTAX.fullmatch(text):  # the one description of the text (the JSON Schema's)
        raise _bad(text, where, f"cannot read {stripped!r}")
    if _seconds(amounts) > _MAX_SECONDS:  # measured before it is built: it could overflow
        raise _bad(text, where, _TOO_LONG)
    months = amounts.get("years", 0.0) * 12 + amounts.get("months", 0.0)
    if months != int(months):
        raise _bad(text, where, "months and years must be whole numbers")
    return _positive(_build(int(months), amounts), text, where)


def _parse_units(stripped: str, text: str, where: str | None) -> dict[str, float]:
    amounts: dict[str, float] = {}
    pos = 0
    while pos < len(stripped):
        part = _PART.match(stripped, pos)
        if part is None:
            raise _bad(text, where, f"cannot read {stripped[pos:]!r}")
        unit = _UNITS.get(part.group(2).lower())
        if unit is None:
            raise _bad(text, where, f"unknown unit {part.group(2)!r}")
        if unit in amounts:
            raise _bad(text, where, f"{unit} given twice")
        amounts[unit] = float(part.group(1))
        pos = part.end()
    if not amounts:
        raise _bad(text, where, "it is empty")
    return amounts


def _seconds(amounts: dict[str, float]) -> float:
    return sum(_SECONDS[unit] * amount for unit, amount in amounts.items())


def _build(months: int, amounts: dict[str, float]) -> Duration:
    fixed = timedelta(
        weeks=amounts.get("weeks", 0.0),
        days=amounts.get("days", 0.0),
        hours=amounts.get("hours", 0.0),
        minutes=amounts.get("minutes", 0.0),
        seconds=amounts.get("seconds", 0.0),
    )
    if not months:
        return fixed
    return relativedelta(
        months=months, days=fixed.days, seconds=fixed.seconds, microseconds=fixed.microseconds
    )


def _positive(value: Duration, text: object, where: str | None) -> Duration:
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise _bad(text, where, "it must be longer than zero")
        if value > MAX_DURATION:
            raise _bad(text, where, _TOO_LONG)
        return value
    rd = value.normalized()
    absolute = ("year", "month", "day", "hour", "minute", "second", "microsecond", "weekday")
    if any(getattr(rd, name) is not None for name in absolute):
        raise _bad(text, where, "it must be a length of time, not a date")
    parts = (rd.years, rd.months, rd.days, rd.hours, rd.minutes, rd.seconds, rd.microseconds)
    if any(p < 0 for p in parts) or not any(parts):
        raise _bad(text, where, "it must be a positive length of time")
    units = ("years", "months", "days", "hours", "minutes", "seconds")
    length = _seconds(dict(zip(units, map(float, parts), strict=False)))
    if length + rd.microseconds / 1e6 > _MAX_SECONDS:
        raise _bad(text, where, _TOO_LONG)
    return value


def format_duration(value: Duration) -> str:
    """The shortest text :func:`parse_duration` reads back to an equal duration."""
    if isinstance(value, relativedelta):
        rd = value.normalized()
        months = rd.years * 12 + rd.months
        rest = timedelta(
            days=rd.days,
            hours=rd.hours,
            minutes=rd.minutes,
            seconds=rd.seconds,
            microseconds=rd.microseconds,
        )
        return f"{months}mo" + (_format_fixed(rest) if rest else "")
    return _format_fixed(value)


def _format_fixed(value: timedelta) -> str:
    days, seconds, micro = value.days, value.seconds, value.microseconds
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    out = ""
    if days:
        whole_weeks = days % 7 == 0 and not (hours or minutes or seconds or micro)
        out += f"{days // 7}w" if whole_weeks else f"{days}d"
    if hours:
        out += f"{hours}h"
    if minutes:
        out += f"{minutes}m"
    if seconds or micro:
        out += f"{seconds}.{micro:06d}".rstrip("0").rstrip(".") + "s"
    return out
