"""Hostile input outside the condition language and the playbook reader (issue 11): each
reproducer is a ``SmarketingError`` naming the value, or the right answer, never a traceback."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

import smarketing as sm
from smarketing import _validate as _v
from smarketing._durations import parse_duration
from smarketing.cli import main

T = datetime(2026, 3, 2, tzinfo=timezone.utc)


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("smarketing: error: ")
    return lines[0]


# --- durations: one bound, the longest duration the library accepts ------------------------------


class TestDurations:
    @pytest.mark.parametrize(
        "text", ["99999999999d", "P99999999999D", "9000y", "99999999999y", "36526d", "1201mo"]
    )
    def test_a_duration_past_the_bound_is_a_config_error(self, text: str) -> None:
        """Past 100 years a duration is a ConfigError naming the text and the bound."""
        with pytest.raises(sm.ConfigError, match="longer than 100 years") as info:
            parse_duration(text, where="sla.first_touch")
        assert repr(text) in str(info.value)
        assert info.value.key == "sla.first_touch"

    def test_the_bound_itself_is_accepted(self) -> None:
        """100 years, however written, is the longest duration accepted."""
        assert parse_duration("100y") == relativedelta(years=100)
        assert parse_duration("36525d") == _v.MAX_DURATION == timedelta(days=36525)

    def test_refresh_after_of_9000_years_is_a_config_error(self) -> None:
        """FormField(refresh_after=9000 years) is refused when it is defined."""
        with pytest.raises(sm.ConfigError, match="longer than 100 years"):
            sm.FormField("country", refresh_after=relativedelta(years=9000))

    def test_a_timedelta_past_the_bound_is_a_config_error(self) -> None:
        """The same bound holds for durations given as timedeltas."""
        with pytest.raises(sm.ConfigError, match="at most 100 years") as info:
            sm.EngagementRule("demo", "demo_request", 10, half_life=timedelta.max)
        assert info.value.where == "EngagementRule('demo').half_life"
        with pytest.raises(sm.ConfigError, match="at most 100 years"):
            sm.Stage("mql", max_age=timedelta(days=99999))

    def test_a_playbook_duration_past_the_bound_is_one_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`smarketing check` on such a playbook: exit 2, one line naming the key."""
        path = tmp_path / "playbook.toml"
        path.write_text(
            '[forms]\nfields = [{ name = "country", refresh_after = "9000y" }]\n', encoding="utf-8"
        )
        assert main(["check", str(path)]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert "refresh_after" in line
        assert "longer than 100 years" in line


# --- the planner: a refresh time past the calendar's end ----------------------------------------


def test_a_refresh_past_the_end_of_the_calendar_is_never_due() -> None:
    """A field learned in year 9999 is fresh for good: its refresh time lies past datetime.max."""
    planner = sm.ProfilePlanner(
        [
            sm.FormField("country", refresh_after=relativedelta(months=12)),
            sm.FormField("company", refresh_after=timedelta(days=30)),
            sm.FormField("budget"),
        ],
        max_fields=3,
    )
    late = datetime(9999, 12, 31, tzinfo=timezone.utc)
    lead = sm.Lead.new("L-9", at=late, fields={"country": "US", "company": "Acme"})
    assert planner.plan(lead, at=late).names == ("budget",)
    # The same fields learned a year earlier are due again.
    earlier = sm.Lead.new("L-8", at=late - timedelta(days=400), fields={"country": "US"})
    assert "country" in planner.plan(earlier, at=late).names
