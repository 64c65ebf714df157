"""Rendering a `Report` as one self-contained HTML page, and writing it atomically."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Final

import jinja2
from markupsafe import Markup

from smarketing.io import atomic_output
from smarketing.report._content import Chart, Figures, Items, Report, Table, Text

__all__ = ["render_html", "write_html"]

_KINDS: Final = (
    (Figures, "figures"),
    (Text, "text"),
    (Items, "items"),
    (Chart, "chart"),
    (Table, "table"),
)


class _Block:
    """A block with its kind spelled out, so that the template needs no type tests."""

    __slots__ = ("kind", "value")

    def __init__(self, block: object) -> None:
        kind = next((name for cls, name in _KINDS if isinstance(block, cls)), None)
        if kind is None:
            names = ", ".join(cls.__name__ for cls, _ in _KINDS)
            msg = f"a report block is one of {names} (got {block!r})."
            raise TypeError(msg)
        self.kind, self.value = kind, block


def _resource(name: str) -> str:
    return (files("smarketing.report") / name).read_text(encoding="utf-8")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: _resource(name)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    """The page as text: CSS inline, charts as inline SVG, every value escaped."""
    from smarketing import __version__

    template = _environment().get_template("page.html.j2")
    sections = [(s, [_Block(b) for b in s.blocks]) for s in report.sections]
    css = Markup(_resource("page.css"))
    return template.render(report=report, sections=sections, css=css, version=__version__)


def write_html(path: str | Path, html: str) -> Path:
    """Write `html` to `path` atomically: a temporary file beside it, then a rename."""
    target = Path(path)
    with atomic_output(target) as out:
        out.write(html)
    return target
