"""Your own data through the command line: init, check --data, score with a [data] section."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

import pytest

import smarketing as sm
from smarketing.cli import main
from smarketing.config import to_toml

AT = "2026-03-05T09:00:00+00:00"
EXPORT = """\
Prospect ID,Lead Source,Lead Origin,Total Visits,City,Zip,job_title,industry
007,Google,Landing Page Submission,5,Select,01234,VP Marketing,software
7,Select,API,2,Mumbai,00400,Student,Select
0007,Direct Traffic,API,,Thane & Outskirts,40001,Head of Sales,saas
"""
PLAYBOOK = """\
known_facts = ["email", "first_name", "last_name", "owner", "Lead Origin"]

[data]
id = "Prospect ID"
missing = ["Select"]
rename = { "Lead Source" = "source", "Total Visits" = "visits", "City" = "city" }

[scoring]
fit = [
  { name = "software company", when = "industry in ('software', 'saas')", points = 20 },
  { name = "came through the API", when = "`Lead Origin` == 'API'", points = 5 },
  { name = "visited often", when = "visits >= 3", points = 10 },
]
engagement = []
"""


BAD_PLAYBOOK = """\
known_facts = ["email", "first_name", "last_name", "owner", "Budget Range", "Zip"]

[data]
id = "Prospect ID"
rename = { "Lead Source" = "source", "Total Visits" = "visits", "City" = "city" }

[scoring]
fit = [
  { name = "has a budget", when = "exists(`Budget Range`)", points = 5 },
  { name = "never", when = "visits > 100", points = 1 },
  { name = "everyone", when = "exists(Zip)", points = 1 },
]
engagement = []
"""


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, Path]:
    leads = tmp_path / "Leads.csv"
    leads.write_text(EXPORT, encoding="utf-8")
    playbook = tmp_path / "playbook.toml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    return leads, playbook


class TestARealExport:
    def test_score_keeps_every_lead_and_every_id(
        self, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """007, 7 and 0007 are three leads; 'Select' is no answer; zips keep their zeros."""
        leads, playbook = export
        argv = ["score", str(leads), "--playbook", str(playbook), "--at", AT]
        assert main([*argv, "--keep", "Zip,City,Lead Source"]) == 0
        captured = capsys.readouterr()
        rows = rows_of(captured.out)
        assert [r["id"] for r in rows] == ["007", "7", "0007"]
        assert [r["Zip"] for r in rows] == ["01234", "00400", "40001"]
        assert [r["city"] for r in rows] == ["", "Mumbai", "Thane & Outskirts"]
        assert [r["source"] for r in rows] == ["Google", "", "Direct Traffic"]
        assert [r["fit"] for r in rows] == ["30", "5", "25"]  # 0007's visits are unknown
        assert f"{leads}: 3 rows read: 3 leads, 0 rejected" in captured.err

    def test_qualifies_is_the_stage_the_definitions_put_the_lead_in(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A suspect that engaged and meets the MQL definition qualifies as an mql now."""
        leads = tmp_path / "l.csv"
        leads.write_text("id,job_title,industry,company_size\nL-1,VP Marketing,software,250\n")
        acts = tmp_path / "a.csv"
        acts.write_text("lead_id,kind,at\nL-1,demo_request,2026-03-04T09:00:00+00:00\n")
        assert main(["score", str(leads), "--activities", str(acts), "--at", AT]) == 0
        (row,) = rows_of(capsys.readouterr().out)
        assert (row["stage"], row["qualifies"]) == ("suspect", "mql")

    def test_keep_names_a_column_the_file_has(
        self, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--keep Owner on a file without it is a usage error before any row is written."""
        leads, playbook = export
        argv = ["score", str(leads), "--playbook", str(playbook), "--keep", "Owner"]
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert "--keep Owner: no such column" in captured.err
        assert captured.out == ""

    def test_check_data_passes_a_playbook_that_fits_the_export(
        self, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every fact the rules read is a column (or asked by a form): exit 0."""
        leads, playbook = export
        assert main(["check", str(playbook), "--data", str(leads)]) == 0
        out = capsys.readouterr().out
        assert f"{leads}: 3 rows read: 3 leads, 0 rejected" in out
        assert "OK: no problem found" in out
        assert "only 3 leads: too few" in out

    def test_check_data_reports_every_problem_at_once(
        self, tmp_path: Path, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A rule on a column that is not there, a placeholder read as an answer, a rule that
        holds for nobody, one that holds for everyone: all listed, exit 1."""
        _, playbook = export
        leads = tmp_path / "many.csv"
        leads.write_text(EXPORT + "".join(f"L{i},Google,API,1,Pune,{i:05},,\n" for i in range(20)))
        playbook = tmp_path / "bad.toml"
        playbook.write_text(BAD_PLAYBOOK, encoding="utf-8")
        assert main(["check", str(playbook), "--data", str(leads)]) == 1
        out = capsys.readouterr().out
        assert "reads 'Budget Range', which no column" in out
        assert "column 'city' holds 'Select' once" in out
        assert "column 'industry' holds 'Select' once" in out
        assert "column 'source' holds 'Select' once" in out
        assert "fit rule 'never' holds for no lead" in out
        assert "fit rule 'everyone' holds for every lead (23)" in out
        assert "problems, 0 bad rows" in out.splitlines()[-1]

    def test_check_data_shows_each_bad_row_with_its_line(
        self, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A ragged row is listed with its file and line, and counted: exit 1."""
        leads, playbook = export
        leads.write_text(EXPORT + "008,Google,API\n", encoding="utf-8")
        assert main(["check", str(playbook), "--data", str(leads)]) == 1
        out = capsys.readouterr().out.splitlines()
        assert f"{leads}: 4 rows read: 3 leads, 1 rejected" in out
        assert f"  bad row {leads}:5: expected 8 cells, found 3" in out
        assert out[-1] == "0 problems, 1 bad row"

    def test_check_data_reads_the_activities_too(
        self, export: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Engagement rules whose kind never happens, and properties no column has."""
        leads, _ = export
        acts = tmp_path / "a.csv"
        acts.write_text("lead_id,kind,at\n007,webinar,2026-03-01\n")
        playbook = tmp_path / "default_with_data.toml"
        playbook.write_text(PLAYBOOK.split("[scoring]")[0], encoding="utf-8")
        argv = ["check", str(playbook), "--data", str(leads), "--activities", str(acts)]
        assert main(argv) == 1
        out = capsys.readouterr().out
        assert "counts 'demo_request' activities; " in out
        assert "reads the property 'url', which no column" in out

    def test_check_data_reads_grade_criteria_and_a_title_a_form_asks(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Letter-grade criteria are checked like rules: one on a column empty in every row is
        a problem; seniority, read from a job title a form asks, is a note; so is an activity
        kind no rule scores."""
        leads, playbook, acts = self.own(
            tmp_path,
            criteria='{ name = "in Germany", when = "country == \'DE\'" },\n'
            '  { name = "a VP", when = "seniority == \'vp\'" },',
            forms='{ name = "job_title", label = "Job title" }',
            rows="L-1,250,\nL-2,40,\n",
        )
        argv = ["check", str(playbook), "--data", str(leads), "--activities", str(acts)]
        assert main(argv) == 1
        out = capsys.readouterr().out.splitlines()
        assert out[2:] == [
            "  problem: grade criterion 'in Germany' reads 'country', which is empty in every row",
            "  note: only 2 leads: too few to tell rules that hold for no lead or for every lead "
            "(at least 20)",
            "  note: facts the rules read that the forms ask, not in the file yet: 'job_title', "
            "'seniority'",
            "  note: activity kinds no rule scores: 'webinar'",
            "1 problem, 0 bad rows",
        ]

    def test_check_data_has_nothing_to_note_when_every_column_is_read(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No title to read, no form asking, every column read, every kind scored: only the
        row counts and OK."""
        leads, playbook, acts = self.own(
            tmp_path,
            criteria='{ name = "in Germany", when = "country == \'DE\'" },',
            forms="",
            rows="".join(f"L-{i},{i * 10},{'DE' if i % 2 else 'FR'}\n" for i in range(20)),
            kinds=("demo_request", "demo_request"),
        )
        argv = ["check", str(playbook), "--data", str(leads), "--activities", str(acts)]
        assert main(argv) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[1:] == [f"{leads}: 20 rows read: 20 leads, 0 rejected", "OK: no problem found"]

    @staticmethod
    def own(
        folder: Path,
        *,
        criteria: str,
        forms: str,
        rows: str,
        kinds: tuple[str, str] = ("demo_request", "webinar"),
    ) -> tuple[Path, Path, Path]:
        """A playbook of one fit rule, letter grades and no personas, its leads and activities."""
        playbook = folder / "own.toml"
        playbook.write_text(
            'known_facts = ["size", "country"]\n'
            '[lifecycle]\nmql = "score >= 50"\nsql = "grade == \'A\'"\n'
            '[scoring]\nfit = [{ name = "big", when = "size >= 100", points = 10 }]\n'
            'engagement = [{ name = "demo", kind = "demo_request", points = 30 }]\n'
            f"[scoring.letter_grading]\ncriteria = [\n  {criteria}\n]\n"
            f"[personas]\nlist = []\n[forms]\nfields = [{forms}]\n",
            encoding="utf-8",
        )
        leads = folder / "own.csv"
        leads.write_text("id,size,country\n" + rows, encoding="utf-8")
        acts = folder / "own-activities.csv"
        acts.write_text(
            "lead_id,kind,at\n"
            + "".join(f"L-1,{kind},2026-03-01T09:00:00+00:00\n" for kind in kinds),
            encoding="utf-8",
        )
        return leads, playbook, acts

    def test_activities_without_data_is_a_usage_error(
        self, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--activities belongs to --data."""
        _, playbook = export
        assert main(["check", str(playbook), "--activities", "a.csv"]) == 2
        assert "--activities goes with --data" in capsys.readouterr().err

    def test_score_says_when_no_rule_can_hold(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The default playbook on a file none of whose columns its rules read: a note."""
        leads = tmp_path / "survey.csv"
        leads.write_text("id,age,job\n1,56,housemaid\n")
        assert main(["score", str(leads), "--at", AT]) == 0
        assert "every lead gets fit 0" in capsys.readouterr().err


class TestInitAndEffective:
    def test_init_writes_the_commented_default_that_checks_clean(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """init, then check: the file to start from is valid, commented, and has [data]."""
        target = tmp_path / "playbook.toml"
        assert main(["init", str(target)]) == 0
        text = target.read_text()
        assert "# [data]" in text and text.count("#") > 20
        assert sm.Playbook.from_toml(target) == sm.Playbook.default()
        assert main(["init", str(target)]) == 2
        assert "exists; pass --force" in capsys.readouterr().err
        assert main(["init", str(target), "--force"]) == 0

    def test_effective_prints_the_playbook_as_read(
        self, export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Sections merged over the default's, as TOML that reads back to the same playbook."""
        _, playbook = export
        assert main(["check", str(playbook), "--effective"]) == 0
        text = capsys.readouterr().out
        data = tomllib.loads(text)
        assert data["sla"]["calendar"]["timezone"] == "UTC"  # from the default, merged
        assert sm.Playbook.from_dict(data) == sm.Playbook.from_toml(playbook)

    def test_a_one_line_sla_keeps_the_default_calendar(self, tmp_path: Path) -> None:
        """[sla] first_touch = "4h" alone keeps business hours; calendar = false is wall time."""
        kept = tmp_path / "kept.toml"
        kept.write_text('[sla]\nfirst_touch = "4h"\n')
        assert sm.Playbook.from_toml(kept) == sm.Playbook.default()
        wall = tmp_path / "wall.toml"
        wall.write_text('[sla]\nfirst_touch = "4h"\ncalendar = false\n')
        assert isinstance(sm.Playbook.from_toml(wall).clock, sm.WallClock)


class TestTomlText:
    def test_every_playbook_writes_toml_that_reads_back(self) -> None:
        """to_toml(pb.to_dict()) is valid TOML and gives the same playbook."""
        for data in (
            {},
            {"sla": False, "scoring": {"engagement_cap": False, "fit_cap": 40}},
            {"data": {"id": False, "missing": ["Select", "", "x\x7fy"], "rename": {"a b": 'c"d'}}},
            {"known_facts": ['x"y\\z', "email", "first_name", "last_name", "owner"]},
        ):
            pb = sm.Playbook.from_dict(data)
            assert sm.Playbook.from_dict(tomllib.loads(to_toml(pb.to_dict()))) == pb
