"""What a report page holds, as plain frozen values: sections made of a few kinds of block.

The page is data first: the sections are computed (`smarketing.report.build_report`) and
only then rendered (`render_html`), so tests check numbers and the template stays dumb. A new
analysis (attribution, a learned score's evaluation, a backtest) joins the page by turning its
result into a `Section` and passing it to `build_report(sections=...)` or `Report.with_section`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, TypeAlias

import attrs
from markupsafe import Markup

_NUMBER: Final = re.compile(r"[-+]?[\d,.]+%?|—|[\d.]+[smhd]( [\d.]+[smhd])?")

#: Where each known section goes on the page; sections with other keys come after these.
SECTION_ORDER: Final = (
    "funnel",
    "conversion",
    "sla",
    "feedback",
    "attribution",
    "evaluation",
    "backtest",
)


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _figures(values: Iterable[Figure]) -> tuple[Figure, ...]:
    return tuple(values)


def _blocks(values: Iterable[Block]) -> tuple[Block, ...]:
    return tuple(values)


def _sections(values: Iterable[Section]) -> tuple[Section, ...]:
    return tuple(values)


@attrs.frozen
class Figure:
    """A headline number: "MQLs 1,204 (12.0% of leads)"."""

    label: str
    value: str
    note: str = ""


@attrs.frozen
class Figures:
    """A row of headline numbers."""

    figures: tuple[Figure, ...] = attrs.field(converter=_figures)


@attrs.frozen
class Text:
    """A paragraph of plain text (escaped when rendered)."""

    text: str


@attrs.frozen
class Items:
    """A list of sentences; ``ordered`` numbers them (ranked advice)."""

    items: tuple[str, ...] = attrs.field(converter=_texts)
    ordered: bool = False


def _rows(rows: Iterable[Iterable[object]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(cell) for cell in row) for row in rows)


@attrs.frozen
class Table:
    """A table of text cells; columns that hold only numbers are right-aligned on the page."""

    header: tuple[str, ...] = attrs.field(converter=_texts)
    rows: tuple[tuple[str, ...], ...] = attrs.field(converter=_rows)
    caption: str = ""

    @property
    def numeric(self) -> tuple[bool, ...]:
        """For each column: whether every cell is a number, a percent, or a dash."""
        return tuple(
            bool(self.rows) and all(_NUMBER.fullmatch(row[i]) for row in self.rows)
            for i in range(len(self.header))
        )


@attrs.frozen
class Chart:
    """A chart as SVG markup (from `smarketing.report`'s chart helpers) and its caption."""

    svg: Markup
    caption: str = ""


Block: TypeAlias = Figures | Text | Items | Table | Chart


@attrs.frozen
class Section:
    """One part of the page: a `key` (its anchor, and its place in `SECTION_ORDER`), a title,
    an introduction and its blocks."""

    key: str
    title: str
    blocks: tuple[Block, ...] = attrs.field(converter=_blocks)
    intro: str = ""


def _place(section: Section) -> int:
    key = section.key
    return SECTION_ORDER.index(key) if key in SECTION_ORDER else len(SECTION_ORDER)


@attrs.frozen
class Report:
    """The page: a title, a line under it, headline figures and the sections in page order."""

    title: str
    subtitle: str
    sections: tuple[Section, ...] = attrs.field(converter=_sections)
    figures: Figures | None = None

    def with_section(self, section: Section) -> Report:
        """The report with `section` added (or replacing the one with its key), in page order."""
        kept = [s for s in self.sections if s.key != section.key]
        ordered = sorted([*kept, section], key=_place)  # sorted() is stable: ties keep order
        return attrs.evolve(self, sections=ordered)
