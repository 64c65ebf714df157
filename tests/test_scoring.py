"""Scoring: fit and engagement rules, decay, caps and floor, grades, explanations, batches."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm
from smarketing import _validate as _v
from smarketing import testing as sst
from smarketing.conditions import deciding_values
from smarketing.scoring import DEFAULT_GRADES, LETTER_GRADES

F = sm.field
DAY = timedelta(days=1)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


def fsum_of(score: sm.Score, *kinds: str) -> float:
    return math.fsum(c.points for c in score.contributions if not kinds or c.kind in kinds)


def model(**changes: Any) -> sm.ScoringModel:
    """The running example: two fit rules, a demo request, web visits in a capped group."""
    spec: dict[str, Any] = {
        "fit": [
            sm.FitRule("software company", F("industry") == "software", points=15),
            sm.FitRule("decision maker", F("job_title").contains_any(["vp", "chief"]), points=20),
            sm.FitRule("free email", F("email").matches(r"@(gmail|yahoo)\."), points=-10),
        ],
        "engagement": [
            sm.EngagementRule("demo request", kind="demo_request", points=30, half_life=30 * DAY),
            sm.EngagementRule(
                "pricing page",
                kind="page_view",
                points=10,
                half_life=7 * DAY,
                group="web",
                where=F("url").contains("/pricing"),
            ),
            sm.EngagementRule(
                "page view", kind="page_view", points=1, within=30 * DAY, max_count=5, group="web"
            ),
            sm.EngagementRule("unsubscribe", kind="unsubscribe", points=-40),
        ],
    }
    spec.update(changes)
    return sm.ScoringModel(**spec)


@pytest.fixture
def lead(t0: datetime) -> sm.Lead:
    fields = {"industry": "software", "job_title": "VP Marketing", "email": "ana@acme.io"}
    return sm.Lead.new("L-1", at=t0 - days(90), fields=fields, source="webinar")


def act(kind: str, at: datetime, lead_id: str = "L-1", **properties: object) -> sm.Activity:
    return sm.Activity(lead_id, kind, at, properties)


class TestFitRules:
    def test_matched_rules_add_their_points(self, lead: sm.Lead, t0: datetime) -> None:
        """Each fit rule that holds for the lead's facts adds its points."""
        s = model().score(lead, [], at=t0)
        assert (s.fit, s.engagement, s.total) == (35, 0, 35)
        assert [(c.rule, c.kind, c.points) for c in s.contributions] == [
            ("software company", "fit", 15),
            ("decision maker", "fit", 20),
        ]

    def test_rules_that_fail_or_are_undetermined_add_nothing(self, t0: datetime) -> None:
        """A rule on a fact the lead has not given is unknown, and unknown is not a match."""
        lead = sm.Lead.new("L-2", at=t0, fields={"industry": "retail"})
        s = model().score(lead, at=t0)
        assert s.fit == 0
        assert s.contributions == ()

    def test_fit_may_be_negative(self, t0: datetime) -> None:
        """A negative fit rule pulls fit below zero; nothing clamps fit from below."""
        lead = sm.Lead.new("L-3", at=t0, fields={"email": "kid@gmail.com"})
        s = model().score(lead, at=t0)
        assert (s.fit, s.total, s.grade) == (-10, -10, "D")

    def test_fit_rules_read_id_stage_and_source_too(self, lead: sm.Lead, t0: datetime) -> None:
        """Fit conditions read the lead's facts, the reserved ones included."""
        m = sm.ScoringModel(fit=[sm.FitRule("came to a webinar", F("source") == "webinar", 5)])
        assert m.score(lead, at=t0).fit == 5

    def test_fit_points_may_be_fractional(self, t0: datetime) -> None:
        """Fractional points add up; the contribution keeps the rule's points."""
        m = sm.ScoringModel(
            fit=[sm.FitRule("half", sm.always(), 2.5), sm.FitRule("q", sm.always(), 0.25)]
        )
        s = m.score(sm.Lead.new("L", at=t0), at=t0)
        assert s.fit == 2.75
        assert [c.points for c in s.contributions] == [2.5, 0.25]


class TestDecay:
    def test_without_decay_every_activity_counts_in_full(self, lead: sm.Lead, t0: datetime) -> None:
        """No half_life and no linear decay: an old activity is worth its full points."""
        m = sm.ScoringModel(engagement=[sm.EngagementRule("call", kind="call", points=7)])
        acts = [act("call", t0 - days(400)), act("call", t0)]
        assert m.score(lead, acts, at=t0).engagement == 14

    @pytest.mark.parametrize(("age", "worth"), [(0, 30), (30, 15), (60, 7.5), (90, 3.75)])
    def test_exponential_decay_halves_the_points_every_half_life(
        self, lead: sm.Lead, t0: datetime, age: int, worth: float
    ) -> None:
        """An activity of age a is worth points * 0.5 ** (a / half_life)."""
        s = model().score(lead, [act("demo_request", t0 - days(age))], at=t0)
        assert s.engagement == worth

    def test_worth_follows_the_documented_formula(self) -> None:
        """EngagementRule.worth(age) is the value of one activity of that age."""
        rule = sm.EngagementRule("demo", kind="demo_request", points=30, half_life=30 * DAY)
        for age in (days(1), days(10), timedelta(hours=5, seconds=7), days(1000)):
            assert rule.worth(age) == pytest.approx(30 * 0.5 ** (age / (30 * DAY)), abs=1e-9)

    @pytest.mark.parametrize(("age", "worth"), [(0, 20), (30, 15), (60, 10), (120, 0), (500, 0)])
    def test_linear_decay_loses_a_fraction_per_period(self, age: int, worth: float) -> None:
        """lose=0.25, per=30 days: a quarter of the points go every 30 days, down to zero."""
        rule = sm.EngagementRule("webinar", kind="webinar", points=20, lose=0.25, per=30 * DAY)
        assert rule.worth(days(age)) == worth
        assert rule.decay == "linear"

    def test_linear_decay_is_even_between_periods(self) -> None:
        """Linear decay is pro rata: half a period loses half the fraction."""
        rule = sm.EngagementRule("webinar", kind="webinar", points=20, lose=0.5, per=10 * DAY)
        assert rule.worth(days(5)) == 15

    def test_negative_points_decay_towards_zero(self) -> None:
        """An old unsubscribe hurts less than a fresh one."""
        rule = sm.EngagementRule("unsubscribe", kind="unsubscribe", points=-40, half_life=10 * DAY)
        assert rule.worth(days(0)) == -40
        assert rule.worth(days(10)) == -20

    def test_decay_modes_are_named(self) -> None:
        """rule.decay says which decay applies."""
        assert sm.EngagementRule("a", "a", 1).decay == "none"
        assert sm.EngagementRule("a", "a", 1, half_life=DAY).decay == "exponential"

    def test_activities_after_at_never_count(self, lead: sm.Lead, t0: datetime) -> None:
        """No peeking into the future: backtests depend on it."""
        acts = [act("demo_request", t0 + timedelta(microseconds=1))]
        assert model().score(lead, acts, at=t0).engagement == 0
        assert sm.EngagementRule("a", "a", 1).worth(-timedelta(seconds=1)) == 0

    def test_an_activity_at_the_scoring_time_counts_in_full(
        self, lead: sm.Lead, t0: datetime
    ) -> None:
        """Age zero is worth the full points."""
        assert model().score(lead, [act("demo_request", t0)], at=t0).engagement == 30

    def test_time_zones_do_not_matter(self, lead: sm.Lead, t0: datetime) -> None:
        """Ages are measured between instants, whatever the zones."""
        elsewhere = (t0 - days(30)).astimezone(timezone(timedelta(hours=-5)))
        assert model().score(lead, [act("demo_request", elsewhere)], at=t0).engagement == 15


class TestEngagementRules:
    def test_unknown_kinds_count_for_nothing(self, lead: sm.Lead, t0: datetime) -> None:
        """An activity kind no rule names is ignored."""
        assert model().score(lead, [act("tweet", t0)], at=t0).engagement == 0

    def test_activities_of_other_leads_are_ignored(self, lead: sm.Lead, t0: datetime) -> None:
        """score() may be given a whole activity log: only the lead's own activities count."""
        acts = [act("demo_request", t0, lead_id="L-2"), act("demo_request", t0)]
        assert model().score(lead, acts, at=t0).engagement == 30

    def test_within_counts_only_the_look_back_window(self, lead: sm.Lead, t0: datetime) -> None:
        """An activity older than within is not counted; the boundary itself is inside."""
        m = sm.ScoringModel(
            engagement=[sm.EngagementRule("visit", kind="page_view", points=1, within=days(30))]
        )
        acts = [act("page_view", t0 - days(n)) for n in (0, 29, 30, 31, 90)]
        s = m.score(lead, acts, at=t0)
        assert s.engagement == 3
        assert s.contributions[0].count == 3

    def test_max_count_keeps_the_most_recent_repeats(self, lead: sm.Lead, t0: datetime) -> None:
        """Only the max_count most recent activities count, whatever order they come in."""
        m = sm.ScoringModel(
            engagement=[
                sm.EngagementRule("visit", "page_view", points=8, half_life=days(1), max_count=2)
            ]
        )
        acts = [act("page_view", t0 - days(n)) for n in (3, 0, 2, 1, 5)]
        random.Random(7).shuffle(acts)
        s = m.score(lead, acts, at=t0)
        assert s.engagement == 8 + 4
        assert s.contributions[0].count == 2

    def test_within_applies_before_max_count(self, lead: sm.Lead, t0: datetime) -> None:
        """max_count caps the repeats inside the window."""
        rule = sm.EngagementRule("visit", "page_view", points=1, within=days(2), max_count=5)
        acts = [act("page_view", t0 - days(n)) for n in range(10)]
        assert sm.ScoringModel(engagement=[rule]).score(lead, acts, at=t0).engagement == 3

    def test_where_reads_the_activitys_properties(self, lead: sm.Lead, t0: datetime) -> None:
        """A condition over the activity's properties picks the activities a rule counts."""
        m = sm.ScoringModel(
            engagement=[
                sm.EngagementRule(
                    "pricing page", "page_view", points=10, where=F("url").contains("/pricing")
                )
            ]
        )
        acts = [
            act("page_view", t0, url="https://acme.io/Pricing"),
            act("page_view", t0, url="/blog"),
            act("page_view", t0),
            act("page_view", t0, url=["not", "text"]),
        ]
        assert m.score(lead, acts, at=t0).engagement == 10

    def test_an_activity_counts_for_every_rule_it_matches(
        self, lead: sm.Lead, t0: datetime
    ) -> None:
        """A pricing page view is a pricing page view and a page view."""
        s = model().score(lead, [act("page_view", t0, url="/pricing")], at=t0)
        assert [(c.rule, c.points, c.count) for c in s.contributions if c.kind == "engagement"] == [
            ("pricing page", 10, 1),
            ("page view", 1, 1),
        ]

    def test_contributions_follow_the_models_rule_order(self, lead: sm.Lead, t0: datetime) -> None:
        """Fit rules, then engagement rules, each in the order the model lists them."""
        acts = [act("unsubscribe", t0), act("page_view", t0), act("demo_request", t0)]
        s = model(floor=None).score(lead, acts, at=t0)
        assert [c.rule for c in s.contributions] == [
            "software company",
            "decision maker",
            "demo request",
            "page view",
            "unsubscribe",
        ]
        assert [c.group for c in s.contributions] == [None, None, None, "web", None]

    def test_negative_points_subtract(self, lead: sm.Lead, t0: datetime) -> None:
        """An unsubscribe takes points away."""
        acts = [act("demo_request", t0), act("unsubscribe", t0)]
        assert model(floor=None).score(lead, acts, at=t0).engagement == -10


class TestCapsAndFloor:
    def test_a_group_cap_limits_the_groups_points(self, lead: sm.Lead, t0: datetime) -> None:
        """Rules in a capped group add up to at most the cap; the excess is an adjustment."""
        acts = [act("page_view", t0, url="/pricing") for _ in range(3)]
        s = model(group_caps={"web": 20}).score(lead, acts, at=t0)
        assert s.engagement == 20
        adjustment = s.contributions[-1]
        assert adjustment == sm.Contribution("group_caps", "adjustment", -13, group="web")

    def test_the_engagement_cap_limits_engagement(self, lead: sm.Lead, t0: datetime) -> None:
        """Engagement never exceeds engagement_cap."""
        acts = [act("demo_request", t0) for _ in range(5)]
        s = model(engagement_cap=100).score(lead, acts, at=t0)
        assert (s.engagement, s.total) == (100, 135)
        assert s.contributions[-1] == sm.Contribution("engagement_cap", "adjustment", -50)

    def test_the_fit_cap_limits_fit(self, lead: sm.Lead, t0: datetime) -> None:
        """fit_cap clamps fit from above, with an adjustment among the fit contributions."""
        s = model(fit_cap=30).score(lead, [act("demo_request", t0)], at=t0)
        assert (s.fit, s.engagement, s.total) == (30, 30, 60)
        assert s.contributions[2] == sm.Contribution("fit_cap", "adjustment", -5)

    def test_the_floor_keeps_old_negatives_from_burying_a_lead(
        self, lead: sm.Lead, t0: datetime
    ) -> None:
        """With the default floor of 0, engagement never goes below zero."""
        acts = [act("unsubscribe", t0 - days(300)), act("demo_request", t0)]
        s = model().score(lead, acts, at=t0)
        assert s.engagement == 0
        assert s.contributions[-1] == sm.Contribution("floor", "adjustment", 10)
        later = model().score(lead, [*acts, act("demo_request", t0)], at=t0)
        assert later.engagement == 20

    def test_no_floor_lets_engagement_go_negative(self, lead: sm.Lead, t0: datetime) -> None:
        """floor=None is Marketo's behaviour, for those who want it."""
        s = model(floor=None).score(lead, [act("unsubscribe", t0)], at=t0)
        assert s.engagement == -40

    def test_a_negative_floor(self, lead: sm.Lead, t0: datetime) -> None:
        """The floor may be below zero."""
        s = model(floor=-15).score(lead, [act("unsubscribe", t0)], at=t0)
        assert s.engagement == -15

    def test_caps_apply_in_order_group_then_engagement_then_floor(
        self, lead: sm.Lead, t0: datetime
    ) -> None:
        """Adjustments come after the rules: fit cap, group caps, engagement cap, floor."""
        m = model(fit_cap=10, group_caps={"web": 5}, engagement_cap=25)
        acts = [act("page_view", t0, url="/pricing"), act("demo_request", t0)]
        s = m.score(lead, acts, at=t0)
        assert [(c.rule, c.points) for c in s.contributions if c.kind == "adjustment"] == [
            ("fit_cap", -25),
            ("group_caps", -6),
            ("engagement_cap", -10),
        ]
        assert (s.fit, s.engagement, s.total) == (10, 25, 35)

    def test_no_adjustment_when_no_cap_applies(self, lead: sm.Lead, t0: datetime) -> None:
        """Adjustments appear only when a cap or the floor actually clamps."""
        m = model(fit_cap=100, group_caps={"web": 50}, engagement_cap=100)
        s = m.score(lead, [act("page_view", t0)], at=t0)
        assert all(c.kind != "adjustment" for c in s.contributions)

    @pytest.mark.parametrize(
        ("points", "cap", "floor"),
        [
            ((1e16, 1.0), 0.0, None),
            ((1e16, 3.0), 0.0, None),
            ((-1e16, -1.0), None, 0.0),
            ((-1e16, -3.0), None, 0.0),
        ],
    )
    def test_caps_hold_even_beyond_exact_float_range(
        self, t0: datetime, points: Sequence[float], cap: float | None, floor: float | None
    ) -> None:
        """Absurd points cannot be added exactly, yet the cap and the floor still hold."""
        rules = [sm.EngagementRule(f"r{i}", "call", p) for i, p in enumerate(points)]
        m = sm.ScoringModel(engagement=rules, engagement_cap=cap, floor=floor)
        s = m.score(sm.Lead.new("L-1", at=t0), [act("call", t0)], at=t0)
        if cap is not None:
            assert s.engagement <= cap
        if floor is not None:
            assert s.engagement >= floor
        assert fsum_of(s) == s.total


class TestGrades:
    @pytest.mark.parametrize(
        ("fit", "grade"),
        [(100, "A"), (40, "A"), (39.5, "B"), (25, "B"), (10, "C"), (9, "D"), (0, "D"), (-30, "D")],
    )
    def test_the_highest_threshold_reached_gives_the_grade(
        self, t0: datetime, fit: float, grade: str
    ) -> None:
        """Default grades: A from 40, B from 25, C from 10, D below (even below zero)."""
        m = sm.ScoringModel(fit=[sm.FitRule("fit", sm.always(), fit)])
        assert m.score(sm.Lead.new("L", at=t0), at=t0).grade == grade

    def test_custom_thresholds_in_any_order(self, t0: datetime) -> None:
        """A fit below every threshold gets the lowest grade."""
        grades = {"cold": 0, "hot": 50, "warm": 20}
        for fit, grade in ((60, "hot"), (20, "warm"), (5, "cold"), (-5, "cold")):
            m = sm.ScoringModel(fit=[sm.FitRule("f", sm.always(), fit)], grades=grades)
            assert m.score(sm.Lead.new("L", at=t0), at=t0).grade == grade

    def test_grades_read_fit_after_the_fit_cap(self, lead: sm.Lead, t0: datetime) -> None:
        """The capped fit decides the grade."""
        assert model().score(lead, at=t0).grade == "B"
        assert model(fit_cap=20).score(lead, at=t0).grade == "C"
        assert model(fit_cap=5).score(lead, at=t0).grade == "D"

    def test_the_default_grades_are_the_documented_ones(self) -> None:
        """A 40, B 25, C 10, D 0."""
        assert dict(sm.ScoringModel().grades) == {"A": 40, "B": 25, "C": 10, "D": 0}
        assert DEFAULT_GRADES == {"A": 40, "B": 25, "C": 10, "D": 0}

    def test_a_model_reads_well(self) -> None:
        """The repr shows caps and grades as plain mappings."""
        text = repr(model(group_caps={"web": 20}))
        assert "group_caps={'web': 20.0}" in text
        assert "grades={'A': 40.0, 'B': 25.0, 'C': 10.0, 'D': 0.0}" in text
        assert "grades=LetterGrading(" in repr(sm.ScoringModel(grades=sm.LetterGrading([])))


SENIOR = sm.GradeCriterion("senior", F("seniority").is_in({"vp", "c-level"}))
SOFTWARE = sm.GradeCriterion("software", F("industry") == "software")
BIG = sm.GradeCriterion("big", F("company_size") >= 200, thirds=3)


class TestLetterGrading:
    @pytest.mark.parametrize(
        ("facts", "grade"),
        [
            ({}, "D"),
            ({"seniority": "vp"}, "D+"),
            ({"seniority": "vp", "industry": "software"}, "C-"),
            ({"seniority": "intern"}, "D-"),
            ({"seniority": "intern", "industry": "retail"}, "F"),
            ({"seniority": "vp", "industry": "retail"}, "D"),
            ({"seniority": "vp", "industry": "software", "company_size": 500}, "B-"),
            ({"company_size": 10}, "F"),
        ],
    )
    def test_a_third_of_a_letter_per_criterion(self, facts: dict[str, object], grade: str) -> None:
        """From D, a match raises a third of a letter, a miss lowers it, unknown leaves it."""
        assert sm.LetterGrading([SENIOR, SOFTWARE, BIG]).grade(facts) == grade

    def test_grades_stop_at_a_plus_and_f(self) -> None:
        """The scale runs F, D-, D, D+, ... A, A+ and the grade stays on it."""
        top = sm.GradeCriterion("all", sm.always(), thirds=12)
        bottom = sm.GradeCriterion("none", sm.never(), thirds=12)
        assert sm.LetterGrading([top]).grade({}) == "A+"
        assert sm.LetterGrading([bottom]).grade({}) == "F"
        assert LETTER_GRADES[0] == "F"
        assert LETTER_GRADES[-1] == "A+"

    def test_the_order_of_criteria_does_not_matter(self) -> None:
        """The grade is clamped once, at the end."""
        up = sm.GradeCriterion("up", sm.always(), thirds=12)
        down = sm.GradeCriterion("down", sm.never(), thirds=3)
        assert sm.LetterGrading([up, down]).grade({}) == sm.LetterGrading([down, up]).grade({})

    def test_the_start_grade_can_be_chosen(self) -> None:
        """Pardot starts at D; another start is allowed."""
        assert sm.LetterGrading([SENIOR], start="C").grade({"seniority": "vp"}) == "C+"

    def test_a_model_with_letter_grading(self, t0: datetime) -> None:
        """grades= takes a LetterGrading, which reads the lead's facts instead of fit."""
        m = sm.ScoringModel(grades=sm.LetterGrading([SENIOR, SOFTWARE]))
        lead = sm.Lead.new("L", at=t0, fields={"seniority": "vp", "industry": "software"})
        assert m.score(lead, at=t0).grade == "C-"
        assert m.score(lead.learn({"industry": "retail"}, at=t0), at=t0).grade == "D"

    def test_letter_grading_reads_a_lead(self, t0: datetime) -> None:
        """grade() takes a lead or a mapping of facts."""
        lead = sm.Lead.new("L", at=t0, fields={"seniority": "c-level"})
        assert sm.LetterGrading([SENIOR]).grade(lead) == "D+"


class TestValidation:
    @pytest.mark.parametrize(
        ("build", "message"),
        [
            (lambda: sm.FitRule("", sm.always(), 1), "fit rule: 'name' must be"),
            (lambda: sm.FitRule(" x", sm.always(), 1), "'name' must be"),
            (lambda: sm.FitRule("a\nb", sm.always(), 1), "'name' must be"),
            (lambda: sm.FitRule(3, sm.always(), 1), "got 3"),  # type: ignore[arg-type]
            (
                lambda: sm.FitRule("x", "industry == 'a'", 1),  # type: ignore[arg-type]
                "fit rule 'x': 'condition' must be a Condition",
            ),
            (
                lambda: sm.FitRule("x", sm.always(), "ten"),  # type: ignore[arg-type]
                r"fit rule 'x': 'points' must be a finite number \(got 'ten'\)\.",
            ),
            (lambda: sm.FitRule("x", sm.always(), math.nan), "'points' must be a finite number"),
            (lambda: sm.FitRule("x", sm.always(), math.inf), "'points' must be a finite number"),
            (lambda: sm.FitRule("x", sm.always(), True), "got True"),
            (
                lambda: sm.EngagementRule("demo", "demo_request", 30, half_life=days(-1)),
                r"engagement rule 'demo': 'half_life' must be a positive timedelta "
                r"\(got -1 day\)\.",
            ),
            (
                lambda: sm.EngagementRule("demo", "demo_request", 30, half_life=timedelta(0)),
                r"'half_life' must be a positive timedelta \(got 0:00:00\)",
            ),
            (
                lambda: sm.EngagementRule("demo", "demo_request", 30, half_life=30),  # type: ignore[arg-type]
                r"'half_life' must be a positive timedelta \(got 30\)",
            ),
            (
                lambda: sm.EngagementRule("demo", "demo_request", "x"),  # type: ignore[arg-type]
                "engagement rule 'demo': 'points' must be a finite number",
            ),
            (lambda: sm.EngagementRule("", "demo_request", 1), "engagement rule: 'name'"),
            (lambda: sm.EngagementRule("d", "", 1), "engagement rule 'd': 'kind' must be"),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, lose=0.2, per=timedelta(0)),
                r"engagement rule 'w': 'per' must be a positive timedelta \(got 0:00:00\)",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, lose=0.2),
                "'lose' and 'per' go together",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, per=DAY),
                "'lose' and 'per' go together",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, lose=0, per=DAY),
                r"'lose' must be a fraction in \(0, 1\] \(got 0\)",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, lose=1.5, per=DAY),
                "'lose' must be a fraction",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, lose="1", per=DAY),  # type: ignore[arg-type]
                "'lose' must be a fraction",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, half_life=DAY, lose=0.5, per=DAY),
                "either half_life .* or lose and per",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, within=-DAY),
                "'within' must be a positive timedelta",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, max_count=0),
                r"'max_count' must be a whole number of at least 1 \(got 0\)",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, max_count=2.0),  # type: ignore[arg-type]
                "'max_count' must be a whole number",
            ),
            (
                lambda: sm.EngagementRule("w", "webinar", 1, max_count=True),
                "'max_count' must be a whole number",
            ),
            (lambda: sm.EngagementRule("w", "webinar", 1, group=""), "'group' must be"),
            (
                lambda: sm.EngagementRule("w", "page_view", 1, where="url == 'x'"),  # type: ignore[arg-type]
                "'where' must be a Condition over the activity's properties",
            ),
        ],
    )
    def test_bad_rules_name_the_rule_and_the_argument(self, build: Any, message: str) -> None:
        """A bad rule argument is a ConfigError that names the rule and the argument."""
        with pytest.raises(sm.ConfigError, match=message):
            build()

    def test_the_error_carries_its_context(self) -> None:
        """where and value are set on the error."""
        with pytest.raises(sm.ConfigError) as info:
            sm.EngagementRule("demo", "demo_request", 30, half_life=days(-1))
        assert info.value.where == "EngagementRule('demo').half_life"
        assert info.value.value == days(-1)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            (
                {"fit": [sm.FitRule("a", sm.always(), 1), sm.FitRule("a", sm.never(), 2)]},
                "two rules are called 'a'",
            ),
            (
                {"engagement": [sm.EngagementRule("software company", "call", 1)]},
                "two rules are called 'software company'",
            ),
            ({"fit": [sm.EngagementRule("a", "call", 1)]}, r"'fit' must list FitRule"),
            ({"engagement": [sm.FitRule("a", sm.always(), 1)]}, r"'engagement' must list"),
            ({"fit": sm.FitRule("a", sm.always(), 1)}, r"'fit' must be a list"),
            ({"group_caps": {"mail": 10}}, "group_caps names the group 'mail'"),
            ({"group_caps": {"web": -1}}, r"group_caps\['web'\] must be a number of at least 0"),
            ({"group_caps": ["web"]}, "'group_caps' must be a mapping"),
            ({"engagement_cap": math.nan}, "'engagement_cap' must be a finite number"),
            ({"fit_cap": "high"}, "'fit_cap' must be a finite number"),
            ({"floor": math.inf}, "'floor' must be a finite number"),
            ({"engagement_cap": 0}, r"'floor' \(0\) must be below 'engagement_cap' \(0\)"),
            ({"engagement_cap": 0.10000000005, "floor": 0.1}, "'floor' .* must be below"),
            ({"grades": {}}, "'grades' needs at least one grade"),
            ({"grades": {"A": 10, "B": 10}}, "'A' and 'B' share the threshold 10"),
            ({"grades": {"A": "high"}}, r"grades\['A'\] must be a finite number"),
            ({"grades": {"": 1}}, "a grade must be a non-empty name"),
            ({"grades": [("A", 1)]}, "'grades' must be a mapping of grade to threshold"),
        ],
    )
    def test_bad_models_are_rejected(self, changes: dict[str, Any], message: str) -> None:
        """Inconsistent models are a ConfigError naming the argument."""
        with pytest.raises(sm.ConfigError, match=message):
            model(**changes)

    @pytest.mark.parametrize(
        ("build", "message"),
        [
            (lambda: sm.LetterGrading([SENIOR], start="E"), "'start' must be one of F, D-"),
            (lambda: sm.LetterGrading([SENIOR, SENIOR]), "two criteria are called 'senior'"),
            (lambda: sm.LetterGrading([SENIOR.condition]), "'criteria' must list GradeCriterion"),  # type: ignore[list-item]
            (lambda: sm.LetterGrading(SENIOR), "'criteria' must be a list"),  # type: ignore[arg-type]
            (lambda: sm.GradeCriterion("x", sm.always(), thirds=0), "'thirds' must be a whole"),
            (lambda: sm.GradeCriterion("x", "a == 1"), "'condition' must be a Condition"),  # type: ignore[arg-type]
            (lambda: sm.GradeCriterion("", sm.always()), "grade criterion: 'name' must be"),
        ],
    )
    def test_bad_letter_gradings_are_rejected(self, build: Any, message: str) -> None:
        """Letter grading validates its criteria and start."""
        with pytest.raises(sm.ConfigError, match=message):
            build()

    def test_score_needs_an_aware_time(self, lead: sm.Lead) -> None:
        """A naive at= is rejected by score and score_many."""
        naive = datetime(2026, 1, 5)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            model().score(lead, [], at=naive)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            model().score_many([lead], [], at=naive)

    def test_score_needs_leads_and_activities(self, lead: sm.Lead, t0: datetime) -> None:
        """Anything else is named in a ValidationError, never an AttributeError."""
        with pytest.raises(sm.ValidationError, match=r"score\(\) needs Lead values"):
            model().score({"id": "L-1"}, [], at=t0)  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError, match="needs Activity values"):
            model().score(lead, [act("call", t0), "call"], at=t0)  # type: ignore[list-item]
        with pytest.raises(sm.ValidationError, match="needs Lead values"):
            model().score_many([lead, "L-2"], [], at=t0)  # type: ignore[list-item]
        with pytest.raises(sm.ValidationError, match="needs Activity values"):
            model().score_many([lead], (a for a in [act("call", t0), None]), at=t0)  # type: ignore[misc]
        with pytest.raises(sm.ValidationError, match="needs the activity's age as a timedelta"):
            sm.EngagementRule("a", "a", 1).worth(3)  # type: ignore[arg-type]


class TestScore:
    def test_contributions_are_a_tuple_of_contribution(self, lead: sm.Lead, t0: datetime) -> None:
        """Contributions read as frozen Contribution values, and are built once."""
        s = model().score(lead, [act("demo_request", t0)], at=t0)
        assert type(s.contributions) is tuple
        assert all(isinstance(c, sm.Contribution) for c in s.contributions)
        assert s.contributions is s.contributions
        assert s.contributions[-1] == sm.Contribution("demo request", "engagement", 30, 1)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            s.contributions[0].points = 3  # type: ignore[misc]

    def test_contributions_sum_exactly_to_the_total(self, lead: sm.Lead, t0: datetime) -> None:
        """Decayed points, caps and floor included: every way of adding them agrees exactly."""
        acts = [act("demo_request", t0 - days(n)) for n in (1, 2, 3, 17)]
        acts += [act("page_view", t0 - timedelta(hours=n), url="/pricing") for n in (5, 7, 11)]
        s = model(engagement_cap=70, group_caps={"web": 12.3}).score(lead, acts, at=t0)
        points = [c.points for c in s.contributions]
        assert sum(points) == math.fsum(points) == sum(reversed(points)) == s.total
        assert s.fit + s.engagement == s.total
        assert fsum_of(s, "fit") == s.fit
        assert s.engagement <= 70

    def test_facts_are_what_lifecycle_guards_read(self, lead: sm.Lead, t0: datetime) -> None:
        """score.facts() gives score, fit, engagement and grade."""
        s = model().score(lead, [act("demo_request", t0 - days(30))], at=t0)
        assert s.facts() == {"score": 50, "fit": 35, "engagement": 15, "grade": "B"}

    def test_explain_is_a_short_readable_breakdown(self, lead: sm.Lead, t0: datetime) -> None:
        """One line for the totals, one per contribution, aligned."""
        acts = [
            act("demo_request", t0 - days(30)),
            act("page_view", t0 - days(7), url="/pricing"),
            act("page_view", t0 - days(7), url="/pricing"),
            act("page_view", t0 - days(1), url="/blog"),
        ]
        s = model(group_caps={"web": 12}).score(lead, acts, at=t0)
        assert s.explain() == (
            "score 62 = fit 35 + engagement 27, grade B\n"
            "  fit         +15  software company\n"
            "  fit         +20  decision maker\n"
            "  engagement  +15  demo request (1 activity)\n"
            "  engagement  +10  pricing page (2 activities)\n"
            "  engagement   +3  page view (3 activities)\n"
            "  adjustment   -1  group cap 'web'"
        )

    def test_explain_names_every_kind_of_adjustment(self, lead: sm.Lead, t0: datetime) -> None:
        """Caps and the floor read as what they are; decayed points are rounded for reading."""
        s = model(fit_cap=30).score(lead, [act("unsubscribe", t0 - days(1))], at=t0)
        assert s.explain().splitlines()[1:] == [
            "  fit         +15  software company",
            "  fit         +20  decision maker",
            "  adjustment   -5  fit cap",
            "  engagement  -40  unsubscribe (1 activity)",
            "  adjustment  +40  engagement floor",
        ]
        capped = model(engagement_cap=10).score(lead, [act("demo_request", t0 - days(1))], at=t0)
        assert capped.explain().splitlines()[-2:] == [
            "  engagement  +29.31  demo request (1 activity)",
            "  adjustment  -19.31  engagement cap",
        ]

    def test_explain_with_nothing_scored(self, t0: datetime) -> None:
        """A lead nothing applies to still gets a readable answer."""
        s = model().score(sm.Lead.new("L", at=t0), [], at=t0)
        assert s.explain() == "score 0 = fit 0 + engagement 0, grade D\n  (no rule applies)"

    def test_scores_are_frozen_comparable_values(self, lead: sm.Lead, t0: datetime) -> None:
        """Equal inputs give equal, hashable scores; a score built by hand compares equal."""
        s = model().score(lead, [act("demo_request", t0)], at=t0)
        assert s == model().score(lead, [act("demo_request", t0)], at=t0)
        assert hash(s) == hash(model().score(lead, [act("demo_request", t0)], at=t0))
        by_hand = sm.Score(s.fit, s.engagement, s.total, s.grade, contributions=s.contributions)
        assert by_hand == s
        assert by_hand.contributions == s.contributions
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            s.total = 0  # type: ignore[misc]
        assert repr(s).startswith("Score(fit=35.0, engagement=30.0, total=65.0, grade='B', ")
        assert "Contribution(rule='demo request'" in repr(s)

    def test_a_score_built_by_hand_is_checked(self) -> None:
        """Score(...) checks its numbers, its grade and its contributions."""
        with pytest.raises(sm.ValidationError, match="'contributions' must list Contribution"):
            sm.Score(1, 0, 1, "A", contributions=[("a", "fit", 1, 0, None)])  # type: ignore[list-item]
        with pytest.raises(sm.ValidationError, match="'grade' must be a grade name"):
            sm.Score(1, 0, 1, "", contributions=[])
        with pytest.raises(sm.ValidationError, match="'total' must be a finite number"):
            sm.Score(1, 0, math.nan, "A", contributions=[])

    @pytest.mark.parametrize(
        ("build", "message"),
        [
            (lambda: sm.Contribution("a", "bonus", 1), "'kind' must be one of"),  # type: ignore[arg-type]
            (lambda: sm.Contribution("a", "fit", "1"), "'points' must be a finite number"),  # type: ignore[arg-type]
            (lambda: sm.Contribution("a", "fit", 1, count=-1), "'count' must be a whole number"),
            (lambda: sm.Contribution("", "fit", 1), "'rule' must be"),
            (lambda: sm.Contribution("a", "fit", 1, group=""), "'group' must be"),
        ],
    )
    def test_contributions_validate(self, build: Any, message: str) -> None:
        """Contributions built from outside data are checked."""
        with pytest.raises(sm.ValidationError, match=message):
            build()


class TestLifecycleIntegration:
    def test_score_facts_drive_the_default_mql_definition(
        self, lead: sm.Lead, t0: datetime
    ) -> None:
        """score >= 60 and grade in ('A', 'B'): advance reads the score's facts."""
        lc = sm.Lifecycle.default()
        warm = model().score(lead, [act("demo_request", t0 - days(30))], at=t0)
        assert warm.total < 60
        assert lc.advance(lead, at=t0, facts=warm.facts()).stage == "prospect"
        hot = model().score(lead, [act("demo_request", t0 - days(1))], at=t0)
        assert hot.total >= 60
        moved = lc.advance(lead, at=t0, facts=hot.facts())
        assert [c.trigger for c in moved.history] == ["engage", "qualify"]

    def test_a_lead_with_no_engagement_stays_a_suspect(self, lead: sm.Lead, t0: datetime) -> None:
        """engage waits for engagement > 0."""
        s = model().score(lead, [], at=t0)
        assert sm.Lifecycle.default().advance(lead, at=t0, facts=s.facts()) is lead


class TestScoreMany:
    def test_results_follow_the_order_of_leads(self, t0: datetime) -> None:
        """Activities in any order are grouped by lead; results come in the order of leads."""
        leads = [sm.Lead.new(f"L-{i}", at=t0, fields={"industry": "software"}) for i in range(4)]
        acts = [act("demo_request", t0 - days(i), lead_id=f"L-{i % 3}") for i in range(12)]
        random.Random(3).shuffle(acts)
        scores = model().score_many(reversed(leads), iter(acts), at=t0)
        assert scores == [model().score(lead, acts, at=t0) for lead in reversed(leads)]
        assert scores[0].engagement == 0
        assert scores[0].fit == 15

    def test_activities_of_unknown_leads_are_ignored(self, lead: sm.Lead, t0: datetime) -> None:
        """Only the given leads are scored."""
        scores = model().score_many([lead], [act("demo_request", t0, lead_id="X")], at=t0)
        assert [s.engagement for s in scores] == [0]

    def test_no_leads_no_scores(self, t0: datetime) -> None:
        """An empty batch is an empty list."""
        assert model().score_many([], [act("call", t0)], at=t0) == []


class TestPlannerSupport:
    def test_open_fit_lists_the_undetermined_rules(self, t0: datetime) -> None:
        """Rules the facts leave undetermined, in the model's order."""
        m = model()
        assert m.open_fit({"industry": "software"}) == (m.fit[1], m.fit[2])
        lead = sm.Lead.new("L", at=t0, fields={"job_title": "CTO", "email": "a@b.io"})
        assert m.open_fit(lead) == (m.fit[0],)

    def test_fit_at_stake_gives_the_points_each_unknown_field_could_decide(self) -> None:
        """Points of undetermined rules, by the unknown fields they read, largest first."""
        m = sm.ScoringModel(
            fit=[
                sm.FitRule("big", F("company_size") >= 200, 15),
                sm.FitRule(
                    "big software", (F("company_size") >= 50) & (F("industry") == "software"), 10
                ),
                sm.FitRule("student", F("email").contains(".edu"), -20),
                sm.FitRule("known", F("country") == "DE", 5),
            ]
        )
        assert m.fit_at_stake({"country": "DE"}) == {
            "company_size": 25,
            "email": 20,
            "industry": 10,
        }
        assert list(m.fit_at_stake({"country": "DE"})) == ["company_size", "email", "industry"]
        assert m.fit_at_stake({"company_size": 10, "email": "x@y.io", "country": "FR"}) == {}
        lead = sm.Lead.new(
            "L", at=datetime(2026, 1, 1, tzinfo=timezone.utc), fields={"email": "a@b.io"}
        )
        assert m.fit_at_stake(lead) == {"company_size": 25, "country": 5, "industry": 10}

    def test_rules_that_exclude_each_other_count_once(self) -> None:
        """Size bands: one answer can win at most the best band, not all of them."""
        m = sm.ScoringModel(
            fit=[
                sm.FitRule("enterprise", F("company_size") >= 1000, 15),
                sm.FitRule("mid-market", F("company_size").between(200, 999), 10),
                sm.FitRule("small", F("company_size").between(50, 199), 5),
                sm.FitRule("software", F("industry") == "software", 20),
                sm.FitRule("fintech", F("industry").is_in({"fintech", "banking"}), 10),
                sm.FitRule("vp", F("job_title").contains("vp"), 8),
                sm.FitRule("marketing", F("job_title").contains("marketing"), 4),
                sm.FitRule("gmail", F("email").matches("@gmail[.]"), -10),
                sm.FitRule("verified", F("verified") == True, 3),  # noqa: E712
            ]
        )
        assert m.fit_at_stake({}) == {
            "industry": 20,
            "company_size": 15,
            "job_title": 12,  # "vp marketing" holds both
            "email": 10,  # a regex counts on its own
            "verified": 3,
        }


# --- properties --------------------------------------------------------------------------------

LEAD_ID = "L-1"
acts_of_lead = st.lists(sst.activities(lead_ids=(LEAD_ID, "L-2")), max_size=12)
moments = sst.aware_datetimes()
LATER = st.timedeltas(timedelta(0), timedelta(days=3000))


def as_lead(lead: sm.Lead) -> sm.Lead:
    return attrs.evolve(lead, id=LEAD_ID)


def group_sums(score: sm.Score) -> dict[str, float]:
    out: dict[str, list[float]] = {}
    for c in score.contributions:
        if c.group is not None:
            out.setdefault(c.group, []).append(c.points)
    return {g: math.fsum(ps) for g, ps in out.items()}


class TestProperties:
    @given(sst.engagement_rules(), st.timedeltas(timedelta(0)), st.timedeltas(timedelta(0)))
    def test_decay_is_monotone_in_age(
        self, rule: sm.EngagementRule, a: timedelta, b: timedelta
    ) -> None:
        """An older activity is never worth more, nor of another sign."""
        young, old = sorted((a, b))
        assert abs(rule.worth(old)) <= abs(rule.worth(young)) <= abs(rule.worth(timedelta(0)))
        assert rule.worth(old) * rule.points >= 0

    @given(
        sst.scoring_models(negative=False),
        sst.leads(),
        acts_of_lead,
        sst.activities((LEAD_ID,)),
        moments,
    )
    def test_adding_an_activity_never_lowers_the_score(
        self,
        m: sm.ScoringModel,
        lead: sm.Lead,
        acts: list[sm.Activity],
        extra: sm.Activity,
        at: datetime,
    ) -> None:
        """With non-negative engagement points, one more activity keeps or raises the score."""
        lead = as_lead(lead)
        before = m.score(lead, acts, at=at)
        after = m.score(lead, [*acts, extra], at=at)
        assert after.engagement >= before.engagement
        assert after.total >= before.total

    @given(sst.scoring_models(), sst.leads(), acts_of_lead, moments)
    def test_caps_and_floor_always_hold(
        self, m: sm.ScoringModel, lead: sm.Lead, acts: list[sm.Activity], at: datetime
    ) -> None:
        """fit <= fit_cap, floor <= engagement <= engagement_cap, every group <= its cap."""
        s = m.score(as_lead(lead), acts, at=at)
        if m.fit_cap is not None:
            assert s.fit <= m.fit_cap
        if m.engagement_cap is not None:
            assert s.engagement <= m.engagement_cap
        if m.floor is not None:
            assert s.engagement >= m.floor
        sums = group_sums(s)
        for group, cap in m.group_caps.items():
            assert sums.get(group, 0) <= cap

    @given(sst.scoring_models(), sst.leads(), acts_of_lead, moments)
    def test_contributions_sum_to_the_total(
        self, m: sm.ScoringModel, lead: sm.Lead, acts: list[sm.Activity], at: datetime
    ) -> None:
        """Exactly, in any order of addition, and fit + engagement is the total too."""
        s = m.score(as_lead(lead), acts, at=at)
        points = [c.points for c in s.contributions]
        assert math.fsum(points) == sum(points) == sum(sorted(points)) == s.total
        assert s.fit + s.engagement == s.total
        fit_side = [c.points for c in s.contributions if c.kind == "fit" or c.rule == "fit_cap"]
        assert math.fsum(fit_side) == s.fit

    @given(sst.scoring_models(), st.lists(sst.leads(), max_size=4), st.data())
    def test_score_many_equals_score_lead_by_lead(
        self, m: sm.ScoringModel, leads: list[sm.Lead], data: st.DataObject
    ) -> None:
        """Batch scoring is the same as scoring each lead on its own."""
        ids = [lead.id for lead in leads] or ["nobody"]
        acts = data.draw(st.lists(sst.activities(lead_ids=[*ids, "other"]), max_size=20))
        at = data.draw(moments)
        assert m.score_many(leads, acts, at=at) == [m.score(lead, acts, at=at) for lead in leads]

    @given(sst.scoring_models(), sst.leads(), acts_of_lead, moments, LATER)
    def test_moving_at_forward_never_grows_a_rules_points(
        self,
        m: sm.ScoringModel,
        lead: sm.Lead,
        acts: list[sm.Activity],
        at: datetime,
        later: timedelta,
    ) -> None:
        """With no new activities, every rule's points shrink towards zero as time passes.

        This is what holds for every model: with negative-point rules engagement itself may
        rise over time (an old unsubscribe fades), so engagement only never rises when no rule
        has negative points; that is the next property.
        """
        lead = as_lead(lead)
        acts = [a for a in acts if a.at <= at]
        before = {c.rule: c.points for c in m.score(lead, acts, at=at).contributions}
        after = m.score(lead, acts, at=at + later)
        for c in after.contributions:
            if c.kind == "engagement":
                assert abs(c.points) <= abs(before[c.rule])
                assert c.points * before[c.rule] >= 0

    @given(
        sst.scoring_models(negative=False),
        sst.leads(),
        acts_of_lead,
        moments,
        LATER,
    )
    def test_moving_at_forward_never_raises_engagement(
        self,
        m: sm.ScoringModel,
        lead: sm.Lead,
        acts: list[sm.Activity],
        at: datetime,
        later: timedelta,
    ) -> None:
        """With non-negative rules and no new activities, engagement only decays."""
        lead = as_lead(lead)
        acts = [a for a in acts if a.at <= at]
        before = m.score(lead, acts, at=at)
        after = m.score(lead, acts, at=at + later)
        assert after.engagement <= before.engagement
        assert after.fit == before.fit

    @given(sst.scoring_models(), sst.facts())
    def test_open_fit_rules_are_exactly_the_undetermined_ones(
        self, m: sm.ScoringModel, facts: dict[str, object]
    ) -> None:
        """open_fit and fit_at_stake agree with three-valued evaluation."""
        open_rules = m.open_fit(facts)
        assert open_rules == tuple(r for r in m.fit if r.condition.evaluate(facts) is None)
        stake = m.fit_at_stake(facts)
        assert set(stake) <= {f for r in open_rules for f in r.condition.fields}
        assert all(facts.get(f) is None for f in stake)
        assert all(points >= 0 for points in stake.values())
        for name, points in stake.items():
            reading = [abs(r.points) for r in open_rules if name in r.condition.missing(facts)]
            assert max(reading) <= points <= sum(reading) + 1e-9

    @given(sst.scoring_models(), sst.facts())
    def test_the_stake_is_the_best_one_answer_leaves_standing(
        self, m: sm.ScoringModel, facts: dict[str, object]
    ) -> None:
        """Each stake is, by brute force over the deciding values and the tree's own
        evaluation, the most points of the open rules reading the fact that one answer keeps."""
        open_rules = [r for r in m.fit if r.condition.evaluate(facts) is None]
        conditions = [r.condition for r in m.fit]
        expected = {}
        for name in {f for r in open_rules for f in r.condition.missing(facts)}:
            reading = [r for r in open_rules if name in r.condition.missing(facts)]
            best = max(abs(r.points) for r in reading)
            for value in deciding_values(conditions, name):
                trial = {**facts, name: value}
                kept = [abs(r.points) for r in reading if r.condition.evaluate(trial) is not False]
                best = max(best, math.fsum(kept))
            expected[name] = float(best)
        assert m.fit_at_stake(facts) == expected

    @given(sst.letter_gradings(), sst.facts())
    def test_letter_grades_stay_on_the_scale(
        self, grading: sm.LetterGrading, facts: dict[str, object]
    ) -> None:
        """Whatever the facts, the grade is one of the 13 letters."""
        assert grading.grade(facts) in LETTER_GRADES

    @given(sst.scoring_models(), sst.leads(), acts_of_lead, moments)
    def test_explain_has_a_line_per_contribution(
        self, m: sm.ScoringModel, lead: sm.Lead, acts: list[sm.Activity], at: datetime
    ) -> None:
        """explain() never fails and lists every contribution."""
        s = m.score(as_lead(lead), acts, at=at)
        lines = s.explain().splitlines()
        assert len(lines) == 1 + max(1, len(s.contributions))


# --- serialisation ------------------------------------------------------------------------------


class TestSerialisation:
    @given(sst.scoring_models())
    def test_models_round_trip_through_json(self, m: sm.ScoringModel) -> None:
        """Rules, caps, floor and grades (thresholds or letters) survive JSON exactly."""
        back = sm.from_dict(sm.ScoringModel, through_json(sm.to_dict(m)))
        assert back == m
        assert back.fit == m.fit and back.engagement == m.engagement

    @given(sst.scoring_models(), sst.leads(), acts_of_lead, moments)
    def test_scores_round_trip_through_json(
        self, m: sm.ScoringModel, lead: sm.Lead, acts: list[sm.Activity], at: datetime
    ) -> None:
        """A score and its contributions survive JSON exactly."""
        s = m.score(as_lead(lead), acts, at=at)
        back = sm.from_dict(sm.Score, through_json(sm.to_dict(s)))
        assert back == s
        assert back.contributions == s.contributions

    @given(st.timedeltas(min_value=timedelta(microseconds=1), max_value=_v.MAX_DURATION))
    def test_durations_have_an_exact_text_form(self, d: timedelta) -> None:
        """Durations are written as playbook text ("30d") and read back to the microsecond."""
        rule = sm.EngagementRule("r", "call", 1, half_life=d, within=d, lose=None)
        data = through_json(sm.to_dict(rule))
        assert isinstance(data["half_life"], str)
        assert sm.from_dict(sm.EngagementRule, data) == rule

    def test_the_json_form_of_a_rule(self) -> None:
        """Conditions are their text, durations ISO 8601, points numbers."""
        rule = sm.EngagementRule(
            "pricing page",
            "page_view",
            10,
            half_life=days(7),
            within=timedelta(hours=36, seconds=1, microseconds=500),
            where=F("url").contains("/pricing"),
        )
        assert sm.to_dict(rule) == {
            "name": "pricing page",
            "kind": "page_view",
            "points": 10.0,
            "half_life": "1w",
            "within": "1d12h1.0005s",
            "max_count": None,
            "group": None,
            "where": "contains(url, '/pricing')",
            "lose": None,
            "per": None,
        }
        assert sm.to_dict(sm.FitRule("f", F("a") == 1, 2)) == {
            "name": "f",
            "when": "a == 1",
            "points": 2.0,
        }

    def test_the_json_form_of_a_model_with_letter_grading(self) -> None:
        """A letter grading is written as its start and criteria."""
        m = sm.ScoringModel(grades=sm.LetterGrading([SENIOR], start="C"), group_caps=None)
        data = sm.to_dict(m)
        assert data["grades"] == {
            "start": "C",
            "criteria": [{"name": "senior", "when": SENIOR.condition.__str__(), "thirds": 1}],
        }
        assert data["group_caps"] == {}
        assert sm.to_dict(sm.ScoringModel())["grades"] == {
            "A": 40.0,
            "B": 25.0,
            "C": 10.0,
            "D": 0.0,
        }
        assert sm.from_dict(sm.ScoringModel, through_json(data)) == m

    def test_the_other_value_types_round_trip(self) -> None:
        """Contributions, grade criteria and letter gradings on their own."""
        for value, cls in [
            (sm.Contribution("group_caps", "adjustment", -1.5, group="web"), sm.Contribution),
            (BIG, sm.GradeCriterion),
            (sm.LetterGrading([SENIOR, BIG]), sm.LetterGrading),
            (sm.FitRule("f", F("a").exists(), -3.25), sm.FitRule),
        ]:
            assert sm.from_dict(cls, through_json(sm.to_dict(value))) == value

    @pytest.mark.parametrize(
        ("mutate", "path", "problem"),
        [
            (
                lambda d: d["engagement"][0].update(half_life="thirty days"),
                "$.engagement[0].half_life",
                "not a duration",
            ),
            (
                lambda d: d["engagement"][0].update(half_life=30),
                "$.engagement[0].half_life",
                "not a duration",
            ),
            (
                lambda d: d["engagement"][0].update(half_life="0s"),
                "$.engagement[0].half_life",
                "longer than zero",
            ),
            (
                lambda d: d["engagement"][0].update(half_life="12mo"),
                "$.engagement[0].half_life",
                "calendar length",
            ),
            (lambda d: d["engagement"][0].update(lose=0.5), "$", "'lose' and 'per' go together"),
            (
                lambda d: d["engagement"][0].update(where="url ="),
                "$.engagement[0].where",
                "not valid syntax",
            ),
            (lambda d: d["fit"][0].pop("points"), "$.fit[0].points", "required field missing"),
            (lambda d: d.update(grades={"A": 1, "B": 1}), "$", "share the threshold"),
            (
                lambda d: d.update(grades={"start": "D", "criteria": [{"name": "x"}]}),
                "$.grades",
                "required",
            ),
            (lambda d: d.update(grades=["A"]), "$.grades", "mapping"),
            (lambda d: d.update(extra=1), "$", "unknown keys"),
            (lambda d: d.update(group_caps={"web": "x"}), "$", "group_caps\\['web'\\] must be"),
            (lambda d: d["fit"][0].update(points="15"), "$.fit[0]", "'points' must be a finite"),
            (lambda d: d.update(floor="0"), "$", "'floor' must be a finite number"),
        ],
    )
    def test_malformed_models_name_the_path(self, mutate: Any, path: str, problem: str) -> None:
        """A ValidationError names where in the data the problem is."""
        data = through_json(sm.to_dict(model()))
        mutate(data)
        with pytest.raises(sm.ValidationError, match=problem) as info:
            sm.from_dict(sm.ScoringModel, data)
        assert path in str(info.value)

    def test_malformed_scores_are_rejected(self, lead: sm.Lead, t0: datetime) -> None:
        """Bad score data names the problem."""
        data = through_json(sm.to_dict(model().score(lead, [], at=t0)))
        data["contributions"][0]["kind"] = "bonus"
        with pytest.raises(sm.ValidationError, match=r"\$.contributions\[0\].kind"):
            sm.from_dict(sm.Score, data)
        with pytest.raises(sm.ValidationError, match="required field missing"):
            sm.from_dict(sm.Score, {"fit": 1})
