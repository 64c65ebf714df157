"""The clocks SLA deadlines run on: business hours in a time zone, or plain elapsed time.

A `BusinessCalendar` counts only working time: the hours between an opening and a closing
wall-clock time, on working weekdays that are not holidays, in one time zone. A `WallClock`
counts every instant. Both answer the `Calendar` protocol, which is all an SLA needs:

>>> from datetime import datetime, timedelta
>>> import smarketing as sm
>>> office = sm.BusinessCalendar("Europe/Berlin")     # Monday to Friday, 09:00 to 17:00
>>> friday = datetime.fromisoformat("2024-06-07T16:00+02:00")
>>> office.add(friday, timedelta(hours=4)).isoformat()
'2024-06-10T12:00:00+02:00'
>>> sm.WallClock().add(friday, timedelta(hours=4)).isoformat()
'2024-06-07T20:00:00+02:00'

Working time is measured in real (elapsed) time, and an instant is working time when its local
wall-clock reading in the calendar's zone falls inside the opening hours of a working day. So the
night the clocks change leaves 09:00-17:00 days at eight hours, while a change inside the opening
hours shortens or lengthens that one day, and an opening time the clocks skip opens when they jump.
The calendar assumes what every zone in the time zone database does: a zone changes its UTC offset
at most once in any nine days.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final, Protocol, runtime_checkable

import attrs
import cattrs
from dateutil.tz import gettz

from smarketing import _convert
from smarketing import _validate as _v
from smarketing.errors import ValidationError

__all__ = ["BusinessCalendar", "Calendar", "WallClock"]

_ZERO: Final = timedelta(0)
_TICK: Final = timedelta(microseconds=1)
_DAY: Final = timedelta(days=1)
_WEEK: Final = timedelta(weeks=1)
# Offsets are under 24 hours, so only the days within two days of an instant's local date can
# hold working periods on both sides of the instant: walks start and end that far out.
_NEAR: Final = timedelta(days=2)
# The first walk runs until periods lie wholly after the start, and a week at most.
_FIRST_WALK: Final = timedelta(days=5)
#: How many midnights' offsets a calendar keeps (a few kilobytes each thousand).
_REMEMBERED: Final = 4096
_ZONE_NAME: Final = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")


# --- checks and conversions -------------------------------------------------------------------


def _zone(value: str | tzinfo) -> tzinfo:
    return _zone_from(value)


def _zone_from(value: object) -> tzinfo:
    if isinstance(value, tzinfo):
        return value
    if value == "UTC":  # the default, so that naming it gives an equal calendar
        return UTC
    zone = None
    # Only names: dateutil reads an empty name, ':' or a path as the machine's own zone or a file.
    if isinstance(value, str) and _ZONE_NAME.fullmatch(value) and ".." not in value:
        try:
            zone = gettz(value)
        except (OSError, ValueError):
            zone = None
    if zone is None:
        msg = (
            "'tz' must be a time zone name from the IANA database, such as 'Europe/Berlin', "
            f"or a tzinfo (got {value!r})."
        )
        raise _v.definition(msg, value=value, where="tz", expected="a time zone name or tzinfo")
    return zone


def _weekdays(value: Iterable[int]) -> tuple[int, ...]:
    expected = "a non-empty collection of weekday numbers, Monday 0 to Sunday 6"
    days: set[int] = set()
    for day in _collection(value, "days", expected):
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            msg = f"'days' must hold weekday numbers, Monday 0 to Sunday 6 (got {day!r})."
            raise _v.definition(msg, value=day, where="days", expected=expected)
        days.add(int(day))
    if not days:
        msg = "'days' must hold at least one working day (got none)."
        raise _v.definition(msg, value=value, where="days", expected=expected)
    return tuple(sorted(days))


def _holidays(value: Iterable[date]) -> frozenset[date]:
    expected = "a collection of dates"
    holidays: set[date] = set()
    for holiday in _collection(value, "holidays", expected):
        if not isinstance(holiday, date) or isinstance(holiday, datetime):
            msg = f"'holidays' must hold dates (got {holiday!r})."
            raise _v.definition(msg, value=holiday, where="holidays", expected=expected)
        holidays.add(holiday)
    return frozenset(holidays)


def _collection(value: object, where: str, expected: str) -> tuple[object, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        msg = f"'{where}' must be {expected} (got {value!r})."
        raise _v.definition(msg, value=value, where=where, expected=expected)
    return tuple(value)


def _check_time(value: object, where: str) -> time:
    if not isinstance(value, time) or value.tzinfo is not None:
        msg = (
            f"'{where}' must be a datetime.time without a zone, read in the calendar's zone "
            f"(got {value!r})."
        )
        raise _v.definition(msg, value=value, where=where, expected="a naive datetime.time")
    return value


def _opening(value: time) -> time:
    return _check_time(value, "start")


def _closing(value: time) -> time:
    return _check_time(value, "end")


def _instant(value: object, where: str) -> datetime:
    """`value` as a naive UTC datetime, once checked to be an aware datetime."""
    # Its offset read once: through a dateutil zone each reading is a couple of µs.
    if not isinstance(value, datetime) or (offset := value.utcoffset()) is None:
        msg = f"'{where}' must be a timezone-aware datetime (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="an aware datetime")
    with _WithinRange(where, value):
        return value.replace(tzinfo=None) - offset


def _duration(value: object) -> timedelta:
    if not isinstance(value, timedelta) or value < _ZERO:
        shown = value if isinstance(value, timedelta) else repr(value)
        msg = f"'duration' must be a timedelta of zero or more (got {shown})."
        raise ValidationError(msg, value=value, where="duration", expected="a timedelta >= 0")
    return value


class _WithinRange:
    """Report a computation that runs off the end of `datetime` as a ValidationError.

    A class, not a `contextlib.contextmanager`: that one cost 2 µs a use, and `add` made two
    (benchmarks/bench_calendar.py).
    """

    __slots__ = ("value", "where")

    def __init__(self, where: str, value: object) -> None:
        self.where, self.value = where, value

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None and issubclass(kind, OverflowError):
            where, value = self.where, self.value
            msg = f"'{where}' takes the calendar past the dates datetime can hold (got {value!r})."
            raise ValidationError(
                msg, value=value, where=where, expected="instants well inside years 1 to 9999"
            ) from None


def _aware(moment: datetime, like: datetime) -> datetime:
    """The naive UTC `moment` as an aware datetime in the zone of `like`."""
    return moment.replace(tzinfo=UTC).astimezone(like.tzinfo)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


@runtime_checkable
class Calendar(Protocol):
    """What an SLA clock needs: adding working time, measuring it, and telling open from closed.

    `BusinessCalendar` and `WallClock` both satisfy it; so does any class with these methods.

    >>> import smarketing as sm
    >>> isinstance(sm.BusinessCalendar(), sm.Calendar) and isinstance(sm.WallClock(), sm.Calendar)
    True
    """

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant by which `duration` of working time has passed since `start`."""
        ...

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from `start` to `end`; zero when `end` is not after `start`."""
        ...

    def is_open(self, at: datetime) -> bool:
        """Whether the instant `at` is working time."""
        ...


_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def describe(calendar: object) -> str:
    """The clock an SLA runs on, in words, for every report that states an SLA.

    >>> import smarketing as sm
    >>> describe(sm.WallClock()), describe(sm.BusinessCalendar())
    ('wall-clock time (every hour counts)', 'business hours (Mon-Fri 09:00-17:00, UTC)')
    """
    if isinstance(calendar, BusinessCalendar):
        days = calendar.days
        if len(days) > 2 and days == tuple(range(days[0], days[-1] + 1)):
            spoken = f"{_DAY_NAMES[days[0]]}-{_DAY_NAMES[days[-1]]}"
        else:
            spoken = ", ".join(_DAY_NAMES[d] for d in days)
        hours = f"{calendar.start.isoformat('minutes')}-{calendar.end.isoformat('minutes')}"
        zone = zone_name(calendar.tz)
        off = len(calendar.holidays)
        holidays = f", {off} holiday{'s' * (off != 1)}" if off else ""
        return f"business hours ({spoken} {hours}, {zone}{holidays})"
    if isinstance(calendar, WallClock):
        return "wall-clock time (every hour counts)"
    return f"the calendar {type(calendar).__name__}"


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone (what a playbook file writes), or its abbreviation."""
    key = getattr(zone, "key", None)  # zoneinfo
    if isinstance(key, str):
        return key
    filename = getattr(zone, "_filename", None)  # dateutil's tzfile
    if isinstance(filename, str):
        return filename.split("zoneinfo/", 1)[-1]
    return zone.tzname(None) or "UTC"


@attrs.frozen
class WallClock:
    """Elapsed time: every instant is working time, the default clock for SLAs.

    Durations are real time, so 24 hours across a change of the clocks is 24 real hours.

    >>> from datetime import datetime, timedelta
    >>> import smarketing as sm
    >>> start = datetime.fromisoformat("2024-06-08T11:00+02:00")   # a Saturday
    >>> sm.WallClock().add(start, timedelta(hours=4)).isoformat()
    '2024-06-08T15:00:00+02:00'
    """

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` after `start`, in the zone of `start`.

        A zero duration gives `start` back unchanged.

        >>> from datetime import datetime, timedelta, timezone
        >>> WallClock().add(datetime(2024, 6, 8, tzinfo=timezone.utc), timedelta(days=1))
        datetime.datetime(2024, 6, 9, 0, 0, tzinfo=datetime.timezone.utc)
        """
        moment, duration = _instant(start, "start"), _duration(duration)
        if not duration:
            return start
        with _WithinRange("duration", duration):
            return _aware(moment + duration, start)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The real time from `start` to `end`; zero when `end` is not after `start`.

        >>> from datetime import datetime, timezone
        >>> a, b = (datetime(2024, 6, d, tzinfo=timezone.utc) for d in (8, 9))
        >>> WallClock().between(a, b), WallClock().between(b, a)
        (datetime.timedelta(days=1), datetime.timedelta(0))
        """
        return max(_instant(end, "end") - _instant(start, "start"), _ZERO)

    def is_open(self, at: datetime) -> bool:
        """Always true: every instant counts.

        >>> from datetime import datetime, timezone
        >>> WallClock().is_open(datetime(2024, 6, 8, 3, tzinfo=timezone.utc))
        True
        """
        _instant(at, "at")
        return True


@attrs.frozen
class BusinessCalendar:
    """Working hours on working days in one time zone, without holidays.

    Attributes:
        tz: the zone the opening hours are read in; give an IANA name (``"Europe/Berlin"``)
            or any `tzinfo`.
        days: the working weekdays, Monday 0 to Sunday 6 (kept sorted, without repeats).
        start: the opening time, a naive `datetime.time` on the wall clock of `tz`.
        end: the closing time, after `start` on the same day.
        holidays: dates that are not working days even when their weekday is.

    Working time is counted in real time, over the instants whose local wall-clock time in `tz`
    lies in ``[start, end)`` on a working day: a working weekday that is not a holiday. Long
    durations skip whole weeks at once, with one reading of the zone's offset per week to make
    sure it holds: a year of working time is added in well under a millisecond, not half a
    million steps of a minute.

    >>> from datetime import date, datetime, time, timedelta
    >>> import smarketing as sm
    >>> support = sm.BusinessCalendar(
    ...     "America/New_York", days=(0, 1, 2, 3, 4, 5), start=time(8), end=time(20),
    ...     holidays=frozenset({date(2024, 7, 4)}),
    ... )
    >>> start = datetime.fromisoformat("2024-07-03T19:00-04:00")
    >>> support.add(start, timedelta(hours=2)).isoformat()            # 4 July is skipped
    '2024-07-05T09:00:00-04:00'
    """

    tz: tzinfo = attrs.field(default=UTC, converter=_zone, hash=False)
    days: tuple[int, ...] = attrs.field(default=(0, 1, 2, 3, 4), converter=_weekdays)
    start: time = attrs.field(default=time(9), converter=_opening)
    end: time = attrs.field(default=time(17), converter=_closing)
    holidays: frozenset[date] = attrs.field(default=frozenset(), converter=_holidays)
    # Derived once: the length of a working day and of a working week when no offset change
    # falls inside them, and the holidays that fall on working weekdays, as sorted ordinals.
    _day: timedelta = attrs.field(init=False, eq=False, repr=False)
    _week: timedelta = attrs.field(init=False, eq=False, repr=False)
    _closed: tuple[int, ...] = attrs.field(init=False, eq=False, repr=False)
    # The zone's offset at the UTC midnights read so far (see `_midnight_offset`).
    _offsets: dict[datetime, timedelta] = attrs.field(
        init=False, eq=False, repr=False, factory=dict
    )

    @end.validator
    def _check_end(self, _attribute: object, value: time) -> None:
        if value <= self.start:
            msg = f"'end' must be after 'start' ({self.start}) on the same day (got {value})."
            raise _v.definition(msg, value=value, where="end", expected=f"after {self.start}")

    @_day.default
    def _working_day(self) -> timedelta:
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)

    @_week.default
    def _working_week(self) -> timedelta:
        return self._day * len(self.days)

    @_closed.default
    def _closed_days(self) -> tuple[int, ...]:
        return tuple(sorted(d.toordinal() for d in self.holidays if d.weekday() in self.days))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant by which `duration` of working time has passed since `start`.

        Counting begins at `start` when it is working time and at the next opening otherwise;
        work that fills a day up ends at its closing, not at the next opening. The instant comes
        back in the zone of `start`. A zero duration gives `start` back unchanged, even outside
        working hours: nothing was asked, so nothing waits for the opening.

        >>> from datetime import datetime, timedelta
        >>> office = BusinessCalendar("Europe/Berlin")
        >>> friday = datetime.fromisoformat("2024-06-07T16:00+02:00")
        >>> office.add(friday, timedelta(hours=4)).isoformat()
        '2024-06-10T12:00:00+02:00'
        >>> office.add(friday, timedelta(hours=1)).isoformat()
        '2024-06-07T17:00:00+02:00'
        """
        moment, duration = _instant(start, "start"), _duration(duration)
        if not duration:
            return start
        with _WithinRange("duration", duration):
            return _aware(self._deadline(moment, duration), start)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from `start` to `end`; zero when `end` is not after `start`.

        >>> from datetime import datetime
        >>> office = BusinessCalendar("Europe/Berlin")
        >>> friday = datetime.fromisoformat("2024-06-07T16:00+02:00")
        >>> monday = datetime.fromisoformat("2024-06-10T12:00+02:00")
        >>> office.between(friday, monday)
        datetime.timedelta(seconds=14400)
        """
        begin, finish = _instant(start, "start"), _instant(end, "end")
        if finish <= begin:
            return _ZERO
        with _WithinRange("end", end):
            return self._working_time(begin, finish)

    def is_open(self, at: datetime) -> bool:
        """Whether `at` is working time: its wall-clock time in `tz` is in the opening hours.

        Opening hours include the opening instant and exclude the closing one.

        >>> from datetime import datetime
        >>> office = BusinessCalendar("Europe/Berlin")
        >>> office.is_open(datetime.fromisoformat("2024-06-11T07:30+00:00"))   # 09:30 there
        True
        >>> office.is_open(datetime.fromisoformat("2024-06-11T17:00+02:00"))
        False
        """
        moment = _instant(at, "at")
        with _WithinRange("at", at):
            local = moment.replace(tzinfo=UTC).astimezone(self.tz)
        return (
            local.weekday() in self.days
            and local.date() not in self.holidays
            and self.start <= local.time() < self.end
        )

    # The work is done on naive UTC datetimes: arithmetic on them is real time.

    def _deadline(self, begin: datetime, left: timedelta) -> datetime:
        first = self._local_date(begin)
        day, stop = first - _NEAR, first + _FIRST_WALK
        while True:
            for opens, closes in self._walk(day, stop):
                opens = max(opens, begin)
                if closes > opens:
                    if closes - opens >= left:
                        return opens + left
                    left -= closes - opens
            # Past the first walk every period lies after `begin`: whole weeks can be skipped,
            # as long as they hold less work than is left.
            weeks = self._steady_weeks(stop, (left - _TICK) // self._week)
            left -= self._weeks_time(stop, weeks)
            day = stop + weeks * _WEEK
            stop = day + _WEEK

    def _working_time(self, begin: datetime, finish: datetime) -> timedelta:
        first, last = self._local_date(begin), self._local_date(finish)
        end = last + _NEAR + _DAY  # the days from here on lie wholly after `finish`
        day, stop, total = first - _NEAR, min(first + _FIRST_WALK, end), _ZERO
        while day < stop:
            for opens, closes in self._walk(day, stop):
                total += max(min(closes, finish) - max(opens, begin), _ZERO)
            # Whole weeks are skipped while every period in them lies before `finish`.
            weeks = self._steady_weeks(stop, (last - _NEAR - stop) // _WEEK)
            total += self._weeks_time(stop, weeks)
            day = stop + weeks * _WEEK
            stop = min(day + _WEEK, end)
        return total

    def _walk(self, first: date, stop: date) -> Iterator[tuple[datetime, datetime]]:
        """The working periods of the working days from `first` up to `stop` (a week at most).

        When the zone's offset is the same a day either side of the stretch, it holds all
        through (one change at most in nine days), and each day's hours map with it directly.
        """
        offset = self._midnight_offset(_midnight(first) - _DAY)
        steady = offset == self._midnight_offset(_midnight(stop) + _DAY)
        for day in self._working_days(first, stop):
            if steady:
                yield (
                    datetime.combine(day, self.start) - offset,
                    datetime.combine(day, self.end) - offset,
                )
            else:
                yield from self._periods(day)

    def _working_days(self, first: date, stop: date) -> Iterator[date]:
        """The working days from `first` up to, not including, `stop` (a week at most).

        Read day by day: the working weekdays less the holidays. A `dateutil.rrule` built
        for each walk was half the time of an `add` (benchmarks/bench_calendar.py).
        """
        days = self.days
        closed = self._closed[self._closed_index(first) : self._closed_index(stop)]
        day = first
        while day < stop:
            if day.weekday() in days and day.toordinal() not in closed:
                yield day
            day += _DAY

    def _periods(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The instants of a working `day` whose wall-clock time is in the opening hours.

        Each such instant lies within a day of its local time, so the zone's offset is read a
        day either side; when it differs, the one change between is found by bisection, and
        the hours map to real time with the offset in force on each side of it. The midnights
        around those reads are read first: the same offset at both means no change between.
        """
        opens, closes = datetime.combine(day, self.start), datetime.combine(day, self.end)
        midnight = _midnight(day)
        around = self._midnight_offset(midnight - _DAY)
        if around == self._midnight_offset(midnight + 2 * _DAY):
            return ((opens - around, closes - around),)
        early, late = opens - _DAY, closes + _DAY
        before, after = self._offset(early), self._offset(late)
        if before == after:
            return ((opens - before, closes - before),)
        while late - early > _TICK:
            middle = early + (late - early) // 2
            if self._offset(middle) == before:
                early = middle
            else:
                late = middle
        # The hours as read before the change, then as read after it: one piece when the change
        # falls outside them or the clocks jump over the opening, two when they go back inside.
        head = (opens - before, min(closes - before, late))
        tail = (max(opens - after, late), closes - after)
        if head[0] < head[1] and tail[0] < tail[1] and head[1] == tail[0]:
            return ((head[0], tail[1]),)
        return tuple(piece for piece in (head, tail) if piece[0] < piece[1])

    def _steady_weeks(self, first: date, weeks: int) -> int:
        """How many of the `weeks` whole weeks from `first` hold no change of UTC offset.

        The offset is read a day before the first week and a day after the end of each week:
        one change at most in nine days means equal readings have no change between them.
        """
        if weeks < 1:
            return 0
        offset = self._midnight_offset(_midnight(first) - _DAY)
        for done in range(weeks):
            if self._midnight_offset(_midnight(first + (done + 1) * _WEEK) + _DAY) != offset:
                return done
        return weeks

    def _weeks_time(self, first: date, weeks: int) -> timedelta:
        """The working time in `weeks` whole weeks from `first` that hold no offset change."""
        holidays = self._closed_index(first + weeks * _WEEK) - self._closed_index(first)
        return weeks * self._week - holidays * self._day

    def _closed_index(self, day: date) -> int:
        return bisect_left(self._closed, day.toordinal())

    def _offset(self, moment: datetime) -> timedelta:
        """The UTC offset of the calendar's zone at `moment`, as its wall clock shows it."""
        return moment.replace(tzinfo=UTC).astimezone(self.tz).replace(tzinfo=None) - moment

    def _midnight_offset(self, midnight: datetime) -> timedelta:
        """The offset at a UTC midnight, read from the zone once per calendar.

        The walks read the zone at the midnights around the days they cover, and the SLA
        clocks of a funnel start on the same few hundred days: a reading took 5.5 µs through
        a dateutil zone, three of them most of an `add` (benchmarks/bench_calendar.py). Kept
        to the last few thousand midnights read, so a long-running process stays bounded.
        """
        offsets = self._offsets
        offset = offsets.get(midnight)
        if offset is None:
            if len(offsets) >= _REMEMBERED:
                offsets.clear()
            offset = offsets[midnight] = self._offset(midnight)
        return offset

    def _local_date(self, moment: datetime) -> date:
        day = _midnight(moment.date())
        offset = self._midnight_offset(day)
        if offset != self._midnight_offset(day + _DAY):  # a change that day: read it there
            offset = self._offset(moment)
        return (moment + offset).date()


# --- as data ---------------------------------------------------------------------------------

#: Working days as the playbook file names them.
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@attrs.frozen
class _CalendarData:
    """Business hours as the file writes them (times as text, or already read)."""

    timezone: str = "UTC"
    days: tuple[str, ...] = DAYS[:5]
    start: Any = "09:00"
    end: Any = "17:00"
    holidays: tuple[date, ...] = ()


@_convert.shapes(BusinessCalendar)
def _as_data(conv: cattrs.Converter) -> None:
    """A calendar names its zone and days (``"Europe/Berlin"``, ``"mon"``) and writes times as
    ``"09:00"``, as the playbook file does."""

    def structure(value: object, _type: object) -> BusinessCalendar:
        data = conv.structure(_convert.structure_mapping(value, _type), _CalendarData)
        unknown = [d for d in data.days if d.lower() not in DAYS]
        if unknown:
            msg = f"{unknown[0]!r} is not a day (days: {', '.join(DAYS)})"
            raise ValidationError(msg, value=unknown[0], expected="a day name")
        clock = {n: _convert.structure_time(getattr(data, n), time) for n in ("start", "end")}
        return BusinessCalendar(
            tz=data.timezone,
            days=[DAYS.index(d.lower()) for d in data.days],
            holidays=data.holidays,
            **clock,
        )

    conv.register_unstructure_hook(
        BusinessCalendar,
        lambda c: {
            "timezone": zone_name(c.tz),
            "days": [DAYS[d] for d in c.days],
            "start": c.start.isoformat("minutes"),
            "end": c.end.isoformat("minutes"),
            "holidays": [d.isoformat() for d in sorted(c.holidays)],
        },
    )
    conv.register_structure_hook(BusinessCalendar, structure)
