"""`smarketing attribution` and the costs file: credit per channel, and ROI, from files."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

import smarketing as sm
from smarketing.cli import main
from smarketing.demo import DEFAULT_START, costs, population, simulate
from smarketing.io import read_costs

LEADS = """\
id,created_at,stage,source
L-1,2026-03-01T09:00:00+00:00,customer,webinar
L-2,2026-03-01T10:00:00+00:00,mql,organic
L-3,2026-03-01T11:00:00+00:00,suspect,organic
"""
ACTIVITIES = """\
lead_id,kind,at,channel
L-1,webinar,2026-03-01T09:00:00+00:00,webinar
L-1,email_click,2026-03-02T09:00:00+00:00,email
L-2,page_view,2026-03-01T10:00:00+00:00,paid_search
L-3,page_view,2026-03-01T11:00:00+00:00,paid_search
L-1,call,2026-03-03T09:00:00+00:00,
"""
HISTORY = """\
lead_id,from_stage,to_stage,trigger,at,actor,reason
L-1,suspect,prospect,engage,2026-03-01T12:00:00+00:00,auto,
L-1,prospect,mql,qualify,2026-03-02T12:00:00+00:00,auto,
L-1,mql,sql,accept,2026-03-03T12:00:00+00:00,sales:ana,
L-1,sql,customer,win,2026-03-10T12:00:00+00:00,sales:ana,
L-2,suspect,prospect,engage,2026-03-01T12:00:00+00:00,auto,
L-2,prospect,mql,qualify,2026-03-02T12:00:00+00:00,auto,
"""
COSTS = """\
channel,campaign,start,amount
webinar,,2026-03-01,500
email,spring,2026-03-01,100
paid_search,,2026-03-01,900
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, text in (
        ("leads.csv", LEADS),
        ("activities.csv", ACTIVITIES),
        ("history.csv", HISTORY),
        ("costs.csv", COSTS),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def argv(files: Path, *more: str) -> list[str]:
    return [
        "attribution",
        str(files / "leads.csv"),
        "--history",
        str(files / "history.csv"),
        "--activities",
        str(files / "activities.csv"),
        *more,
    ]


class TestAttributionCommand:
    def test_credit_per_channel_as_markdown(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """One customer, through a webinar (first and lead-creation touch, 60%) then an e-mail
        (opportunity touch, 30%); nothing between them: the last 10% split over both."""
        assert main(argv(files)) == 0
        out = capsys.readouterr().out
        assert "**Attribution** (w_shaped) of 1 customer conversions" in out
        assert "| webinar | 0.7 | 65.0% |" in out and "| email | 0.3 | 35.0% |" in out
        assert "ROI" not in out

    def test_with_costs_it_adds_the_roi(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--costs: cost per lead, MQL, SQL and customer by channel."""
        assert main(argv(files, "--costs", str(files / "costs.csv"), "--model", "last_touch")) == 0
        out = capsys.readouterr().out
        assert "**ROI** by channel (last_touch, milestone customer)." in out
        assert "| email | 100 | 0.0 | 1.0 | 1.0 | 1.0 | — | — | 100 | 100 | 100 | — |" in out
        assert "| paid_search | 900 | 2.0 | 1.0 | 0.0 | 0.0 | — | 450 | 900 | — | — | — |" in out

    def test_milestone_source_touch_and_json(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """-o .json writes the numbers; --milestone and --source-touch are passed on."""
        out = files / "credit.json"
        more = ["--milestone", "mql", "--model", "first_touch", "--source-touch", "-o", str(out)]
        assert main(argv(files, *more, "--costs", str(files / "costs.csv"))) == 0
        data = json.loads(out.read_text())
        assert data["attribution"]["conversion_credit"] == [["organic", 1.0], ["webinar", 1.0]]
        assert data["roi"]["milestone"] == "mql"
        assert capsys.readouterr().out == ""

    def test_markdown_to_a_file_and_a_window(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """-o .md writes the tables; --start/--end bound the conversions."""
        out = files / "credit.md"
        window = ["--start", "2026-03-05", "--end", "2026-03-31", "-o", str(out)]
        assert main(argv(files, *window)) == 0
        assert "of 1 customer conversions, from 2026-03-05 00:00+00:00" in out.read_text()
        assert main(argv(files, "--end", "2026-03-04", "-o", str(out))) == 0
        assert "of 0 customer conversions" in out.read_text()

    @pytest.mark.parametrize(
        ("more", "message"),
        [
            (["--model", "w-shaped"], "did you mean 'w_shaped'"),
            (["--milestone", "won"], "milestone='won' is not a stage"),
            (["-o", "out.csv"], ".md (Markdown) or .json"),
        ],
    )
    def test_bad_options_are_one_line(
        self,
        files: Path,
        capsys: pytest.CaptureFixture[str],
        more: list[str],
        message: str,
    ) -> None:
        """An unknown model or milestone, or a bad output: exit 2 and one line."""
        assert main(argv(files, *more)) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and message in err

    def test_bad_cost_rows_are_reported(
        self, files: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A negative or unreadable cost is a bad row with its line, not a crash."""
        (files / "costs.csv").write_text(COSTS + "email,,2026-03-01,-5\nemail,,soon,5\n")
        assert main(argv(files, "--costs", str(files / "costs.csv"))) == 0
        err = capsys.readouterr().err
        assert "costs.csv:5: Cost.amount must not be negative" in err
        assert "costs.csv:6:" in err and "2 bad rows left out" in err

    def test_no_good_leads(self, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A leads file with no good rows is an error."""
        (files / "leads.csv").write_text("id,created_at\n,2026-03-01\n")
        assert main(argv(files)) == 2
        assert "no good leads to report on" in capsys.readouterr().err


class TestReadCosts:
    def test_rows_become_costs(self) -> None:
        """channel, optional campaign, a start date and an amount per row."""
        text = "channel,campaign,start,amount\npaid,brand,2026-03-01,12.5\nemail,,20260401,0\n"
        result = read_costs("c.csv", stream=io.StringIO(text))
        assert result.records == (
            sm.Cost("paid", "brand", date(2026, 3, 1), 12.5),
            sm.Cost("email", None, date(2026, 4, 1), 0),
        )
        assert result.rejects == ()
        assert result.rows == 2

    def test_bad_rows_are_rejects_with_their_line(self) -> None:
        """Empty channel, empty amount, text amount: each a reject with its line."""
        text = "channel,start,amount\n,2026-03-01,1\npaid,2026-03-01,\npaid,2026-03-01,1k\n"
        result = read_costs("c.csv", stream=io.StringIO(text))
        assert result.records == ()
        rejects = result.rejects
        assert [r.line for r in rejects] == [2, 3, 4]
        assert "'channel' is empty" in rejects[0].reason
        assert "'amount' is empty" in rejects[1].reason
        assert "'1k' is not a number" in rejects[2].reason
        assert rejects[2].raw == "paid,2026-03-01,1k\n"

    def test_the_columns_must_be_there(self) -> None:
        """A file without an amount column cannot be read."""
        with pytest.raises(sm.SmarketingError, match="'amount'"):
            read_costs("c.csv", stream=io.StringIO("channel,start\npaid,2026\n"))


class TestTheDemosCosts:
    def test_the_demo_spends_every_month_on_every_channel(self) -> None:
        """One record per channel per month, cut to the period, scaled to the leads."""
        sim = simulate(population(200, seed=1, start=DEFAULT_START, days=40), seed=1)
        records = costs(sim)
        assert {c.start for c in records} == {date(2026, 1, 5), date(2026, 2, 1)}
        paid = [c.amount for c in records if c.channel == "paid_search"]
        assert paid == [round(6000 * 0.1 * 27 / 31, 2), round(6000 * 0.1 * 13 / 28, 2)]
        assert records == costs(sim)

    def test_a_period_ending_on_the_first_of_a_month_spends_nothing_in_it(self) -> None:
        """27 days from 5 January end on 1 February: January's records only."""
        sim = simulate(population(20, seed=1, start=DEFAULT_START, days=27), seed=1)
        assert {c.start for c in costs(sim)} == {date(2026, 1, 5)}

    def test_the_leads_own_marketing_activities_carry_a_channel(self) -> None:
        """Every activity but an unsubscribe has a channel; sales' touches have none."""
        sim = simulate(population(150, seed=2, start=DEFAULT_START, days=60), seed=2)
        channels = {a.kind: a.properties.get("channel") for a in sim.activities}
        assert channels["email_open"] == "email" and channels["webinar"] == "webinar"
        sales = {"call", "sales_email", "meeting", "unsubscribe"}
        assert all((a.kind in sales) == ("channel" not in a.properties) for a in sim.activities)
        web = {a.properties["channel"] for a in sim.activities if a.kind == "page_view"}
        assert web <= {"organic", "paid_search", "referral", "outbound"}

    def test_demo_out_writes_costs_that_the_command_reads(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """demo --out writes costs.csv; attribution reads the demo's files back."""
        out = tmp_path / "demo"
        assert main(["demo", "--leads", "300", "--days", "60", "--out", str(out)]) == 0
        story = capsys.readouterr().out
        section = story.split("\n## Cost per customer by channel\n", 1)[1]
        assert "| channel | cost | customers (w_shaped) | per customer (w_shaped) |" in section
        assert story.rstrip().splitlines()[-1].startswith("| webinar |")
        assert (out / "costs.csv").read_text().startswith("channel,campaign,start,amount\n")
        files = ["--history", str(out / "history.csv"), "--activities", str(out / "activities.csv")]
        more = ["--costs", str(out / "costs.csv"), "--source-touch", "--strict"]
        assert main(["attribution", str(out / "leads.csv"), *files, *more]) == 0
        result = capsys.readouterr().out
        assert "| paid_search |" in result and "**ROI** by channel (w_shaped" in result
