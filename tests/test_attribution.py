"""Attribution and ROI: position models by hand, the Markov chain against simulation, Shapley
against enumeration, and credit that always adds up."""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smarketing as sm
from smarketing.attribution import MODELS, attribute, markov_credit, shapley_credit

T0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
MAIN = ("suspect", "prospect", "mql", "sql", "customer")
TRIGGERS = {"prospect": "engage", "mql": "qualify", "sql": "accept", "customer": "win"}
HEURISTIC = [m for m in MODELS if m not in ("markov", "shapley")]


def hours(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def lead(
    lead_id: str, created: float, reached: Sequence[tuple[str, float]] = (), **fields: object
) -> sm.Lead:
    """A lead created at hour `created` that entered each (stage, hour) of `reached` in turn."""
    base = sm.Lead.new(lead_id, at=hours(created), fields=fields)
    history, stage = [], base.stage
    for dest, at in reached:
        history.append(sm.StageChange(stage, dest, TRIGGERS.get(dest, "move"), hours(at)))
        stage = dest
    return sm.Lead(lead_id, stage, base.created_at, None, base.fields, tuple(history), stage)


def touches(lead_id: str, *steps: tuple[str, float], **props: object) -> list[sm.Activity]:
    return [
        sm.Activity(lead_id, "touch", hours(at), {"channel": channel, **props})
        for channel, at in steps
    ]


def to_customer(lead_id: str, created: float, sql: float, won: float) -> sm.Lead:
    return lead(
        lead_id,
        created,
        [("prospect", created), ("mql", created), ("sql", sql), ("customer", won)],
    )


def credit_of(leads: list[sm.Lead], acts: list[sm.Activity], model: str, **kw: object) -> dict:
    a = attribute(leads, acts, model=model, **kw)  # type: ignore[arg-type]
    return {k: round(v, 9) for k, v in a.credit.items() if v}


# --- the position models, by hand -------------------------------------------------------------

# Five touches: A and X before the lead's creation at hour 12 (B is the lead-creation touch,
# the last one at or before it), C the last before its SQL entry at hour 25 (the opportunity
# touch), then Y and D before it becomes a customer at hour 40 (D is the won touch).
FIVE = touches("L", ("A", 0), ("X", 5), ("B", 10), ("C", 20), ("Y", 28), ("D", 30))
FIVE_LEAD = to_customer("L", 12, 25, 40)


class TestPositionModels:
    @pytest.mark.parametrize("model", HEURISTIC)
    def test_one_touch_gets_all_the_credit(self, model: str) -> None:
        """A one-touch journey: every model gives that touch the whole conversion."""
        leads = [to_customer("L", 5, 10, 20)]
        assert credit_of(leads, touches("L", ("A", 0)), model) == {"A": 1.0}

    @pytest.mark.parametrize(
        ("model", "expected"),
        [
            ("first_touch", {"A": 1.0}),
            ("last_touch", {"B": 1.0}),
            ("lead_creation", {"A": 1.0}),
            ("linear", {"A": 0.5, "B": 0.5}),
            # A is first and lead-creation touch (80%); nothing lies between: the 20% is
            # split over the positional touches, A alone.
            ("u_shaped", {"A": 1.0}),
            # 30 + 30 to A, 30 to B (opportunity); no touch between: 10 split over A and B.
            ("w_shaped", {"A": 0.65, "B": 0.35}),
            # 22.5 x 2 each (A: first, creation; B: opportunity, won), 10 split over both.
            ("full_path", {"A": 0.5, "B": 0.5}),
        ],
    )
    def test_two_touches(self, model: str, expected: dict[str, float]) -> None:
        """A before the lead's creation, B before its SQL entry."""
        leads = [to_customer("L", 5, 12, 20)]
        assert credit_of(leads, touches("L", ("A", 0), ("B", 10)), model) == expected

    def test_u_shaped_splits_the_rest_over_the_positions_when_nothing_lies_between(self) -> None:
        """First touch A, lead-creation touch B, no touch between: 50/50."""
        leads = [to_customer("L", 10, 12, 20)]
        acts = touches("L", ("A", 0), ("B", 10), ("C", 11))
        assert credit_of(leads, acts, "u_shaped") == {"A": 0.5, "B": 0.5}

    @pytest.mark.parametrize(
        ("model", "expected"),
        [
            ("first_touch", {"A": 1.0}),
            ("last_touch", {"D": 1.0}),
            ("lead_creation", {"B": 1.0}),
            ("linear", dict.fromkeys("AXBCYD", round(1 / 6, 9))),
            # 40 first, 40 lead creation, 20 to the touch between them (X).
            ("u_shaped", {"A": 0.4, "X": 0.2, "B": 0.4}),
            # 30/30/30 to A, B, C; 10 to X, the only touch between A and C holding no
            # position; Y and D come after the opportunity: nothing.
            ("w_shaped", {"A": 0.3, "X": 0.1, "B": 0.3, "C": 0.3}),
            # 22.5 to A, B, C and D; 10 over X and Y.
            ("full_path", {"A": 0.225, "X": 0.05, "B": 0.225, "C": 0.225, "Y": 0.05, "D": 0.225}),
        ],
    )
    def test_six_touches(self, model: str, expected: dict[str, float]) -> None:
        """Every position on its own touch, with touches between them."""
        assert credit_of([FIVE_LEAD], FIVE, model) == expected

    def test_three_touches_w_shaped(self) -> None:
        """Three touches on three positions: 30 + 10/3 each (nothing lies between)."""
        leads = [to_customer("L", 12, 25, 40)]
        acts = touches("L", ("A", 0), ("B", 10), ("C", 20))
        third = round(0.3 + 0.1 / 3, 9)
        assert credit_of(leads, acts, "w_shaped") == {"A": third, "B": third, "C": third}
        # C is opportunity and won touch: 45, and a third of the rest like A and B.
        edge = round(0.225 + 0.1 / 3, 9)
        assert credit_of(leads, acts, "full_path") == {
            "A": edge,
            "B": edge,
            "C": round(0.45 + 0.1 / 3, 9),
        }

    def test_repeated_channels_add_up(self) -> None:
        """A channel touched twice collects the credit of both touches."""
        leads = [to_customer("L", 0, 15, 30)]
        acts = touches("L", ("A", 0), ("A", 10), ("B", 20))
        assert credit_of(leads, acts, "linear") == {"A": round(2 / 3, 9), "B": round(1 / 3, 9)}
        # A is first, lead-creation and opportunity touch; B, the won touch, has no share.
        assert credit_of(leads, acts, "w_shaped") == {"A": 1.0}
        # 22.5 x 3 + 22.5 to B; the rest over the positional touches (two A's and B).
        assert credit_of(leads, acts, "full_path") == {
            "A": round(0.675 + 0.1 * 2 / 3, 9),
            "B": round(0.225 + 0.1 / 3, 9),
        }

    def test_time_decay_halves_each_half_life(self) -> None:
        """Touches 14 and 7 days before the conversion weigh a quarter and a half."""
        day = 24
        leads = [to_customer("L", 0, 13 * day, 14 * day)]
        acts = touches("L", ("A", 0), ("B", 7 * day), ("C", 14 * day))
        assert credit_of(leads, acts, "time_decay") == {
            "A": round(1 / 7, 9),
            "B": round(2 / 7, 9),
            "C": round(4 / 7, 9),
        }
        half = credit_of(leads, acts, "time_decay", half_life=timedelta(days=14))
        assert half["A"] == pytest.approx(1 / (1 + 2**0.5 + 2))

    def test_a_lead_with_no_touch_before_creation_has_the_first_touch_as_creation_touch(
        self,
    ) -> None:
        """Positions with no touch at or before their time fall to the first touch."""
        leads = [to_customer("L", 0, 15, 30)]
        acts = touches("L", ("A", 5), ("B", 20))
        assert credit_of(leads, acts, "lead_creation") == {"A": 1.0}

    def test_to_mql_the_opportunity_position_is_the_won_touch(self) -> None:
        """Before an SQL entry, w_shaped's opportunity share goes to the last touch."""
        leads = [lead("L", 5, [("prospect", 6), ("mql", 30)])]
        acts = touches("L", ("A", 0), ("X", 10), ("B", 20))
        assert credit_of(leads, acts, "w_shaped", milestone="mql") == {
            "A": 0.6,
            "X": 0.1,
            "B": 0.3,
        }


# --- journeys, windows and values -------------------------------------------------------------


class TestJourneys:
    def test_touches_come_in_time_order_ties_as_given(self) -> None:
        """Activities given out of order are sorted by time; ties keep the order given."""
        leads = [to_customer("L", 0, 5, 10)]
        acts = touches("L", ("late", 3), ("tie-1", 1), ("tie-2", 1), ("first", 0.5))
        assert credit_of(leads, acts, "first_touch") == {"first": 1.0}
        assert credit_of(leads, acts, "last_touch") == {"late": 1.0}
        assert attribute(leads, acts).paths == {("first", "tie-1", "tie-2", "late"): (1, 0)}

    def test_touches_after_the_milestone_do_not_count(self) -> None:
        """The journey ends when the lead first reaches the milestone."""
        leads = [to_customer("L", 0, 5, 10)]
        acts = touches("L", ("A", 1), ("B", 11))
        assert credit_of(leads, acts, "last_touch") == {"A": 1.0}

    def test_a_conversion_with_no_touch_is_reported_not_dropped(self) -> None:
        """Zero-touch conversions are credited to None and counted."""
        leads = [to_customer("L", 0, 5, 10), to_customer("M", 0, 5, 10)]
        a = attribute(leads, touches("L", ("A", 1)), model="linear")
        assert a.conversions == 2 and a.no_touch == 1
        assert dict(a.credit) == {"A": 1.0, None: 1.0}
        assert "(no touch)" in a.to_markdown()

    def test_the_window_counts_first_entries_inside_it(self) -> None:
        """Converted before start: left out; after end: a journey that did not convert."""
        leads = [to_customer("early", 0, 2, 4), to_customer("in", 0, 20, 30)]
        leads.append(to_customer("late", 0, 50, 80))
        acts = touches("early", ("A", 1)) + touches("in", ("B", 1)) + touches("late", ("C", 1))
        a = attribute(leads, acts, model="linear", start=hours(10), end=hours(60))
        assert dict(a.credit) == {"B": 1.0}
        assert a.conversions == 1 and a.journeys == 2
        assert a.paths == {("B",): (1, 0), ("C",): (0, 1)}

    def test_leads_created_after_the_end_are_not_read(self) -> None:
        """A lead that did not exist by the end is no journey at all."""
        leads = [to_customer("L", 100, 110, 120)]
        a = attribute(leads, touches("L", ("A", 101)), model="linear", end=hours(50))
        assert (a.journeys, a.conversions) == (0, 0)

    def test_the_first_entry_into_the_milestone_counts(self) -> None:
        """A lead that comes back to mql converts at its first entry."""
        reached = [("prospect", 1), ("mql", 5), ("recycled", 8), ("prospect", 9), ("mql", 20)]
        leads = [lead("L", 0, reached)]
        acts = touches("L", ("A", 2), ("B", 10))
        assert credit_of(leads, acts, "last_touch", milestone="mql") == {"A": 1.0}

    def test_a_lead_created_in_the_milestone_stage_converts_at_creation(self) -> None:
        """The initial stage is entered at creation."""
        created = sm.Lead.new("L", at=hours(5), stage="mql")
        acts = touches("L", ("A", 1), ("B", 6))
        assert credit_of([created], acts, "last_touch", milestone="mql") == {"A": 1.0}

    def test_channels_from_a_mapping_of_kinds_or_a_function(self) -> None:
        """A touch's channel may come from its kind, or from any function of the activity."""
        leads = [to_customer("L", 0, 5, 10)]
        acts = [
            sm.Activity("L", "email_open", hours(1)),
            sm.Activity("L", "page_view", hours(2), {"utm": "cpc"}),
            sm.Activity("L", "call", hours(3)),
        ]
        by_kind = credit_of(leads, acts, "linear", channel={"email_open": "email"})
        assert by_kind == {"email": 1.0}
        by_fn = credit_of(leads, acts, "linear", channel=lambda a: a.properties.get("utm"))
        assert by_fn == {"cpc": 1.0}

    def test_the_lead_source_can_be_the_creation_touch(self) -> None:
        """source=True: the lead's source is a touch at its creation."""
        won = attrs.evolve(to_customer("L", 0, 3, 4), source="webinar")
        acts = touches("L", ("email", 2))
        assert credit_of([won], acts, "lead_creation", source=True) == {"webinar": 1.0}
        assert credit_of([won], acts, "first_touch", source={"webinar": "events"}) == {
            "events": 1.0
        }
        assert credit_of([won], acts, "first_touch", source={"ads": "paid"}) == {"email": 1.0}

    def test_revenue_is_credited_like_the_conversions(self) -> None:
        """value= names a numeric field: credit is revenue and sums to it."""
        leads = [
            lead("L", 0, [("prospect", 0), ("mql", 0), ("sql", 5), ("customer", 10)], deal=900),
            lead("M", 0, [("prospect", 0), ("mql", 0), ("sql", 5), ("customer", 10)], deal=100),
            lead("N", 0, [("prospect", 0), ("mql", 0), ("sql", 5), ("customer", 10)]),
        ]
        acts = touches("L", ("A", 1), ("B", 2)) + touches("M", ("B", 1))
        a = attribute(leads, acts, model="linear", value="deal")
        assert a.revenue == 1000
        assert dict(a.credit) == {"A": 450.0, "B": 550.0, None: 0.0}
        assert dict(a.conversion_credit) == {"A": 0.5, "B": 1.5, None: 1.0}
        by_id = attribute(leads, acts, model="linear", value={"L": 10, "M": 20})
        assert dict(by_id.credit) == {"A": 5.0, "B": 25.0, None: 0.0}

    def test_campaigns_split_the_channels_credit(self) -> None:
        """campaign= credits (channel, campaign); the channels' credit is their sum."""
        leads = [to_customer("L", 0, 5, 10)]
        acts = [
            sm.Activity("L", "ad", hours(1), {"channel": "paid", "campaign": "spring"}),
            sm.Activity("L", "ad", hours(2), {"channel": "paid", "campaign": "brand"}),
            sm.Activity("L", "mail", hours(3), {"channel": "email"}),
        ]
        a = attribute(leads, acts, model="linear", campaign="campaign")
        third = pytest.approx(1 / 3)
        assert dict(a.campaign_credit) == {
            ("email", None): third,
            ("paid", "brand"): third,
            ("paid", "spring"): third,
        }
        assert a.credit["paid"] == pytest.approx(2 / 3)


# --- ROI --------------------------------------------------------------------------------------


def funnel_leads() -> tuple[list[sm.Lead], list[sm.Activity]]:
    """Three leads: one customer through A then B, one SQL through B, one MQL through A."""
    leads = [
        lead("L1", 0, [("prospect", 1), ("mql", 2), ("sql", 3), ("customer", 4)], deal=1000),
        lead("L2", 0, [("prospect", 1), ("mql", 2), ("sql", 3)]),
        lead("L3", 0, [("prospect", 1), ("mql", 2)]),
    ]
    acts = touches("L1", ("A", 0), ("B", 1.5)) + touches("L2", ("B", 0)) + touches("L3", ("A", 0))
    return leads, acts


class TestROI:
    def test_cost_per_conversion_per_milestone(self) -> None:
        """Credit at each milestone by the same model, divided into the cost."""
        leads, acts = funnel_leads()
        a = attribute(leads, acts, model="first_touch", value="deal")
        roi = a.roi({"A": 500.0, "B": 300.0, "C": 50.0})
        assert list(roi) == ["A", "B", "C"]
        first = roi["A"]
        assert (first.leads, first.mqls, first.sqls, first.customers) == (2, 2, 1, 1)
        assert (first.cost_per_lead, first.cost_per_sql, first.cost_per_customer) == (250, 500, 500)
        assert first.revenue == 1000 and first.roi == 1.0
        second = roi["B"]
        assert (second.customers, second.cost_per_customer, second.roi) == (0, None, -1.0)
        unused = roi["C"]
        assert (unused.leads, unused.cost_per_lead, unused.revenue) == (0, None, 0)

    def test_without_value_or_cost_figures_are_none(self) -> None:
        """No revenue: no ROI; no cost: no ROI, and cost per conversion 0 only with credit."""
        leads, acts = funnel_leads()
        row = attribute(leads, acts, model="linear").roi({})["A"]
        assert row.cost == 0 and row.revenue is None and row.roi is None
        assert row.cost_per_customer == 0.0

    def test_cost_records_outside_the_window_are_left_out(self) -> None:
        """Cost records count by their start date, inside the window."""
        leads, acts = funnel_leads()
        a = attribute(leads, acts, model="linear", start=hours(-1), end=hours(100))
        costs = [
            sm.Cost("A", None, date(2026, 1, 5), 100.0),
            sm.Cost("A", "spring", date(2026, 1, 9), 50.0),
            sm.Cost("A", None, date(2026, 1, 10), 1000.0),
            sm.Cost("B", None, date(2026, 1, 4), 1000.0),
        ]
        roi = a.roi(costs)
        assert roi["A"].cost == 150.0 and roi["B"].cost == 0.0
        assert attribute(leads, acts, model="linear").roi(costs)["B"].cost == 1000.0

    def test_campaign_rows_when_credit_is_by_campaign(self) -> None:
        """At the campaign level, ROI has a row per (channel, campaign)."""
        leads, _ = funnel_leads()
        acts = [
            sm.Activity("L1", "ad", hours(0), {"channel": "A", "campaign": "spring"}),
            sm.Activity("L2", "ad", hours(0), {"channel": "A"}),
        ]
        a = attribute(leads, acts, model="first_touch", campaign="campaign")
        roi = a.roi([sm.Cost("A", "spring", date(2026, 1, 5), 80.0)])
        rows = {(r.channel, r.campaign): (r.cost, r.sqls) for r in roi.campaigns}
        assert rows == {("A", None): (0.0, 1.0), ("A", "spring"): (80.0, 1.0)}
        assert roi["A"].cost == 80.0
        assert "A / spring" in roi.to_markdown()

    def test_a_lifecycle_without_a_stage_has_no_figure_for_it(self) -> None:
        """A waterfall without mql/sql: those columns are None."""
        lc = sm.Lifecycle(
            stages=["inquiry", "customer"],
            initial="inquiry",
            transitions=[sm.Transition("win", source=["inquiry"], dest="customer")],
        )
        won = lead("L", 0, [("customer", 5)])
        won = sm.Lead(
            "L",
            "customer",
            won.created_at,
            None,
            {},
            (sm.StageChange("inquiry", "customer", "win", hours(5)),),
            "customer",
        )
        a = attribute([won], touches("L", ("A", 1)), model="linear", lifecycle=lc)
        row = a.roi({"A": 10})["A"]
        assert (row.leads, row.mqls, row.sqls, row.customers) == (0.0, None, None, 1.0)

    @pytest.mark.parametrize("costs", [{"A": -1.0}, {"": 5.0}, {"A": "5"}, [("A", 5.0)]])
    def test_bad_costs_are_named(self, costs: object) -> None:
        """Negative, non-numeric or unnamed costs are a ValidationError."""
        leads, acts = funnel_leads()
        with pytest.raises(sm.ValidationError):
            attribute(leads, acts).roi(costs)  # type: ignore[arg-type]

    def test_a_cost_record_checks_itself(self) -> None:
        """Cost validates its channel, campaign, start and amount."""
        with pytest.raises(sm.ValidationError, match="must not be negative"):
            sm.Cost("A", None, date(2026, 1, 1), -5)
        with pytest.raises(sm.ValidationError, match="channel"):
            sm.Cost("", None, date(2026, 1, 1), 5)
        with pytest.raises(sm.ValidationError, match="campaign"):
            sm.Cost("A", "", date(2026, 1, 1), 5)
        with pytest.raises(sm.ValidationError, match="a date"):
            sm.Cost("A", None, T0, 5)

    def test_roi_renders_and_serialises(self) -> None:
        """to_markdown has a row per channel; to_dict is JSON-safe."""
        leads, acts = funnel_leads()
        roi = attribute(leads, acts, value="deal").roi({"A": 500.0})
        text = roi.to_markdown()
        assert "| A | 500 |" in text and "| B | 0 |" in text
        data = json.loads(json.dumps(roi.to_dict()))
        assert data["channels"][0]["cost_per_lead"] == 250.0  # A: first touch of L1 and L3


# --- compare and output -----------------------------------------------------------------------


class TestCompareAndOutput:
    def test_compare_puts_each_model_in_a_column(self) -> None:
        """Each column adds up to the conversions."""
        a = attribute([FIVE_LEAD], FIVE, model="linear")
        table = a.compare(["first_touch", "linear", "w_shaped", "markov"])
        assert table.models == ("first_touch", "linear", "w_shaped", "markov")
        assert table.credit["first_touch"] == {"A": 1.0}
        for model in table.models:
            assert math.fsum(table.credit[model].values()) == pytest.approx(1.0)
        text = table.to_markdown()
        assert "| channel | first_touch | linear | w_shaped | markov |" in text
        assert "| Y | 0.0 | 0.2 | 0.0 | 0.2 |" in text
        assert json.loads(json.dumps(table.to_dict()))["models"][0] == "first_touch"

    def test_compare_needs_known_models(self) -> None:
        """An empty or unknown model list is a ValidationError."""
        a = attribute([FIVE_LEAD], FIVE)
        with pytest.raises(sm.ValidationError, match="at least one"):
            a.compare([])
        with pytest.raises(sm.ValidationError, match="did you mean 'markov'"):
            a.compare(["markow"])

    def test_attribution_to_dict_and_markdown(self) -> None:
        """The numbers as JSON-safe data and as a Markdown table."""
        leads, acts = funnel_leads()
        a = attribute(leads, acts, model="linear", value="deal", start=hours(-5), end=hours(50))
        data = json.loads(json.dumps(a.to_dict()))
        assert data["conversion_credit"] == [["A", 0.5], ["B", 0.5]]
        assert data["revenue_credit"] == [["A", 500.0], ["B", 500.0]]
        assert data["start"] == hours(-5).isoformat()
        text = a.to_markdown()
        assert "| A | 0.5 | 50.0% | 500 |" in text
        assert "1 customer conversions, from 2026-01-05 04:00+00:00" in text
        assert "all time" in attribute(leads, acts).to_markdown()
        assert repr(a) == (
            "Attribution(model='linear', milestone='customer', conversions=1, no_touch=0, "
            "credit={'A': 500.0, 'B': 500.0})"
        )


# --- bad input ----------------------------------------------------------------------------------


class TestBadInput:
    def test_an_unknown_model_suggests_the_closest(self) -> None:
        """A misspelt model name says what was probably meant."""
        with pytest.raises(sm.ValidationError, match="did you mean 'w_shaped'"):
            attribute([], [], model="w-shaped")
        with pytest.raises(sm.ValidationError, match="is not an attribution model"):
            attribute([], [], model="zzz")

    def test_a_milestone_the_lifecycle_lacks(self) -> None:
        """The milestone and the opportunity stage must be stages of the lifecycle."""
        with pytest.raises(sm.ValidationError, match="milestone='won'"):
            attribute([], [], milestone="won")
        with pytest.raises(sm.ValidationError, match="opportunity='deal'"):
            attribute([], [], model="full_path", opportunity="deal")

    @pytest.mark.parametrize("name", ["", "  ", 3.5, True])
    def test_an_empty_or_odd_channel_names_the_activity(self, name: object) -> None:
        """A touch whose channel is empty text (or not text) is named with its lead."""
        acts = [sm.Activity("L", "ad", hours(1), {"channel": name})]
        with pytest.raises(sm.ValidationError, match="lead 'L': the ad activity"):
            attribute([to_customer("L", 0, 5, 10)], acts)

    @pytest.mark.parametrize(
        ("props", "where"),
        [
            ({"channel": ["ads", "email"]}, ""),
            ({"channel": "ads", "utm": {"id": 7}}, ": campaign"),
        ],
    )
    def test_a_channel_or_campaign_that_is_a_list_or_a_mapping_names_the_activity(
        self, props: dict[str, object], where: str
    ) -> None:
        """A property holding several values is not a channel name: an error, not a TypeError."""
        acts = [sm.Activity("L", "ad", hours(1), props)]
        with pytest.raises(sm.ValidationError) as info:
            attribute([to_customer("L", 0, 5, 10)], acts, campaign="utm")
        bad = props["utm" if where else "channel"]
        expected_where = f"lead 'L': the ad activity at {hours(1).isoformat()}{where}"
        assert (info.value.value, info.value.where) == (bad, expected_where)
        assert info.value.expected == "a channel name"
        assert str(info.value) == (
            f"{expected_where}: a channel must be non-empty text (got {bad!r})."
        )

    def test_a_numeric_channel_is_text(self) -> None:
        """A channel read from a CSV file as a number is its text (but True is no 1)."""
        acts = [sm.Activity("L", "ad", hours(1), {"channel": 2026})]
        assert credit_of([to_customer("L", 0, 5, 10)], acts, "linear") == {"2026": 1.0}
        acts = [sm.Activity("L", "ad", hours(h), {"channel": c}) for h, c in ((1, 1), (2, True))]
        with pytest.raises(sm.ValidationError, match="got True"):
            attribute([to_customer("L", 0, 5, 10)], acts)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"channel": ""}, "channel="),
            ({"channel": 5}, "channel="),
            ({"channel": {"ad": ""}}, "channel"),
            ({"campaign": ""}, "campaign="),
            ({"source": "yes"}, "source="),
            ({"source": {"ads": ""}}, "source"),
            ({"value": 5}, "value="),
            ({"order": 0}, "order"),
            ({"half_life": timedelta(0)}, "half_life"),
            ({"start": datetime(2026, 1, 1)}, "timezone-aware"),
            ({"start": hours(10), "end": hours(5)}, "before"),
        ],
    )
    def test_bad_options_are_named(self, kwargs: dict[str, object], match: str) -> None:
        """Every option is checked, and the error names it."""
        with pytest.raises(sm.ValidationError, match=match):
            attribute([to_customer("L", 0, 5, 10)], touches("L", ("A", 1)), **kwargs)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("leads", "activities", "kwargs", "match"),
        [
            (None, [], {}, r"attribute\(leads\) must be a collection"),
            ([], 5, {}, r"attribute\(activities\) must be a collection"),
            (["L"], [], {}, r"leads\[0\] must be a Lead \(got 'L'\)"),
            ([], ["x"], {}, r"activities\[0\] must be an Activity"),
            ([], [], {"lifecycle": "default"}, r"lifecycle=\.\.\.\) must be a Lifecycle"),
        ],
    )
    def test_what_is_not_leads_activities_or_a_lifecycle_is_named(
        self, leads: object, activities: object, kwargs: dict[str, object], match: str
    ) -> None:
        """The leads, the activities and the lifecycle are checked, and the error names them."""
        with pytest.raises(sm.ValidationError, match=match):
            attribute(leads, activities, **kwargs)  # type: ignore[arg-type]

    def test_a_bad_value_names_the_lead(self) -> None:
        """A revenue that is not a number is named with its lead."""
        leads = [lead("L", 0, [("customer", 5)], deal="lots")]
        with pytest.raises(sm.ValidationError, match="lead 'L'"):
            attribute(leads, touches("L", ("A", 1)), value="deal")
        with pytest.raises(sm.ValidationError, match="value"):
            attribute(leads, touches("L", ("A", 1)), value={"L": -5})

    @pytest.mark.parametrize(
        "paths",
        [
            {(): (1, 0)},
            {("A", ""): (1, 0)},
            {("A", 5): (1, 0)},
            {"A": (1, 0)},
            {("A",): (1,)},
            {("A",): (-1, 0)},
            {("A",): (float("nan"), 0)},
            [("A",)],
        ],
    )
    def test_bad_paths(self, paths: object) -> None:
        """Empty paths, empty channel names and negative counts are a ValidationError."""
        with pytest.raises(sm.ValidationError):
            markov_credit(paths)  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError):
            shapley_credit(paths)  # type: ignore[arg-type]

    def test_a_bad_order(self) -> None:
        """The chain's order is a whole number >= 1."""
        with pytest.raises(sm.ValidationError, match="order"):
            markov_credit({("A",): (1, 0)}, order=0)


# --- the Markov model -------------------------------------------------------------------------


def path_counts(
    channels: str, *, longest: int
) -> st.SearchStrategy[dict[tuple[str, ...], tuple[int, int]]]:
    """Up to eight paths over `channels`, each with its conversions and non-conversions."""
    return st.dictionaries(
        st.lists(st.sampled_from(channels), min_size=1, max_size=longest).map(tuple),
        st.tuples(st.integers(0, 9), st.integers(0, 9)),
        min_size=1,
        max_size=8,
    )


WHITEPAPER = {
    ("A", "B", "A", "B", "B", "A"): (1, 0),
    ("A", "B", "B", "A", "A"): (1, 0),
    ("A", "A"): (1, 0),
}


def simulated_removal_effects(
    paths: dict[tuple[str, ...], tuple[int, int]], order: int, walks: int, seed: int
) -> tuple[dict[str, float], dict[str, float]]:
    """An independent oracle: count the chain's transitions, then walk it `walks` times with
    and without each channel. Returns removal effects and their standard errors."""
    moves: dict[tuple[str, ...], dict[object, int]] = {}
    for path, (conversions, nulls) in paths.items():
        steps = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        states: list[object] = [()]
        states += [tuple(steps[max(0, i + 1 - order) : i + 1]) for i in range(len(steps))]
        for outcome, n in (("conv", conversions), ("null", nulls)):
            for a, b in zip(states, [*states[1:], outcome], strict=True):
                row = moves.setdefault(a, {})  # type: ignore[arg-type]
                row[b] = row.get(b, 0) + n
    table = {s: (list(row), list(itertools.accumulate(row.values()))) for s, row in moves.items()}
    rng = random.Random(seed)

    def rate(removed: str | None) -> float:
        won = 0
        for _ in range(walks):
            state: object = ()
            while True:
                targets, cum = table[state]  # type: ignore[index]
                state = rng.choices(targets, cum_weights=cum)[0]
                if state in ("conv", "null"):
                    won += state == "conv"
                    break
                if removed is not None and removed in state:  # type: ignore[operator]
                    break
        return won / walks

    base = rate(None)
    effects, errors = {}, {}
    channels = sorted({c for p in paths for c in p})
    for channel in channels:
        p = rate(channel)
        effects[channel] = 1 - p / base
        # The delta method's standard error of 1 - p/base, both rates from `walks` walks.
        var = p * (1 - p) / walks / base**2 + (p**2) * base * (1 - base) / walks / base**4
        errors[channel] = math.sqrt(var)
    return effects, errors


class TestMarkov:
    def test_the_whitepapers_three_paths(self) -> None:
        """ChannelAttribution's example, all three paths converting: A = 2, B = 1 exactly."""
        result = markov_credit(WHITEPAPER)
        assert dict(result.credit) == {"A": 2.0, "B": 1.0}
        assert dict(result.removal_effects) == {"A": 1.0, "B": 0.5}
        assert result.conversion_probability == 1.0

    def test_the_whitepapers_paths_with_the_last_one_not_converting(self) -> None:
        """With A > A not converting: P = 2/3, removal effects 1 and 1/2, so 4/3 and 2/3."""
        paths = {**WHITEPAPER, ("A", "A"): (0, 1)}
        result = markov_credit(paths)
        assert result.conversion_probability == pytest.approx(2 / 3)
        assert dict(result.removal_effects) == pytest.approx({"A": 1.0, "B": 0.5})
        assert dict(result.credit) == pytest.approx({"A": 4 / 3, "B": 2 / 3})

    def test_a_worked_example(self) -> None:
        """Google Ads and mailing: removal effects 0.75 and 0.5, credit 2.4 and 1.6."""
        paths = {("google",): (2, 1), ("mail",): (1, 0), ("google", "mail"): (1, 0)}
        result = markov_credit(paths)
        assert result.removal_effects == pytest.approx({"google": 0.75, "mail": 0.5})
        assert result.credit == pytest.approx({"google": 2.4, "mail": 1.6})

    def test_consecutive_repeats_are_one_state(self) -> None:
        """A > A > B is A > B, at every order."""
        for order in (1, 2, 3):
            repeated = markov_credit({("A", "A", "B"): (1, 1), ("B", "B"): (0, 1)}, order=order)
            plain = markov_credit({("A", "B"): (1, 1), ("B",): (0, 1)}, order=order)
            assert repeated == plain

    def test_counts_may_be_weights(self) -> None:
        """Conversions and non-conversions may be fractional (weighted journeys)."""
        result = markov_credit({("A", "B"): (1.5, 0.5), ("B",): [0.5, 1.5]})
        assert math.fsum(result.credit.values()) == pytest.approx(2.0)

    def test_no_conversions_no_credit(self) -> None:
        """Paths that never convert leave every channel at zero."""
        result = markov_credit({("A", "B"): (0, 3)})
        assert dict(result.credit) == {"A": 0.0, "B": 0.0}
        assert result.conversion_probability == 0.0

    @pytest.mark.parametrize(("seed", "order"), [(1, 1), (2, 1), (3, 2)])
    def test_removal_effects_agree_with_simulation(self, seed: int, order: int) -> None:
        """On small random chains, the exact solve lies within sampling error of a
        Monte-Carlo walk of the same chain."""
        rng = random.Random(seed)
        paths: dict[tuple[str, ...], tuple[int, int]] = {}
        for _ in range(12):
            path = tuple(rng.choice("ABCD") for _ in range(rng.randint(1, 5)))
            paths[path] = (rng.randint(0, 4), rng.randint(0, 6))
        paths[("A",)] = (3, 2)
        exact = markov_credit(paths, order=order)
        simulated, errors = simulated_removal_effects(paths, order, walks=6000, seed=seed)
        for channel, effect in exact.removal_effects.items():
            assert abs(effect - simulated[channel]) <= 4 * errors[channel] + 1e-9, channel

    @settings(max_examples=40)
    @given(
        live=st.dictionaries(
            st.lists(st.sampled_from("ABC"), min_size=1, max_size=5).map(tuple),
            st.tuples(st.integers(0, 5), st.integers(0, 5)),
            min_size=1,
            max_size=6,
        ),
        dead=st.dictionaries(
            st.lists(st.sampled_from("XY"), min_size=1, max_size=4).map(tuple),
            st.integers(1, 5),
            min_size=1,
            max_size=4,
        ),
    )
    def test_a_channel_nobody_converts_through_gets_nothing(
        self, live: dict[tuple[str, ...], tuple[int, int]], dead: dict[tuple[str, ...], int]
    ) -> None:
        """Channels only on paths that never convert get zero credit and leave the other
        channels' credit as it was."""
        paths = {**live, **{p: (0, n) for p, n in dead.items()}}
        with_dead = markov_credit(paths)
        without = markov_credit(live)
        for channel in {c for p in dead for c in p}:
            assert with_dead.removal_effects[channel] == pytest.approx(0, abs=1e-12)
            assert with_dead.credit[channel] == pytest.approx(0, abs=1e-9)
        for channel, credit in without.credit.items():
            assert with_dead.credit[channel] == pytest.approx(credit, rel=1e-9, abs=1e-9)

    @given(path_counts("ABCDE", longest=6), st.integers(1, 3))
    def test_markov_credit_sums_to_the_conversions(
        self, paths: dict[tuple[str, ...], tuple[int, int]], order: int
    ) -> None:
        """Whatever the paths and the order, credit adds up to the conversions."""
        result = markov_credit(paths, order=order)
        conversions = sum(c for c, _ in paths.values())
        assert math.fsum(result.credit.values()) == pytest.approx(conversions, abs=1e-9)
        assert all(0 <= e <= 1 + 1e-12 for e in result.removal_effects.values())


# --- Shapley -----------------------------------------------------------------------------------


def brute_force_shapley(paths: dict[tuple[str, ...], tuple[int, int]]) -> dict[str, float]:
    """Every coalition, weighted by |S|! (n - |S| - 1)! / n!: the textbook formula."""
    players = sorted({c for p in paths for c in p})
    n = len(players)

    def worth(coalition: frozenset[str]) -> float:
        return sum(c for p, (c, _) in paths.items() if set(p) <= coalition)

    out = {}
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in itertools.combinations(others, size):
                s = frozenset(subset)
                total += weight * (worth(s | {player}) - worth(s))
        out[player] = total
    return out


class TestShapley:
    @given(path_counts("ABCDEF", longest=5))
    def test_shapley_matches_brute_force_enumeration(
        self, paths: dict[tuple[str, ...], tuple[int, int]]
    ) -> None:
        """The closed form equals the sum over every coalition."""
        assert shapley_credit(paths) == pytest.approx(brute_force_shapley(paths))

    def test_many_channels_stay_exact(self) -> None:
        """Thirty channels: still exact, each path's conversions split over its channels."""
        channels = [f"c{i:02d}" for i in range(30)]
        paths = {tuple(channels): (30, 0), (channels[0],): (2, 5)}
        credit = shapley_credit(paths)
        assert credit[channels[0]] == 3.0 and credit[channels[1]] == 1.0


# --- credit always adds up ---------------------------------------------------------------------


@st.composite
def journeys(draw: st.DrawFn) -> tuple[list[sm.Lead], list[sm.Activity]]:
    leads, acts = [], []
    for i in range(draw(st.integers(0, 6))):
        lead_id = f"L{i}"
        created = draw(st.integers(0, 50))
        depth = draw(st.integers(0, 4))
        gaps = draw(st.lists(st.integers(0, 30), min_size=depth, max_size=depth))
        at, reached = created, []
        for stage, gap in zip(MAIN[1:], gaps, strict=False):
            at += gap
            reached.append((stage, at))
        leads.append(lead(lead_id, created, reached))
        steps = draw(st.lists(st.tuples(st.sampled_from("ABCD"), st.integers(0, 150)), max_size=6))
        acts += touches(lead_id, *steps)
    return leads, acts


class TestCreditAddsUp:
    @settings(max_examples=60)
    @given(journeys(), st.sampled_from(["mql", "sql", "customer"]))
    def test_every_model_credits_exactly_the_conversions(
        self, data: tuple[list[sm.Lead], list[sm.Activity]], milestone: str
    ) -> None:
        """For every model, credit (no touch included) sums to the conversions."""
        leads, acts = data
        for model in MODELS:
            a = attribute(leads, acts, model=model, milestone=milestone)
            assert math.fsum(a.credit.values()) == pytest.approx(a.conversions, abs=1e-9)
            assert a.credit.get(None, 0) == a.no_touch

    @settings(max_examples=30)
    @given(journeys())
    def test_the_markov_model_is_markov_credit_of_the_paths(
        self, data: tuple[list[sm.Lead], list[sm.Activity]]
    ) -> None:
        """attribute(model='markov') credits what markov_credit gives for its paths."""
        leads, acts = data
        a = attribute(leads, acts, model="markov")
        touched = {c: v for c, v in a.credit.items() if c is not None}
        if a.paths:
            assert touched == pytest.approx(dict(markov_credit(a.paths).credit))
        shapley = attribute(leads, acts, model="shapley")
        if a.paths:
            expected = shapley_credit(a.paths)
            assert {c: v for c, v in shapley.credit.items() if c is not None} == pytest.approx(
                expected
            )

    def test_revenue_adds_up_under_markov_and_shapley(self) -> None:
        """The data-driven models credit revenue too."""
        leads, acts = funnel_leads()
        for model in ("markov", "shapley"):
            a = attribute(leads, acts, model=model, value="deal")
            assert math.fsum(a.credit.values()) == pytest.approx(1000.0)


class TestSerialisation:
    def test_values_round_trip_through_to_dict(self) -> None:
        """Cost, ChannelROI and MarkovCredit come back equal from their data."""
        cost = sm.Cost("paid", "spring", date(2026, 2, 1), 120.5)
        assert sm.to_dict(cost) == {
            "channel": "paid",
            "campaign": "spring",
            "start": "2026-02-01",
            "amount": 120.5,
        }
        assert sm.from_dict(sm.Cost, sm.to_dict(cost)) == cost
        assert sm.from_dict(sm.Cost, {**sm.to_dict(cost), "start": date(2026, 2, 1)}) == cost
        leads, acts = funnel_leads()
        row = attribute(leads, acts, value="deal").roi({"A": 5})["A"]
        assert sm.from_dict(sm.ChannelROI, json.loads(json.dumps(sm.to_dict(row)))) == row
        markov = markov_credit(WHITEPAPER)
        assert sm.from_dict(sm.MarkovCredit, sm.to_dict(markov)) == markov

    def test_reports_write_their_numbers(self) -> None:
        """to_dict of an Attribution, ROI or ModelComparison is the value's own to_dict."""
        leads, acts = funnel_leads()
        a = attribute(leads, acts)
        assert sm.to_dict(a) == a.to_dict()
        assert sm.to_dict(a.roi({})) == a.roi({}).to_dict()
        assert sm.to_dict(a.compare(["linear"])) == a.compare(["linear"]).to_dict()

    @pytest.mark.parametrize(
        ("data", "match"),
        [
            ({"channel": "A", "campaign": None, "start": "Jan 1", "amount": 5}, "ISO 8601 date"),
            ({"channel": "A", "campaign": None, "start": "2026-01-01", "amount": "5"}, "number"),
            ({"channel": "A", "campaign": None, "start": 20260101, "amount": 5}, "date"),
        ],
    )
    def test_bad_cost_data_is_named(self, data: dict[str, object], match: str) -> None:
        """A cost read from data names its bad part."""
        with pytest.raises(sm.ValidationError, match=match):
            sm.from_dict(sm.Cost, data)

    def test_a_missing_channel_is_a_key_error(self) -> None:
        """ROI is a mapping: an unknown channel is a KeyError, and `in` works."""
        leads, acts = funnel_leads()
        roi = attribute(leads, acts).roi({})
        assert "Z" not in roi and "A" in roi and len(roi) == 2
