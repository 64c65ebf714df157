"""Funnel and SLA analytics: reached, conversion, velocity, reasons, stale leads and follow-ups."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import attrs
import pytest
from dateutil.tz import gettz
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm
from smarketing import testing as sst

LC = sm.Lifecycle.default(max_age={"mql": timedelta(days=3), "sql": timedelta(days=10)})
#: Facts under which every default guard holds, so that the examples may take any trigger.
ANYTHING = {"score": 100, "grade": "A", "engagement": 10, "budget": "40k", "timeline": "Q1"}
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 2, 1, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
BERLIN = gettz("Europe/Berlin")
OFFICE = sm.BusinessCalendar("Europe/Berlin")


def on(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def jan(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return on(1, day, hour, minute)


Step = tuple[str, datetime] | tuple[str, datetime, str] | tuple[str, datetime, str, str]


def walk(
    lead_id: str,
    created: datetime,
    *steps: Step,
    source: str | None = None,
    fields: dict[str, object] | None = None,
) -> sm.Lead:
    """A lead created at `created` and moved by `steps`: (trigger, at[, actor[, reason]])."""
    lead = sm.Lead.new(lead_id, at=created, source=source, fields=fields)
    for trigger, at, *rest in steps:
        actor = rest[0] if rest else "auto"
        reason = rest[1] if len(rest) > 1 else None
        lead = LC.fire(lead, trigger, at=at, actor=actor, reason=reason, facts=ANYTHING)
    return lead


def example_leads() -> list[sm.Lead]:
    """A dozen leads whose every number is worked out by hand in the tests below.

    The window is January 2026 (START to END); times are 09:00 UTC unless given.
    """
    return [
        walk(
            "A", jan(2), ("engage", jan(3)), ("qualify", jan(5)),
            ("accept", jan(6), "sales:jo"), ("win", jan(20), "sales:jo"),
            source="webinar",
        ),
        walk(
            "B", jan(2), ("engage", jan(4)), ("qualify", jan(6)),
            ("recycle", jan(8), "sales:ann", "no budget"), ("reengage", jan(15), "marketing:li"),
            ("qualify", jan(18)), ("accept", jan(19), "sales:ann"),
            source="webinar",
        ),
        walk(
            "C", on(12, 20, year=2025), ("engage", on(12, 22, year=2025)),
            ("qualify", jan(3)), ("accept", jan(10), "sales:jo"),
            source="ads",
        ),
        walk(
            "D", jan(10), ("engage", jan(11)),
            ("disqualify", jan(12), "sales:ann", "wrong contact"),
            source="organic",
        ),
        walk("E", jan(5), ("engage", jan(6)), ("qualify", jan(8)), source="ads"),
        walk("F", jan(15), source="webinar"),
        walk(
            "G", jan(25), ("engage", jan(26)), ("qualify", jan(31, 22)),
            ("accept", on(2, 3), "sales:jo"),
            source="ads",
        ),
        walk("H", on(2, 5), source="webinar"),
        walk(
            "I", jan(3), ("engage", jan(4)), ("qualify", jan(5)),
            ("recycle", jan(7), "sales:jo", "bad timing"),
            ("disqualify", jan(9), "marketing:li", "no budget"),
            source="referral",
        ),
        walk(
            "J", jan(4), ("engage", jan(4)), ("qualify", jan(6)),
            ("recycle", jan(9), "sales:ann", "no budget"), ("reengage", jan(12), "marketing:li"),
            ("qualify", jan(14)), ("recycle", jan(16), "sales:ann", "no budget"),
            ("reengage", jan(18), "marketing:li"),
            source="referral",
        ),
        walk(
            "K", on(11, 3, year=2025), ("engage", on(11, 5, year=2025)),
            ("qualify", on(11, 20, year=2025)), ("accept", on(12, 1, year=2025), "sales:jo"),
            ("win", jan(12), "sales:jo"),
        ),
        walk(
            "L", jan(6), ("engage", jan(7)), ("qualify", jan(9)),
            ("accept", jan(13), "sales:jo"), ("recycle", jan(22), "sales:jo", "bad timing"),
            source="webinar", fields={"owner": "sales:kim"},
        ),
    ]  # fmt: skip


ACTIVITIES = [
    sm.Activity("A", "call", jan(5, 10)),
    sm.Activity("B", "sales_email", jan(6, 15)),
    sm.Activity("B", "meeting", jan(18, 11)),
    sm.Activity("C", "call", jan(2, 12)),  # before C became an MQL: not a follow-up
    sm.Activity("C", "page_view", jan(3, 10)),  # the lead's own doing, not a touch
    sm.Activity("E", "meeting", jan(8, 13)),  # exactly at the due time: met
    sm.Activity("I", "call", on(2, 2)),  # after the window
    sm.Activity("J", "call", jan(6, 12, 59)),
    sm.Activity("L", "email_open", jan(9, 10)),
    sm.Activity("L", "call", jan(9, 13, 30)),
    sm.Activity("Z", "call", jan(9)),  # a lead the report does not know
]
FOUR_HOURS = sm.SLA(first_touch=4 * HOUR)


def example(**options: Any) -> sm.FunnelReport:
    kwargs: dict[str, Any] = {"sla": FOUR_HOURS, "activities": ACTIVITIES, **options}
    return sm.funnel_report(example_leads(), lifecycle=LC, start=START, end=END, **kwargs)


@pytest.fixture(scope="module")
def once() -> sm.FunnelReport:
    """The example counted once per lead (the default)."""
    return example()


@pytest.fixture(scope="module")
def returns() -> sm.FunnelReport:
    """The example with every return into a stage counted as new."""
    return example(count_returns=True)


def times(count: int, p50: timedelta, p90: timedelta, top: timedelta) -> sm.TimeInStage:
    return sm.TimeInStage(count=count, p50=p50, p90=p90, max=top)


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


class TestHandComputedExample:
    """Every number of the dozen example leads, counted by hand (H is created after the window)."""

    def test_covers_the_leads_created_by_the_end(self, once: sm.FunnelReport) -> None:
        """H, created in February, is not part of a January report."""
        assert once.lead_count == 11
        assert (once.start, once.end) == (START, END)
        assert once.stages == LC.stage_names
        assert once.main_path == LC.main_path

    def test_reached_counts_each_lead_once_per_stage(self, once: sm.FunnelReport) -> None:
        """B and J come back to prospect and mql but count once; C and K entered early stages
        before the window, and a lead created inside it reaches its initial stage."""
        reached = {s: once.reached(s) for s in LC.stage_names}
        assert reached == {
            "suspect": 9,
            "prospect": 8,
            "mql": 8,
            "sql": 4,
            "customer": 2,
            "recycled": 4,
            "disqualified": 2,
        }

    def test_conversion_is_the_share_that_went_on(self, once: sm.FunnelReport) -> None:
        """Of the leads that reached a stage, the share that reached the next one afterwards."""
        assert once.conversion("suspect", "prospect") == 8 / 9
        assert once.conversion("prospect", "mql") == 7 / 8
        assert once.conversion("mql", "sql") == 0.5
        assert once.conversion("sql", "customer") == 0.25
        assert once.conversion("suspect", "customer") == 1 / 9
        assert once.conversion("mql", "recycled") == 0.5
        assert once.conversion("recycled", "prospect") == 0.5
        assert once.converted("recycled", "prospect") == 2

    def test_conversion_backwards_or_to_itself(self, once: sm.FunnelReport) -> None:
        """Nobody went from customer back to sql; B and J came back to mql."""
        assert once.conversion("customer", "sql") == 0.0
        assert once.conversion("mql", "mql") == 0.25

    def test_velocity_is_the_median_stay_of_the_leads_that_left(
        self, once: sm.FunnelReport
    ) -> None:
        """Only stays that began and ended inside the window, the first one of each lead."""
        assert once.durations("suspect") == times(
            8, DAY, DAY + timedelta(hours=7, minutes=12), 2 * DAY
        )
        assert once.durations("prospect") == times(
            8, 2 * DAY, 3 * DAY + timedelta(hours=1, minutes=30), 5 * DAY + 13 * HOUR
        )
        assert once.durations("mql") == times(6, 2.5 * DAY, 5.5 * DAY, 7 * DAY)
        assert once.durations("sql") == times(2, 11.5 * DAY, 13.5 * DAY, 14 * DAY)
        assert once.durations("recycled") == times(
            3, 3 * DAY, 6 * DAY + timedelta(hours=4, minutes=48), 7 * DAY
        )
        assert once.velocity("mql") == 2.5 * DAY
        assert once.velocity("sql") == 11.5 * DAY

    def test_stages_nobody_left_have_no_velocity(self, once: sm.FunnelReport) -> None:
        """A metric with no data is None."""
        assert once.durations("customer") is None
        assert once.velocity("customer") is None
        assert once.velocity("disqualified") is None

    def test_reasons_count_leads_per_reason(self, once: sm.FunnelReport) -> None:
        """J was recycled twice for 'no budget' and counts once; ties go alphabetically."""
        assert once.recycle_reasons == {"bad timing": 2, "no budget": 2}
        assert list(once.recycle_reasons) == ["bad timing", "no budget"]
        assert once.disqualify_reasons == {"no budget": 1, "wrong contact": 1}
        assert once.reasons("recycled") == once.recycle_reasons
        assert (once.recycle_stages, once.disqualify_stages) == (("recycled",), ("disqualified",))

    def test_stale_leads_sit_past_their_stage_max_age_at_the_end(
        self, once: sm.FunnelReport
    ) -> None:
        """B and C in sql for over ten days, E in mql for over three; G became an MQL late."""
        assert once.stale == ("B", "C", "E")

    def test_sla_breaches_are_late_or_missing_first_touches(self, once: sm.FunnelReport) -> None:
        """Four hours from becoming an MQL: B and L were called late, C and I not at all."""
        assert once.sla == FOUR_HOURS
        assert once.sla_breaches == (
            sm.SLABreach("C", "mql", jan(3, 13), None),
            sm.SLABreach("I", "mql", jan(5, 13), None),
            sm.SLABreach("B", "mql", jan(6, 13), jan(6, 15)),
            sm.SLABreach("L", "mql", jan(9, 13), jan(9, 13, 30)),
        )

    def test_sla_summary_counts_every_clock(self, once: sm.FunnelReport) -> None:
        """A, E and J were touched in time; G's clock had not run out by the end."""
        summary = once.sla_summary
        assert summary == sm.SLASummary(clocks=8, met=3, late=2, unanswered=2, pending=1)
        assert summary is not None
        assert summary.breached == 4
        assert summary.met_rate == 3 / 7


class TestCountingReturns:
    """count_returns=True: each return into a stage counts as a new entry."""

    def test_reached_counts_every_entry(self, returns: sm.FunnelReport) -> None:
        """B and J's second visits to prospect and mql, and J's second recycle, count."""
        assert {s: returns.reached(s) for s in LC.stage_names} == {
            "suspect": 9,
            "prospect": 11,
            "mql": 10,
            "sql": 4,
            "customer": 2,
            "recycled": 5,
            "disqualified": 2,
        }
        assert returns.count_returns

    def test_each_entry_converts_before_the_next_one(self, returns: sm.FunnelReport) -> None:
        """An entry converts when the lead reaches the target before entering the stage again."""
        assert returns.conversion("mql", "sql") == 0.4
        assert returns.conversion("prospect", "mql") == 9 / 11
        assert returns.conversion("recycled", "prospect") == 0.6
        assert returns.conversion("mql", "recycled") == 0.5
        assert returns.conversion("mql", "mql") == 0.2
        assert returns.conversion("sql", "customer") == 0.25

    def test_every_completed_stay_counts(self, returns: sm.FunnelReport) -> None:
        """B's and J's later stays join the distributions."""
        assert returns.durations("suspect") == example().durations("suspect")
        assert returns.durations("prospect") == times(
            10, 2 * DAY, 3 * DAY + timedelta(hours=6, minutes=6), 5 * DAY + 13 * HOUR
        )
        assert returns.durations("mql") == times(
            8, 2 * DAY, 4 * DAY + timedelta(hours=21, minutes=36), 7 * DAY
        )
        assert returns.durations("recycled") == times(
            4, 2.5 * DAY, 5 * DAY + timedelta(hours=19, minutes=12), 7 * DAY
        )

    def test_reasons_count_every_time(self, returns: sm.FunnelReport) -> None:
        """J's two recycles for 'no budget' both count."""
        assert returns.recycle_reasons == {"no budget": 3, "bad timing": 2}
        assert list(returns.recycle_reasons) == ["no budget", "bad timing"]

    def test_each_return_to_the_sla_stage_starts_a_clock(self, returns: sm.FunnelReport) -> None:
        """B's second MQL was met by a meeting; J's second was never touched."""
        assert returns.sla_summary == sm.SLASummary(
            clocks=10, met=4, late=2, unanswered=3, pending=1
        )
        assert [b.lead_id for b in returns.sla_breaches] == ["C", "I", "B", "L", "J"]
        assert returns.sla_breaches[-1] == sm.SLABreach("J", "mql", jan(14, 13), None)

    def test_stale_does_not_depend_on_the_rule(self, returns: sm.FunnelReport) -> None:
        """Stale is where leads stand at the end, whichever way entries are counted."""
        assert returns.stale == ("B", "C", "E")


class TestWindow:
    def test_boundaries_are_inside(self) -> None:
        """Events exactly at start and at end count."""
        lead = walk("X", START, ("engage", END))
        r = sm.funnel_report([lead], lifecycle=LC, start=START, end=END)
        assert (r.reached("suspect"), r.reached("prospect")) == (1, 1)
        assert r.velocity("suspect") == END - START

    def test_events_outside_the_window_do_not_count(self) -> None:
        """A lead created before the window does not reach its initial stage in it."""
        lead = walk("X", START - DAY, ("engage", START - HOUR), ("qualify", END + HOUR))
        r = sm.funnel_report([lead], lifecycle=LC, start=START, end=END)
        assert [r.reached(s) for s in LC.main_path] == [0, 0, 0, 0, 0]
        assert r.lead_count == 1
        assert r.velocity("prospect") is None

    def test_a_stay_begun_before_the_window_has_no_velocity(self) -> None:
        """Velocity counts stays whose entry and exit both fall inside the window."""
        lead = walk("X", START - DAY, ("engage", START + HOUR))
        r = sm.funnel_report([lead], lifecycle=LC, start=START, end=END)
        assert r.reached("prospect") == 1
        assert r.durations("suspect") is None

    def test_an_empty_report_has_counts_of_zero_and_no_rates(self) -> None:
        """Metrics with no data are None; counts are zero."""
        r = sm.funnel_report([], lifecycle=LC, start=START, end=END, sla=FOUR_HOURS)
        assert r.lead_count == 0
        assert r.reached("mql") == 0
        assert r.conversion("mql", "sql") is None
        assert r.velocity("mql") is None
        assert r.recycle_reasons == {}
        assert r.stale == ()
        assert r.sla_breaches == ()
        assert r.sla_summary == sm.SLASummary(0, 0, 0, 0, 0)
        assert r.sla_summary is not None and r.sla_summary.met_rate is None

    def test_without_an_sla_there_is_no_summary(self) -> None:
        """Activities are only read for an SLA."""
        r = sm.funnel_report(
            example_leads(), lifecycle=LC, start=START, end=END, activities=ACTIVITIES
        )
        assert r.sla is None and r.sla_summary is None and r.sla_breaches == ()

    def test_an_sla_without_activities_sees_no_touches(self) -> None:
        """Every clock due by the end is a breach with no first touch."""
        r = sm.funnel_report(example_leads(), lifecycle=LC, start=START, end=END, sla=FOUR_HOURS)
        assert r.sla_summary == sm.SLASummary(clocks=8, met=0, late=0, unanswered=7, pending=1)
        assert all(b.met_at is None for b in r.sla_breaches)

    def test_leads_and_activities_may_be_generators(self) -> None:
        """Both are read once."""
        r = sm.funnel_report(
            iter(example_leads()),
            lifecycle=LC,
            start=START,
            end=END,
            sla=FOUR_HOURS,
            activities=iter(ACTIVITIES),
        )
        assert r == example()


class TestCustomLifecycles:
    WATERFALL = sm.Lifecycle(
        stages=[
            "inquiry",
            sm.Stage("mql", max_age=timedelta(days=2)),
            "sal",
            "sql",
            sm.Stage("won", closed=True, terminal=True),
            "nurture",
            sm.Stage("lost", closed=True),
        ],
        initial="inquiry",
        transitions=[
            sm.Transition("qualify", source="inquiry", dest="mql"),
            sm.Transition("accept", source="mql", dest="sal"),
            sm.Transition("convert", source="sal", dest="sql"),
            sm.Transition("win", source="sql", dest="won"),
            sm.Transition("park", source=["mql", "sal"], dest="nurture", requires_reason=True),
            sm.Transition("revive", source="nurture", dest="inquiry"),
            sm.Transition("lose", source=["sal", "sql"], dest="lost", requires_reason=True),
        ],
    )

    def test_reasons_follow_the_lifecycle_not_the_default_names(self) -> None:
        """Open side stages are recycle stages, closed ones disqualify stages."""
        lc = self.WATERFALL
        a = sm.Lead.new("A", at=jan(2), stage="inquiry")
        a = lc.fire(a, "qualify", at=jan(3))
        a = lc.fire(a, "park", at=jan(4), reason="not now")
        b = sm.Lead.new("B", at=jan(2), stage="inquiry")
        for trigger, day in (("qualify", 3), ("accept", 4), ("convert", 5)):
            b = lc.fire(b, trigger, at=jan(day))
        b = lc.fire(b, "lose", at=jan(6), reason="competitor")
        r = sm.funnel_report([a, b], lifecycle=lc, start=START, end=END)
        assert (r.recycle_stages, r.disqualify_stages) == (("nurture",), ("lost",))
        assert r.recycle_reasons == {"not now": 1}
        assert r.disqualify_reasons == {"competitor": 1}
        assert r.conversion("inquiry", "mql") == 1.0
        assert r.conversion("mql", "sal") == 0.5

    def test_reasons_of_several_side_stages_add_up(self) -> None:
        """Two recycle stages (and two disqualify stages): their reasons are counted together,
        the most common first; `reasons(stage)` keeps each stage's own."""
        lc = sm.Lifecycle(
            stages=["inquiry", "mql", "nurture", "hold", sm.Stage("lost", closed=True),
                    sm.Stage("junk", closed=True)],
            initial="inquiry",
            transitions=[
                sm.Transition("qualify", source="inquiry", dest="mql"),
                sm.Transition("park", source="mql", dest="nurture", requires_reason=True),
                sm.Transition("pause", source="mql", dest="hold", requires_reason=True),
                sm.Transition("revive", source=["nurture", "hold"], dest="inquiry"),
                sm.Transition("lose", source="mql", dest="lost", requires_reason=True),
                sm.Transition("bin", source="inquiry", dest="junk", requires_reason=True),
            ],
        )  # fmt: skip
        leads = []
        for name, moves in {
            "A": [("qualify", None), ("park", "not now")],
            "B": [("qualify", None), ("pause", "budget")],
            "C": [("qualify", None), ("pause", "not now")],
            "D": [("qualify", None), ("lose", "competitor")],
            "E": [("bin", "spam")],
        }.items():
            lead = sm.Lead.new(name, at=jan(2), stage="inquiry")
            for day, (trigger, reason) in enumerate(moves, start=3):
                lead = lc.fire(lead, trigger, at=jan(day), reason=reason)
            leads.append(lead)
        r = sm.funnel_report(leads, lifecycle=lc, start=START, end=END)
        assert (r.recycle_stages, r.disqualify_stages) == (("nurture", "hold"), ("lost", "junk"))
        assert list(r.recycle_reasons.items()) == [("not now", 2), ("budget", 1)]
        assert r.reasons("hold") == {"budget": 1, "not now": 1}
        assert r.disqualify_reasons == {"competitor": 1, "spam": 1}

    def test_the_sla_may_watch_any_stage(self) -> None:
        """SLA(stage="sal") starts its clock on acceptance."""
        lc = self.WATERFALL
        lead = sm.Lead.new("A", at=jan(2), stage="inquiry")
        lead = lc.fire(lc.fire(lead, "qualify", at=jan(3)), "accept", at=jan(5))
        sla = sm.SLA(first_touch=DAY, stage="sal", touch_kinds="call")
        r = sm.funnel_report(
            [lead],
            lifecycle=lc,
            start=START,
            end=END,
            sla=sla,
            activities=[sm.Activity("A", "meeting", jan(5, 10)), sm.Activity("A", "call", jan(7))],
        )
        assert r.sla_breaches == (sm.SLABreach("A", "sal", jan(6), jan(7)),)

    def test_replayed_entries_without_a_reason_count_under_none(self) -> None:
        """Replayed histories need no reason; such entries count under None."""
        lead = sm.Lead.new("A", at=jan(2))
        changes = [
            sm.StageChange("suspect", "prospect", "engage", jan(3)),
            sm.StageChange("prospect", "disqualified", "disqualify", jan(4)),
        ]
        r = sm.funnel_report([LC.replay(lead, changes)], lifecycle=LC, start=START, end=END)
        assert r.disqualify_reasons == {None: 1}


class TestSLAs:
    def test_defaults(self) -> None:
        """Calls, sales emails and meetings are touches; the clock starts on mql."""
        sla = sm.SLA(first_touch=4 * HOUR)
        assert sla.touch_kinds == ("call", "sales_email", "meeting")
        assert sla.stage == "mql"

    def test_due_is_measured_on_the_calendar(self) -> None:
        """Four business hours after Friday 16:00 is Monday 12:00."""
        sla = sm.SLA(first_touch=4 * HOUR)
        friday = datetime(2024, 6, 7, 16, tzinfo=BERLIN)
        assert sla.due(friday, OFFICE) == datetime(2024, 6, 10, 12, tzinfo=BERLIN)
        assert sla.due(friday) == datetime(2024, 6, 7, 20, tzinfo=BERLIN)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"first_touch": timedelta(0)}, "'first_touch' must be a positive timedelta"),
            ({"first_touch": "4h"}, "'first_touch' must be a positive timedelta"),
            ({"first_touch": HOUR, "touch_kinds": ()}, "at least one activity kind"),
            ({"first_touch": HOUR, "touch_kinds": ["call", ""]}, "activity kinds"),
            ({"first_touch": HOUR, "touch_kinds": 3}, "activity kinds"),
            ({"first_touch": HOUR, "stage": ""}, "'stage' must be a stage name"),
        ],
    )
    def test_bad_definitions_are_rejected(self, kwargs: dict[str, Any], match: str) -> None:
        """Each field is checked, with a message naming it: a bad definition is a ConfigError."""
        with pytest.raises(sm.ConfigError, match=match):
            sm.SLA(**kwargs)

    def test_one_kind_may_be_given_as_text(self) -> None:
        """touch_kinds="call" means just calls."""
        assert sm.SLA(first_touch=HOUR, touch_kinds="call").touch_kinds == ("call",)

    def test_business_hours_move_the_due_time_over_the_weekend(self) -> None:
        """An MQL on Friday 16:00 in Berlin is due Monday 12:00 on office hours."""
        friday = datetime(2024, 6, 7, 16, tzinfo=BERLIN)
        lead = walk("A", friday - DAY, ("engage", friday - HOUR), ("qualify", friday))
        start, end = friday - 2 * DAY, friday + 7 * DAY
        calls = [sm.Activity("A", "call", datetime(2024, 6, 10, 11, 30, tzinfo=BERLIN))]

        def report(**kwargs: Any) -> sm.FunnelReport:
            return sm.funnel_report(
                [lead], lifecycle=LC, start=start, end=end, sla=FOUR_HOURS, **kwargs
            )

        on_hours = report(activities=calls, calendar=OFFICE)
        assert on_hours.sla_summary == sm.SLASummary(
            clocks=1, met=1, late=0, unanswered=0, pending=0
        )
        on_clock = report(activities=calls)
        assert on_clock.sla_breaches == (sm.SLABreach("A", "mql", friday + 4 * HOUR, calls[0].at),)
        untouched = report(calendar=OFFICE)
        assert untouched.sla_breaches == (
            sm.SLABreach("A", "mql", datetime(2024, 6, 10, 12, tzinfo=BERLIN), None),
        )

    def test_a_lead_created_in_the_sla_stage_starts_the_clock_when_created(self) -> None:
        """An imported MQL is due four hours after it was created."""
        lead = sm.Lead.new("A", at=jan(5), stage="mql")
        r = sm.funnel_report([lead], lifecycle=LC, start=START, end=END, sla=FOUR_HOURS)
        assert r.sla_breaches == (sm.SLABreach("A", "mql", jan(5, 13), None),)

    def test_a_clock_still_running_at_the_end_is_pending(self) -> None:
        """No touch yet, but not due by the end: neither met nor breached."""
        lead = walk("A", jan(30), ("engage", jan(30)), ("qualify", jan(31, 16)))
        r = sm.funnel_report(
            [lead], lifecycle=LC, start=START, end=END, sla=FOUR_HOURS, calendar=OFFICE
        )
        assert r.sla_summary == sm.SLASummary(clocks=1, met=0, late=0, unanswered=0, pending=1)
        assert r.sla_breaches == ()


class TestBreakdowns:
    def test_by_source(self, once: sm.FunnelReport) -> None:
        """One sub-report per source, in order, leads with no source last under None."""
        parts = once.by("source")
        assert list(parts) == ["ads", "organic", "referral", "webinar", None]
        assert {k: r.lead_count for k, r in parts.items()} == {
            "ads": 3,
            "organic": 1,
            "referral": 2,
            "webinar": 4,
            None: 1,
        }
        webinar = parts["webinar"]
        assert (webinar.reached("mql"), webinar.reached("sql")) == (3, 3)
        assert webinar.conversion("mql", "sql") == 1.0
        assert webinar.sla_breaches == (
            sm.SLABreach("B", "mql", jan(6, 13), jan(6, 15)),
            sm.SLABreach("L", "mql", jan(9, 13), jan(9, 13, 30)),
        )
        assert parts["ads"].stale == ("C", "E")

    def test_by_owner_reads_the_owner_field_then_the_last_person_to_move_the_lead(
        self, once: sm.FunnelReport
    ) -> None:
        """L has an owner field; others are owned by whoever last moved them by the end;
        automatic moves ("auto") and moves after the end do not make an owner."""
        owners = {k: sorted(_ids(r)) for k, r in once.by("owner").items()}
        assert owners == {
            "marketing:li": ["I", "J"],
            "sales:ann": ["B", "D"],
            "sales:jo": ["A", "C", "K"],
            "sales:kim": ["L"],
            None: ["E", "F", "G"],
        }

    def test_by_any_field(self, once: sm.FunnelReport) -> None:
        """A field name groups by the field's value; leads without it fall under None."""
        parts = once.by("owner_team")
        assert list(parts) == [None]
        assert parts[None] == once

    def test_by_a_callable(self, once: sm.FunnelReport) -> None:
        """Any function of the lead; unorderable keys keep the order they first appear in."""
        parts = once.by(lambda lead: lead.id < "F")
        assert list(parts) == [False, True]
        mixed = once.by(lambda lead: 1 if lead.id == "A" else ("x",) if lead.id == "B" else None)
        assert list(mixed) == [1, ("x",), None]

    def test_unhashable_values_are_named(self, once: sm.FunnelReport) -> None:
        """A callable must give something usable as a key."""
        with pytest.raises(sm.ValidationError, match=r"lead 'A'.*hashable"):
            once.by(lambda lead: [lead.id])

    @pytest.mark.parametrize("dimension", ["", "id", "stage", 3])
    def test_bad_dimensions_are_rejected(self, once: sm.FunnelReport, dimension: Any) -> None:
        """A dimension is 'source', 'owner', a field name or a callable."""
        with pytest.raises(sm.ValidationError, match="dimension"):
            once.by(dimension)

    def test_cohorts_by_month_of_creation(self, once: sm.FunnelReport) -> None:
        """Periods in order, read in the zone of the window's start."""
        months = once.cohorts("month")
        assert list(months) == ["2025-11", "2025-12", "2026-01"]
        assert [_ids(r) for r in months.values()] == [
            ["K"],
            ["C"],
            ["A", "B", "D", "E", "F", "G", "I", "J", "L"],
        ]
        assert months["2025-11"].reached("customer") == 1

    def test_cohorts_by_iso_week(self, once: sm.FunnelReport) -> None:
        """ISO weeks: 4 January 2026, a Sunday, is still in week 1."""
        weeks = {k: _ids(r) for k, r in once.cohorts("week").items()}
        assert weeks == {
            "2025-W45": ["K"],
            "2025-W51": ["C"],
            "2026-W01": ["A", "B", "I", "J"],
            "2026-W02": ["D", "E", "L"],
            "2026-W03": ["F"],
            "2026-W04": ["G"],
        }
        assert list(weeks) == sorted(weeks)

    def test_cohorts_use_the_zone_of_the_start(self) -> None:
        """A lead created at 23:30 UTC on 31 January is a February lead in Berlin."""
        lead = sm.Lead.new("A", at=jan(31, 23, 30))
        start = datetime(2026, 1, 1, tzinfo=BERLIN)
        r = sm.funnel_report([lead], lifecycle=LC, start=start, end=END + DAY)
        assert list(r.cohorts("month")) == ["2026-02"]

    def test_unknown_periods_are_rejected(self, once: sm.FunnelReport) -> None:
        """Only months and weeks."""
        with pytest.raises(sm.ValidationError, match="'month' or 'week'"):
            once.cohorts("quarter")

    def test_sub_reports_break_down_further(self, once: sm.FunnelReport) -> None:
        """A sub-report is a report like any other."""
        nested = once.by("source")["webinar"].by("owner")
        assert list(nested) == ["sales:ann", "sales:jo", "sales:kim", None]


def _ids(report: sm.FunnelReport) -> list[str]:
    return sorted(str(k) for k in report.by(lambda lead: lead.id))


class TestValidation:
    def _report(self, leads: Sequence[object] = (), **kwargs: Any) -> sm.FunnelReport:
        options: dict[str, Any] = {"lifecycle": LC, "start": START, "end": END, **kwargs}
        return sm.funnel_report(leads, **options)  # type: ignore[arg-type]

    def test_the_window_must_not_end_before_it_starts(self) -> None:
        """start <= end."""
        with pytest.raises(sm.ValidationError, match=r"end.*before"):
            self._report(start=END, end=START)

    @pytest.mark.parametrize("name", ["start", "end"])
    def test_window_times_must_be_aware(self, name: str) -> None:
        """Naive datetimes are rejected, naming the argument."""
        with pytest.raises(sm.ValidationError, match=name):
            self._report(**{name: datetime(2026, 1, 1)})

    def test_the_lifecycle_must_be_a_lifecycle(self) -> None:
        """The stage definitions come from it."""
        with pytest.raises(sm.ValidationError, match="lifecycle"):
            self._report(lifecycle="default")

    def test_leads_must_be_leads(self) -> None:
        """The offending item is named by position."""
        with pytest.raises(sm.ValidationError, match=r"leads\[1\]"):
            self._report([sm.Lead.new("A", at=jan(2)), {"id": "B"}])

    def test_leads_in_unknown_stages_are_named(self) -> None:
        """A lead of another lifecycle is a ValidationError naming the lead."""
        lead = sm.Lead.new("W-1", at=jan(2), stage="inquiry")
        with pytest.raises(sm.ValidationError, match=r"lead 'W-1'.*'inquiry'.*suspect") as info:
            self._report([lead])
        assert info.value.value == "inquiry"

    def test_histories_through_unknown_stages_are_named(self) -> None:
        """Every stage a history enters must be the lifecycle's."""
        odd = sm.StageChange("suspect", "lost", "lose", jan(3))
        lead = attrs.evolve(sm.Lead.new("A", at=jan(2)), history=(odd,))
        with pytest.raises(sm.ValidationError, match=r"lead 'A'.*'lost'"):
            self._report([lead])

    def test_histories_out_of_time_order_are_named(self) -> None:
        """A change earlier than the one before it cannot be counted."""
        changes = (
            sm.StageChange("suspect", "prospect", "engage", jan(5)),
            sm.StageChange("prospect", "mql", "qualify", jan(4)),
        )
        lead = attrs.evolve(sm.Lead.new("A", at=jan(2)), history=changes, stage="mql")
        with pytest.raises(sm.ValidationError, match=r"lead 'A'.*earlier"):
            self._report([lead])

    def test_duplicate_lead_ids_are_rejected(self) -> None:
        """Two leads with one id would be counted twice."""
        with pytest.raises(sm.ValidationError, match="'A' appears twice"):
            self._report([sm.Lead.new("A", at=jan(2)), sm.Lead.new("A", at=jan(3))])

    def test_the_sla_stage_must_be_a_stage(self) -> None:
        """The message lists the lifecycle's stages."""
        sla = sm.SLA(first_touch=HOUR, stage="sal")
        with pytest.raises(sm.ValidationError, match=r"'sal'.*suspect, prospect"):
            self._report(sla=sla)

    def test_sla_and_calendar_types_are_checked(self) -> None:
        """Wrong types are named, not crashed on."""
        with pytest.raises(sm.ValidationError, match="sla"):
            self._report(sla=timedelta(hours=4))
        with pytest.raises(sm.ValidationError, match="calendar"):
            self._report(sla=FOUR_HOURS, calendar="Europe/Berlin")
        with pytest.raises(sm.ValidationError, match="count_returns"):
            self._report(count_returns="yes")

    def test_activities_must_be_activities(self) -> None:
        """The offending item is named by position."""
        with pytest.raises(sm.ValidationError, match=r"activities\[0\]"):
            self._report(sla=FOUR_HOURS, activities=[("A", "call")])

    @pytest.mark.parametrize("name", ["leads", "activities"])
    def test_collections_must_be_iterable(self, name: str) -> None:
        """Leads and activities are collections."""
        kwargs: dict[str, Any] = {"sla": FOUR_HOURS, name: 3}
        leads = kwargs.pop("leads", ())
        with pytest.raises(sm.ValidationError, match=name):
            self._report(leads, **kwargs)

    @pytest.mark.parametrize(
        "ask",
        [
            lambda r: r.reached("lead"),
            lambda r: r.conversion("mql", "SQL"),
            lambda r: r.converted("MQL", "sql"),
            lambda r: r.velocity("opportunity"),
            lambda r: r.durations("won"),
            lambda r: r.reasons("lost"),
        ],
    )
    def test_unknown_stage_names_list_the_stages(self, once: sm.FunnelReport, ask: Any) -> None:
        """A typo is named, with the stages it could have been."""
        with pytest.raises(sm.ValidationError, match=r"not a stage.*suspect, prospect, mql"):
            ask(once)

    def test_reasons_are_kept_for_side_stages(self, once: sm.FunnelReport) -> None:
        """Main-path stages are entered without a reason."""
        with pytest.raises(sm.ValidationError, match="'mql' is on the main path"):
            once.reasons("mql")


class TestSerialisation:
    def test_to_dict_is_json_safe_and_reads_back_exactly(self, once: sm.FunnelReport) -> None:
        """to_dict -> JSON -> from_dict gives an equal report, and the same dict again."""
        data = once.to_dict()
        assert json.loads(json.dumps(data)) == data
        back = sm.FunnelReport.from_dict(through_json(data))
        assert back == once
        assert back.to_dict() == data
        assert back.to_markdown() == once.to_markdown()

    def test_the_dict_reads_as_data(self, once: sm.FunnelReport) -> None:
        """Durations are written as in a playbook file; counts are plain numbers keyed by stage."""
        data = once.to_dict()
        assert data["leads"] == 11
        assert data["reached"]["mql"] == 8
        assert data["converted"]["mql"]["sql"] == 4
        assert data["time_in_stage"]["mql"] == {
            "count": 6,
            "p50": "2d12h",
            "p90": "5d12h",
            "max": "1w",
        }
        assert data["reasons"]["recycled"] == [["bad timing", 2], ["no budget", 2]]
        assert (
            data["sla"]
            == sm.to_dict(once.sla)
            == {
                "stage": "mql",
                "first_touch": "4h",
                "touch_kinds": ["call", "sales_email", "meeting"],
            }
        )
        assert data["sla_breaches"][0] == {
            "lead_id": "C",
            "stage": "mql",
            "due": "2026-01-03T13:00:00+00:00",
            "met_at": None,
        }

    def test_the_package_level_functions_delegate(self, once: sm.FunnelReport) -> None:
        """sm.to_dict / sm.from_dict know reports, SLAs and their parts."""
        assert sm.to_dict(once) == once.to_dict()
        assert sm.from_dict(sm.FunnelReport, through_json(sm.to_dict(once))) == once
        for value in (
            FOUR_HOURS,
            once.sla_breaches[0],
            once.sla_breaches[-1],
            once.sla_summary,
        ):
            assert sm.from_dict(type(value), through_json(sm.to_dict(value))) == value
        assert sm.to_dict(FOUR_HOURS)["first_touch"] == "4h"

    def test_a_report_read_back_cannot_be_broken_down(self, once: sm.FunnelReport) -> None:
        """The numbers come back, the leads do not."""
        back = sm.FunnelReport.from_dict(through_json(once.to_dict()))
        with pytest.raises(sm.ValidationError, match="funnel_report"):
            back.by("source")
        with pytest.raises(sm.ValidationError, match="funnel_report"):
            back.cohorts("month")

    @pytest.mark.parametrize(
        ("mutate", "match"),
        [
            (lambda d: d.pop("reached"), r"missing @ \$\.reached"),
            (lambda d: d.update(start="yesterday"), "start"),
            (lambda d: d.update(end="2026-02-01T00:00:00"), "end"),
            (lambda d: d.update(leads="11"), "leads"),
            (lambda d: d.update(leads=True), "leads"),
            (lambda d: d["time_in_stage"]["mql"].update(p50=216000.0), "p50"),
            (lambda d: d.update(stages="suspect"), "stages"),
            (lambda d: d.update(sla_breaches=[{"lead_id": "C"}]), "sla_breaches"),
            (lambda d: d.update(count_returns="no"), "count_returns"),
            (lambda d: d.update(stages=["suspect", 2]), r"expected text .* @ \$\.stages\[1\]"),
            (lambda d: d["reasons"]["recycled"].append(["x"]), r"expected \[reason, count\]"),
        ],
    )
    def test_malformed_data_is_named(self, once: sm.FunnelReport, mutate: Any, match: str) -> None:
        """Bad data is a ValidationError saying what is wrong and where."""
        data = through_json(once.to_dict())
        mutate(data)
        with pytest.raises(sm.ValidationError, match=match):
            sm.FunnelReport.from_dict(data)

    def test_only_mappings_are_read(self) -> None:
        """A list is not a report."""
        with pytest.raises(sm.ValidationError, match="mapping"):
            sm.FunnelReport.from_dict([])


class TestMarkdown:
    def test_the_table_both_teams_paste(self, once: sm.FunnelReport) -> None:
        """Stages in lifecycle order with reached, conversion to the next stage and velocity,
        then the SLA, the reasons and the stale leads."""
        text = once.to_markdown()
        assert "| stage | reached | conversion to next stage | median time in stage |" in text
        assert "| suspect | 9 | 88.9% to prospect | 1d |" in text
        assert "| mql | 8 | 50.0% to sql | 2d 12h |" in text
        assert "| customer | 2 | — | — |" in text
        assert "| recycled | 4 | — | 3d |" in text
        assert "| 8 | 3 | 2 | 2 | 1 | 42.9% |" in text
        assert "| bad timing | 2 |" in text
        assert "| wrong contact | 1 |" in text
        assert "**Stale at the end:** 3 leads (B, C, E)." in text
        assert text.index("| suspect") < text.index("| prospect") < text.index("| recycled")

    def test_breaches_and_stale_leads_are_listed_up_to_a_limit(self, once: sm.FunnelReport) -> None:
        """A long list is cut, saying how many more there are."""
        text = once.to_markdown(limit=2)
        assert "| C | 2026-01-03 13:00+00:00 | no touch |" in text
        assert "| B |" not in text
        assert "…and 2 more breaches." in text
        assert "**Stale at the end:** 3 leads (B, C, …)." in text

    def test_an_sla_kept_lists_no_breaches(self) -> None:
        """Only the summary table when every clock was met."""
        lead = walk("A", jan(2), ("engage", jan(3)), ("qualify", jan(4)))
        r = sm.funnel_report(
            [lead],
            lifecycle=LC,
            start=START,
            end=END,
            sla=FOUR_HOURS,
            activities=[sm.Activity("A", "call", jan(4, 10))],
        )
        text = r.to_markdown()
        assert "| 1 | 1 | 0 | 0 | 0 | 100.0% |" in text
        assert "| lead | due | first touch |" not in text

    def test_the_repr_is_short(self, once: sm.FunnelReport) -> None:
        """The window and the size, not every number."""
        assert repr(once) == (
            "FunnelReport(start='2026-01-01T00:00:00+00:00', end='2026-02-01T00:00:00+00:00', "
            "lead_count=11, count_returns=False)"
        )

    def test_empty_sections_say_so(self) -> None:
        """No SLA section without an SLA; no reasons says none."""
        text = sm.funnel_report([], lifecycle=LC, start=START, end=END).to_markdown()
        assert "Sales follow-up" not in text
        assert "**Recycle reasons:** none." in text
        assert "**Stale at the end:** none." in text
        assert "0 leads" in text

    def test_returns_are_stated_and_odd_text_is_escaped(self) -> None:
        """The counting rule is stated; a '|' in a reason does not break the table."""
        lead = walk("A", jan(2), ("engage", jan(3)), ("disqualify", jan(3), "x", "a|b"))
        r = sm.funnel_report([lead], lifecycle=LC, start=START, end=END, count_returns=True)
        text = r.to_markdown()
        assert "each entry into a stage counted" in text
        assert "| a\\|b | 1 |" in text
        assert "| suspect | 1 | 100.0% to prospect | 1d |" in text
        assert "| prospect | 1 | 0.0% to mql | 0s |" in text


# --- properties --------------------------------------------------------------------------------

AGED = sm.Lifecycle.default(
    max_age={"mql": timedelta(days=5), "sql": timedelta(days=20), "recycled": timedelta(days=30)}
)
WHEN = sst.aware_datetimes(datetime(2025, 1, 1, tzinfo=UTC), timedelta(days=500))
LEAD_IDS = ("L-1", "L-2", "L-3", "L-4", "L-5", "L-6")


#: One history strategy per lead id, built once: building strategies is what costs here.
HISTORIES = tuple(
    sst.histories(AGED, max_steps=8, lead=sst.leads().map(lambda x, i=i: attrs.evolve(x, id=i)))
    for i in LEAD_IDS
)


@st.composite
def populations(draw: st.DrawFn) -> list[sm.Lead]:
    """A handful of leads with distinct ids, moved through AGED by random valid triggers."""
    count = draw(st.integers(0, len(LEAD_IDS)))
    return [draw(history) for history in HISTORIES[:count]]


TOUCHES = st.lists(
    sst.activities(
        LEAD_IDS,
        ("call", "meeting", "page_view", "sales_email"),
        datetime(2025, 1, 1, tzinfo=UTC),
        timedelta(days=500),
    ),
    max_size=12,
)
#: Office hours in Berlin, and mornings on three days a week in New York.
CALENDARS = st.sampled_from(
    [OFFICE, sm.BusinessCalendar("America/New_York", days=(0, 2, 4), end=time(12))]
)


def window(draw: st.DrawFn) -> tuple[datetime, datetime]:
    a, b = draw(WHEN), draw(WHEN)
    return min(a, b), max(a, b)


SLA_OPTIONS = st.sampled_from(
    [None, sm.SLA(first_touch=4 * HOUR), sm.SLA(first_touch=2 * DAY, stage="sql")]
)


def _totals(report: sm.FunnelReport) -> Counter[Hashable]:
    """Every count of a report, as one Counter, so that reports can be added up."""
    totals: Counter[Hashable] = Counter({"leads": report.lead_count})
    for a in report.stages:
        totals[("reached", a)] = report.reached(a)
        spread = report.durations(a)
        totals[("stays", a)] = 0 if spread is None else spread.count
        for b in report.stages:
            totals[("converted", a, b)] = report.converted(a, b)
    for stage in (*report.recycle_stages, *report.disqualify_stages):
        for reason, n in report.reasons(stage).items():
            totals[("reason", stage, reason)] = n
    summary = report.sla_summary
    if summary is not None:
        for name in ("clocks", "met", "late", "unanswered", "pending"):
            totals[("sla", name)] = getattr(summary, name)
    return +totals


def _breach_key(b: sm.SLABreach) -> tuple[datetime, str]:
    return (b.due, b.lead_id)


class TestProperties:
    @given(leads=populations(), data=st.data(), returns=st.booleans())
    def test_conversion_is_a_share(self, leads: list[sm.Lead], data: Any, returns: bool) -> None:
        """Every conversion is in [0, 1], or None where nothing reached the first stage."""
        start, end = window(data.draw)
        r = sm.funnel_report(leads, lifecycle=AGED, start=start, end=end, count_returns=returns)
        for a in r.stages:
            for b in r.stages:
                rate = r.conversion(a, b)
                assert (rate is None) == (r.reached(a) == 0)
                assert rate is None or 0.0 <= rate <= 1.0
            spread = r.durations(a)
            assert spread is None or spread.count <= r.reached(a)
            assert spread is None or spread.p50 <= spread.p90 <= spread.max

    @given(leads=populations(), acts=TOUCHES, sla=SLA_OPTIONS, data=st.data())
    def test_sub_reports_add_up_to_the_whole(
        self, leads: list[sm.Lead], acts: list[sm.Activity], sla: sm.SLA | None, data: Any
    ) -> None:
        """Every count of by(...) and cohorts(...) sums to the whole; lists join up."""
        start, end = window(data.draw)
        returns = data.draw(st.booleans())
        whole = sm.funnel_report(
            leads,
            lifecycle=AGED,
            start=start,
            end=end,
            sla=sla,
            activities=acts,
            count_returns=returns,
        )
        dimension = data.draw(
            st.sampled_from(["source", "owner", "industry", lambda lead: lead.id[-1] < "4"])
        )
        for parts in (
            whole.by(dimension),
            whole.cohorts(data.draw(st.sampled_from(["month", "week"]))),
        ):
            assert sum((_totals(p) for p in parts.values()), Counter()) == _totals(whole)
            assert sorted(s for p in parts.values() for s in p.stale) == list(whole.stale)
            joined = sorted((b for p in parts.values() for b in p.sla_breaches), key=_breach_key)
            assert joined == list(whole.sla_breaches)

    @given(leads=populations(), acts=TOUCHES, sla=SLA_OPTIONS, data=st.data())
    def test_narrowing_the_window_never_increases_counts(
        self, leads: list[sm.Lead], acts: list[sm.Activity], sla: sm.SLA | None, data: Any
    ) -> None:
        """A window inside another counts no more of anything (pending clocks aside: a clock
        that has not run out by an earlier end is still pending)."""
        a, b, c, d = sorted(data.draw(WHEN) for _ in range(4))
        returns = data.draw(st.booleans())
        options: dict[str, Any] = {
            "lifecycle": AGED,
            "sla": sla,
            "activities": acts,
            "count_returns": returns,
        }
        wide = sm.funnel_report(leads, start=a, end=d, **options)
        narrow = sm.funnel_report(leads, start=b, end=c, **options)
        wide_totals, narrow_totals = _totals(wide), _totals(narrow)
        for key, n in narrow_totals.items():
            if key not in (("sla", "pending"), ("sla", "unanswered"), ("sla", "late")):
                assert n <= wide_totals[key], key
        assert len(narrow.sla_breaches) <= len(wide.sla_breaches)

    @given(leads=populations(), acts=TOUCHES, data=st.data())
    def test_sla_due_times_agree_with_the_business_calendar(
        self, leads: list[sm.Lead], acts: list[sm.Activity], data: Any
    ) -> None:
        """Each lead's first MQL entry in the window is due on the calendar; a breach is a first
        touch after that, or none by an end past it."""
        start, end = window(data.draw)
        hours = data.draw(st.sampled_from([HOUR, 4 * HOUR, 20 * HOUR]))
        cal = data.draw(CALENDARS)
        sla = sm.SLA(first_touch=hours, touch_kinds=("call", "meeting"))
        r = sm.funnel_report(
            leads, lifecycle=AGED, start=start, end=end, sla=sla, activities=acts, calendar=cal
        )
        expected = []
        for lead in leads:
            entries = [(lead.created_at, lead.initial_stage)] + [
                (ch.at, ch.to_stage) for ch in lead.history
            ]
            entered = next((at for at, s in entries if s == "mql" and start <= at <= end), None)
            if entered is None:
                continue
            due = cal.add(entered, hours)
            first = min(
                (
                    x.at
                    for x in acts
                    if x.lead_id == lead.id
                    and x.kind in ("call", "meeting")
                    and entered <= x.at <= end
                ),
                default=None,
            )
            if (first is None and due <= end) or (first is not None and first > due):
                expected.append(sm.SLABreach(lead.id, "mql", due, first))
        assert sorted(expected, key=_breach_key) == list(r.sla_breaches)

    @given(leads=populations(), acts=TOUCHES, sla=SLA_OPTIONS, data=st.data())
    def test_reports_survive_json(
        self, leads: list[sm.Lead], acts: list[sm.Activity], sla: sm.SLA | None, data: Any
    ) -> None:
        """to_dict -> JSON -> from_dict gives the same report, field for field."""
        start, end = window(data.draw)
        r = sm.funnel_report(
            leads,
            lifecycle=AGED,
            start=start,
            end=end,
            sla=sla,
            activities=acts,
            count_returns=data.draw(st.booleans()),
        )
        back = sm.FunnelReport.from_dict(through_json(r.to_dict()))
        assert back == r
        assert back.to_dict() == r.to_dict()

    @given(leads=populations(), data=st.data())
    def test_stale_agrees_with_the_lifecycle(self, leads: list[sm.Lead], data: Any) -> None:
        """For leads whose history is complete by the end, stale is Lifecycle.stale at the end."""
        start, end = window(data.draw)
        r = sm.funnel_report(leads, lifecycle=AGED, start=start, end=end)
        settled = [x for x in leads if x.updated_at <= end]
        expected = sorted(x.id for x in settled if AGED.stale(x, at=end))
        assert sorted(set(r.stale) & {x.id for x in settled}) == expected

    @given(leads=populations(), data=st.data())
    def test_counting_returns_never_counts_less(self, leads: list[sm.Lead], data: Any) -> None:
        """Each entry counted is at least each lead counted once."""
        start, end = window(data.draw)
        options: dict[str, Any] = {"lifecycle": AGED, "start": start, "end": end}
        once = sm.funnel_report(leads, **options)
        every = sm.funnel_report(leads, count_returns=True, **options)
        for s in AGED.stage_names:
            assert once.reached(s) <= every.reached(s)
            assert (once.reached(s) == 0) == (every.reached(s) == 0)
