"""The report page: sections from data, one self-contained HTML file, SVG charts, atomic writes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest

import smarketing as sm
from smarketing.demo import Simulation
from smarketing.report import (
    SECTION_ORDER,
    Chart,
    Figure,
    Figures,
    Items,
    Report,
    Section,
    Table,
    Text,
    bar_chart,
    build_report,
    funnel_chart,
    line_chart,
    render_html,
    sla_section,
    write_html,
)

#: The heading of every section the report has without the analyses still to come.
HEADINGS = (
    "The funnel",
    "Conversion by persona and by source",
    "The SLA by rep",
    "The feedback loop",
)
BUDGET = 2 * 1024 * 1024
URL = re.compile(r"(?i)\b(?:https?:)?//")


@pytest.fixture(scope="module")
def sim(demo_sim: Simulation) -> Simulation:
    return demo_sim


@pytest.fixture(scope="module")
def page(sim: Simulation) -> Report:
    return build_report(
        sim.leads, sim.activities, playbook=sim.playbook, start=sim.start, end=sim.end
    )


class Page(HTMLParser):
    """What a reader and a browser would take from the page: headings, references, tables."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.references: list[str] = []
        self.tags: set[str] = set()
        self.rows = 0
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.rows += tag == "tr"
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "srcset", "data") and value:
                self.references.append(value)
            if name == "style" and value:
                self.references += re.findall(r"url\(([^)]*)\)", value)
        self._in = tag if tag in ("h1", "h2") else None

    def handle_data(self, data: str) -> None:
        if self._in == "h2":
            self.headings.append(data.strip())
        if self._in == "style" or "url(" in data:
            self.references += re.findall(r"url\(([^)]*)\)", data)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    p.close()
    return p


class TestSections:
    def test_a_report_has_a_section_per_input_given(self, page: Report) -> None:
        """Funnel, conversion, SLA and feedback, in page order, with the headline numbers."""
        assert [s.key for s in page.sections] == ["funnel", "conversion", "sla", "feedback"]
        assert [s.title for s in page.sections] == list(HEADINGS)
        assert page.figures is not None and page.figures.figures[0].label == "leads"
        assert page.figures.figures[0].value == "3,000"

    def test_without_an_sla_there_is_no_sla_section(self, sim: Simulation) -> None:
        """A playbook with no SLA: the page leaves the SLA out rather than showing it empty."""
        pb = attrs.evolve(sim.playbook, sla=None)
        page = build_report(sim.leads, sim.activities, playbook=pb, start=sim.start, end=sim.end)
        assert "sla" not in [s.key for s in page.sections]
        assert all(f.label != "SLA met" for f in page.figures.figures)  # type: ignore[union-attr]

    def test_a_lifecycle_without_an_mql_stage_gets_its_own_steps(self) -> None:
        """A two-stage waterfall: its one step is charted; no handoff, no feedback section."""
        lc = sm.Lifecycle(
            stages=["inquiry", "won"],
            initial="inquiry",
            transitions=[sm.Transition("win", source=["inquiry"], dest="won")],
        )
        pb = sm.Playbook(lifecycle=lc, scoring=sm.ScoringModel(), personas=sm.PersonaMatcher([]))
        t = datetime(2026, 1, 5, 9, tzinfo=UTC)
        lead = lc.fire(sm.Lead.new("L-1", at=t, stage="inquiry"), "win", at=t)
        page = build_report([lead], [], playbook=pb, start=t, end=t)
        assert [s.key for s in page.sections] == ["funnel", "conversion"]
        (table, *_) = [b for b in page.sections[1].blocks if isinstance(b, Table)]
        assert table.header == ("persona", "leads", "won", "inquiry to won")
        assert table.rows == (("(no persona)", "1", "1", "100.0%"),)

    def test_the_sla_section_needs_a_report_that_checked_an_sla(self, sim: Simulation) -> None:
        """Asked for without an SLA, the section says what it needs."""
        plain = sm.funnel_report(
            sim.leads[:10], lifecycle=sim.playbook.lifecycle, start=sim.start, end=sim.end
        )
        with pytest.raises(sm.ValidationError, match="needs a funnel report computed with an SLA"):
            sla_section(plain, {})

    def test_other_analyses_plug_in_as_sections_in_page_order(self, sim: Simulation) -> None:
        """A backtest and an attribution section given by the caller go where they belong."""
        backtest = Section("backtest", "The backtest", [Text("candidate against baseline")])
        roi = Section("attribution", "Attribution and ROI", [Table(("channel", "roi"), [])])
        page = build_report(
            sim.leads[:50],
            sim.activities,
            playbook=sim.playbook,
            start=sim.start,
            end=sim.end,
            sections=[backtest, roi],
        )
        keys = [s.key for s in page.sections]
        assert keys == ["funnel", "conversion", "sla", "feedback", "attribution", "backtest"]
        assert keys == [k for k in SECTION_ORDER if k in keys]
        again = page.with_section(Section("backtest", "A newer backtest", []))
        assert [s.title for s in again.sections][-1] == "A newer backtest"
        assert len(again.sections) == len(page.sections)
        extra = page.with_section(Section("notes", "Notes", []))
        assert extra.sections[-1].key == "notes"

    def test_the_feedback_section_carries_the_suggestions(self, page: Report) -> None:
        """The advice of the feedback report is the section's numbered list."""
        (section,) = [s for s in page.sections if s.key == "feedback"]
        (advice,) = [b for b in section.blocks if isinstance(b, Items)]
        assert advice.ordered and any("free e-mail address" in item for item in advice.items)

    def test_tables_summarise_and_never_list_every_lead(self, page: Report) -> None:
        """No table on the page has more than a dozen rows, however many leads there are."""
        tables = [b for s in page.sections for b in s.blocks if isinstance(b, Table)]
        assert tables and max(len(t.rows) for t in tables) <= 12

    def test_numbers_columns_are_told_apart_from_text(self) -> None:
        """Columns of counts, percents and durations are numeric; names are not."""
        table = Table(
            ("rep", "MQLs", "rate", "time", "reason"), [("ana", "1,204", "5.0%", "2d 4h", "x")]
        )
        assert table.numeric == (False, True, True, True, False)
        assert Table(("a",), []).numeric == (False,)


class TestHTML:
    def test_the_page_is_self_contained_and_loads_nothing(self, page: Report) -> None:
        """No reference leaves the page: anchors only, no http(s) or protocol-relative URL."""
        html = render_html(page)
        parsed = parse(html)
        assert parsed.references and all(r.startswith("#") for r in parsed.references)
        assert not URL.search(html)
        assert not ({"script", "img", "link", "iframe", "object"} & parsed.tags)
        assert "default-src 'none'" in html  # and the browser is told to refuse anything else

    def test_every_section_has_its_heading(self, page: Report) -> None:
        """The h2 headings are the sections' titles, and the nav links to each."""
        html = render_html(page)
        parsed = parse(html)
        assert parsed.headings == list(HEADINGS)
        for section in page.sections:
            assert f'href="#{section.key}"' in html and f'id="{section.key}"' in html

    def test_the_page_stays_well_under_its_size_budget(self, page: Report) -> None:
        """Summaries, not rows: the page is a few tens of kilobytes."""
        size = len(render_html(page).encode("utf-8"))
        assert size < BUDGET / 20

    def test_values_are_escaped(self, sim: Simulation) -> None:
        """A source named like markup is shown as text, never run."""
        t = datetime(2026, 1, 5, 9, tzinfo=UTC)
        lead = sm.Lead.new("L-1", at=t, source="<script>alert(1)</script>")
        page = build_report([lead], [], playbook=sim.playbook, start=t, end=t)
        html = render_html(page.with_section(Section("x", "<b>bold</b>", [Items(["a & b"])])))
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html and "a &amp; b" in html

    def test_every_kind_of_block_renders(self) -> None:
        """Figures, text, bullet lists, charts and tables (empty ones say so)."""
        section = Section(
            "notes",
            "Notes",
            [
                Figures([Figure("leads", "10", "all of them"), Figure("mqls", "2")]),
                Text("plain"),
                Items(["one", "two"]),
                Chart(bar_chart([("a", 0.5)], title="t"), "a caption"),
                Table(("a", "b"), [], caption="empty"),
            ],
        )
        html = render_html(Report("T", "S", [section]))
        for piece in ("all of them", "<p>plain</p>", "<ul><li>one</li>", "a caption", "No data."):
            assert piece in html

    def test_an_unknown_block_is_refused(self) -> None:
        """Only the known block kinds render."""
        with pytest.raises(TypeError, match="a report block is one of"):
            render_html(Report("T", "S", [Section("x", "X", ["raw <b>"])]))  # type: ignore[list-item]


class TestCharts:
    def test_the_funnel_draws_a_bar_per_stage_with_counts_and_rates(self) -> None:
        """One bar per stage, widest for the most leads, each step's rate beside it."""
        svg = ET.fromstring(funnel_chart([("suspect", 100), ("mql", 40), ("sql", 1)]))
        widths = [float(r.get("width", 0)) for r in svg.iter("rect")]
        assert len(widths) == 3 and widths[0] > widths[1] > widths[2] > 0
        texts = [t.text for t in svg.iter("text")]
        assert "40.0% of suspect" in texts and "2.5% of mql" in texts and "1" in texts

    def test_bars_read_as_percents_with_a_reference_line(self) -> None:
        """Shares draw against 0-100%, a missing value reads 'no data', labels are escaped."""
        svg = bar_chart([("a <b>", 0.25), ("c", None)], title="t", reference=0.5)
        root = ET.fromstring(svg)
        texts = [t.text for t in root.iter("text")]
        assert "a <b>" in texts and "25.0%" in texts and "no data" in texts
        assert "overall 50.0%" in texts
        counts = ET.fromstring(bar_chart([("x", 3.0)], title="t", share=False, reference=2.0))
        assert "3" in [t.text for t in counts.iter("text")]

    def test_a_calibration_chart_has_its_diagonal_and_a_legend(self) -> None:
        """Lines on the unit square, points clamped into it, one legend entry per series."""
        svg = line_chart(
            [("score", [(0.1, 0.2), (0.5, 0.4), (1.2, 0.9)]), ("other", [(0, 0), (1, 1)])],
            title="Calibration",
            x_label="predicted",
            y_label="observed",
            diagonal=True,
        )
        plain = line_chart([("lift", [(0, 0)])], title="Lift", x_label="x", y_label="y")
        assert len(list(ET.fromstring(plain).iter("polyline"))) == 1
        root = ET.fromstring(svg)
        lines = list(root.iter("polyline"))
        assert len(lines) == 3  # the diagonal and two series
        assert len(list(root.iter("circle"))) == 5
        texts = [t.text for t in root.iter("text")]
        assert {"score", "other", "predicted", "observed"} <= set(texts)


class TestWriting:
    def test_the_file_is_written_whole_and_nothing_else_is_left(self, tmp_path: Path) -> None:
        """The page lands under its name; no temporary file stays behind."""
        target = write_html(tmp_path / "report.html", "<!DOCTYPE html><p>é</p>")
        assert target.read_text(encoding="utf-8") == "<!DOCTYPE html><p>é</p>"
        assert [p.name for p in tmp_path.iterdir()] == ["report.html"]

    def test_a_failed_write_leaves_the_old_file_and_no_temporary(self, tmp_path: Path) -> None:
        """Writing over a directory fails; the directory and its neighbours are untouched."""
        (tmp_path / "report.html").mkdir()
        with pytest.raises(IsADirectoryError):
            write_html(tmp_path / "report.html", "new")
        assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
