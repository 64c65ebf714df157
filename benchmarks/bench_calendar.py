"""BusinessCalendar.add against stepping through time minute by minute.

For typical SLA durations (4 business hours, 2 business days, 30 business days) on a
Europe/Berlin Monday-Friday 09:00-17:00 calendar with holidays, from starts spread over a week:

  (a) smarketing's BusinessCalendar.add (whole weeks skipped, then working days walked);
  (b) the naive baseline: step one minute at a time, counting the minutes `is_open` says are
      working time, until the duration is used up;
  (c) the lean floor: plain code written for this one calendar, walking day by day from the
      start's local date, each working day's 09:00-17:00 read as instants through the same
      zone, the duration used up day by day (no checks, no other calendars, and it trusts that
      the clocks never change during opening hours, which holds in Berlin).

All must give the same deadlines. Prints microseconds per call for each, and the ratios.
Run: python benchmarks/bench_calendar.py
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as daytime

from dateutil.tz import gettz

from smarketing._calendar import BusinessCalendar

BERLIN = gettz("Europe/Berlin")
CALENDAR = BusinessCalendar(
    "Europe/Berlin",
    holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14)}),
)
#: Starts before opening, mid-morning, late afternoon, after closing and at the weekend: half in
#: the week of the change to summer time and Easter (29 March 2026), half in a quiet June week.
STARTS = tuple(
    datetime(2026, month, day, hour, minute, tzinfo=BERLIN)
    for month, day, hour, minute in [
        (3, 23, 7, 30),
        (3, 25, 16, 0),
        (3, 27, 12, 0),
        (3, 29, 2, 30),
        (6, 8, 10, 15),
        (6, 10, 18, 45),
        (6, 12, 16, 30),
        (6, 13, 11, 0),
    ]
)
DURATIONS = {
    "4 business hours": timedelta(hours=4),
    "2 business days": timedelta(hours=16),
    "30 business days": timedelta(hours=240),
}
MINUTE = timedelta(minutes=1)


def add_minute_by_minute(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The naive way: walk real time a minute at a time (starts and durations in whole minutes)."""
    at, left = start.astimezone(UTC), duration
    while left > timedelta(0):
        if cal.is_open(at):
            left -= MINUTE
        at += MINUTE
    return at.astimezone(start.tzinfo)


HOLIDAYS = CALENDAR.holidays
OPENS, CLOSES = daytime(9), daytime(17)
DAY = timedelta(days=1)


def add_lean(_cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The lean floor: day by day, each working day's hours as instants in Berlin."""
    left, day = duration, start.astimezone(BERLIN).date()
    while True:
        if day.weekday() < 5 and day not in HOLIDAYS:
            begin = max(datetime.combine(day, OPENS, BERLIN), start)
            closes = datetime.combine(day, CLOSES, BERLIN)
            if closes > begin:
                if closes - begin >= left:
                    return begin + left
                left -= closes - begin
        day += DAY


Add = Callable[[BusinessCalendar, datetime, timedelta], datetime]


def per_call_seconds(add: Add, duration: timedelta, budget: float, repeats: int) -> float:
    """The best, over `repeats` rounds, of the mean time per call over the starts."""
    rounds = 1
    while True:  # enough passes over the starts to fill about `budget` seconds per round
        began = time.perf_counter()
        for _ in range(rounds):
            for start in STARTS:
                add(CALENDAR, start, duration)
        took = time.perf_counter() - began
        if took >= budget or rounds >= 1 << 16:
            break
        rounds *= 2
    best = took / (rounds * len(STARTS))
    for _ in range(repeats - 1 if took < 1 else 0):  # a round of seconds is its own best
        began = time.perf_counter()
        for _ in range(rounds):
            for start in STARTS:
                add(CALENDAR, start, duration)
        best = min(best, (time.perf_counter() - began) / (rounds * len(STARTS)))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=0.2, help="seconds per timing round")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    # Same answers first.
    for duration in DURATIONS.values():
        for start in STARTS:
            due = CALENDAR.add(start, duration)
            stepped = add_minute_by_minute(CALENDAR, start, duration)
            assert due == stepped, (start, duration, due, stepped)
            assert due == add_lean(CALENDAR, start, duration), (start, duration)

    head = f"{'duration':<18} {'(a) µs/call':>12} {'(b) minute steps':>17} {'(b)/(a)':>8}"
    print(f"{head} {'(c) lean floor':>15} {'(a)/(c)':>8}")
    for name, duration in DURATIONS.items():
        fast = per_call_seconds(BusinessCalendar.add, duration, args.budget, args.repeats)
        slow = per_call_seconds(add_minute_by_minute, duration, args.budget, args.repeats)
        lean = per_call_seconds(add_lean, duration, args.budget, args.repeats)
        print(
            f"{name:<18} {fast * 1e6:>12.1f} {slow * 1e6:>17.0f} {slow / fast:>7.0f}x"
            f" {lean * 1e6:>15.1f} {fast / lean:>7.2f}x"
        )


if __name__ == "__main__":
    main()
