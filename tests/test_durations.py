"""Durations as written in playbooks: short units, words, ISO 8601, and back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm
from smarketing._durations import DURATION_PATTERN, format_duration, parse_duration


class TestParsing:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("90s", timedelta(seconds=90)),
            ("15m", timedelta(minutes=15)),
            ("15 min", timedelta(minutes=15)),
            ("4h", timedelta(hours=4)),
            ("4 hours", timedelta(hours=4)),
            ("1.5h", timedelta(minutes=90)),
            ("30d", timedelta(days=30)),
            ("2w", timedelta(weeks=2)),
            ("1d 12h", timedelta(hours=36)),
            ("1 day, 12 hours", timedelta(hours=36)),
            ("12mo", relativedelta(months=12)),
            ("12 months", relativedelta(years=1)),
            ("1y", relativedelta(years=1)),
            ("1 year 2 months", relativedelta(months=14)),
            ("P30D", timedelta(days=30)),
            ("PT4H", timedelta(hours=4)),
            ("pt15m", timedelta(minutes=15)),
            ("P2W", timedelta(weeks=2)),
            ("P1Y2M3DT4H", relativedelta(years=1, months=2, days=3, hours=4)),
            ("  4H ", timedelta(hours=4)),
        ],
    )
    def test_reads_every_accepted_form(self, text: str, expected: object) -> None:
        """Short units, words and ISO 8601 all read."""
        assert parse_duration(text) == expected

    def test_passes_durations_through(self) -> None:
        """A duration object is accepted as it is, if positive."""
        assert parse_duration(timedelta(hours=1)) == timedelta(hours=1)
        assert parse_duration(relativedelta(months=1)) == relativedelta(months=1)

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("", "empty"),
            ("0s", "longer than zero"),
            ("-1d", "cannot read"),
            ("soon", "cannot read"),
            ("5 parsecs", "unknown unit 'parsecs'"),
            ("4h 4h", "hours given twice"),
            ("1.5mo", "whole numbers"),
            ("P", "cannot read"),
            ("PT", "cannot read"),
            (5, "not text"),
            ("9" * 200, "too long"),
            (timedelta(0), "longer than zero"),
            (relativedelta(months=-1), "positive"),
            (relativedelta(), "positive"),
            (relativedelta(day=5), "not a date"),
        ],
    )
    def test_bad_durations_are_config_errors_naming_the_key(
        self, text: object, problem: str
    ) -> None:
        """The error names the key, the text and the accepted forms."""
        with pytest.raises(sm.ConfigError, match=problem) as info:
            parse_duration(text, where="sla.first_touch")
        assert str(info.value).startswith("sla.first_touch: ")
        assert "'4h'" in str(info.value)
        assert info.value.key == "sla.first_touch"

    @pytest.mark.parametrize("text", ["4h,", "1d, 12h,"])
    def test_a_comma_only_separates_parts(self, text: str) -> None:
        """A comma separates parts; after the last one it is an error, as the schema says."""
        assert parse_duration(text.rstrip(",")) in (timedelta(hours=4), timedelta(hours=36))
        assert re.fullmatch(DURATION_PATTERN, text) is None
        with pytest.raises(sm.ConfigError) as info:
            parse_duration(text, where="sla.first_touch")
        assert str(info.value).startswith(
            f"sla.first_touch: {text!r} is not a duration (cannot read {text!r}); write '90s'"
        )
        assert (info.value.key, info.value.piece) == ("sla.first_touch", text)


fixed = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=3000))
calendar = st.builds(
    lambda m, d: relativedelta(months=m) + relativedelta(seconds=int(d.total_seconds())),
    st.integers(1, 240),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=27)),
)


class TestFormatting:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (timedelta(seconds=90), "1m30s"),
            (timedelta(hours=36), "1d12h"),
            (timedelta(weeks=3), "3w"),
            (timedelta(days=8), "8d"),
            (timedelta(milliseconds=1500), "1.5s"),
            (relativedelta(months=12), "12mo"),
            (relativedelta(months=1, days=2), "1mo2d"),
        ],
    )
    def test_writes_the_short_form(self, value: object, text: str) -> None:
        """The short unit form, largest unit first."""
        assert format_duration(value) == text  # type: ignore[arg-type]

    @given(fixed | calendar)
    def test_round_trips(self, value: timedelta | relativedelta) -> None:
        """parse_duration(format_duration(d)) == d."""
        assert parse_duration(format_duration(value)) == value
