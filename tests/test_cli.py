"""The `smarketing` command as a user runs it: exit codes, output, and the files it writes."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import runpy
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import smarketing as sm
from smarketing.cli import SHOWN_REJECTS, main
from smarketing.demo import DEFAULT_START, population, simulate

LEADS = """\
id,created_at,stage,source,job_title,industry,company_size,country,email
L-1,2026-03-01T09:00:00+00:00,prospect,webinar,VP Marketing,software,250,US,ana@acme.io
L-2,2026-03-01 10:00,suspect,organic,Student,,,,bo@gmail.com
L-3,,mql,referral,Head of Sales,saas,80,DE,cy@beta.io
"""
ACTIVITIES = """\
lead_id,kind,at,url
L-1,demo_request,2026-03-02T09:00:00+00:00,
L-1,page_view,2026-03-02T09:05:00+00:00,/pricing
L-3,webinar,2026-03-03T12:00:00+00:00,
"""
HISTORY = """\
lead_id,from_stage,to_stage,trigger,at,actor,reason
L-1,suspect,prospect,engage,2026-03-01T12:00:00+00:00,auto,
L-3,suspect,prospect,engage,2026-03-01T12:00:00+00:00,auto,
L-3,prospect,mql,qualify,2026-03-02T12:00:00+00:00,auto,
"""
AT = "2026-03-05T09:00:00+00:00"
SCORE_COLUMNS = [
    "id",
    "stage",
    "qualifies",
    "score",
    "fit",
    "engagement",
    "grade",
    "persona",
    "next_fields",
]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def one_error_line(err: str) -> str:
    """The whole of stderr is one line, `smarketing: error: ...`."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("smarketing: error: ")
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder with a small leads file, its activities and its history."""
    write(tmp_path / "leads.csv", LEADS)
    write(tmp_path / "activities.csv", ACTIVITIES)
    write(tmp_path / "history.csv", HISTORY)
    return tmp_path


def terminal(monkeypatch: pytest.MonkeyPatch, stream: str) -> None:
    """Make captured stdout or stderr claim to be a terminal."""
    monkeypatch.setattr(getattr(sys, stream), "isatty", lambda: True)


# --- the command itself ---------------------------------------------------------------------------


class TestTheCommand:
    def test_version_is_the_package_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--version prints the installed version and exits 0."""
        assert main(["--version"]) == 0
        assert capsys.readouterr().out == f"smarketing {sm.__version__}\n"

    def test_python_dash_m_is_the_same_command(self) -> None:
        """`python -m smarketing` runs the same main."""
        done = subprocess.run(
            [sys.executable, "-m", "smarketing", "--version"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0
        assert done.stdout == f"smarketing {sm.__version__}\n"

    def test_the_module_entry_point_exits_with_mains_status(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Run as __main__, the package's __main__ exits with main's return code."""
        monkeypatch.setattr(sys, "argv", ["smarketing", "diagram", "--nonsense"])
        with pytest.raises(SystemExit) as info:
            runpy.run_module("smarketing", run_name="__main__")
        assert info.value.code == 2
        assert "--nonsense" in capsys.readouterr().err

    def test_help_lists_every_command(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--help exits 0 and names the commands."""
        assert main(["--help"]) == 0
        out = capsys.readouterr().out
        for command in ("demo", "score", "plan", "funnel", "diagram", "check"):
            assert command in out

    @pytest.mark.parametrize(
        ("argv", "says"),
        [
            ([], "required: COMMAND"),
            (["frob"], "invalid choice: 'frob'"),
            (["score"], "required: LEADS"),
            (["demo", "--leads", "0"], "--leads: expected a whole number >= 1"),
            (["demo", "--leads", "many"], "--leads"),
            (["funnel", "leads.csv"], "--history"),
            (
                ["score", "leads.csv", "--keep", " , "],
                "--keep: expected column names separated by commas, got ' , '",
            ),
        ],
    )
    def test_usage_errors_are_one_line_and_exit_2(
        self, argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad command line is one line on stderr, status 2, no usage dump."""
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert says in one_error_line(captured.err)
        assert captured.out == ""

    def test_a_reader_that_goes_away_stops_the_command_quietly(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`smarketing diagram | head -0`: no traceback, no error line."""

        class Gone(io.StringIO):
            def write(self, text: str) -> int:
                raise BrokenPipeError(32, "Broken pipe")

        monkeypatch.setattr(sys, "stdout", Gone())
        assert main(["diagram"]) == 1
        assert capsys.readouterr().err == ""

    def test_a_closed_pipe_is_swapped_for_devnull(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """On a real pipe whose reader left, stdout is pointed at /dev/null: exit 1, quietly."""
        read, write_end = os.pipe()
        os.close(read)
        with open(write_end, "w", encoding="utf-8") as pipe:
            monkeypatch.setattr(sys, "stdout", pipe)
            assert main(["diagram"]) == 1
            pipe.write("more")  # goes to /dev/null now
        assert capsys.readouterr().err == ""

    def test_ctrl_c_exits_130_without_a_traceback(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An interrupted command stops with the shell's status for SIGINT."""

        def interrupted() -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(sm.Playbook, "default", interrupted)
        assert main(["diagram"]) == 130
        assert capsys.readouterr().err == ""

    def test_the_console_script_reader_leaves_quietly_through_a_real_pipe(self) -> None:
        """A real pipe closed early: exit without a traceback."""
        done = subprocess.run(
            f"{sys.executable} -m smarketing demo --leads 300 | head -n 1",
            shell=True,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.stdout == "# The smarketing demo\n"
        assert "Traceback" not in done.stderr

    def test_an_unwritable_output_is_one_line(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An OS error (a missing folder) is reported like any input error."""
        out = files / "missing" / "scores.csv"
        assert main(["score", str(files / "leads.csv"), "--at", AT, "-o", str(out)]) == 2
        assert "No such file or directory" in one_error_line(capsys.readouterr().err)


# --- check and diagram ----------------------------------------------------------------------------


class TestCheck:
    def test_a_good_playbook_is_summarised(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """check counts what the playbook defines."""
        text = resources.files("smarketing").joinpath("default_playbook.toml").read_text("utf-8")
        path = write(tmp_path / "playbook.toml", text)
        assert main(["check", str(path)]) == 0
        assert capsys.readouterr().out == (
            f"{path}: OK (7 stages, 9 fit rules, 9 engagement rules, 5 personas, 12 form fields)\n"
        )

    def test_a_typo_names_file_line_key_and_the_likely_key(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The ConfigError's message, on one line, exit 2."""
        path = write(tmp_path / "bad.toml", "[scoring]\nengagment_cap = 100\n")
        assert main(["check", str(path)]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert f"{path}:2: scoring.engagment_cap" in line
        assert "Did you mean 'engagement_cap'?" in line

    def test_broken_toml_names_the_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A TOML syntax error is one line with the line number."""
        path = write(tmp_path / "bad.toml", "[scoring\nx = 1\n")
        assert main(["check", str(path)]) == 2
        assert f"{path}:1: not valid TOML" in one_error_line(capsys.readouterr().err)

    def test_a_missing_file_is_one_line(self, capsys: pytest.CaptureFixture[str]) -> None:
        """No such playbook: exit 2."""
        assert main(["check", "nowhere.toml"]) == 2
        assert "nowhere.toml" in one_error_line(capsys.readouterr().err)


class TestDiagram:
    def test_the_default_lifecycle_as_mermaid(self, capsys: pytest.CaptureFixture[str]) -> None:
        """diagram prints the lifecycle's Mermaid text."""
        assert main(["diagram"]) == 0
        out = capsys.readouterr().out
        assert out == sm.Lifecycle.default().to_mermaid()

    def test_a_playbook_file_gives_its_lifecycle(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--playbook reads the file; a bad one is one line, exit 2."""
        good = write(tmp_path / "good.toml", '[lifecycle]\nmql = "score >= 10"\n')
        assert main(["diagram", "--playbook", str(good)]) == 0
        assert capsys.readouterr().out.startswith("stateDiagram-v2\n")
        bad = write(tmp_path / "bad.toml", '[lifecycle]\nmql = "score >>> 10"\n')
        assert main(["diagram", "--playbook", str(bad)]) == 2
        assert str(bad) in one_error_line(capsys.readouterr().err)


# --- score and plan -------------------------------------------------------------------------------


class TestScore:
    def test_piped_output_is_csv_one_row_per_lead(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without -o and not on a terminal: CSV with the contract's columns."""
        argv = ["score", str(files / "leads.csv"), "--activities", str(files / "activities.csv")]
        assert main([*argv, "--at", AT]) == 0
        captured = capsys.readouterr()
        assert captured.err.splitlines() == [
            f"smarketing: {files / 'activities.csv'}: 3 rows read: 3 activities, 0 rejected",
            f"smarketing: {files / 'leads.csv'}: 3 rows read: 3 leads, 0 rejected",
        ]
        assert captured.out.splitlines()[0] == ",".join(SCORE_COLUMNS)
        rows = {r["id"]: r for r in rows_of(captured.out)}
        assert list(rows) == ["L-1", "L-2", "L-3"]
        ana = rows["L-1"]
        assert ana["stage"] == "prospect"
        assert ana["persona"] == "Marketing leader"
        assert ana["grade"] == "A"
        assert float(ana["score"]) == pytest.approx(float(ana["fit"]) + float(ana["engagement"]))
        assert float(ana["engagement"]) > 30  # the demo request, three days old
        assert rows["L-2"]["persona"] == ""
        assert ";" in ana["next_fields"]

    def test_the_scores_agree_with_the_library(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The command is the library's assess, rounded for people."""
        argv = ["score", str(files / "leads.csv"), "--activities", str(files / "activities.csv")]
        assert main([*argv, "--at", AT, "-o", str(files / "s.jsonl")]) == 0
        out = [json.loads(line) for line in (files / "s.jsonl").read_text().splitlines()]
        created, t = datetime.fromisoformat("2026-03-01T09:00+00:00"), datetime.fromisoformat(AT)
        fields = {"job_title": "VP Marketing", "industry": "software", "company_size": 250}
        fields |= {"country": "US", "email": "ana@acme.io"}
        lead = sm.Lead.new("L-1", at=created, stage="prospect", fields=fields, source="webinar")
        acts = [
            sm.Activity("L-1", "demo_request", created.replace(day=2)),
            sm.Activity("L-1", "page_view", created.replace(day=2, minute=5), {"url": "/pricing"}),
        ]
        a = sm.Playbook.default().assess(lead, acts, at=t)
        assert out[0]["score"] == round(a.score.total, 2)
        assert out[0]["next_fields"] == list(a.next_fields.names)

    def test_jsonl_output_keeps_lists_and_numbers(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """-o x.jsonl: one JSON object per lead, next_fields a list."""
        out = files / "scores.jsonl"
        assert main(["score", str(files / "leads.csv"), "--at", AT, "-o", str(out)]) == 0
        assert capsys.readouterr().out == ""
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["id"] for r in records] == ["L-1", "L-2", "L-3"]
        assert list(records[0]) == SCORE_COLUMNS
        assert isinstance(records[0]["next_fields"], list)
        assert isinstance(records[0]["fit"], int | float)

    def test_csv_output_file(self, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """-o x.csv writes the same rows as the pipe."""
        out = files / "scores.csv"
        assert main(["score", str(files / "leads.csv"), "--at", AT, "-o", str(out)]) == 0
        assert [r["id"] for r in rows_of(out.read_text())] == ["L-1", "L-2", "L-3"]

    def test_writing_a_file_says_so_on_a_terminal(
        self, files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With -o, a person at a terminal learns how many rows went where."""
        terminal(monkeypatch, "stderr")
        out = files / "scores.csv"
        assert main(["score", str(files / "leads.csv"), "--at", AT, "-o", str(out)]) == 0
        assert f"wrote 3 rows to {out}" in capsys.readouterr().err

    def test_a_terminal_gets_an_aligned_table(
        self, files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """On a terminal: padded columns, numbers right-aligned, lists with commas."""
        terminal(monkeypatch, "stdout")
        assert main(["score", str(files / "leads.csv"), "--at", AT]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].split() == SCORE_COLUMNS
        assert set(lines[1]) == {"-", " "}
        assert lines[2].startswith("L-1  prospect")
        assert ", " in lines[2]
        widths = {line.index("  ", 3) for line in lines[2:]}
        assert len(widths) == 1

    def test_at_decides_what_counts(self, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Activities after --at count for nothing."""
        argv = ["score", str(files / "leads.csv"), "--activities", str(files / "activities.csv")]
        assert main([*argv, "--at", "2026-03-02T08:00:00+00:00"]) == 0
        before = {r["id"]: r for r in rows_of(capsys.readouterr().out)}
        assert before["L-1"]["engagement"] == "0"

    def test_tz_reads_times_without_a_zone(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--tz: a demo request at 08:30 in Berlin is 07:30 UTC, before --at 08:00 UTC."""
        leads = write(tmp_path / "leads.csv", "id,created_at\nL-1,2026-03-02 07:00\n")
        acts = write(tmp_path / "acts.csv", "lead_id,kind,at\nL-1,demo_request,2026-03-02 08:30\n")
        argv = ["score", str(leads), "--activities", str(acts), "--at", "2026-03-02T08:00Z"]
        assert main([*argv, "--tz", "UTC"]) == 0
        assert rows_of(capsys.readouterr().out)[0]["engagement"] == "0"
        assert main([*argv, "--tz", "Europe/Berlin"]) == 0
        assert float(rows_of(capsys.readouterr().out)[0]["engagement"]) > 39

    def test_now_is_the_default_time(self, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Without --at the command scores as of now (and a lead without created_at is new)."""
        assert main(["score", str(files / "leads.csv")]) == 0
        assert len(rows_of(capsys.readouterr().out)) == 3

    @pytest.mark.parametrize(
        ("extra", "says"),
        [
            (["--tz", "Mars/Base"], "--tz 'Mars/Base' is not a time zone"),
            (["--at", "yesterday-ish"], "--at: 'yesterday-ish' is not a timestamp"),
            (["-o", "scores.txt"], "cannot tell the format"),
            (["--playbook", "nowhere.toml"], "nowhere.toml"),
        ],
    )
    def test_bad_options_are_one_line(
        self, files: Path, extra: list[str], says: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Bad --tz, --at, output extension or playbook: exit 2, one line, no output."""
        assert main(["score", str(files / "leads.csv"), *extra]) == 2
        captured = capsys.readouterr()
        assert says in one_error_line(captured.err)
        assert captured.out == ""

    @pytest.mark.parametrize(
        ("name", "text", "says"),
        [
            ("leads.txt", "id\nL-1\n", "cannot tell the format"),
            ("leads.csv", "name\nAna\n", "no 'id' column"),
            ("missing.csv", None, "cannot open"),
        ],
    )
    def test_unreadable_leads_files_are_one_line(
        self,
        tmp_path: Path,
        name: str,
        text: str | None,
        says: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A file that cannot be read at all is an input error."""
        path = tmp_path / name
        if text is not None:
            write(path, text)
        assert main(["score", str(path), "--at", AT]) == 2
        assert says in one_error_line(capsys.readouterr().err)


class TestTheActivitiesHeld:
    def test_are_set_aside_while_the_leads_stream_past(
        self, files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """score assesses each lead with the activities read out of the collector's passes,
        and gives them back to it at the end."""
        seen: list[tuple[int, bool]] = []
        assess = sm.Playbook.assess

        def spying(
            pb: sm.Playbook, lead: sm.Lead, acts: Sequence[sm.Activity], **kwargs: Any
        ) -> sm.Assessment:
            walked = {id(o) for o in gc.get_objects()}
            seen.append((gc.get_freeze_count(), any(id(a) in walked for a in acts)))
            return assess(pb, lead, acts, **kwargs)

        monkeypatch.setattr(sm.Playbook, "assess", spying)
        argv = ["score", str(files / "leads.csv"), "--activities", str(files / "activities.csv")]
        assert main([*argv, "--at", AT, "-o", str(files / "s.csv")]) == 0
        assert len(seen) == 3
        assert all(count > 0 and not walked for count, walked in seen)
        assert gc.get_freeze_count() == 0


class TestBadRows:
    BAD_LEADS = LEADS + (
        ",2026-03-01,suspect,organic,,,,,\n"  # line 5: no id
        "L-1,2026-03-01,suspect,organic,,,,,\n"  # line 6: the id again
        "L-9,2026-03-01\n"  # line 7: too few cells
        "L-8,2026-03-01,lost,organic,,,,,\n"  # line 8: not a stage of the playbook
    )
    BAD_ACTIVITIES = ACTIVITIES + "L-2,webinar,not a time,\nL-404,webinar,2026-03-03,\n"

    def test_bad_rows_go_to_stderr_when_the_output_does(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Writing to stdout: each bad row on stderr with file:line, reason and raw text;
        the counts say rows = leads + rejects; no rejects file is left anywhere."""
        leads = write(files / "leads.csv", self.BAD_LEADS)
        acts = write(files / "activities.csv", self.BAD_ACTIVITIES)
        assert main(["score", str(leads), "--activities", str(acts), "--at", AT]) == 0
        captured = capsys.readouterr()
        assert [r["id"] for r in rows_of(captured.out)] == ["L-1", "L-2", "L-3"]
        err = captured.err
        for line in (5, 6, 7, 8):
            assert f"{leads}:{line}: " in err
        assert f"{acts}:5: " in err
        assert "'lost' is not a stage" in err
        assert "'L-8,2026-03-01,lost,organic,,,,,'" in err
        assert f"{leads}: 7 rows read: 3 leads, 4 rejected" in err
        assert f"{acts}: 5 rows read: 4 activities, 1 rejected" in err
        assert f"1 activities of leads not read from {leads}" in err
        assert "5 bad rows left out" in err
        assert not list(files.glob("*.rejects.csv"))

    def test_rejects_names_the_file_of_bad_rows(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--rejects FILE: every bad row with its file, line, reason and the row as written."""
        leads = write(files / "leads.csv", self.BAD_LEADS)
        acts = write(files / "activities.csv", self.BAD_ACTIVITIES)
        bad = files / "bad.csv"
        argv = ["score", str(leads), "--activities", str(acts), "--at", AT, "--rejects", str(bad)]
        assert main(argv) == 0
        assert f"listed in {bad}" in capsys.readouterr().err
        rejects = rows_of(bad.read_text())
        assert [(Path(r["file"]).name, r["line"]) for r in rejects] == [
            ("activities.csv", "5"),
            ("leads.csv", "5"),
            ("leads.csv", "6"),
            ("leads.csv", "7"),
            ("leads.csv", "8"),
        ]
        assert all(r["reason"] for r in rejects)
        assert rejects[1]["row"] == ",2026-03-01,suspect,organic,,,,,\n"

    def test_a_clean_run_removes_a_stale_rejects_file(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A rejects file from an earlier run would list rows that are now fine."""
        out = files / "scores.csv"
        stale = write(files / "scores.rejects.csv", "file,line,reason,row\nold,1,x,y\n")
        assert main(["score", str(files / "leads.csv"), "--at", AT, "-o", str(out)]) == 0
        assert not stale.exists()

    def test_the_rejects_file_can_leave_a_read_only_input_folder_alone(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Nothing is written beside the input: the rejects follow the output."""
        leads = write(files / "leads.csv", self.BAD_LEADS)
        (files / "out").mkdir()
        out = files / "out" / "s.csv"
        files.chmod(0o555)
        try:
            assert main(["score", str(leads), "--at", AT, "-o", str(out)]) == 0
        finally:
            files.chmod(0o755)
        assert (files / "out" / "s.rejects.csv").exists()

    def test_with_an_output_the_rejects_file_sits_next_to_it(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """-o out/scores.jsonl: the bad rows go to out/scores.rejects.csv."""
        leads = write(files / "leads.csv", self.BAD_LEADS)
        (files / "out").mkdir()
        out = files / "out" / "scores.jsonl"
        assert main(["score", str(leads), "--at", AT, "-o", str(out)]) == 0
        assert (files / "out" / "scores.rejects.csv").exists()
        assert not (files / "leads.rejects.csv").exists()

    def test_strict_makes_a_bad_row_an_error(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--strict: exit 2 with one line naming the first bad row; nothing is written."""
        leads = write(files / "leads.csv", self.BAD_LEADS)
        out = files / "s.csv"
        assert main(["score", str(leads), "--at", AT, "--strict", "-o", str(out)]) == 2
        captured = capsys.readouterr()
        line = captured.err.splitlines()[-1]
        assert line.startswith("smarketing: error: ")
        assert f"{leads}:5: " in line
        assert "4 bad rows in all" in line
        assert not out.exists()
        assert (files / "s.rejects.csv").exists()
        assert main(["score", str(leads), "--at", AT, "--strict"]) == 2
        assert capsys.readouterr().out == ""

    def test_strict_counts_every_bad_row_and_assesses_no_lead_after_the_first(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--strict with a bad row before good ones: every bad row is still counted, and no
        lead is scored once the run is bound to fail."""
        header, *rows = LEADS.splitlines(keepends=True)
        leads = write(files / "leads.csv", header + "L-9,2026-03-01\n" + "".join(rows) + ",x\n")
        assert main(["score", str(leads), "--at", AT, "--strict"]) == 2
        captured = capsys.readouterr()
        line = captured.err.splitlines()[-1]
        assert line.startswith(f"smarketing: error: {leads}:2: ")
        assert "2 bad rows in all" in line
        assert captured.out == ""

    def test_strict_lets_good_files_through(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--strict with no bad rows: a normal run, and no rejects file."""
        assert main(["score", str(files / "leads.csv"), "--at", AT, "--strict"]) == 0
        assert not (files / "leads.rejects.csv").exists()

    def test_many_bad_rows_are_listed_in_the_file_not_all_on_screen(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With a rejects file, stderr shows the first few; the file has every one."""
        text = "id,created_at\n" + "".join(f"L-{i},never\n" for i in range(SHOWN_REJECTS + 5))
        leads = write(tmp_path / "leads.csv", text)
        out = tmp_path / "s.csv"
        assert main(["score", str(leads), "--at", AT, "-o", str(out)]) == 0
        err = capsys.readouterr().err
        assert err.count(f"{leads}:") == SHOWN_REJECTS + 1  # the rejects and the count line
        assert f"the first {SHOWN_REJECTS} are above" in err
        rejects = rows_of((tmp_path / "s.rejects.csv").read_text())
        assert len(rejects) == SHOWN_REJECTS + 5

    def test_jsonl_input_reports_bad_lines_too(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """JSON Lines: a line that is not JSON is a bad row with its line number."""
        leads = write(tmp_path / "leads.jsonl", '{"id": "L-1"}\nnot json\n{"id": "L-2"}\n')
        assert main(["score", str(leads), "--at", AT]) == 0
        captured = capsys.readouterr()
        assert [r["id"] for r in rows_of(captured.out)] == ["L-1", "L-2"]
        assert f"{leads}:2: not JSON" in captured.err


class TestPlan:
    def test_one_row_per_lead_with_fields_and_reasons(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """plan writes id, stage and field_N/reason_N pairs."""
        argv = ["plan", str(files / "leads.csv"), "--activities", str(files / "activities.csv")]
        assert main([*argv, "--at", AT]) == 0
        rows = rows_of(capsys.readouterr().out)
        assert list(rows[0]) == [
            "id", "stage", "field_1", "reason_1", "field_2", "reason_2", "field_3", "reason_3",
        ]  # fmt: skip
        assert [r["id"] for r in rows] == ["L-1", "L-2", "L-3"]
        assert all(r["field_1"] and r["reason_1"] for r in rows)

    def test_jsonl_plan(self, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The same columns in JSON Lines; unused slots are null."""
        out = files / "plan.jsonl"
        assert main(["plan", str(files / "leads.csv"), "--at", AT, "-o", str(out)]) == 0
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert records[0]["id"] == "L-1"
        assert isinstance(records[0]["reason_1"], str)


# --- funnel ---------------------------------------------------------------------------------------


class TestFunnel:
    def args(self, files: Path, *extra: str) -> list[str]:
        return [
            "funnel",
            str(files / "leads.csv"),
            "--history",
            str(files / "history.csv"),
            *extra,
        ]

    def test_markdown_on_stdout(self, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Leads rebuilt from their histories; the report's Markdown on stdout."""
        assert main(self.args(files, "--activities", str(files / "activities.csv"))) == 0
        captured = capsys.readouterr()
        assert captured.out.startswith("**Funnel** from 2026-03-01 09:00+00:00")
        assert "| mql | 1 |" in captured.out
        assert "| prospect | 2 |" in captured.out
        assert "**Sales follow-up:**" in captured.out
        assert "rows read" in captured.err and "rejected" in captured.err

    def test_without_activities_the_sla_is_not_checked(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No --activities: a note on stderr, no SLA section."""
        assert main(self.args(files)) == 0
        captured = capsys.readouterr()
        assert "Sales follow-up" not in captured.out
        assert "the SLA is not checked" in captured.err

    def test_a_playbook_without_an_sla_needs_no_activities(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """sla = false: no activities are needed, so nothing is said about them."""
        playbook = files / "no-sla.toml"
        playbook.write_text("sla = false\n", encoding="utf-8")
        assert main(self.args(files, "--playbook", str(playbook))) == 0
        captured = capsys.readouterr()
        assert "| mql | 1 |" in captured.out and "Sales follow-up" not in captured.out
        assert "SLA" not in captured.err and "rows read" in captured.err

    def test_json_and_markdown_files(self, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """-o x.json writes to_dict; -o x.md writes the Markdown; other extensions fail."""
        window = ["--start", "2026-03-01", "--end", "2026-03-31"]
        assert main(self.args(files, *window, "-o", str(files / "r.json"))) == 0
        data = json.loads((files / "r.json").read_text())
        assert data["reached"]["mql"] == 1
        assert data["end"] == "2026-03-31T00:00:00+00:00"
        assert sm.FunnelReport.from_dict(data).lead_count == 3
        assert main(self.args(files, *window, "-o", str(files / "r.md"))) == 0
        assert (files / "r.md").read_text().startswith("**Funnel** from 2026-03-01 00:00")
        capsys.readouterr()
        assert main(self.args(files, "-o", str(files / "r.txt"))) == 2
        assert ".md (Markdown) or .json" in one_error_line(capsys.readouterr().err)

    def test_a_history_that_does_not_fit_is_a_bad_row(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A change the lifecycle cannot make: the lead is left out and reported by line."""
        history = write(
            files / "history.csv",
            HISTORY + "L-2,suspect,customer,win,2026-03-02T00:00:00+00:00,sales:jo,\n",
        )
        assert main(self.args(files)) == 0
        captured = capsys.readouterr()
        assert f"{files / 'leads.csv'}:3: lead 'L-2'" in captured.err
        assert "'win' does not lead from 'suspect' to 'customer'" in captured.err
        assert f"(in {history})" in captured.err
        assert "**Funnel**" in captured.out
        assert "2 leads" in captured.out.splitlines()[0]

    def test_a_history_ending_elsewhere_than_the_leads_file_says_is_a_bad_row(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The leads file says mql, the history ends in prospect: reported."""
        write(
            files / "leads.csv",
            LEADS.replace(
                "L-1,2026-03-01T09:00:00+00:00,prospect", "L-1,2026-03-01T09:00:00+00:00,mql"
            ),
        )
        assert main(self.args(files)) == 0
        err = capsys.readouterr().err
        assert "leads.csv:2: lead 'L-1': the history ends in 'prospect'" in err

    def test_strict_and_strangers(self, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Changes of unknown leads are counted; a bad change under --strict is an error."""
        write(
            files / "history.csv",
            HISTORY
            + "L-404,suspect,prospect,engage,2026-03-02T00:00:00+00:00,auto,\n"
            + "L-2,suspect,prospect,engage,not a time,auto,\n",
        )
        assert main(self.args(files)) == 0
        err = capsys.readouterr().err
        assert "1 stage changes of leads not read from" in err
        assert "history.csv:6: " in err
        assert main(self.args(files, "--strict")) == 2
        assert "history.csv:6: " in capsys.readouterr().err.splitlines()[-1]

    def test_activities_that_are_no_touch_still_count(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The funnel keeps only the SLA's touches, yet every activity is read and counted,
        one of a lead the file lacks is noted, and the last of any kind ends the window."""
        write(
            files / "activities.csv",
            ACTIVITIES
            + "L-404,page_view,2026-03-04T08:00:00+00:00,/docs\n"
            + "L-2,page_view,2026-03-09T18:30:00+00:00,/blog\n",
        )
        argv = self.args(files, "--activities", str(files / "activities.csv"))
        assert main([*argv, "-o", str(files / "r.json")]) == 0
        err = capsys.readouterr().err
        assert f"{files / 'activities.csv'}: 5 rows read: 5 activities, 0 rejected" in err
        assert f"1 activities of leads not read from {files / 'leads.csv'}" in err
        data = json.loads((files / "r.json").read_text())
        assert data["end"] == "2026-03-09T18:30:00+00:00"

    def test_only_bad_leads_is_an_input_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every lead rejected: the bad rows are listed, then the error."""
        write(tmp_path / "leads.csv", "id,created_at\nL-1,never\n")
        write(tmp_path / "history.csv", HISTORY)
        assert main(self.args(tmp_path)) == 2
        err = capsys.readouterr().err
        assert "leads.csv:2: " in err
        assert err.splitlines()[-1].endswith("no good leads to report on")

    def test_no_leads_is_an_input_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An empty leads file gives nothing to report on: exit 2."""
        write(tmp_path / "leads.csv", "id\n")
        write(tmp_path / "history.csv", HISTORY)
        assert main(self.args(tmp_path)) == 2
        assert "no leads to report on" in capsys.readouterr().err.splitlines()[-1]

    def test_what_was_read_is_set_aside_while_the_report_is_computed(
        self, files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The leads and activities read are out of the collector's passes during the
        computation, and back in afterwards, also when it fails."""
        frozen: list[int] = []

        def report(leads: list[sm.Lead], **kwargs: object) -> sm.FunnelReport:
            frozen.append(gc.get_freeze_count())
            walked = {id(o) for o in gc.get_objects()}  # the permanent generation is not
            assert leads and not any(id(lead) in walked for lead in leads)
            raise sm.ValidationError("the computation failed", value=None, where="test")

        monkeypatch.setattr("smarketing.cli._reports.funnel_report", report)
        assert main(self.args(files, "--activities", str(files / "activities.csv"))) == 2
        assert "the computation failed" in capsys.readouterr().err
        assert frozen and frozen[0] > 0
        assert gc.get_freeze_count() == 0


# --- demo -----------------------------------------------------------------------------------------


class TestDemo:
    def test_the_same_seed_prints_the_same_story_byte_for_byte(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Deterministic: two runs, one output; another seed, another story."""
        assert main(["demo", "--leads", "300", "--days", "60"]) == 0
        first = capsys.readouterr()
        assert main(["demo", "--leads", "300", "--days", "60"]) == 0
        assert capsys.readouterr().out == first.out
        assert first.err == ""
        assert main(["demo", "--leads", "300", "--days", "60", "--seed", "1"]) == 0
        assert capsys.readouterr().out != first.out

    def test_the_story_has_every_part(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Funnel, conversion by persona and source, SLA, recycle reasons, three leads."""
        assert main(["demo", "--leads", "400"]) == 0
        out = capsys.readouterr().out
        for heading in (
            "# The smarketing demo",
            "## The funnel",
            "## Conversion by persona",
            "## Conversion by source",
            "## Sales follow-up",
            "## Top recycle reasons",
            "## Three leads, end to end",
        ):
            assert f"\n{heading}\n" in f"\n{out}"
        assert out.count("\n### L-") == 3
        assert "400 synthetic leads (seed 0)" in out

    def test_progress_shows_on_a_terminal_only(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A progress bar on stderr when it is a terminal, cleared at the end."""
        terminal(monkeypatch, "stderr")
        assert main(["demo", "--leads", "50", "--days", "10"]) == 0
        err = capsys.readouterr().err
        assert "building 50 leads..." in err
        assert "simulating days [" in err
        assert "100%" in err
        assert err.endswith("\r")

    def test_out_writes_files_that_score_and_funnel_read_back(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """demo --out, then score and funnel on its CSVs: the same leads, the same funnel."""
        out = tmp_path / "demo"
        assert (
            main(["demo", "--leads", "300", "--seed", "4", "--days", "90", "--out", str(out)]) == 0
        )
        story = capsys.readouterr()
        assert f"to {out}" in story.err
        assert (out / "demo.md").read_text() == story.out

        leads, acts, history = out / "leads.csv", out / "activities.csv", out / "history.csv"
        assert main(["score", str(leads), "--activities", str(acts), "--strict"]) == 0
        scored = rows_of(capsys.readouterr().out)
        assert len(scored) == 300
        assert {r["stage"] for r in scored} >= {"suspect", "prospect", "customer"}

        assert main(["plan", str(leads), "--activities", str(acts), "--strict"]) == 0
        assert len(rows_of(capsys.readouterr().out)) == 300

        start = DEFAULT_START.isoformat()
        sim = simulate(population(300, seed=4, start=DEFAULT_START, days=90), seed=4)
        end = sim.end.isoformat()
        argv = ["funnel", str(leads), "--history", str(history), "--activities", str(acts)]
        report = tmp_path / "report.json"
        window = ["--start", start, "--end", end]
        assert main([*argv, *window, "--strict", "-o", str(report)]) == 0
        assert json.loads(report.read_text()) == sim.report().to_dict()
        captured = capsys.readouterr()
        assert "0 rejected" in captured.err and "bad rows" not in captured.err

    def test_the_chart_is_drawn_with_the_plot_extra(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With matplotlib installed, --out also writes funnel.png."""
        pytest.importorskip("matplotlib")
        assert main(["demo", "--leads", "60", "--days", "20", "--out", str(tmp_path)]) == 0
        assert (tmp_path / "funnel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "funnel.png" in capsys.readouterr().err

    def test_a_drawn_chart_is_listed_among_the_files_written(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """When the chart is drawn, the closing note names funnel.png after the CSVs."""
        drawn: list[Path] = []

        def chart(funnel: sm.FunnelReport, path: Path) -> None:
            drawn.append(path)

        monkeypatch.setattr("smarketing.cli._demo.funnel_chart", chart)
        assert main(["demo", "--leads", "60", "--days", "20", "--out", str(tmp_path)]) == 0
        assert drawn == [tmp_path / "funnel.png"]
        written = "leads.csv, activities.csv, history.csv, costs.csv, demo.md, report.html"
        assert f"smarketing: wrote {written}, funnel.png to {tmp_path}\n" in capsys.readouterr().err

    def test_a_collector_the_caller_turned_off_stays_off(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The demo pauses the garbage collector while it builds, and restores what it found."""
        gc.disable()
        try:
            assert main(["demo", "--leads", "20", "--days", "5"]) == 0
            assert not gc.isenabled()
        finally:
            gc.enable()
        assert main(["demo", "--leads", "20", "--days", "5"]) == 0
        assert gc.isenabled()
        assert "20 synthetic leads" in capsys.readouterr().out

    def test_without_the_plot_extra_there_is_a_note_not_an_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No matplotlib: the CSVs are written and stderr says how to get the chart."""
        monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
        assert main(["demo", "--leads", "60", "--days", "20", "--out", str(tmp_path)]) == 0
        assert not (tmp_path / "funnel.png").exists()
        assert (tmp_path / "leads.csv").exists()
        assert "smarketing[plot]" in capsys.readouterr().err
