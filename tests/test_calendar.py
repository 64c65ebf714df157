"""The clocks SLA deadlines run on: business hours in a time zone, and plain elapsed time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import attrs
import pytest
from dateutil.tz import gettz, tzfile
from hypothesis import given, settings
from hypothesis import strategies as st

from smarketing import to_dict
from smarketing._calendar import BusinessCalendar, Calendar, WallClock, describe
from smarketing.errors import ConfigError, ValidationError


def _zone(name: str) -> tzinfo:
    zone = gettz(name)
    assert zone is not None
    return zone


BERLIN = _zone("Europe/Berlin")
NEW_YORK = _zone("America/New_York")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

#: Mon-Fri 09:00-17:00 in Berlin, the calendar most examples use.
OFFICE = BusinessCalendar("Europe/Berlin")


def berlin(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=BERLIN)


def new_york(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=NEW_YORK)


class TestDefinition:
    def test_defaults_to_weekdays_nine_to_five_in_utc(self) -> None:
        """A calendar with no arguments is Monday to Friday, 09:00 to 17:00, UTC, no holidays."""
        cal = BusinessCalendar()
        assert cal.days == (0, 1, 2, 3, 4)
        assert (cal.start, cal.end) == (time(9), time(17))
        assert cal.holidays == frozenset()
        assert datetime(2024, 6, 7, 12, tzinfo=UTC).astimezone(cal.tz).utcoffset() == timedelta(0)

    def test_accepts_a_zone_name_or_a_tzinfo(self) -> None:
        """The zone is an IANA name or any tzinfo; both work the same."""
        by_name = BusinessCalendar("America/New_York")
        by_tzinfo = BusinessCalendar(NEW_YORK)
        start = new_york(2024, 6, 7, 16)
        assert by_name.add(start, 4 * HOUR) == by_tzinfo.add(start, 4 * HOUR)
        assert BusinessCalendar(timezone(timedelta(hours=2))).is_open(berlin(2024, 6, 7, 9))

    def test_rejects_an_unknown_zone_name(self) -> None:
        """A zone name the time zone database does not know is a ConfigError."""
        with pytest.raises(ConfigError, match="Europe/Berln") as info:
            BusinessCalendar("Europe/Berln")
        assert info.value.where == "tz"
        assert info.value.value == "Europe/Berln"

    @pytest.mark.parametrize("name", ["", ":", "/etc/localtime", "../../etc/passwd", "x" * 300])
    def test_rejects_what_is_not_a_zone_name_instead_of_reading_the_machine(
        self, name: str
    ) -> None:
        """An empty name, ':' or a path is an error, not the zone of whatever machine runs this."""
        with pytest.raises(ConfigError, match="'tz'"):
            BusinessCalendar(name)

    def test_rejects_a_zone_that_is_neither_a_name_nor_a_tzinfo(self) -> None:
        """A number where a zone belongs is a ConfigError, not a TypeError."""
        with pytest.raises(ConfigError, match="'tz'"):
            BusinessCalendar(2)  # type: ignore[arg-type]

    @pytest.mark.parametrize(("start", "end"), [(time(17), time(9)), (time(9), time(9))])
    def test_rejects_an_opening_that_is_not_before_the_closing(
        self, start: time, end: time
    ) -> None:
        """Opening hours run forward inside one day: the opening comes before the closing."""
        with pytest.raises(ConfigError, match="'end' must be after 'start'") as info:
            BusinessCalendar(start=start, end=end)
        assert info.value.value == end

    @pytest.mark.parametrize("bad", ["09:00", datetime(2024, 1, 1, 9), time(9, tzinfo=UTC), 9])
    def test_rejects_opening_hours_that_are_not_plain_times(self, bad: object) -> None:
        """Opening hours are naive `datetime.time`s: the calendar's zone says where they are."""
        with pytest.raises(ConfigError, match="'start'"):
            BusinessCalendar(start=bad)  # type: ignore[arg-type]
        with pytest.raises(ConfigError, match="'end'"):
            BusinessCalendar(end=bad)  # type: ignore[arg-type]

    def test_rejects_a_week_without_working_days(self) -> None:
        """A calendar that is never open would make every deadline infinite."""
        with pytest.raises(ConfigError, match="'days'"):
            BusinessCalendar(days=())

    @pytest.mark.parametrize("bad", [(0, 7), (-1,), ("mon",), (True,), (1.0,)])
    def test_rejects_working_days_outside_monday_to_sunday(self, bad: tuple[object, ...]) -> None:
        """Working days are weekday numbers, Monday 0 to Sunday 6."""
        with pytest.raises(ConfigError, match="'days'") as info:
            BusinessCalendar(days=bad)  # type: ignore[arg-type]
        assert info.value.expected is not None

    def test_rejects_working_days_that_are_not_a_collection(self) -> None:
        """A single number is not a collection of days."""
        with pytest.raises(ConfigError, match="'days'"):
            BusinessCalendar(days=5)  # type: ignore[arg-type]

    def test_keeps_working_days_sorted_and_unique(self) -> None:
        """Days given in any order, or twice, make the same calendar."""
        assert BusinessCalendar(days=(4, 0, 2, 0)) == BusinessCalendar(days=(0, 2, 4))
        assert BusinessCalendar(days=(4, 0, 2, 0)).days == (0, 2, 4)

    @pytest.mark.parametrize("bad", [datetime(2024, 12, 25), "2024-12-25", 20241225])
    def test_rejects_holidays_that_are_not_dates(self, bad: object) -> None:
        """Holidays are whole dates; a datetime or a string is a ConfigError."""
        with pytest.raises(ConfigError, match="'holidays'") as info:
            BusinessCalendar(holidays=frozenset({date(2024, 12, 24), bad}))  # type: ignore[arg-type]
        assert info.value.value == bad

    def test_rejects_holidays_that_are_not_a_collection(self) -> None:
        """A single date is not a collection of holidays."""
        with pytest.raises(ConfigError, match="'holidays'"):
            BusinessCalendar(holidays=date(2024, 12, 25))  # type: ignore[arg-type]

    def test_is_an_immutable_hashable_value(self) -> None:
        """Calendars compare and hash by their definition, and cannot be changed in place."""
        first = BusinessCalendar("Europe/Berlin", holidays=frozenset({date(2024, 12, 25)}))
        second = BusinessCalendar("Europe/Berlin", holidays=[date(2024, 12, 25)])
        assert first == second
        assert hash(first) == hash(second)
        assert first != BusinessCalendar("Europe/Berlin")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            first.start = time(8)  # type: ignore[misc]
        assert attrs.evolve(first, start=time(8)).start == time(8)


class TestAdd:
    def test_four_business_hours_after_friday_afternoon_is_monday_noon(self) -> None:
        """One hour on Friday, three on Monday morning."""
        assert OFFICE.add(berlin(2024, 6, 7, 16), 4 * HOUR) == berlin(2024, 6, 10, 12)

    def test_skips_holidays(self) -> None:
        """A holiday on Monday moves the rest of the work to Tuesday."""
        cal = BusinessCalendar("Europe/Berlin", holidays=frozenset({date(2024, 6, 10)}))
        assert cal.add(berlin(2024, 6, 7, 16), 4 * HOUR) == berlin(2024, 6, 11, 12)

    def test_starting_before_opening_counts_from_the_opening(self) -> None:
        """An SLA that starts at 07:00 starts counting at 09:00."""
        assert OFFICE.add(berlin(2024, 6, 10, 7), 2 * HOUR) == berlin(2024, 6, 10, 11)

    def test_starting_after_closing_counts_from_the_next_opening(self) -> None:
        """An SLA that starts at 18:00 starts counting at 09:00 the next working day."""
        assert OFFICE.add(berlin(2024, 6, 10, 18), HOUR) == berlin(2024, 6, 11, 10)

    def test_starting_at_the_weekend_counts_from_monday_opening(self) -> None:
        """Saturday's leads wait for Monday morning."""
        assert OFFICE.add(berlin(2024, 6, 8, 11), 30 * MINUTE) == berlin(2024, 6, 10, 9, 30)

    def test_work_that_fills_the_day_ends_at_the_closing(self) -> None:
        """The deadline is the earliest instant with the work done: 17:00, not 09:00 next day."""
        assert OFFICE.add(berlin(2024, 6, 7, 16), HOUR) == berlin(2024, 6, 7, 17)

    def test_zero_duration_returns_the_start_unchanged_even_when_closed(self) -> None:
        """No work to do is done at once, whether or not the office is open."""
        saturday = berlin(2024, 6, 8, 11)
        assert OFFICE.add(saturday, timedelta(0)) is saturday

    def test_returns_the_instant_in_the_zone_of_the_start(self) -> None:
        """The deadline comes back in the start's zone, whatever the calendar's zone is."""
        start = datetime(2024, 6, 7, 14, tzinfo=UTC)  # Friday 16:00 in Berlin
        due = OFFICE.add(start, 4 * HOUR)
        assert due.tzinfo is UTC
        assert due == datetime(2024, 6, 10, 10, tzinfo=UTC)

    def test_two_business_days_is_sixteen_working_hours(self) -> None:
        """Two eight-hour days from Friday noon end on Tuesday noon."""
        assert OFFICE.add(berlin(2024, 6, 7, 12), 16 * HOUR) == berlin(2024, 6, 11, 12)

    def test_thirty_business_days_is_six_weeks_on_a_five_day_week(self) -> None:
        """Thirty eight-hour days from a Monday opening end six weeks later, on a Friday."""
        assert OFFICE.add(berlin(2024, 6, 10, 9), 30 * 8 * HOUR) == berlin(2024, 7, 19, 17)

    def test_long_durations_skip_the_holidays_inside_skipped_weeks(self) -> None:
        """Holidays far from the start still count when whole weeks are skipped."""
        holidays = frozenset({date(2024, 7, 1), date(2024, 7, 2), date(2024, 7, 6)})  # 6th: Sat
        cal = BusinessCalendar("Europe/Berlin", holidays=holidays)
        assert cal.add(berlin(2024, 6, 10, 9), 30 * 8 * HOUR) == berlin(2024, 7, 23, 17)

    def test_a_year_of_working_hours_lands_where_the_days_say(self) -> None:
        """52 weeks of 40 hours from a Monday opening end on a Friday closing a year later."""
        start = new_york(2024, 1, 8, 9)
        cal = BusinessCalendar("America/New_York")
        assert cal.add(start, 52 * 40 * HOUR) == new_york(2025, 1, 3, 17)

    def test_rejects_a_naive_start(self) -> None:
        """A start without a zone is ambiguous: a ValidationError naming 'start'."""
        with pytest.raises(ValidationError, match="'start'") as info:
            OFFICE.add(datetime(2024, 6, 7, 16), HOUR)
        assert info.value.where == "start"

    def test_rejects_a_start_that_is_not_a_datetime(self) -> None:
        """A date has no time of day to start counting from."""
        with pytest.raises(ValidationError, match="'start'"):
            OFFICE.add(date(2024, 6, 7), HOUR)  # type: ignore[arg-type]

    def test_rejects_a_negative_duration(self) -> None:
        """Counting backwards is not what a deadline means."""
        with pytest.raises(ValidationError, match=r"'duration'.*-1 day") as info:
            OFFICE.add(berlin(2024, 6, 7, 16), -HOUR)
        assert info.value.value == -HOUR

    def test_rejects_a_duration_that_is_not_a_timedelta(self) -> None:
        """Four is not four hours."""
        with pytest.raises(ValidationError, match="'duration'"):
            OFFICE.add(berlin(2024, 6, 7, 16), 4)  # type: ignore[arg-type]

    def test_a_deadline_beyond_the_last_datetime_is_a_validation_error(self) -> None:
        """A duration too long to represent is reported, not an OverflowError."""
        with pytest.raises(ValidationError, match="'duration'"):
            OFFICE.add(berlin(9999, 12, 1, 9), timedelta(days=365))


class TestBetween:
    def test_friday_afternoon_to_monday_noon_is_four_hours(self) -> None:
        """The weekend does not count."""
        assert OFFICE.between(berlin(2024, 6, 7, 16), berlin(2024, 6, 10, 12)) == 4 * HOUR

    def test_is_zero_when_the_end_is_not_after_the_start(self) -> None:
        """Time never runs backwards on a business clock."""
        a, b = berlin(2024, 6, 7, 10), berlin(2024, 6, 7, 12)
        assert OFFICE.between(b, a) == timedelta(0)
        assert OFFICE.between(a, a) == timedelta(0)

    def test_leaves_out_holidays(self) -> None:
        """A holiday in the middle of the week takes its eight hours out."""
        cal = BusinessCalendar("Europe/Berlin", holidays=frozenset({date(2024, 6, 12)}))
        assert cal.between(berlin(2024, 6, 10), berlin(2024, 6, 15)) == 32 * HOUR

    def test_counts_whole_years(self) -> None:
        """A year of five-day weeks holds 52 weeks of 40 hours, plus the odd days."""
        cal = BusinessCalendar("America/New_York")
        assert cal.between(new_york(2024, 1, 8, 9), new_york(2025, 1, 6, 9)) == 52 * 40 * HOUR

    def test_accepts_instants_in_different_zones(self) -> None:
        """Instants are instants: their own zones do not matter."""
        a = datetime(2024, 6, 7, 14, tzinfo=UTC)  # Friday 16:00 in Berlin
        b = new_york(2024, 6, 10, 6)  # Monday 12:00 in Berlin
        assert OFFICE.between(a, b) == 4 * HOUR

    def test_counts_two_centuries_on_a_calendar_that_forgets_what_it_read(self) -> None:
        """Two hundred years read more midnights than a calendar keeps: it starts again, and
        every weekday still counts its eight hours (Tokyo: no change of the clocks)."""
        cal = BusinessCalendar("Asia/Tokyo")
        tokyo = _zone("Asia/Tokyo")
        first, last = date(1901, 1, 7), date(2100, 1, 4)
        start, end = (datetime.combine(d, time(), tokyo) for d in (first, last))
        days = (first + timedelta(days=n) for n in range((last - first).days))
        weekdays = sum(day.weekday() < 5 for day in days)
        assert cal.between(start, end) == weekdays * 8 * HOUR
        assert 0 < len(cal._offsets) <= 4096

    def test_rejects_naive_instants(self) -> None:
        """Both ends must carry a zone."""
        with pytest.raises(ValidationError, match="'end'"):
            OFFICE.between(berlin(2024, 6, 7, 16), datetime(2024, 6, 10, 12))
        with pytest.raises(ValidationError, match="'start'"):
            OFFICE.between(datetime(2024, 6, 7, 16), berlin(2024, 6, 10, 12))


class TestIsOpen:
    def test_is_open_during_working_hours(self) -> None:
        """Tuesday 10:00 is working time."""
        assert OFFICE.is_open(berlin(2024, 6, 11, 10))

    def test_opens_at_the_opening_and_closes_at_the_closing(self) -> None:
        """Working hours include their opening instant and exclude their closing one."""
        assert OFFICE.is_open(berlin(2024, 6, 11, 9))
        assert not OFFICE.is_open(berlin(2024, 6, 11, 17))
        assert not OFFICE.is_open(berlin(2024, 6, 11, 8, 59))

    def test_is_closed_at_weekends_and_on_holidays(self) -> None:
        """Saturday and a holiday are closed all day."""
        cal = BusinessCalendar("Europe/Berlin", holidays=frozenset({date(2024, 12, 25)}))
        assert not cal.is_open(berlin(2024, 6, 8, 11))
        assert not cal.is_open(berlin(2024, 12, 25, 11))

    def test_reads_the_instant_in_the_calendars_zone(self) -> None:
        """07:30 UTC is 09:30 in a Berlin summer: open; 18:00 UTC is 20:00: closed."""
        assert OFFICE.is_open(datetime(2024, 6, 11, 7, 30, tzinfo=UTC))
        assert not OFFICE.is_open(datetime(2024, 6, 11, 16, tzinfo=UTC))

    def test_rejects_a_naive_instant(self) -> None:
        """An instant without a zone could be any of 24 hours."""
        with pytest.raises(ValidationError, match="'at'"):
            OFFICE.is_open(datetime(2024, 6, 11, 10))


class TestDaylightSavingTime:
    def test_berlin_days_around_the_spring_change_have_eight_working_hours(self) -> None:
        """Working hours are local wall-clock times: the short night changes no working day."""
        for day in range(25, 32):
            a, b = berlin(2024, 3, day), berlin(2024, 3, day) + timedelta(days=1)
            expected = 8 * HOUR if date(2024, 3, day).weekday() < 5 else timedelta(0)
            assert OFFICE.between(a, b) == expected

    def test_berlin_week_of_the_spring_change_holds_forty_hours(self) -> None:
        """Monday to Monday is an hour short of seven days but still holds 40 working hours."""
        a, b = berlin(2024, 3, 25, 9), berlin(2024, 4, 1, 9)
        assert b.astimezone(UTC) - a.astimezone(UTC) == timedelta(days=7) - HOUR
        assert OFFICE.between(a, b) == 40 * HOUR
        assert OFFICE.add(a, 40 * HOUR) == berlin(2024, 3, 29, 17)

    def test_friday_before_the_berlin_spring_change_plus_four_hours_is_monday_noon(self) -> None:
        """The weekend the clocks go forward, Friday 16:00 + 4h is still Monday 12:00."""
        assert OFFICE.add(berlin(2024, 3, 29, 16), 4 * HOUR) == berlin(2024, 4, 1, 12)

    def test_friday_before_the_berlin_autumn_change_plus_four_hours_is_monday_noon(self) -> None:
        """The weekend the clocks go back, Friday 16:00 + 4h is still Monday 12:00."""
        assert OFFICE.add(berlin(2024, 10, 25, 16), 4 * HOUR) == berlin(2024, 10, 28, 12)
        assert OFFICE.between(berlin(2024, 10, 21, 9), berlin(2024, 10, 28, 9)) == 40 * HOUR

    def test_new_york_weeks_of_both_changes_hold_forty_hours(self) -> None:
        """America/New_York changes on other Sundays; its weeks keep 40 working hours."""
        cal = BusinessCalendar("America/New_York")
        assert cal.add(new_york(2024, 3, 8, 16), 4 * HOUR) == new_york(2024, 3, 11, 12)
        assert cal.add(new_york(2024, 11, 1, 16), 4 * HOUR) == new_york(2024, 11, 4, 12)
        assert cal.between(new_york(2024, 3, 4, 9), new_york(2024, 3, 11, 9)) == 40 * HOUR
        assert cal.between(new_york(2024, 10, 28, 9), new_york(2024, 11, 4, 9)) == 40 * HOUR

    def test_a_change_inside_working_hours_shortens_or_lengthens_that_day(self) -> None:
        """A night shift 00:00-06:00 on the change days works five and seven real hours."""
        night = BusinessCalendar("Europe/Berlin", days=(6,), start=time(0), end=time(6))
        assert night.between(berlin(2024, 3, 31), berlin(2024, 4, 1)) == 5 * HOUR
        assert night.between(berlin(2024, 10, 27), berlin(2024, 10, 28)) == 7 * HOUR
        assert night.add(berlin(2024, 3, 31), 5 * HOUR) == berlin(2024, 3, 31, 6)
        assert night.add(berlin(2024, 10, 27), 7 * HOUR) == berlin(2024, 10, 27, 6)

    def test_an_opening_inside_the_skipped_hour_opens_when_the_clocks_jump(self) -> None:
        """Opening at 02:30 on the night 02:00-03:00 does not exist means opening at 03:00."""
        cal = BusinessCalendar("Europe/Berlin", days=(6,), start=time(2, 30), end=time(10))
        jump = datetime(2024, 3, 31, 1, tzinfo=UTC)  # 03:00 CEST
        assert cal.is_open(jump)
        assert not cal.is_open(jump - MINUTE)
        assert cal.add(datetime(2024, 3, 30, 12, tzinfo=UTC), HOUR) == jump + HOUR
        assert cal.between(berlin(2024, 3, 31), berlin(2024, 4, 1)) == 7 * HOUR


class TestWallClock:
    def test_adds_elapsed_time_across_a_daylight_saving_change(self) -> None:
        """24 hours after Saturday noon in Berlin, the clocks having gone forward, is 13:00."""
        assert WallClock().add(berlin(2024, 3, 30, 12), 24 * HOUR) == berlin(2024, 3, 31, 13)

    def test_zero_duration_returns_the_start_unchanged(self) -> None:
        """No work to do is done at once."""
        start = berlin(2024, 6, 8, 3)
        assert WallClock().add(start, timedelta(0)) is start

    def test_returns_the_instant_in_the_zone_of_the_start(self) -> None:
        """The deadline comes back in the start's zone."""
        due = WallClock().add(datetime(2024, 6, 7, 16, tzinfo=UTC), 4 * HOUR)
        assert due.tzinfo is UTC
        assert due == datetime(2024, 6, 7, 20, tzinfo=UTC)

    def test_between_is_elapsed_time_and_never_negative(self) -> None:
        """Saturday noon to Sunday noon across the change is 23 hours; backwards is zero."""
        a, b = berlin(2024, 3, 30, 12), berlin(2024, 3, 31, 12)
        assert WallClock().between(a, b) == 23 * HOUR
        assert WallClock().between(b, a) == timedelta(0)

    def test_is_always_open(self) -> None:
        """Every instant counts."""
        assert WallClock().is_open(berlin(2024, 6, 8, 3))

    def test_rejects_naive_datetimes_and_negative_durations(self) -> None:
        """The same checks as a business calendar."""
        with pytest.raises(ValidationError, match="'start'"):
            WallClock().add(datetime(2024, 6, 7), HOUR)
        with pytest.raises(ValidationError, match="'duration'"):
            WallClock().add(berlin(2024, 6, 7), -HOUR)
        with pytest.raises(ValidationError, match="'end'"):
            WallClock().between(berlin(2024, 6, 7), datetime(2024, 6, 8))
        with pytest.raises(ValidationError, match="'at'"):
            WallClock().is_open(datetime(2024, 6, 7))
        with pytest.raises(ValidationError, match="'duration'"):
            WallClock().add(datetime.max.replace(tzinfo=UTC), HOUR)


class TestDescription:
    def test_names_a_run_of_days_by_its_ends_and_other_days_one_by_one(self) -> None:
        """Mon-Fri is a range; Mon, Wed, Fri (or two days) are listed."""
        assert describe(BusinessCalendar(days=(0, 2, 4))) == (
            "business hours (Mon, Wed, Fri 09:00-17:00, UTC)"
        )
        weekend = BusinessCalendar(days=(5, 6))
        assert describe(weekend) == "business hours (Sat, Sun 09:00-17:00, UTC)"

    def test_counts_holidays_in_the_singular_and_the_plural(self) -> None:
        """One holiday, two holidays: the count follows the zone's name."""
        one = BusinessCalendar("Europe/Berlin", holidays=[date(2024, 12, 25)])
        two = BusinessCalendar("Europe/Berlin", holidays=[date(2024, 12, 25), date(2024, 12, 26)])
        assert describe(one) == "business hours (Mon-Fri 09:00-17:00, Europe/Berlin, 1 holiday)"
        assert describe(two) == "business hours (Mon-Fri 09:00-17:00, Europe/Berlin, 2 holidays)"

    def test_names_a_calendar_of_the_users_own_by_its_class(self) -> None:
        """A calendar that is neither of the library's clocks is named by its type."""

        class OnCall:
            pass

        assert describe(OnCall()) == "the calendar OnCall"

    @pytest.mark.parametrize(
        ("zone", "name"),
        [
            (BERLIN, "Europe/Berlin"),
            (tzfile(BERLIN._filename), "Europe/Berlin"),  # type: ignore[attr-defined]
            (ZoneInfo("America/New_York"), "America/New_York"),
            (timezone(timedelta(hours=2), "CEST"), "CEST"),
        ],
    )
    def test_writes_the_zone_by_its_database_name(self, zone: tzinfo, name: str) -> None:
        """A dateutil or zoneinfo zone writes its IANA name; a fixed offset its abbreviation.

        A dateutil zone read straight from its file (as older dateutils built every zone)
        has no key: its name is read off the file's path.
        """
        assert to_dict(BusinessCalendar(zone))["timezone"] == name
        assert describe(BusinessCalendar(zone)).endswith(f" {name})")


class TestCalendarProtocol:
    def test_both_clocks_are_calendars(self) -> None:
        """Code written against `Calendar` takes either clock."""

        def due(calendar: Calendar, start: datetime) -> datetime:
            return calendar.add(start, 4 * HOUR)

        start = berlin(2024, 6, 7, 16)
        assert isinstance(OFFICE, Calendar)
        assert isinstance(WallClock(), Calendar)
        assert due(OFFICE, start) == berlin(2024, 6, 10, 12)
        assert due(WallClock(), start) == berlin(2024, 6, 7, 20)


# --- properties ------------------------------------------------------------------------------

#: Zones with offset changes of every kind: none, an hour at night, at midnight (Santiago, Beirut),
#: half an hour (Lord Howe), and a half-hour offset (Kolkata).
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Asia/Beirut",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
)

#: The 2024 offset changes of those zones, in UTC, and a quiet week: starts are drawn around them.
CHANGES = tuple(
    datetime.fromisoformat(f"2024-{when}+00:00")
    for when in [
        "03-31T01:00",  # Europe/Berlin
        "10-27T01:00",
        "03-10T07:00",  # America/New_York
        "11-03T06:00",
        "04-07T03:00",  # America/Santiago
        "09-08T04:00",
        "03-30T22:00",  # Asia/Beirut
        "10-26T21:00",
        "04-06T15:00",  # Australia/Lord_Howe
        "10-05T15:30",
        "06-07T12:00",  # none
    ]
)


@attrs.frozen
class Case:
    """A generated calendar and start, with the calendar's zone as the standard library reads it.

    The oracles read wall clocks through `zoneinfo`, independently of the dateutil zone the
    calendar itself uses.
    """

    calendar: BusinessCalendar
    zone: ZoneInfo
    start: datetime

    def weekly_minutes(self) -> int:
        cal = self.calendar
        day = datetime.combine(date.min, cal.end) - datetime.combine(date.min, cal.start)
        return len(cal.days) * day // MINUTE


@st.composite
def cases(draw: st.DrawFn, zones: tuple[str, ...] = ZONES, earliest_opening: int = 0) -> Case:
    """A calendar with varied days, hours and holidays, and a whole-minute start near a change."""
    start = draw(st.sampled_from(CHANGES)) + draw(st.integers(-10 * 1440, 3 * 1440)) * MINUTE
    opening = draw(st.sampled_from([9 * 60, 0, 2 * 60]) | st.integers(0, 23 * 60))
    opening = max(opening, earliest_opening)
    hours = draw(st.sampled_from([8 * 60, 24 * 60, 90]) | st.integers(1, 24 * 60))
    closing = min(opening + hours, 24 * 60 - 1)
    days = draw(
        st.sampled_from([range(5), range(7), (6,)]) | st.sets(st.integers(0, 6), min_size=1)
    )
    near = start.date()
    holidays = draw(st.frozensets(st.integers(-2, 40).map(lambda n: near + timedelta(days=n))))
    zone = draw(st.sampled_from(zones))
    calendar = BusinessCalendar(
        zone,
        days=tuple(days),
        start=time(*divmod(opening, 60)),
        end=time(*divmod(closing, 60)),
        holidays=holidays,
    )
    return Case(calendar, ZoneInfo(zone), start)


def working_minutes(case: Case, weeks: int) -> st.SearchStrategy[int]:
    """Durations up to `weeks` working weeks, half of them long enough to skip whole weeks."""
    week = case.weekly_minutes()
    return st.integers(0, week) | st.integers(2 * week, weeks * week)


def open_by_the_wall_clock(case: Case, at: datetime) -> bool:
    """The definition of working time, read off the wall clock in the calendar's zone."""
    cal, local = case.calendar, at.astimezone(case.zone)
    return (
        local.weekday() in cal.days
        and local.date() not in cal.holidays
        and cal.start <= local.time() < cal.end
    )


def count_minute_by_minute(case: Case, minutes: int) -> datetime:
    """Step one real minute at a time until `minutes` working minutes have passed."""
    at, left = case.start, minutes
    while left:
        left -= open_by_the_wall_clock(case, at)
        at += MINUTE
    return at


def add_day_by_day(case: Case, duration: timedelta) -> datetime:
    """Walk local days; right while no offset change falls near the working hours."""
    cal, zone = case.calendar, case.zone
    at, left, day = case.start, duration, case.start.astimezone(zone).date()
    while left:
        if day.weekday() in cal.days and day not in cal.holidays:
            opens = max(datetime.combine(day, cal.start, tzinfo=zone).astimezone(UTC), at)
            closes = datetime.combine(day, cal.end, tzinfo=zone).astimezone(UTC)
            if closes > opens:
                if closes - opens >= left:
                    return opens + left
                left -= closes - opens
        day += timedelta(days=1)
    return at


#: Counting minute by minute is slow: those tests take half the examples of the active profile.
BRUTE_FORCE = settings(max_examples=max(5, settings().max_examples // 2))


class TestProperties:
    @BRUTE_FORCE
    @given(case=cases(), data=st.data())
    def test_add_agrees_with_a_minute_by_minute_count(
        self, case: Case, data: st.DataObject
    ) -> None:
        """Adding working minutes lands where stepping real time minute by minute does."""
        minutes = data.draw(working_minutes(case, weeks=3), label="minutes")
        due = case.calendar.add(case.start, minutes * MINUTE)
        assert due == count_minute_by_minute(case, minutes)

    @BRUTE_FORCE
    @given(case=cases(), span=st.integers(0, 3 * 1440) | st.integers(14 * 1440, 20 * 1440))
    def test_between_agrees_with_a_minute_by_minute_count(self, case: Case, span: int) -> None:
        """The working time between two instants is the number of open minutes between them."""
        counted = sum(open_by_the_wall_clock(case, case.start + n * MINUTE) for n in range(span))
        assert case.calendar.between(case.start, case.start + span * MINUTE) == counted * MINUTE

    @given(case=cases(), offset=st.integers(-1440, 3 * 1440))
    def test_is_open_reads_the_wall_clock(self, case: Case, offset: int) -> None:
        """An instant is open when its local time in the calendar's zone is working time."""
        at = case.start + offset * MINUTE
        assert case.calendar.is_open(at) == open_by_the_wall_clock(case, at)

    @given(case=cases(), data=st.data())
    def test_between_undoes_add(self, case: Case, data: st.DataObject) -> None:
        """The working time from a start to its deadline is the duration that was added."""
        duration = data.draw(working_minutes(case, weeks=60), label="minutes") * MINUTE
        cal = case.calendar
        assert cal.between(case.start, cal.add(case.start, duration)) == duration

    @given(case=cases(), data=st.data())
    def test_add_is_monotone_in_the_duration(self, case: Case, data: st.DataObject) -> None:
        """More work never ends earlier."""
        shorter, longer = sorted(data.draw(working_minutes(case, weeks=8)) for _ in range(2))
        cal = case.calendar
        assert cal.add(case.start, shorter * MINUTE) <= cal.add(case.start, longer * MINUTE)

    @given(case=cases(), data=st.data())
    def test_adding_in_two_steps_is_adding_the_sum(self, case: Case, data: st.DataObject) -> None:
        """Restarting the clock at an intermediate deadline changes nothing."""
        first, second = (data.draw(working_minutes(case, weeks=4)) * MINUTE for _ in range(2))
        cal = case.calendar
        assert cal.add(cal.add(case.start, first), second) == cal.add(case.start, first + second)

    @given(
        case=cases(),
        cuts=st.lists(st.integers(-5 * 1440, 120 * 1440), min_size=2, max_size=2),
    )
    def test_between_is_additive_over_a_split_point(self, case: Case, cuts: list[int]) -> None:
        """Working time from a to c is the time from a to b plus the time from b to c."""
        a, b, c = sorted([case.start, *(case.start + n * MINUTE for n in cuts)])
        cal = case.calendar
        assert cal.between(a, c) == cal.between(a, b) + cal.between(b, c)

    @given(
        case=cases(
            zones=("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"),
            earliest_opening=4 * 60,
        ),
        data=st.data(),
    )
    def test_long_durations_agree_with_walking_day_by_day(
        self, case: Case, data: st.DataObject
    ) -> None:
        """Skipping whole weeks lands where walking every day does, holidays included."""
        duration = data.draw(working_minutes(case, weeks=60), label="minutes") * MINUTE
        assert case.calendar.add(case.start, duration) == add_day_by_day(case, duration)
