"""The feedback loop: sales' reactions to handoffs, traced back to marketing's definitions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smarketing as sm
from smarketing.demo import Simulation
from smarketing.feedback import DIMENSIONS

PB = sm.Playbook.default()
LC = PB.lifecycle
#: Facts under which every default guard holds.
ANYTHING = {"score": 100, "grade": "A", "engagement": 10, "budget": "40k", "timeline": "Q1"}
MONDAY = datetime(2026, 1, 5, 9, tzinfo=UTC)  # the default calendar opens at 9:00 UTC
START, END = MONDAY, MONDAY + timedelta(days=30)
HOUR = timedelta(hours=1)
FREE = {"email": "jo@gmail.com"}
WORK = {"email": "jo@acme.io"}


def handed(
    lead_id: str,
    *outcome: tuple[str, timedelta] | tuple[str, timedelta, str],
    fields: dict[str, object] | None = None,
    source: str | None = "webinar",
    at: timedelta = HOUR,
) -> sm.Lead:
    """A lead created on Monday 9:00, an MQL `at` later, then moved by `outcome` steps."""
    lead = sm.Lead.new(lead_id, at=MONDAY, fields=fields or WORK, source=source)
    lead = LC.fire(lead, "engage", at=MONDAY, facts=ANYTHING)
    lead = LC.fire(lead, "qualify", at=MONDAY + at, facts=ANYTHING)
    for trigger, later, *reason in outcome:
        why = reason[0] if reason else None
        lead = LC.fire(
            lead, trigger, at=MONDAY + later, actor="sales:jo", reason=why, facts=ANYTHING
        )
    return lead


def report(
    leads: Sequence[sm.Lead], activities: Sequence[sm.Activity] = (), **kw: object
) -> sm.FeedbackReport:
    return sm.feedback_report(leads, activities, playbook=PB, start=START, end=END, **kw)  # type: ignore[arg-type]


ACCEPTED = ("accept", 3 * HOUR)
NO_BUDGET = ("recycle", 3 * HOUR, "no budget")


class TestOutcomes:
    def test_counts_each_outcome_of_a_handoff_by_hand(self) -> None:
        """Accepted, recycled, disqualified and pending handoffs are counted apart."""
        leads = [
            handed("A", ACCEPTED),
            handed("B", NO_BUDGET),
            handed("C"),
            handed("D", ("disqualify", 2 * HOUR, "competitor")),
        ]
        o = report(leads).overall
        assert (o.handoffs, o.accepted, o.pending, o.decided, o.rejections) == (4, 1, 1, 3, 2)
        assert o.rejected == (
            sm.Reaction("disqualified", "competitor", 1),
            sm.Reaction("recycled", "no budget", 1),
        )
        assert o.acceptance == pytest.approx(1 / 3)
        assert o.count("no budget") == 1 and o.count("no budget", "disqualified") == 0
        assert o.rate("competitor") == pytest.approx(1 / 3)

    def test_a_lead_handed_over_twice_counts_twice(self) -> None:
        """Recycled, back, and accepted: two handoffs, one of each outcome."""
        lead = handed("A", NO_BUDGET, ("reengage", 30 * HOUR))
        lead = LC.fire(lead, "qualify", at=MONDAY + 40 * HOUR, facts=ANYTHING)
        lead = LC.fire(lead, "accept", at=MONDAY + 41 * HOUR, facts=ANYTHING)
        fb = report([lead])
        assert (fb.overall.handoffs, fb.overall.accepted, fb.by_reason) == (2, 1, {"no budget": 1})

    def test_only_handoffs_inside_the_window_and_outcomes_by_its_end_count(self) -> None:
        """A handoff before the start is left out; a decision after the end is pending."""
        early = handed("A", ACCEPTED)
        fb = sm.feedback_report(
            [early, handed("B", ("accept", 72 * HOUR))],
            playbook=PB,
            start=MONDAY + 2 * HOUR,
            end=MONDAY + 48 * HOUR,
        )
        assert (fb.overall.handoffs, fb.overall.pending) == (0, 0)
        fb = sm.feedback_report(
            [handed("B", ("accept", 72 * HOUR))], playbook=PB, start=START, end=MONDAY + 48 * HOUR
        )
        assert (fb.overall.handoffs, fb.overall.pending, fb.overall.acceptance) == (1, 1, None)

    def test_a_lead_created_as_an_mql_is_handed_over_when_it_is_created(self) -> None:
        """An MQL imported as one (no history) is a handoff at its creation, with no trigger."""
        imported = sm.Lead.new("A", at=MONDAY, fields=WORK, stage="mql")
        imported = LC.fire(imported, "accept", at=MONDAY + HOUR, facts=ANYTHING)
        fb = report([imported, sm.Lead.new("B", at=END + HOUR, stage="mql")])
        assert (fb.overall.handoffs, fb.overall.accepted) == (1, 1)
        assert list(fb.by("definition")) == [None]

    def test_reasons_merge_over_the_rejecting_stages_most_common_first(self) -> None:
        """by_reason counts every rejection per reason."""
        leads = [
            handed("A", NO_BUDGET),
            handed("B", NO_BUDGET),
            handed("C", ("disqualify", HOUR * 3, "fake")),
        ]
        assert report(leads).by_reason == {"no budget": 2, "fake": 1}

    def test_minus_takes_a_group_out_of_the_whole(self) -> None:
        """The others' outcomes are the whole's minus the group's."""
        whole = sm.Outcomes(10, 4, 2, (sm.Reaction("recycled", "x", 3), sm.Reaction("r", "y", 1)))
        part = sm.Outcomes(3, 1, 1, (sm.Reaction("recycled", "x", 1),))
        assert whole.minus(part) == sm.Outcomes(
            7, 3, 1, (sm.Reaction("recycled", "x", 2), sm.Reaction("r", "y", 1))
        )
        assert sm.Outcomes(0, 0, 0).acceptance is None
        assert sm.Outcomes(0, 0, 0).rate("x") is None


class TestWhatMarketingKnewAtTheHandoff:
    def test_a_fit_rule_counts_when_it_held_at_the_handoff(self) -> None:
        """An e-mail learned after the handoff does not make it a free-mail handoff."""
        late = handed("B", NO_BUDGET, fields={"company": "Acme"})
        late = late.learn(FREE, at=MONDAY + 2 * HOUR)
        fb = report([handed("A", NO_BUDGET, fields=FREE), late])
        free = fb.by_rule["free e-mail address"]
        assert (free.inside.handoffs, free.outside.handoffs) == (1, 1)
        assert fb.by("rule")["decision maker"].handoffs == 0  # every rule is listed

    def test_the_persona_and_grade_are_the_ones_at_the_handoff(self) -> None:
        """A job title learned after the handoff leaves it without a persona."""
        fields = {**WORK, "job_title": "VP Marketing", "industry": "software"}
        known = handed("A", ACCEPTED, fields=fields)
        late = handed("B", ACCEPTED).learn({"job_title": "VP Marketing"}, at=MONDAY + 2 * HOUR)
        fb = report([known, late])
        assert list(fb.by("persona")) == ["Marketing leader", None]
        # software 20 + decision maker 15 + buying team 10 = 45: grade A; nothing known: D.
        assert {k: v.handoffs for k, v in fb.by("grade").items()} == {"A": 1, "D": 1}
        assert list(fb.by("definition")) == ["qualify"]

    def test_activities_done_before_the_handoff_are_its_engagement(self) -> None:
        """A webinar before counts, a demo request after does not, sales touches never do."""
        acts = [
            sm.Activity("A", "webinar", MONDAY),
            sm.Activity("A", "demo_request", MONDAY + 2 * HOUR),
            sm.Activity("A", "call", MONDAY),
        ]
        assert list(report([handed("A", ACCEPTED)], acts).by("engagement")) == ["webinar"]

    def test_time_to_first_touch_runs_on_the_playbooks_clock(self) -> None:
        """A call two working hours after the handoff; a Friday-evening MQL called Monday."""
        friday = MONDAY + timedelta(days=4, hours=8)  # Friday 17:00, after hours
        acts = [
            sm.Activity("A", "call", MONDAY + 3 * HOUR),
            sm.Activity("B", "sales_email", MONDAY + timedelta(days=7, minutes=30)),
        ]
        leads = [
            handed("A", ACCEPTED),
            handed("B", ("accept", timedelta(days=8)), at=friday - MONDAY),
            handed("C", NO_BUDGET),
        ]
        fb = report(leads, acts)
        assert {k: v.handoffs for k, v in fb.by("first_touch").items()} == {
            "under 1h": 1,
            "1h to 4h": 1,
            "no touch": 1,
        }
        assert fb.clock == "business hours"


def contrast(
    free: int,
    free_rejected: int,
    others: int,
    others_rejected: int,
    inside: dict[str, object] = FREE,
) -> list[sm.Lead]:
    """`free` free-mail handoffs, `free_rejected` of them recycled for no budget; the others
    on company e-mail with `others_rejected` recycled for no budget; the rest accepted."""
    leads = []
    for i in range(free + others):
        is_free = i < free
        rejected = i < free_rejected if is_free else i - free < others_rejected
        leads.append(
            handed(f"L{i}", NO_BUDGET if rejected else ACCEPTED, fields=inside if is_free else WORK)
        )
    return leads


class TestSuggestions:
    def test_a_rule_whose_leads_sales_rejects_is_named_with_its_counts(self) -> None:
        """40 of 40 free-mail handoffs recycled for no budget, against 10 of 60 others."""
        fb = report(contrast(40, 40, 60, 10))
        s = next(s for s in fb.suggestions if s.value == "free e-mail address")
        assert (s.kind, s.dimension, s.stage, s.reason) == (
            "reason",
            "rule",
            "recycled",
            "no budget",
        )
        assert (s.count, s.group, s.rest_count, s.rest) == (40, 40, 10, 60)
        assert s.ratio == pytest.approx(6.0)
        assert s.p_value * fb.tests < fb.alpha
        assert s.text.startswith(
            "MQLs matching 'free e-mail address' are recycled for 'no budget' 6.0x as often "
            "(40 of 40, against 16.7% of the others): make its points more negative, "
            "or ask for 'Budget' before the handoff"
        )
        never = next(s for s in fb.suggestions if s.kind == "acceptance")
        assert never.text.startswith("MQLs matching 'free e-mail address' are never accepted")
        assert fb.suggestions[0] is s  # the most rejections beyond what the others suggest

    def test_a_group_smaller_than_the_minimum_sample_gives_no_advice(self) -> None:
        """The same contrast with min_sample=50: too few free-mail handoffs to advise on."""
        fb = report(contrast(40, 40, 60, 10), min_sample=50)
        assert all(s.value != "free e-mail address" for s in fb.suggestions)
        assert "none passed the evidence bar" in fb.to_markdown()

    def test_a_difference_within_noise_is_not_advice(self) -> None:
        """16 of 40 against 20 of 60 (40% vs 33%) is neither strong nor significant."""
        fb = report(contrast(40, 16, 60, 20))
        assert fb.suggestions == ()
        assert fb.tests > 0

    def test_the_advice_for_a_positive_rule_is_to_lower_its_points(self) -> None:
        """Software companies' handoffs recycled for no budget, nobody else's: lower its points."""
        fb = report(contrast(40, 35, 60, 0, inside={**WORK, "industry": "software"}))
        s = next(s for s in fb.suggestions if s.dimension == "rule")
        assert (s.value, s.ratio, s.rest_count) == ("software or SaaS company", None, 0)
        assert "are recycled for 'no budget' while the others never are (35 of 40" in s.text
        assert "lower its points, or ask for 'Budget'" in s.text

    def test_handoffs_sales_never_touched_are_advice_for_sales(self) -> None:
        """40 untouched handoffs all recycled, 60 called within the hour and accepted."""
        leads = contrast(40, 40, 60, 0, inside=WORK)
        calls = [
            sm.Activity(f"L{i}", "call", MONDAY + 90 * timedelta(minutes=1)) for i in range(40, 100)
        ]
        fb = report(leads, calls)
        s = next(s for s in fb.suggestions if s.dimension == "first_touch")
        assert s.text.startswith("MQLs that sales never touched are recycled for 'no budget'")
        assert "look at how sales follows up on them" in s.text
        assert "2. " in fb.to_markdown() and "more suggestion" not in fb.to_markdown()

    def test_a_touch_after_three_working_days_and_handoffs_after_the_end(self) -> None:
        """A late touch falls in the last bucket; a second handoff after the end is not read."""
        lead = handed("A", NO_BUDGET, ("reengage", 30 * HOUR))
        lead = LC.fire(lead, "qualify", at=END + HOUR, facts=ANYTHING)
        fb = report([lead], [sm.Activity("A", "call", MONDAY + timedelta(days=14))])
        assert list(fb.by("first_touch")) == ["over 3d"]
        assert fb.overall.handoffs == 1

    def test_handoffs_without_a_value_are_a_group_of_their_own(self) -> None:
        """40 handoffs with no source and no persona, all recycled; 60 VPs of marketing from
        the webinar, accepted."""
        leads = [handed(f"N{i}", NO_BUDGET, source=None) for i in range(40)]
        vp = {**WORK, "job_title": "VP Marketing"}
        leads += [handed(f"W{i}", ACCEPTED, fields=vp) for i in range(60)]
        fb = report(leads)
        assert list(fb.by("source")) == ["webinar", None]
        nobody = next(s for s in fb.suggestions if s.dimension == "persona" and s.value is None)
        assert "describe the persona they are, or nurture them longer" in nobody.text
        s = next(s for s in fb.suggestions if s.dimension == "source" and s.value is None)
        assert s.text.startswith("MQLs with no source are recycled for 'no budget'")

    def test_groups_where_nobody_is_ever_accepted_test_nothing_about_acceptance(self) -> None:
        """With every handoff rejected the acceptance test has no spread: no advice from it."""
        fb = report(contrast(40, 40, 60, 60))
        assert all(s.kind != "acceptance" for s in fb.suggestions)

    @settings(max_examples=40)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["accept", "recycle", "disqualify", None]),
                st.sampled_from(["no budget", "bad timing"]),
                st.booleans(),
                st.sampled_from(["webinar", "organic", None]),
            ),
            max_size=40,
        ),
        st.integers(min_value=1, max_value=12),
    )
    def test_counts_add_up_and_advice_respects_the_evidence_bar(
        self, plan: list[tuple[str | None, str, bool, str | None]], min_sample: int
    ) -> None:
        """Every group's outcomes add up; partitions add up to the whole; advice is supported."""
        leads = []
        for i, (trigger, reason, free, source) in enumerate(plan):
            steps = [] if trigger is None else [(trigger, 2 * HOUR, reason)]
            if trigger == "accept":
                steps = [("accept", 2 * HOUR)]
            leads.append(handed(f"L{i}", *steps, fields=FREE if free else WORK, source=source))  # type: ignore[arg-type]
        fb = report(leads, min_sample=min_sample, alpha=0.2, min_ratio=1.0)
        assert fb.overall.handoffs == len(plan)
        for g in fb.groups:
            o = g.outcomes
            assert o.handoffs == o.accepted + o.pending + sum(r.count for r in o.rejected)
        for dimension in DIMENSIONS:
            if dimension in ("rule", "engagement"):
                continue
            groups = fb.by(dimension).values()
            assert sum(o.handoffs for o in groups) == fb.overall.handoffs
            assert sum(o.accepted for o in groups) == fb.overall.accepted
        for s in fb.suggestions:
            assert s.group >= min_sample and s.rest >= min_sample
            assert s.p_value * fb.tests < fb.alpha
            assert f"{s.count:,} of {s.group:,}" in s.text


@pytest.mark.xdist_group("demo")  # with the other users of the demo's simulation: built once
class TestOnTheDemo:
    def test_the_advice_names_what_the_simulated_reps_reject(self, demo_sim: Simulation) -> None:
        """The demo's reps recycle free-mail leads for 'no budget' and individual contributors
        (the marketing practitioners) for 'no authority': the suggestions say so."""
        sim = demo_sim
        fb = sm.feedback_report(
            sim.leads, sim.activities, playbook=sim.playbook, start=sim.start, end=sim.end
        )
        named = {(s.dimension, s.value, s.reason) for s in fb.suggestions if s.kind == "reason"}
        assert ("rule", "free e-mail address", "no budget") in named
        assert ("persona", "Marketing practitioner", "no authority") in named
        # Of the fit rules, the one the reps hold against leads comes first.
        first = next(s for s in fb.suggestions if s.dimension == "rule")
        assert (first.value, first.reason) == ("free e-mail address", "no budget")


class TestOutput:
    def test_markdown_tells_the_outcome_the_advice_and_the_breakdowns(self) -> None:
        """The Markdown names the counts, the suggestions and every breakdown."""
        text = report(contrast(40, 40, 60, 10)).to_markdown(limit=1)
        assert "100 handoffs to sales (mql entries); 50 accepted, 50 rejected, 0 pending" in text
        assert "1. MQLs matching 'free e-mail address' are recycled" in text
        assert "…and " in text
        assert "| recycled | no budget | 50 | 50.0% |" in text
        for title in ("MQL definition", "persona", "fit rule matched", "time to first touch"):
            assert f"**By {title}" in text
        assert "No handoff was rejected." in report([handed("A", ACCEPTED)]).to_markdown()
        assert "No handoffs." in report([]).to_markdown()

    def test_it_round_trips_through_to_dict_as_json(self) -> None:
        """sm.to_dict gives JSON-safe data that sm.from_dict reads back exactly."""
        fb = report(contrast(40, 40, 60, 10))
        data = json.loads(json.dumps(sm.to_dict(fb)))
        assert sm.from_dict(sm.FeedbackReport, data) == fb
        assert data["suggestions"][0]["reason"] == "no budget"
        assert "handoffs=100" in repr(fb)

    def test_definitions_rank_by_how_often_sales_rejects_them(self) -> None:
        """The MQL definitions, with their conditions, most rejected first."""
        ((definition, outcomes),) = report(contrast(40, 40, 60, 10)).rejected_most()
        assert definition.trigger == "qualify" and "score >= 50" in definition.condition
        assert outcomes.acceptance == pytest.approx(0.5)


class TestBadInput:
    @pytest.mark.parametrize(
        ("kw", "message"),
        [
            ({"playbook": "pb"}, "playbook must be a Playbook"),
            ({"start": datetime(2026, 1, 1)}, "must be timezone-aware"),
            ({"end": START - HOUR}, "is before its start"),
            ({"stage": "customer"}, "stage must be a main-path stage"),
            ({"min_sample": 0}, "min_sample must be"),
            ({"alpha": 1.0}, "alpha must be"),
            ({"min_ratio": 0.5}, "min_ratio must be"),
        ],
    )
    def test_bad_arguments_are_validation_errors(self, kw: dict[str, object], message: str) -> None:
        """Each bad argument is named."""
        args: dict[str, object] = {"playbook": PB, "start": START, "end": END, **kw}
        with pytest.raises(sm.ValidationError, match=message):
            sm.feedback_report([], [], **args)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("leads", "activities", "message"),
        [
            ("abc", [], "leads must be a collection"),
            ([1], [], r"leads\[0\] must be a Lead"),
            ([], 3, "activities must be a collection"),
            ([], [1], r"activities\[0\] must be an Activity"),
        ],
    )
    def test_items_that_are_not_leads_or_activities_are_named(
        self, leads: object, activities: object, message: str
    ) -> None:
        """A wrong item is a ValidationError naming its position."""
        with pytest.raises(sm.ValidationError, match=message):
            sm.feedback_report(leads, activities, playbook=PB, start=START, end=END)  # type: ignore[arg-type]

    def test_an_unknown_dimension_lists_the_known_ones(self) -> None:
        """by() names the dimensions it knows."""
        with pytest.raises(sm.ValidationError, match="one of definition, persona"):
            report([]).by("industry")
