"""`smarketing backtest`: a candidate playbook replayed over the demo's own files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smarketing.cli import main

STRICTER = """\
[lifecycle]
mql = "score >= 65 and grade in ('A', 'B')"
sql = "exists(budget) and exists(timeline)"
max_age = { mql = "5d" }
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's files for 300 leads over 60 days, and a stricter candidate playbook."""
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--leads", "300", "--days", "60", "--out", str(out)]) == 0
    (out / "stricter.toml").write_text(STRICTER, encoding="utf-8")
    return out


def args(demo: Path, *extra: str) -> list[str]:
    return [
        "backtest",
        str(demo / "leads.csv"),
        "--history",
        str(demo / "history.csv"),
        "--activities",
        str(demo / "activities.csv"),
        "--candidate",
        str(demo / "stricter.toml"),
        *extra,
    ]


class TestBacktestCommand:
    def test_markdown_with_a_sweep(self, demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Both playbooks side by side, the leads that change, and the sweep's table."""
        capsys.readouterr()
        assert main(args(demo, "--sweep", "score=40:80:10")) == 0
        out = capsys.readouterr().out
        assert out.startswith("**Backtest** from ")
        assert "| MQLs |" in out and "lost" in out
        assert "| score >= | MQLs |" in out
        for threshold in ("| 40 |", "| 50 |", "| 60 |", "| 70 |", "| 80 |"):
            assert threshold in out

    def test_json_data(self, demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """-o x.json writes the backtest and the sweep as data; fewer MQLs for the stricter."""
        target = demo / "bt.json"
        assert main(args(demo, "--sweep", "score=50:65:15", "-o", str(target))) == 0
        data = json.loads(target.read_text())
        base, cand = data["backtest"]["baseline"], data["backtest"]["candidate"]
        assert 0 < cand["mqls"] < base["mqls"]
        assert [r["threshold"] for r in data["sweep"]["rows"]] == [50, 65]
        assert data["sweep"]["rows"][1]["mqls"] == cand["mqls"]
        assert data["sweep"]["rows"][0]["mqls"] == base["mqls"]

    def test_markdown_file_and_window(self, demo: Path) -> None:
        """-o x.md writes the Markdown; --start and --end set the window."""
        target = demo / "bt.md"
        window = ["--start", "2026-01-05", "--end", "2026-02-05"]
        assert main(args(demo, *window, "-o", str(target))) == 0
        assert target.read_text().startswith("**Backtest** from 2026-01-05T00:00:00+00:00")

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (("--sweep", "score=90:30:5"), "expected FACT=FROM:TO:STEP"),
            (("--sweep", "score"), "expected FACT=FROM:TO:STEP"),
            (("--sweep", "=1:2:x"), "expected FACT=FROM:TO:STEP"),
            (("-o", "bt.csv"), "written as .md (Markdown) or .json"),
            (("--sweep", "fit=10:20:5"), "compares no 'fit'"),
        ],
    )
    def test_usage_errors_are_one_line(
        self,
        demo: Path,
        extra: tuple[str, ...],
        message: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A bad option is exit status 2 and one line on stderr."""
        capsys.readouterr()
        assert main(args(demo, *extra)) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and message in err
