"""The backtest's figures as Markdown cells, and the comparison table both pages show."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from smarketing._format import number as _number
from smarketing._format import percent as _rate

if TYPE_CHECKING:
    from smarketing.backtest._result import PlaybookResult


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def _optional(value: float | None) -> str:
    return "—" if value is None else _number(value)


def _count(value: int) -> str:
    return f"{value:,}"


def _weekly(value: float) -> str:
    return f"{value:.1f}"


#: Each figure of a `PlaybookResult` as a comparison table shows it: its label and its cell.
FIGURES: Final[Mapping[str, tuple[str, Callable[[Any], str]]]] = {
    "mqls": ("MQLs", _count),
    "mqls_per_week": ("MQLs per week", _weekly),
    "captured": ("captured (became SQL)", _count),
    "customers": ("customers captured", _count),
    "precision": ("precision (SQL rate)", _rate),
    "recall": ("recall of recorded SQLs", _rate),
    "customer_recall": ("recall of recorded customers", _rate),
    "median_days_gained": ("median days gained", _days),
    "median_score_at_recorded": ("median score at recorded MQL", _optional),
}


def compared_rows(
    baseline: PlaybookResult,
    candidate: PlaybookResult,
    figures: Iterable[str] = FIGURES,
    **labels: str,
) -> list[tuple[str, str, str]]:
    """A row per figure: its label (``labels`` may rename it), then its cell under each
    playbook."""
    rows = []
    for name in figures:
        label, cell = FIGURES[name]
        row = (
            labels.get(name, label),
            cell(getattr(baseline, name)),
            cell(getattr(candidate, name)),
        )
        rows.append(row)
    return rows
