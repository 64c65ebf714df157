"""Funnel reports, pinned where the broader tests leave room: what errors say and carry, the
edges of the window and of the SLA clock, and the order of breakdowns.

Every report is computed inside the test that reads it (no shared fixtures), so that each test
is seen to run the code it checks.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

import smarketing as sm

LC = sm.Lifecycle.default(max_age={"mql": timedelta(days=3)})
STAGES = "suspect, prospect, mql, sql, customer, recycled, disqualified"
#: Facts under which every default guard holds.
ANYTHING = {"score": 100, "grade": "A", "engagement": 10, "budget": "40k", "timeline": "Q1"}
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 2, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
FOUR_HOURS = sm.SLA(first_touch=4 * HOUR)


def jan(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def walk(lead_id: str, created: datetime, *steps: tuple[Any, ...], **new: Any) -> sm.Lead:
    """A lead created at `created` and moved by `steps`: (trigger, at[, actor[, reason]])."""
    lead = sm.Lead.new(lead_id, at=created, **new)
    for trigger, at, *rest in steps:
        actor = rest[0] if rest else "auto"
        reason = rest[1] if len(rest) > 1 else None
        lead = LC.fire(lead, trigger, at=at, actor=actor, reason=reason, facts=ANYTHING)
    return lead


def mql(lead_id: str, at: datetime) -> sm.Lead:
    """A lead that became an MQL at `at` (created a day before, engaged an hour before)."""
    return walk(lead_id, at - timedelta(days=1), ("engage", at - HOUR), ("qualify", at))


def report(leads: Iterable[sm.Lead], **options: Any) -> sm.FunnelReport:
    kwargs: dict[str, Any] = {"lifecycle": LC, "start": START, "end": END, **options}
    return sm.funnel_report(leads, **kwargs)


def ids(r: sm.FunnelReport) -> list[Hashable]:
    """The ids of a (computed) report's leads, in order."""
    return list(r.by(lambda lead: lead.id))


def read_back(r: sm.FunnelReport) -> sm.FunnelReport:
    return sm.FunnelReport.from_dict(r.to_dict())


# --- FunnelReport._stage: unknown stage names ----------------------------------------------------


class TestUnknownStageNames:
    def test_the_error_names_the_value_where_and_what_was_expected(self) -> None:
        """A typo in a stage name is a ValidationError carrying the name and listing the stages."""
        r = report([])
        with pytest.raises(sm.ValidationError) as info:
            r.reached("lead")
        err = info.value
        assert str(err) == f"'lead' is not a stage of this report's lifecycle ({STAGES})."
        assert (err.value, err.where, err.expected) == ("lead", "stage", "a stage name")

    def test_the_target_of_a_conversion_is_checked_too(self) -> None:
        """converted(stage, target) checks the target, and names it."""
        r = report([])
        with pytest.raises(sm.ValidationError) as info:
            r.converted("mql", "SQL")
        assert info.value.value == "SQL"


# --- FunnelReport.reasons: main-path stages have none --------------------------------------------


class TestReasonsOfMainPathStages:
    def test_the_error_lists_the_side_stages(self) -> None:
        """Asking the reasons of a main-path stage names it and lists the side stages."""
        r = report([])
        with pytest.raises(sm.ValidationError) as info:
            r.reasons("mql")
        err = info.value
        assert str(err) == (
            "'mql' is on the main path, which leads enter without a reason; reasons are "
            "counted for the side stages (recycled, disqualified)."
        )
        assert (err.value, err.where, err.expected) == (
            "mql",
            "reasons(stage)",
            "recycled, disqualified",
        )

    def test_a_lifecycle_without_side_stages_says_none(self) -> None:
        """With no side stage at all, the message and `expected` say "none"."""
        lc = sm.Lifecycle(
            stages=["a", "b"], initial="a", transitions=[sm.Transition("go", source="a", dest="b")]
        )
        r = sm.funnel_report([], lifecycle=lc, start=START, end=END)
        with pytest.raises(sm.ValidationError) as info:
            r.reasons("a")
        err = info.value
        assert str(err).endswith("reasons are counted for the side stages (none).")
        assert (err.value, err.where, err.expected) == ("a", "reasons(stage)", "none")


# --- FunnelReport.by, _dimension, _owner, _sort --------------------------------------------------


class TestByDimension:
    def test_a_field_name_groups_by_the_field_value(self) -> None:
        """by("industry") reads each lead's industry field; leads without it come last."""
        leads = [
            sm.Lead.new("A", at=jan(2), fields={"industry": "saas"}),
            sm.Lead.new("B", at=jan(3), fields={"industry": "retail"}),
            sm.Lead.new("C", at=jan(4)),
            sm.Lead.new("D", at=jan(5), fields={"industry": "saas"}),
        ]
        parts = report(leads).by("industry")
        assert list(parts) == ["retail", "saas", None]
        assert {k: ids(p) for k, p in parts.items()} == {
            "retail": ["B"],
            "saas": ["A", "D"],
            None: ["C"],
        }

    @pytest.mark.parametrize("dimension", ["", "id", "stage", 3])
    def test_a_bad_dimension_is_named(self, dimension: object) -> None:
        """The error shows the dimension given and carries it, with where and what is expected."""
        r = report([])
        with pytest.raises(sm.ValidationError) as info:
            r.by(dimension)  # type: ignore[arg-type]
        err = info.value
        assert str(err) == (
            "a dimension is 'source', 'owner', a profile field name or a function of the lead "
            f"(got {dimension!r})."
        )
        assert (err.value, err.where, err.expected) == (dimension, "by(dimension)", "a dimension")

    def test_an_unhashable_value_is_named_with_its_lead(self) -> None:
        """A dimension giving a list: the error names the lead and carries the value."""

        def as_list(lead: sm.Lead) -> Any:
            return [lead.id]

        r = report([sm.Lead.new("A", at=jan(2))])
        with pytest.raises(sm.ValidationError) as info:
            r.by(as_list)
        err = info.value
        assert str(err) == "lead 'A': the dimension gave ['A'], which is not hashable."
        assert (err.value, err.where, err.expected) == (["A"], "lead 'A'", "a hashable value")

    def test_a_move_exactly_at_the_end_makes_the_owner(self) -> None:
        """The last person to move the lead by `end` (inclusive) owns it."""
        lead = walk("A", jan(2), ("engage", jan(3), "sales:jo"), ("qualify", END, "sales:ann"))
        later = walk("B", jan(2), ("engage", jan(3), "sales:jo"), ("qualify", END + HOUR, "x"))
        parts = report([lead, later]).by("owner")
        assert {k: ids(p) for k, p in parts.items()} == {"sales:ann": ["A"], "sales:jo": ["B"]}

    def test_values_of_different_types_sort_by_type_name_then_value(self) -> None:
        """Ints before strs (by type name), each sorted, None last: not the order first seen."""
        key = {"A": 2, "B": "b", "C": 1, "D": None, "E": "a"}
        leads = [sm.Lead.new(i, at=jan(2)) for i in key]
        parts = report(leads).by(lambda lead: key[lead.id])
        assert list(parts) == [1, 2, "a", "b", None]

    def test_values_that_do_not_compare_keep_the_order_first_seen(self) -> None:
        """Tuples of mixed types cannot be sorted: they come as first seen, None still last."""
        key: dict[str, Hashable] = {"A": ("x",), "B": None, "C": (1,), "D": ("x",)}
        leads = [sm.Lead.new(i, at=jan(2)) for i in key]
        parts = report(leads).by(lambda lead: key[lead.id])
        assert list(parts) == [("x",), (1,), None]
        assert ids(parts[("x",)]) == ["A", "D"]


# --- FunnelReport.cohorts -----------------------------------------------------------------------


class TestCohorts:
    def test_months_are_the_default_period(self) -> None:
        """cohorts() with no period groups by month of creation."""
        leads = [
            sm.Lead.new("A", at=jan(2)),
            sm.Lead.new("B", at=datetime(2025, 12, 9, tzinfo=UTC)),
        ]
        parts = report(leads, start=datetime(2025, 12, 1, tzinfo=UTC)).cohorts()
        assert {k: ids(p) for k, p in parts.items()} == {"2025-12": ["B"], "2026-01": ["A"]}

    def test_an_unknown_period_is_named(self) -> None:
        """The error shows and carries the period, and says what is expected."""
        r = report([])
        with pytest.raises(sm.ValidationError) as info:
            r.cohorts("quarter")
        err = info.value
        assert str(err) == "period must be 'month' or 'week' (got 'quarter')."
        assert (err.value, err.where, err.expected) == ("quarter", "cohorts(period)", "month")


# --- FunnelReport._require_inputs: a report read back keeps no leads ------------------------------


class TestReadBackReports:
    @pytest.mark.parametrize("method", ["by", "cohorts"])
    def test_breakdowns_say_what_is_missing(self, method: str) -> None:
        """by() and cohorts() on a report from data: the error names the method."""
        back = read_back(report([sm.Lead.new("A", at=jan(2))]))
        with pytest.raises(sm.ValidationError) as info:
            getattr(back, method)("source" if method == "by" else "month")
        err = info.value
        assert str(err) == (
            f"{method}() needs the leads, and a report read back from data keeps only its "
            "numbers; compute the report again with funnel_report()."
        )
        assert (err.value, err.where, err.expected) == (
            None,
            f"FunnelReport.{method}",
            "a computed report",
        )


# --- FunnelReport.to_markdown: the default limit -------------------------------------------------


class TestMarkdownLimit:
    def test_ten_stale_leads_are_listed_by_default(self) -> None:
        """Of eleven stale leads, the first ten are listed and the rest elided."""
        leads = [sm.Lead.new(f"L-{i:02d}", at=jan(2), stage="mql") for i in range(1, 12)]
        text = report(leads).to_markdown()
        listed = ", ".join(f"L-{i:02d}" for i in range(1, 11))
        assert f"**Stale at the end:** 11 leads ({listed}, …).\n" in text


# --- _unknown_stage: leads of another lifecycle -----------------------------------------------


class TestLeadsInUnknownStages:
    def test_the_error_names_the_lead_and_lists_the_stages(self) -> None:
        """A lead created in a stage the lifecycle lacks."""
        unknown_stage_named(sm.Lead.new("W-1", at=jan(2), stage="inquiry"), "inquiry")


def unknown_stage_named(lead: sm.Lead, stage: str) -> None:
    """The report of ``lead`` fails naming the lead and ``stage``, and listing the stages."""
    with pytest.raises(sm.ValidationError) as info:
        report([lead])
    err = info.value
    assert str(err) == (
        f"lead {lead.id!r} has been in stage {stage!r}, which is not a stage of the lifecycle "
        f"({STAGES})."
    )
    assert (err.value, err.where, err.expected) == (stage, f"lead {lead.id!r}", STAGES)


# --- _follow_ups: the SLA clock's edges and its counts ---------------------------------------


class TestFollowUps:
    def test_every_outcome_is_counted(self) -> None:
        """Two clocks met (one exactly at the due time), two late, one untouched and due,
        two still pending at the end."""
        leads = [
            mql("M1", jan(5)),
            mql("M2", jan(6)),
            mql("L1", jan(7)),
            mql("L2", jan(8)),
            mql("U1", jan(9)),
            mql("P1", jan(31, 22)),
            mql("P2", jan(31, 23)),
        ]
        acts = [
            sm.Activity("M1", "call", jan(5, 10)),
            sm.Activity("M2", "meeting", jan(6, 13)),  # exactly at the due time: met
            sm.Activity("L1", "call", jan(7, 13, 1)),
            sm.Activity("L2", "sales_email", jan(9)),
        ]
        r = report(leads, sla=FOUR_HOURS, activities=acts)
        assert r.sla_summary == sm.SLASummary(clocks=7, met=2, late=2, unanswered=1, pending=2)
        assert r.sla_breaches == (
            sm.SLABreach("L1", "mql", jan(7, 13), jan(7, 13, 1)),
            sm.SLABreach("L2", "mql", jan(8, 13), jan(9)),
            sm.SLABreach("U1", "mql", jan(9, 13), None),
        )

    def test_a_touch_exactly_at_the_end_is_seen(self) -> None:
        """A first touch at `end` is inside the window: the clock was answered, late."""
        end = jan(20)
        r = report(
            [mql("A", jan(10))], end=end, sla=FOUR_HOURS, activities=[sm.Activity("A", "call", end)]
        )
        assert r.sla_summary == sm.SLASummary(clocks=1, met=0, late=1, unanswered=0, pending=0)
        assert r.sla_breaches == (sm.SLABreach("A", "mql", jan(10, 13), end),)

    def test_a_clock_due_exactly_at_the_end_has_run_out(self) -> None:
        """Untouched and due at `end`: unanswered, not pending."""
        r = report([mql("A", jan(10))], end=jan(10, 13), sla=FOUR_HOURS)
        assert r.sla_summary == sm.SLASummary(clocks=1, met=0, late=0, unanswered=1, pending=0)
        assert r.sla_breaches == (sm.SLABreach("A", "mql", jan(10, 13), None),)

    def test_each_return_uses_the_same_touches(self) -> None:
        """A lead's second clock (count_returns) finds its own first touch among the lead's."""
        lead = walk(
            "A",
            jan(2),
            ("engage", jan(3)),
            ("qualify", jan(4)),
            ("recycle", jan(6), "sales:jo", "no budget"),
            ("reengage", jan(8), "marketing:li"),
            ("qualify", jan(10)),
        )
        acts = [sm.Activity("A", "call", jan(4, 10)), sm.Activity("A", "call", jan(10, 14))]
        r = report([lead], sla=FOUR_HOURS, activities=acts, count_returns=True)
        assert r.sla_summary == sm.SLASummary(clocks=2, met=1, late=1, unanswered=0, pending=0)
        assert r.sla_breaches == (sm.SLABreach("A", "mql", jan(10, 13), jan(10, 14)),)


# --- SLABreach: its times are checked ----------------------------------------------------------


class TestSLABreachTimes:
    def test_a_breach_may_have_no_first_touch(self) -> None:
        """met_at defaults to None, and None is accepted."""
        assert sm.SLABreach("A", "mql", START).met_at is None
        assert sm.SLABreach("A", "mql", START, None) == sm.SLABreach("A", "mql", START)
        assert sm.SLABreach("A", "mql", START, END).met_at == END

    @pytest.mark.parametrize("field", ["due", "met_at"])
    def test_naive_times_are_named(self, field: str) -> None:
        """A naive due or met_at is a ValidationError naming the field."""
        naive = datetime(2026, 1, 1)
        times = {"due": START, "met_at": END, field: naive}
        with pytest.raises(sm.ValidationError) as info:
            sm.SLABreach("A", "mql", **times)
        err = info.value
        assert str(err) == (
            f"SLABreach.{field} must be timezone-aware (got the naive datetime "
            "2026-01-01T00:00:00); attach a zone, e.g. datetime(..., tzinfo=timezone.utc)."
        )
        assert (err.value, err.where, err.expected) == (
            naive,
            f"SLABreach.{field}",
            "an aware datetime",
        )


# --- SLA touch_kinds: what a bad definition says ------------------------------------------------


class TestTouchKinds:
    @pytest.mark.parametrize(
        ("kinds", "message", "piece"),
        [
            (
                3,
                "'touch_kinds' must be a non-empty collection of activity kinds (non-empty text) "
                "(got 3).",
                3,
            ),
            ((), "'touch_kinds' must name at least one activity kind (got ()).", ()),
            (
                ["call", ""],
                "'touch_kinds' must hold activity kinds as non-empty text (got '').",
                "",
            ),
            (
                ["call", 5],
                "'touch_kinds' must hold activity kinds as non-empty text (got 5).",
                5,
            ),
        ],
    )
    def test_a_bad_collection_is_named(self, kinds: object, message: str, piece: object) -> None:
        """A ConfigError whose message shows, and whose piece is, the offending value."""
        with pytest.raises(sm.ConfigError) as info:
            sm.SLA(first_touch=HOUR, touch_kinds=kinds)
        assert str(info.value) == message
        assert info.value.piece == piece

    def test_kinds_are_kept_in_order(self) -> None:
        """A list of kinds becomes a tuple, in the order given; one text is one kind."""
        assert sm.SLA(HOUR, touch_kinds=["meeting", "call"]).touch_kinds == ("meeting", "call")
        assert sm.SLA(HOUR, touch_kinds="sales_email").touch_kinds == ("sales_email",)


# --- most_common: the order of reasons -----------------------------------------------------


class TestReasonOrder:
    def test_most_common_first_then_alphabetical_then_none(self) -> None:
        """Counts descending; ties alphabetically, whatever order they came in; None last."""
        leads = []
        for i, reason in enumerate(["c", "b", None, "c", "a"]):
            lead = sm.Lead.new(f"L-{i}", at=jan(2))
            changes = [
                sm.StageChange("suspect", "prospect", "engage", jan(3)),
                sm.StageChange("prospect", "mql", "qualify", jan(4)),
                sm.StageChange("mql", "recycled", "recycle", jan(5), reason=reason),
            ]
            leads.append(LC.replay(lead, changes))
        r = report(leads)
        assert list(r.recycle_reasons.items()) == [("c", 2), ("a", 1), ("b", 1), (None, 1)]
        assert list(r.reasons("recycled").items()) == [("c", 2), ("a", 1), ("b", 1), (None, 1)]


# --- _spread and _percentile: time in stage ----------------------------------------------------


def stays(*hours: timedelta) -> sm.TimeInStage | None:
    """The spread of suspect stays of the given lengths, one lead each."""
    leads = [walk(f"L-{i}", jan(2), ("engage", jan(2) + length)) for i, length in enumerate(hours)]
    return report(leads).durations("suspect")


class TestTimeInStage:
    def test_percentiles_interpolate_between_ranks(self) -> None:
        """Four stays: the median halfway between the middle two, p90 70% of the way from the
        third to the fourth, the max the longest."""
        spread = stays(10 * HOUR, HOUR, 3 * HOUR, 2 * HOUR)
        assert spread == sm.TimeInStage(
            count=4,
            p50=2.5 * HOUR,
            p90=3 * HOUR + 7 * HOUR * 7 / 10,
            max=10 * HOUR,
        )

    def test_one_stay_is_every_percentile(self) -> None:
        """A single stay: count 1, and p50 = p90 = max."""
        assert stays(5 * HOUR) == sm.TimeInStage(count=1, p50=5 * HOUR, p90=5 * HOUR, max=5 * HOUR)

    def test_interpolation_rounds_down_to_the_microsecond(self) -> None:
        """Halfway between 0 and 3 microseconds is 1 microsecond, not 2."""
        us = timedelta(microseconds=1)
        spread = stays(timedelta(0), 3 * us)
        assert spread is not None
        assert (spread.p50, spread.p90, spread.max) == (us, 2 * us, 3 * us)

    def test_eleven_stays(self) -> None:
        """Eleven stays of 1..11 hours: the ranks fall on whole stays."""
        spread = stays(*(n * HOUR for n in range(11, 0, -1)))
        assert spread == sm.TimeInStage(count=11, p50=6 * HOUR, p90=10 * HOUR, max=11 * HOUR)


# --- funnel_report and _plan: what bad arguments say -----------------------------------------

NAIVE_HINT = "attach a zone, e.g. datetime(..., tzinfo=timezone.utc)."
ONE_HOUR_SLA = sm.SLA(first_touch=HOUR)


@pytest.mark.parametrize(
    ("options", "message", "value", "where", "expected"),
    [
        (
            {"lifecycle": "default"},
            "lifecycle must be a Lifecycle (got 'default').",
            "default",
            "lifecycle",
            "a Lifecycle",
        ),
        (
            {"start": END, "end": START},
            "the window's end 2026-01-01T00:00:00+00:00 is before its start "
            "2026-02-01T00:00:00+00:00.",
            START,
            "end",
            "at or after 2026-02-01 00:00:00+00:00",
        ),
        (
            {"start": datetime(2026, 1, 1)},
            "funnel_report(start=...) must be timezone-aware (got the naive datetime "
            f"2026-01-01T00:00:00); {NAIVE_HINT}",
            datetime(2026, 1, 1),
            "funnel_report(start=...)",
            "an aware datetime",
        ),
        (
            {"end": datetime(2026, 2, 1)},
            "funnel_report(end=...) must be timezone-aware (got the naive datetime "
            f"2026-02-01T00:00:00); {NAIVE_HINT}",
            datetime(2026, 2, 1),
            "funnel_report(end=...)",
            "an aware datetime",
        ),
        (
            {"sla": 4 * HOUR},
            "sla must be an SLA or None (got datetime.timedelta(seconds=14400)).",
            4 * HOUR,
            "sla",
            "an SLA",
        ),
        (
            {"calendar": "Europe/Berlin"},
            "calendar must be a BusinessCalendar, a WallClock or None (got 'Europe/Berlin').",
            "Europe/Berlin",
            "calendar",
            "a Calendar",
        ),
        (
            {"count_returns": "yes"},
            "count_returns must be True or False (got 'yes').",
            "yes",
            "count_returns",
            "a bool",
        ),
        (
            {"count_returns": 1},
            "count_returns must be True or False (got 1).",
            1,
            "count_returns",
            "a bool",
        ),
        (
            {"sla": sm.SLA(first_touch=HOUR, stage="sal")},
            f"the SLA's stage 'sal' is not a stage of the lifecycle ({STAGES}).",
            "sal",
            "SLA.stage",
            "a stage",
        ),
        (
            {"leads": 3},
            "leads must be a collection (got 3).",
            3,
            "leads",
            "an iterable",
        ),
        (
            {"sla": ONE_HOUR_SLA, "activities": 3},
            "activities must be a collection (got 3).",
            3,
            "activities",
            "an iterable",
        ),
        (
            {"sla": ONE_HOUR_SLA, "activities": [("A", "call")]},
            "funnel_report needs Activity values; activities[0] must be an Activity "
            "(got ('A', 'call')).",
            ("A", "call"),
            "activities[0]",
            "Activity",
        ),
        (
            {"leads": [sm.Lead.new("A", at=START), {"id": "B"}]},
            "leads[1] must be a Lead (got {'id': 'B'}).",
            {"id": "B"},
            "leads[1]",
            "Lead",
        ),
        (
            {"leads": [sm.Lead.new("A", at=START), sm.Lead.new("A", at=jan(3))]},
            "lead id 'A' appears twice; each lead must be given once.",
            "A",
            "leads",
            "distinct ids",
        ),
    ],
)
def test_bad_arguments_are_named(
    options: dict[str, Any], message: str, value: object, where: str, expected: str
) -> None:
    """Each argument is checked; the error shows and carries the value, where and what."""
    given = dict(options)  # the parameters are shared by every run of the test: not changed
    leads = given.pop("leads", [])
    with pytest.raises(sm.ValidationError) as info:
        report(leads, **given)
    err = info.value
    assert str(err) == message
    assert (err.value, err.where, err.expected) == (value, where, expected)


def test_a_history_out_of_order_is_named() -> None:
    """A change earlier than the one before it: the error names the lead and both times."""
    changes = (
        sm.StageChange("suspect", "prospect", "engage", jan(5)),
        sm.StageChange("prospect", "mql", "qualify", jan(4)),
    )
    lead = attrs.evolve(sm.Lead.new("A", at=jan(2)), history=changes, stage="mql")
    with pytest.raises(sm.ValidationError) as info:
        report([lead])
    err = info.value
    assert str(err) == (
        "lead 'A': the change to 'mql' at 2026-01-04T09:00:00+00:00 is earlier than the one "
        "before it (2026-01-05T09:00:00+00:00)."
    )
    assert (err.value, err.where) == (changes[1], "lead 'A'.history")


def test_a_history_through_an_unknown_stage_is_named() -> None:
    """A history that enters a stage the lifecycle lacks names the lead and the stage."""
    odd = sm.StageChange("suspect", "lost", "lose", jan(3))
    lead = attrs.evolve(sm.Lead.new("A", at=jan(2)), history=(odd,))
    with pytest.raises(sm.ValidationError) as info:
        report([lead])
    err = info.value
    assert str(err).startswith("lead 'A' has been in stage 'lost', which is not a stage")
    assert (err.value, err.where, err.expected) == ("lost", "lead 'A'", STAGES)


def test_activities_are_only_read_for_an_sla() -> None:
    """Without an SLA the activities are left alone: an iterator is not consumed."""
    touches = iter([sm.Activity("A", "call", jan(4, 10))])
    r = report([mql("A", jan(4))], activities=touches)
    assert (r.sla, r.sla_summary, r.sla_breaches) == (None, None, ())
    assert next(touches).lead_id == "A"


def test_counting_once_per_lead_is_the_default() -> None:
    """A lead that comes back to mql counts once unless count_returns is asked for."""
    lead = walk(
        "A",
        jan(2),
        ("engage", jan(3)),
        ("qualify", jan(4)),
        ("recycle", jan(6), "sales:jo", "no budget"),
        ("reengage", jan(8), "marketing:li"),
        ("qualify", jan(10)),
    )
    r = report([lead])
    assert (r.count_returns, r.reached("mql")) == (False, 1)
    assert report([lead], count_returns=True).reached("mql") == 2


def test_a_window_may_be_a_single_moment() -> None:
    """start == end is a window: an event at that moment counts."""
    r = report([sm.Lead.new("A", at=START)], end=START)
    assert (r.start, r.end, r.reached("suspect")) == (START, START, 1)


# --- _tally: a lead's initial and current stage are both checked ---------------------------


def moved(lead_id: str, *changes: sm.StageChange, stage: str) -> sm.Lead:
    """A lead created on 2 January with the given history and current stage, as data from
    another system may hold them (neither is checked against a lifecycle here)."""
    return attrs.evolve(sm.Lead.new(lead_id, at=jan(2)), history=changes, stage=stage)


class TestStagesOfAnotherLifecycle:
    def test_a_history_that_starts_in_an_unknown_stage_names_that_stage(self) -> None:
        """The history leaves 'inquiry' for 'prospect': the lead now sits in a known stage,
        but it started in one the lifecycle lacks, and the error names where it started."""
        lead = moved(
            "W-1", sm.StageChange("inquiry", "prospect", "engage", jan(3)), stage="prospect"
        )
        unknown_stage_named(lead, "inquiry")

    def test_a_current_stage_the_lifecycle_lacks_is_named(self) -> None:
        """The history starts in the lifecycle's first stage and only enters known stages, but
        the lead's stage is 'lost': the error names 'lost', not where the lead started."""
        lead = moved("W-2", sm.StageChange("suspect", "prospect", "engage", jan(3)), stage="lost")
        unknown_stage_named(lead, "lost")


# --- _tally: reasons per lead, or per entry ----------------------------------------------


def recycled_three_times() -> sm.Lead:
    """A lead recycled for "no budget", then "bad timing", then "no budget" again."""
    steps: list[tuple[Any, ...]] = [("engage", jan(3)), ("qualify", jan(4))]
    for day, reason in ((5, "no budget"), (8, "bad timing"), (11, "no budget")):
        steps += [
            ("recycle", jan(day), "sales:jo", reason),
            ("reengage", jan(day + 1), "marketing:li"),
            ("qualify", jan(day + 2)),
        ]
    return walk("A", jan(2), *steps)


class TestReasonCounts:
    def test_a_lead_counts_once_per_reason_by_default(self) -> None:
        """Twice recycled for "no budget" is one lead with that reason."""
        r = report([recycled_three_times()])
        assert dict(r.reasons("recycled")) == {"no budget": 1, "bad timing": 1}
        assert r.reached("recycled") == 1

    def test_with_count_returns_each_entry_counts(self) -> None:
        """With count_returns, the two "no budget" recycles count twice."""
        r = report([recycled_three_times()], count_returns=True)
        assert list(r.reasons("recycled").items()) == [("no budget", 2), ("bad timing", 1)]
        assert r.reached("recycled") == 3


# --- _tally: stale exactly at the stage's max_age ----------------------------------------


class TestStaleBoundary:
    def test_a_lead_exactly_at_max_age_is_not_stale(self) -> None:
        """mql's max_age is 3 days: a lead in mql for exactly 3 days at `end` is not past it;
        one a microsecond longer is."""
        age = timedelta(days=3)
        at_limit = mql("A", END - age)
        past = mql("B", END - age - timedelta(microseconds=1))
        r = report([at_limit, past])
        assert r.stale == ("B",)


# --- _conversions: a lead that comes back ------------------------------------------------


def back_to_mql_then_sql() -> sm.Lead:
    """suspect, prospect, mql, recycled, prospect, mql, sql."""
    return walk(
        "A",
        jan(2),
        ("engage", jan(3)),
        ("qualify", jan(4)),
        ("recycle", jan(6), "sales:jo", "no budget"),
        ("reengage", jan(8), "marketing:li"),
        ("qualify", jan(10)),
        ("accept", jan(12), "sales:ann"),
    )


class TestConversionsOfReturningLeads:
    def test_once_per_lead_a_stage_converts_to_itself_only_on_a_return(self) -> None:
        """The lead came back to mql and prospect, but never to suspect or sql."""
        r = report([back_to_mql_then_sql()])
        assert r.converted("mql", "mql") == 1
        assert r.converted("prospect", "prospect") == 1
        assert r.converted("suspect", "suspect") == 0
        assert r.converted("sql", "sql") == 0
        assert r.converted("mql", "sql") == 1

    def test_with_count_returns_an_entry_converts_only_before_the_next_one(self) -> None:
        """Of the two mql entries only the second went on to sql (the first was recycled
        first); the first came back to mql, the second did not."""
        r = report([back_to_mql_then_sql()], count_returns=True)
        assert r.reached("mql") == 2
        assert r.converted("mql", "sql") == 1
        assert r.conversion("mql", "sql") == 0.5
        assert r.converted("mql", "mql") == 1
        assert r.converted("prospect", "sql") == 1
        assert r.converted("prospect", "prospect") == 1
        assert r.converted("mql", "recycled") == 1


# --- _compute: the report says which clock it ran on -------------------------------------


class TestReportClock:
    def test_a_business_calendar_is_named(self) -> None:
        """With a BusinessCalendar the report, its Markdown and its data name the calendar."""
        office = sm.BusinessCalendar("Europe/Berlin")
        r = report([mql("A", jan(5))], sla=FOUR_HOURS, calendar=office)
        words = "business hours (Mon-Fri 09:00-17:00, Europe/Berlin)"
        assert r.clock == words
        assert f"of entering mql, counted in {words}." in r.to_markdown()
        assert r.to_dict()["clock"] == words
        assert read_back(r).clock == words

    def test_sub_reports_keep_the_calendar(self) -> None:
        """by() recounts on the report's calendar, and says so."""
        office = sm.BusinessCalendar("Europe/Berlin")
        r = report([mql("A", jan(5))], sla=FOUR_HOURS, calendar=office)
        (part,) = r.by("source").values()
        assert part.clock == r.clock

    def test_wall_clock_time_is_the_default(self) -> None:
        """Without a calendar, the report ran on elapsed time."""
        assert report([]).clock == "wall-clock time (every hour counts)"


# --- most_common: an empty reason read from data -----------------------------------------


class TestMergedReasonOrder:
    def test_no_reason_sorts_last_among_ties(self) -> None:
        """Merged over two recycle stages, reasons of the same count are in alphabetical
        order, and an entry without a reason (read back from data) comes after them."""
        lc = sm.Lifecycle(
            stages=["inquiry", "mql", "nurture", "hold"],
            initial="inquiry",
            transitions=[
                sm.Transition("qualify", source="inquiry", dest="mql"),
                sm.Transition("park", source="mql", dest="nurture", requires_reason=True),
                sm.Transition("pause", source="mql", dest="hold", requires_reason=True),
            ],
        )
        leads = []
        for lead_id, trigger, reason in (("A", "park", "A"), ("B", "pause", "Z")):
            lead = lc.fire(sm.Lead.new(lead_id, at=jan(2), stage="inquiry"), "qualify", at=jan(3))
            leads.append(lc.fire(lead, trigger, at=jan(4), reason=reason))
        r = sm.funnel_report(leads, lifecycle=lc, start=START, end=END)
        assert r.recycle_stages == ("nurture", "hold")
        assert list(r.recycle_reasons.items()) == [("A", 1), ("Z", 1)]
        data = r.to_dict()
        assert data["reasons"] == {"nurture": [["A", 1]], "hold": [["Z", 1]]}
        data["reasons"] = {"nurture": [["Z", 1]], "hold": [[None, 1], ["A", 1]]}
        back = sm.FunnelReport.from_dict(data)
        assert list(back.recycle_reasons.items()) == [("A", 1), ("Z", 1), (None, 1)]
