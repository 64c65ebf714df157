"""Numbers, durations, times and counts as text: the one way every message, explanation and
report (the funnel, the feedback loop, the demo's story) writes them.

>>> from datetime import timedelta
>>> number(12.5), number(3.0), number(-0.001), number(2.25, signed=True)
('12.5', '3', '0', '+2.25')
>>> number(7.25, decimals=1), exact(0.5), exact(3.0)
('7.2', '0.5', '3')
>>> duration(timedelta(days=2, hours=4, minutes=5)), duration(timedelta(minutes=35)), duration(None)
('2d 4h', '35m', '—')
>>> shown(timedelta(days=-1)), shown("x")
('-1 day', "'x'")
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

__all__ = [
    "NONE",
    "cell",
    "duration",
    "exact",
    "grouped",
    "left_out",
    "number",
    "percent",
    "plural",
    "shown",
    "when",
]

#: What a table shows for a figure with no data.
NONE = "—"


def number(value: float, *, decimals: int = 2, signed: bool = False) -> str:
    """A number for reading: at most ``decimals`` decimals, no trailing zeros, no ``-0``."""
    text = f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" and not signed else text


def exact(value: float) -> str:
    """A number as people wrote it: 3.0 reads as ``3``, 0.5 as ``0.5``, nothing rounded."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def duration(value: timedelta | None) -> str:
    """A duration as people read it: its largest unit and the next one ("2d 4h", "35m")."""
    if value is None:
        return NONE
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    first = next((i for i, (n, _) in enumerate(parts) if n), 3)
    return " ".join(f"{n}{unit}" for n, unit in parts[first : first + 2] if n) or "0s"


def shown(value: object) -> str:
    """A value as an error message shows it: a ``timedelta`` as ``-1 day``, an integer too
    long to read by its size (``10**400`` as ``an integer of about 401 digits``: Python will
    not even write one of over 4,300), the rest by repr."""
    if isinstance(value, timedelta):
        return str(value).removesuffix(", 0:00:00")
    if isinstance(value, int) and value.bit_length() > 100:  # over 30 digits
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    return repr(value)


# --- the reports' Markdown: times, counts, rates and table cells -------------------------------


def when(moment: datetime | None, *, unknown: str = NONE) -> str:
    """A moment to the minute, with its offset: ``2026-01-03 13:00+00:00`` (``unknown`` for
    ``None``)."""
    return unknown if moment is None else moment.isoformat(sep=" ", timespec="minutes")


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal, or `NONE`."""
    return NONE if value is None else f"{value:.1%}"


def grouped(value: float | None, *, decimals: int = 0) -> str:
    """An amount with thousands separators (``12,345``, ``1,234.5``), or `NONE`."""
    return NONE if value is None else f"{value:,.{decimals}f}"


def cell(text: str | None) -> str:
    """A reason (or an id) as a Markdown table cell; ``None`` is a reason not given."""
    return "(no reason given)" if text is None else text.replace("|", "\\|")


def plural(n: int, word: str, many: str | None = None, *, grouped: bool = False) -> str:
    """``"1 lead"``, ``"3 leads"``; `many` for an irregular plural, `grouped` for ``1,000``."""
    number = f"{n:,}" if grouped else str(n)
    return f"{number} {word if n == 1 else many or word + 's'}"


def left_out(
    total: int, limit: int, word: str, many: str | None = None, *, grouped: bool = False
) -> list[str]:
    """The lines that close a list cut at `limit`: ``…and 3 more breaches.``, or none."""
    more = total - limit
    if more <= 0:
        return []
    return ["", f"…and {plural(more, 'more ' + word, many and 'more ' + many, grouped=grouped)}."]
