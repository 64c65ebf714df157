"""Numbers and durations as text: the one formatter every message, explanation and report uses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarketing import _format


class TestNumbers:
    @pytest.mark.parametrize(
        ("value", "options", "text"),
        [
            (12.5, {}, "12.5"),
            (3.0, {}, "3"),
            (-0.001, {}, "0"),
            (2.25, {"signed": True}, "+2.25"),
            (-0.001, {"signed": True}, "-0"),
            (7.25, {"decimals": 1}, "7.2"),
            (7.5, {"decimals": 0}, "8"),
        ],
    )
    def test_a_number_reads_with_at_most_its_decimals(
        self, value: float, options: dict[str, object], text: str
    ) -> None:
        """No trailing zeros, no '-0' unless signed, rounded to the decimals asked for."""
        assert _format.number(value, **options) == text  # type: ignore[arg-type]

    @given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
    def test_a_number_reads_back_within_its_rounding(self, value: float) -> None:
        """The text is the number to two decimals."""
        assert abs(float(_format.number(value)) - value) <= 0.005 + 1e-9 * abs(value)

    def test_exact_writes_whole_numbers_without_a_point(self) -> None:
        """3.0 is '3', 0.5 stays '0.5', and nothing is rounded."""
        assert (_format.exact(3.0), _format.exact(0.5), _format.exact(1 / 3)) == (
            "3",
            "0.5",
            repr(1 / 3),
        )


class TestDurations:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, "—"),
            (timedelta(0), "0s"),
            (timedelta(seconds=42), "42s"),
            (timedelta(minutes=35), "35m"),
            (timedelta(hours=4), "4h"),
            (timedelta(days=2, hours=4, minutes=5), "2d 4h"),
            (timedelta(days=3, minutes=5), "3d"),
        ],
    )
    def test_a_duration_reads_as_its_two_largest_units(
        self, value: timedelta | None, text: str
    ) -> None:
        """The largest unit and the next one, zero parts left out."""
        assert _format.duration(value) == text

    def test_a_value_in_a_message(self) -> None:
        """A timedelta shows as people write it, anything else by repr."""
        assert _format.shown(timedelta(days=-1)) == "-1 day"
        assert _format.shown(timedelta(hours=-1)) == "-1 day, 23:00:00"
        assert _format.shown("x") == "'x'"
