"""How the reports write times, counts, rates and table cells in their Markdown.

Shared by the funnel report, the feedback loop and the demo's story, so that the same number
reads the same way in each.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["NONE", "cell", "left_out", "percent", "plural", "when"]

#: What a table shows for a figure with no data.
NONE = "—"


def when(moment: datetime) -> str:
    """A moment to the minute, with its offset: ``2026-01-03 13:00+00:00``."""
    return moment.isoformat(sep=" ", timespec="minutes")


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal, or `NONE`."""
    return NONE if value is None else f"{value:.1%}"


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
