"""`smarketing report` and the demo's report.html, as a user runs them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from smarketing.cli import main
from smarketing.demo import DEFAULT_START, population, simulate

DEMO = ["demo", "--leads", "300", "--seed", "4", "--days", "90"]
#: A candidate playbook for the backtest section: a higher MQL threshold on the score.
STRICTER = """
[lifecycle]
mql = "score >= 60 and grade in ('A', 'B')"
"""


def section(html: str, key: str) -> str:
    found = re.search(rf'<section id="{key}".*?</section>', html, re.DOTALL)
    assert found is not None, key
    return found.group(0)


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main([*DEMO, "--out", str(out)]) == 0
    return out


class TestDemoPage:
    def test_demo_out_writes_the_page_and_ends_by_naming_it(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The last line the demo prints is where report.html is."""
        assert main(["demo", "--leads", "80", "--days", "30", "--out", str(tmp_path)]) == 0
        err = capsys.readouterr().err.splitlines()
        assert "report.html" in err[-2]
        assert err[-1] == f"smarketing: the report both teams open: {tmp_path / 'report.html'}"
        html = (tmp_path / "report.html").read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and "The smarketing demo" in html
        assert (tmp_path / "report.html").stat().st_mode & 0o044  # readable like any new file

    def test_without_jinja2_the_demo_says_how_to_get_the_page(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No report extra: the other files are written, and a note names the extra."""
        monkeypatch.setitem(sys.modules, "smarketing.report", None)
        assert main(["demo", "--leads", "40", "--days", "20", "--out", str(tmp_path)]) == 0
        assert not (tmp_path / "report.html").exists() and (tmp_path / "leads.csv").exists()
        assert "no report.html" in capsys.readouterr().err


class TestReportCommand:
    def test_the_page_from_the_demos_files_tells_the_same_story(
        self, demo_out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Read back from CSV, the funnel and the feedback loop are the demo's own."""
        sim = simulate(population(300, seed=4, start=DEFAULT_START, days=90), seed=4)
        page = tmp_path / "page.html"
        argv = [
            "report",
            str(demo_out / "leads.csv"),
            "--history",
            str(demo_out / "history.csv"),
            "--activities",
            str(demo_out / "activities.csv"),
            "--start",
            sim.start.isoformat(),
            "--end",
            sim.end.isoformat(),
            "--costs",
            str(demo_out / "costs.csv"),
            "--strict",
            "-o",
            str(page),
        ]
        assert main(argv) == 0
        assert capsys.readouterr().err.splitlines()[-1].startswith(f"smarketing: wrote {page} (")
        ours, theirs = page.read_text("utf-8"), (demo_out / "report.html").read_text("utf-8")
        for key in ("funnel", "conversion", "sla", "feedback", "attribution", "evaluation"):
            assert section(ours, key) == section(theirs, key)

    def test_costs_and_a_candidate_add_their_sections(
        self,
        demo_out: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--costs adds the ROI to the credit, --candidate the backtest; the costs are counted."""
        monkeypatch.chdir(tmp_path)
        (tmp_path / "new.toml").write_text(STRICTER, encoding="utf-8")
        files = [str(demo_out / n) for n in ("leads.csv", "history.csv", "activities.csv")]
        argv = ["report", files[0], "--history", files[1], "--activities", files[2]]
        assert main([*argv, "-o", "plain.html"]) == 0
        plain = (tmp_path / "plain.html").read_text("utf-8")
        assert "no ROI" in section(plain, "attribution") and 'id="backtest"' not in plain
        costs = str(demo_out / "costs.csv")
        assert main([*argv, "--costs", costs, "--candidate", "new.toml"]) == 0
        err = capsys.readouterr().err
        assert re.search(r"costs\.csv: \d+ rows read: \d+ costs", err), err
        html = (tmp_path / "report.html").read_text("utf-8")  # the default output
        assert "per customer" in section(html, "attribution")
        assert "MQLs per week" in section(html, "backtest")
        assert "score threshold" in section(html, "backtest")  # the sweep: the candidate's 60

    def test_the_demo_page_credits_channels_and_evaluates_the_score(self, demo_out: Path) -> None:
        """The demo writes costs and channels: its page has the ROI and the evaluation, and no
        backtest (there is no candidate)."""
        html = (demo_out / "report.html").read_text("utf-8")
        assert "per customer" in section(html, "attribution")
        assert "hand-set score AUC" in section(html, "evaluation")
        assert 'id="backtest"' not in html
        assert len(html.encode("utf-8")) < 2 * 1024 * 1024
        assert not re.search(r"(?i)\bhttps?://", html)

    def test_without_numpy_the_evaluation_is_one_note(
        self,
        demo_out: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """No predict extra: the page is written without the evaluation, and stderr says why."""
        monkeypatch.setitem(sys.modules, "smarketing.predict", None)
        files = [str(demo_out / n) for n in ("leads.csv", "history.csv", "activities.csv")]
        page = tmp_path / "page.html"
        argv = ["report", files[0], "--history", files[1], "--activities", files[2]]
        assert main([*argv, "-o", str(page)]) == 0
        notes = [x for x in capsys.readouterr().err.splitlines() if "needs numpy" in x]
        assert notes == [
            "smarketing: no evaluation of the score: it needs numpy "
            "(pip install 'smarketing[predict]')"
        ]
        assert 'id="evaluation"' not in page.read_text("utf-8")

    @pytest.mark.parametrize("modules", [{}, {"smarketing.report": None}])
    def test_a_page_that_cannot_be_written_is_one_error_line(
        self,
        demo_out: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        modules: dict[str, None],
    ) -> None:
        """Not .html, or no Jinja2: exit status 2 and one line saying why."""
        for name, value in modules.items():
            monkeypatch.setitem(sys.modules, name, value)
        files = [str(demo_out / n) for n in ("leads.csv", "history.csv", "activities.csv")]
        argv = ["report", files[0], "--history", files[1], "--activities", files[2]]
        assert main([*argv, "-o", "page.md" if not modules else "page.html"]) == 2
        err = capsys.readouterr().err
        expected = "one HTML page" if not modules else "smarketing[report]"
        assert len(err.splitlines()) == 1 and expected in err
