"""The report page: sections from data, one self-contained HTML file, SVG charts, atomic writes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest
from tests.conftest import STRICTER_MQL

import smarketing as sm
from smarketing.demo import Simulation, costs
from smarketing.leads import group_by_lead
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
    column_chart,
    funnel_chart,
    line_chart,
    render_html,
    score_threshold,
    sla_section,
    write_html,
)

# The tests that share the demo's simulation and report run on one worker: built once.
pytestmark = pytest.mark.xdist_group("demo")

#: The heading of every section of the page, when all their inputs are given.
HEADINGS = (
    "The funnel",
    "Conversion by persona and by source",
    "The SLA by rep",
    "The feedback loop",
    "Attribution and ROI",
    "Evaluation of the lead score",
    "The backtest of the candidate playbook",
)
#: The stricter candidate the backtest section replays: a higher MQL threshold on the score.
STRICTER = sm.Playbook.from_dict({"lifecycle": {"mql": STRICTER_MQL}})
BUDGET = 2 * 1024 * 1024
URL = re.compile(r"(?i)\b(?:https?:)?//")


@pytest.fixture(scope="module")
def sim(demo_sim: Simulation) -> Simulation:
    return demo_sim


@pytest.fixture(scope="module")
def page(demo_report: Report) -> Report:
    """The demo's page with every input: costs and a candidate playbook."""
    return demo_report


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
        """Every section, in page order, with the headline numbers."""
        assert [s.key for s in page.sections] == list(SECTION_ORDER)
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
            evaluation=False,
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


def blocks(page: Report, key: str) -> tuple[object, ...]:
    (section,) = [s for s in page.sections if s.key == key]
    return section.blocks


def tables(page: Report, key: str) -> list[Table]:
    return [b for b in blocks(page, key) if isinstance(b, Table)]


def figures(page: Report, key: str) -> dict[str, str]:
    shown = [b for b in blocks(page, key) if isinstance(b, Figures)]
    return {f.label: f.value for b in shown for f in b.figures}


class TestAnalysisSections:
    def test_each_analysis_appears_exactly_when_its_input_is_given(self, sim: Simulation) -> None:
        """Channels bring credit (costs bring the ROI), outcomes the evaluation, a candidate
        the backtest; without them the page leaves each out."""
        args = {"playbook": sim.playbook, "start": sim.start, "end": sim.end}
        plain = build_report(sim.leads, sim.activities, **args)  # type: ignore[arg-type]
        keys = [s.key for s in plain.sections]
        assert keys == ["funnel", "conversion", "sla", "feedback", "attribution", "evaluation"]
        assert len(tables(plain, "attribution")) == 1  # credit, no ROI table
        assert any(isinstance(b, Text) and "no ROI" in b.text for b in blocks(plain, "attribution"))
        unmarked = [
            attrs.evolve(a, properties={k: v for k, v in a.properties.items() if k != "channel"})
            for a in sim.activities
        ]
        bare = build_report(sim.leads, unmarked, evaluation=False, **args)  # type: ignore[arg-type]
        assert [s.key for s in bare.sections] == ["funnel", "conversion", "sla", "feedback"]

    def test_credit_and_roi_are_the_librarys(self, sim: Simulation, page: Report) -> None:
        """The credit table is `compare`'s, the ROI table `roi(costs)`'s, cent for cent."""
        credit = sm.attribute(
            sim.leads,
            sim.activities,
            model="w_shaped",
            milestone="customer",
            start=sim.start,
            end=sim.end,
            lifecycle=sim.playbook.lifecycle,
        )
        compared = credit.compare(["w_shaped", "markov"])
        roi = credit.roi(costs(sim))
        shares, roi_table = tables(page, "attribution")
        for row in shares.rows:
            channel = None if row[0] == "(no touch)" else row[0]
            assert row[1] == f"{compared.credit['w_shaped'].get(channel, 0.0):,.1f}"
            assert row[3] == f"{compared.credit['markov'].get(channel, 0.0):,.1f}"
        assert [r[0] for r in roi_table.rows] == list(roi)
        for row in roi_table.rows:
            expected = roi[row[0]]
            assert row[1] == f"{expected.cost:,.2f}"
            per_customer = expected.cost_per_customer
            assert row[-1] == ("—" if per_customer is None else f"{per_customer:,.2f}")
        assert figures(page, "attribution")["customers"] == f"{credit.conversions:,}"

    def test_the_backtest_and_its_sweep_are_the_librarys(
        self, sim: Simulation, page: Report
    ) -> None:
        """Side by side as `backtest` says; the sweep is `Backtest.sweep` around 60."""
        bt = sm.backtest(
            sim.leads,
            sim.activities,
            baseline=sim.playbook,
            candidate=STRICTER,
            start=sim.start,
            end=sim.end,
        )
        side, swept = tables(page, "backtest")
        assert side.rows[0] == ("MQLs", f"{bt.mqls.baseline:,}", f"{bt.mqls.candidate:,}")
        assert side.rows[2][1:] == (f"{bt.captured.baseline:,}", f"{bt.captured.candidate:,}")
        assert figures(page, "backtest")["lost"] == f"{len(bt.lost):,}"
        assert bt.lost and bt.lost[0].lead_id in str(blocks(page, "backtest"))
        expected = bt.sweep("score", [42, 48, 54, 60, 66, 72, 78])
        assert [r[:2] for r in swept.rows] == [
            (f"{r.threshold:g}", f"{r.mqls:,}") for r in expected.rows
        ]
        assert sum(isinstance(b, Chart) for b in blocks(page, "backtest")) == 1

    def test_a_candidate_that_reads_no_score_is_not_swept(self, sim: Simulation) -> None:
        """An MQL definition on fit alone: the backtest, and no sweep of a score it ignores."""
        fit_only = sm.Playbook.from_dict({"lifecycle": {"mql": "fit >= 30"}})
        assert score_threshold(fit_only) is None
        page = build_report(
            sim.leads[:300],
            sim.activities,
            playbook=sim.playbook,
            start=sim.start,
            end=sim.end,
            candidate=fit_only,
            evaluation=False,
        )
        assert len(tables(page, "backtest")) == 1
        assert not any(isinstance(b, Chart) for b in blocks(page, "backtest"))

    def test_the_score_threshold_is_read_from_the_mql_definition(self) -> None:
        """The number ``score`` is compared with (>=, >) in the move into mql, not under not."""
        assert score_threshold(sm.Playbook.default()) == 50.0
        mql = "fit >= 10 and (score > 40 or exists(email))"
        either = sm.Playbook.from_dict({"lifecycle": {"mql": mql}})
        assert score_threshold(either) == 40.0
        negated = sm.Playbook.from_dict({"lifecycle": {"mql": "not (score >= 40)"}})
        assert score_threshold(negated) is None
        text = sm.Playbook.from_dict({"lifecycle": {"mql": "score >= 'high'"}})
        assert score_threshold(text) is None

    def test_the_hand_set_scores_ranking_is_measured_at_creation(
        self, sim: Simulation, page: Report
    ) -> None:
        """Without a learned model: the AUC and lift of the score each lead had when it was
        created, against reaching customer, as scikit-learn computes the AUC."""
        from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

        from smarketing import predict

        ds = predict.training_set(sim.leads, sim.activities, outcome="customer", at="created")
        by_id = {lead.id: lead for lead in sim.leads}
        acts_of = group_by_lead(sim.activities)
        scores = []
        for lead_id, t in zip(ds.lead_ids, ds.at, strict=True):
            lead = by_id[lead_id]
            known = attrs.evolve(
                lead, fields={k: v for k, v in lead.fields.items() if v.learned_at <= t}
            )
            acts = [a for a in acts_of.get(lead_id, ()) if a.at <= t]
            scores.append(sim.playbook.assess(known, acts, at=t).score.total)
        auc = roc_auc_score(list(ds.y), scores)
        shown = figures(page, "evaluation")
        assert shown["hand-set score AUC"] == f"{auc:.3f}" and auc > 0.7
        assert shown["leads ranked"] == f"{len(ds.y):,}"
        (lift,) = tables(page, "evaluation")
        assert float(lift.rows[0][4]) > 1.5  # the best tenth converts far above average
        assert "learned score AUC" not in shown

    def test_a_learned_model_shows_its_calibration(self, sim: Simulation) -> None:
        """With a predictive model: its AUC and Brier score as `Evaluation.from_scores` gives
        them, a calibration chart with its diagonal, and lift by decile."""
        from smarketing import predict

        ds = predict.training_set(sim.leads, sim.activities, outcome="customer", at="created")
        scorer = predict.LeadScorer(max_rounds=60, bags=1, random_state=0)
        model = scorer.fit(list(ds.X), list(ds.y)).model_
        pb = attrs.evolve(sim.playbook, predictive=model)
        page = build_report(sim.leads, sim.activities, playbook=pb, start=sim.start, end=sim.end)
        p = [model.predict(row).probability for row in ds.X]
        expected = predict.Evaluation.from_scores(list(ds.y), p, probabilities=True)
        shown = figures(page, "evaluation")
        assert shown["learned score AUC"] == f"{expected.auc:.3f}"
        assert shown["Brier score"] == f"{expected.brier:.4f}"
        charts = [b for b in blocks(page, "evaluation") if isinstance(b, Chart)]
        assert len(charts) == 2 and "Calibration" in charts[1].svg
        assert 'stroke-dasharray="4 3"' in charts[1].svg  # the diagonal

    def test_too_few_outcomes_or_no_numpy_leaves_the_evaluation_out(
        self, sim: Simulation, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Fewer than ten converted leads, or no numpy: no evaluation section."""
        args = {"playbook": sim.playbook, "start": sim.start, "end": sim.end}
        few = build_report(sim.leads[:40], sim.activities, **args)  # type: ignore[arg-type]
        assert "evaluation" not in [s.key for s in few.sections]
        monkeypatch.setitem(__import__("sys").modules, "smarketing.predict", None)
        page = build_report(sim.leads[:600], sim.activities, **args)  # type: ignore[arg-type]
        assert "evaluation" not in [s.key for s in page.sections]

    def test_columns_stand_on_zero_with_their_notes_and_reference(self) -> None:
        """One bar per column, its note above it, a dashed reference level and escaped labels."""
        svg = column_chart(
            [("1", 2.0, "2.0x"), ("<2>", 0.5, ""), ("3", 0.0, "0x")],
            title="Lift",
            x_label="decile",
            reference=1.0,
            reference_label="average",
        )
        root = ET.fromstring(str(svg))
        ns = "{http://www.w3.org/2000/svg}"
        rects = root.findall(f"{ns}rect") or root.findall("rect")
        assert len(rects) == 3
        assert "&lt;2&gt;" in svg and "2.0x" in svg and "average" in svg
        assert 'stroke-dasharray="4 3"' in svg
        assert column_chart([], title="empty", x_label="x").startswith("<svg")
