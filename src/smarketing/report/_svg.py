"""Small SVG charts drawn by the project: a funnel, horizontal bars, columns (deciles, a
threshold sweep) and lines on a unit square.

Each function takes plain numbers and labels and returns one ``<svg>`` element as safe markup:
every label is escaped here, the sizes are fixed so the page lays out the same everywhere,
and nothing refers to anything outside the element (no fonts, no images, no scripts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from smarketing._format import number

__all__ = ["PALETTE", "bar_chart", "column_chart", "funnel_chart", "line_chart"]

#: Colours, picked to stay apart in grey print too.
PALETTE = ("#2f5d8a", "#4f8fc0", "#87b6db", "#c0392b", "#e39b3b", "#6b8e23")
_INK, _MUTED, _GRID = "#1d2733", "#5b6775", "#d9dee4"


def _number(value: float) -> str:
    return number(value, decimals=1)


def _svg(width: float, height: float, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {_number(width)} {_number(height)}" '
        f'width="{_number(width)}" height="{_number(height)}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, *, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" text-anchor="{anchor}"{klass}>'
        f"{escape(text)}</text>"
    )


def funnel_chart(
    stages: Sequence[tuple[str, int]], *, title: str = "The funnel", width: int = 720
) -> Markup:
    """Stages as centred bars as wide as their counts, with the count and the step's rate.

    >>> print(funnel_chart([("mql", 10), ("sql", 4)])[:40])
    <svg class="chart" viewBox="0 0 720 112"
    """
    row, top, label_w, note_w = 44, 12, 110, 150
    span = width - label_w - note_w
    most = max([n for _, n in stages] or [0]) or 1
    body: list[str] = []
    previous: int | None = None
    for i, (name, count) in enumerate(stages):
        y = top + i * row
        w = max(2.0, span * count / most)
        x = label_w + (span - w) / 2
        colour = PALETTE[min(i, 2)]
        body.append(
            f'<rect x="{_number(x)}" y="{y}" width="{_number(w)}" height="{row - 8}" '
            f'rx="4" fill="{colour}"/>'
        )
        body.append(_text(label_w - 10, y + row / 2, name, anchor="end", cls="label"))
        if count * 6 > most:  # a number fits inside a bar a sixth of the widest
            body.append(_text(x + w / 2, y + row / 2, f"{count:,}", anchor="middle", cls="on-bar"))
        else:
            body.append(_text(x + w + 6, y + row / 2, f"{count:,}", cls="value"))
        if previous:
            rate = f"{count / previous:.1%} of {stages[i - 1][0]}"
            body.append(_text(width - note_w + 8, y + row / 2, rate, cls="note"))
        previous = count
    height = top * 2 + row * len(stages)
    return _svg(width, height, title, body)


def bar_chart(
    rows: Sequence[tuple[str, float | None]],
    *,
    title: str,
    share: bool = True,
    reference: float | None = None,
    reference_label: str = "overall",
    width: int = 760,
    shown: Callable[[float], str] | None = None,
) -> Markup:
    """Horizontal bars, one per row; ``share`` bars run from 0 to 100% and read as percents.

    ``None`` values draw no bar and read "no data". ``reference`` draws a dashed line (the
    overall rate, say) across the bars. ``shown`` writes a value beside its bar (money, say);
    by default a percent for shares and four significant digits otherwise.
    """
    written = shown or ((lambda v: f"{v:.1%}") if share else (lambda v: f"{v:,.4g}"))
    row, top, label_w, value_w = 26, 22, 220, 70
    span = width - label_w - value_w
    values = [v for _, v in rows if v is not None]
    most = 1.0 if share else max([*values, reference or 0.0, 0.0]) or 1.0
    body: list[str] = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0) if share else (0.0, 0.5, 1.0):
        x = label_w + span * tick
        body.append(
            f'<line x1="{_number(x)}" y1="{top - 6}" x2="{_number(x)}" '
            f'y2="{top + row * len(rows)}" stroke="{_GRID}"/>'
        )
        tick_text = f"{tick:.0%}" if share else written(tick * most)
        body.append(_text(x, top - 10, tick_text, anchor="middle", cls="tick"))
    for i, (label, value) in enumerate(rows):
        y = top + i * row
        body.append(_text(label_w - 8, y + row / 2 + 1, label, anchor="end", cls="label"))
        if value is None:
            body.append(_text(label_w + 4, y + row / 2 + 1, "no data", cls="note"))
            continue
        w = max(1.0, span * min(value, most) / most)
        body.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{_number(w)}" height="{row - 8}" '
            f'rx="2" fill="{PALETTE[1]}"/>'
        )
        body.append(_text(label_w + w + 6, y + row / 2 + 1, written(value), cls="value"))
    if reference is not None:
        x = label_w + span * min(reference, most) / most
        bottom = top + row * len(rows)
        body.append(
            f'<line x1="{_number(x)}" y1="{top - 4}" x2="{_number(x)}" y2="{bottom}" '
            f'stroke="{PALETTE[3]}" stroke-dasharray="4 3" stroke-width="1.5"/>'
        )
        label = f"{reference_label} {reference:.1%}" if share else reference_label
        body.append(_text(x, bottom + 14, label, anchor="middle", cls="note ref"))
    height = top + row * len(rows) + 24
    return _svg(width, height, title, body)


def column_chart(
    columns: Sequence[tuple[str, float, str]],
    *,
    title: str,
    x_label: str,
    reference: float | None = None,
    reference_label: str = "",
    width: int = 640,
    height: int = 260,
) -> Markup:
    """Vertical columns from 0, one per (label, value, note): lift by decile, MQLs per
    threshold. The note is written above its column; ``reference`` draws a dashed level
    (a lift of 1, the average) across them."""
    pad, top, bottom = 56, 24, 40
    right = 12 if reference is None else 72  # room for the reference's label beside it
    inner_w, inner_h = width - pad - right, height - top - bottom
    most = max([v for _, v, _ in columns] + [reference or 0.0, 0.0]) or 1.0
    slot = inner_w / max(len(columns), 1)
    body: list[str] = []
    for tick in (0.0, 0.5, 1.0):
        y = top + inner_h * (1 - tick)
        body.append(
            f'<line x1="{pad}" y1="{_number(y)}" x2="{pad + inner_w}" y2="{_number(y)}" '
            f'stroke="{_GRID}"/>'
        )
        body.append(_text(pad - 6, y + 4, f"{tick * most:,.2g}", anchor="end", cls="tick"))
    for i, (label, value, note) in enumerate(columns):
        h = inner_h * max(value, 0.0) / most
        x = pad + i * slot + slot * 0.15
        y = top + inner_h - h
        body.append(
            f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(slot * 0.7)}" '
            f'height="{_number(max(h, 1.0))}" rx="2" fill="{PALETTE[1]}"/>'
        )
        middle = x + slot * 0.35
        body.append(_text(middle, top + inner_h + 14, label, anchor="middle", cls="tick"))
        if note:
            body.append(_text(middle, y - 4, note, anchor="middle", cls="value"))
    if reference is not None:
        y = top + inner_h * (1 - reference / most)
        body.append(
            f'<line x1="{pad}" y1="{_number(y)}" x2="{pad + inner_w}" y2="{_number(y)}" '
            f'stroke="{PALETTE[3]}" stroke-dasharray="4 3" stroke-width="1.5"/>'
        )
        body.append(_text(pad + inner_w + 6, y + 4, reference_label, cls="note ref"))
    body.append(_text(pad + inner_w / 2, height - 6, x_label, anchor="middle", cls="note"))
    return _svg(width, height, title, body)


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
    size: int = 360,
) -> Markup:
    """Lines of (x, y) points on the unit square, e.g. a calibration chart (with ``diagonal``,
    the line a perfectly calibrated score would follow) or a cumulative lift curve."""
    pad, legend = 48, 20 * len(series)
    inner = size - pad - 16
    body: list[str] = []

    def at(x: float, y: float) -> str:
        cx = pad + inner * min(max(x, 0.0), 1.0)
        cy = 16 + inner * (1 - min(max(y, 0.0), 1.0))
        return f"{_number(cx)},{_number(cy)}"

    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        gx, gy = at(tick, 0.0).split(",")[0], at(0.0, tick).split(",")[1]
        body.append(f'<line x1="{gx}" y1="16" x2="{gx}" y2="{16 + inner}" stroke="{_GRID}"/>')
        body.append(f'<line x1="{pad}" y1="{gy}" x2="{pad + inner}" y2="{gy}" stroke="{_GRID}"/>')
        body.append(_text(float(gx), 16 + inner + 14, f"{tick:g}", anchor="middle", cls="tick"))
        body.append(_text(pad - 6, float(gy) + 4, f"{tick:g}", anchor="end", cls="tick"))
    if diagonal:
        body.append(
            f'<polyline points="{at(0, 0)} {at(1, 1)}" fill="none" stroke="{_MUTED}" '
            f'stroke-dasharray="4 3"/>'
        )
    for i, (name, points) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        line = " ".join(at(x, y) for x, y in points)
        body.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            cx, cy = at(x, y).split(",")
            body.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
        ly = size + 8 + 20 * i
        body.append(f'<rect x="{pad}" y="{ly - 9}" width="12" height="12" fill="{colour}"/>')
        body.append(_text(pad + 18, ly + 1, name, cls="label"))
    body.append(_text(pad + inner / 2, size - 2 + 0, x_label, anchor="middle", cls="note"))
    body.append(
        f'<text x="12" y="{_number(16 + inner / 2)}" text-anchor="middle" class="note" '
        f'transform="rotate(-90 12 {_number(16 + inner / 2)})">{escape(y_label)}</text>'
    )
    return _svg(size, size + legend + 8, title, body)
