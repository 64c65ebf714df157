"""Numbers and durations as text, the one way every message, explanation and report writes them.

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

from datetime import timedelta

__all__ = ["duration", "exact", "number", "shown"]


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
        return "—"
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    first = next((i for i, (n, _) in enumerate(parts) if n), 3)
    return " ".join(f"{n}{unit}" for n, unit in parts[first : first + 2] if n) or "0s"


def shown(value: object) -> str:
    """A value as an error message shows it: a ``timedelta`` as ``-1 day``, the rest by repr."""
    if isinstance(value, timedelta):
        return str(value).removesuffix(", 0:00:00")
    return repr(value)
