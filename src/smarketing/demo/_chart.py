"""The demo's chart: the funnel's main path as a bar chart (the optional ``plot`` extra)."""

from __future__ import annotations

from pathlib import Path

from smarketing.funnel import FunnelReport

__all__ = ["funnel_chart"]


def funnel_chart(funnel: FunnelReport, path: str | Path) -> None:
    """Draw the main path of the funnel as a bar chart PNG (needs the ``plot`` extra)."""
    # The optional extra, imported only when asked for.
    from matplotlib.figure import Figure  # type: ignore[import-not-found,unused-ignore]

    stages = list(funnel.main_path)
    counts = [funnel.reached(s) for s in stages]
    figure = Figure(figsize=(7, 3.5), dpi=100)
    axes = figure.add_subplot()
    bars = axes.barh(stages[::-1], counts[::-1], color="#3b6ea8")
    axes.bar_label(bars, labels=[f"{n:,}" for n in counts[::-1]], padding=3)
    axes.set_xlabel("leads that reached the stage")
    first, last = funnel.start.date().isoformat(), funnel.end.date().isoformat()
    axes.set_title(f"Funnel, {first} to {last}")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})
