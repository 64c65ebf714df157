"""Pins for behaviour of smarketing.scoring that mutation testing found unchecked.

Most are error messages and the attributes errors carry (``where``, ``value``,
``expected``, ``key``, ``piece``). Some checks are built by factories (``_arg``,
``_condition``, ``_rule_name``, ``_part``) that run once, when the classes are defined.
mutmut imports the package once and then forks a process per mutant, so a mutant of a
factory never shows up through the public classes. Those tests therefore also call the
factory themselves and check that what it builds behaves like the class's own check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import attrs
import pytest

import smarketing as sm
from smarketing import _validate as _v
from smarketing.errors import SmarketingError
from smarketing.scoring import _common, _score

T = datetime(2026, 3, 2, tzinfo=timezone.utc)


def _error(make: Callable[[], object], cls: type[SmarketingError]) -> SmarketingError:
    """The error ``make()`` raises, checked to be exactly of class ``cls``."""
    with pytest.raises(cls) as info:
        make()
    assert type(info.value) is cls
    return info.value


def _config(make: Callable[[], object]) -> sm.ConfigError:
    error = _error(make, sm.ConfigError)
    assert isinstance(error, sm.ConfigError)
    return error


def _validation(make: Callable[[], object]) -> sm.ValidationError:
    error = _error(make, sm.ValidationError)
    assert isinstance(error, sm.ValidationError)
    return error


def _rule() -> sm.FitRule:
    return sm.FitRule("x", sm.always(), 1)


def _engagement_rule() -> sm.EngagementRule:
    return sm.EngagementRule("d", "k", 1)


# --- _arg: a rule argument's errors name the rule ------------------------------------------------


def test_fit_rule_points_error_names_rule_and_argument() -> None:
    """A bad FitRule points value is a ConfigError naming the rule, the argument and the value."""
    error = _config(lambda: sm.FitRule("x", sm.always(), "ten"))
    assert str(error) == "fit rule 'x': 'points' must be a finite number (got 'ten')."
    assert error.where == "FitRule('x').points"
    assert error.key == "points"
    assert error.piece == "ten"
    assert error.expected == "a finite number"


def test_arg_factory_builds_the_rule_naming_check() -> None:
    """The validator `_arg` builds raises a ConfigError that says which rule and argument."""
    validate = _common._arg("fit rule", _v.points)
    attribute = attrs.fields(sm.FitRule).points
    validate(_rule(), attribute, 2.5)  # a good value passes
    error = _config(lambda: validate(_rule(), attribute, "ten"))
    assert str(error) == "fit rule 'x': 'points' must be a finite number (got 'ten')."
    assert error.where == "FitRule('x').points"
    assert error.key == "points"
    assert error.piece == "ten"
    assert error.expected == "a finite number"


def test_arg_factory_passes_the_check_options() -> None:
    """`_arg` hands its options to the check: max_count needs at least 1, and None is allowed."""
    validate = _common._arg("engagement rule", _v.whole, low=1, optional=True)
    attribute = attrs.fields(sm.EngagementRule).max_count
    validate(_engagement_rule(), attribute, None)
    validate(_engagement_rule(), attribute, 1)
    error = _config(lambda: validate(_engagement_rule(), attribute, 0))
    message = "engagement rule 'd': 'max_count' must be a whole number of at least 1 (got 0)."
    assert str(error) == message
    assert error.where == "EngagementRule('d').max_count"
    public = _config(lambda: sm.EngagementRule("d", "k", 1, max_count=0))
    assert str(public) == str(error)
    assert public.where == error.where


# --- _condition: a rule's condition must be a Condition ------------------------------------------


def test_fit_rule_condition_error() -> None:
    """A FitRule condition that is not a Condition (None included) is named in a ConfigError."""
    error = _config(lambda: sm.FitRule("x", None, 1))  # type: ignore[arg-type]
    assert str(error) == "fit rule 'x': 'condition' must be a Condition (got None)."
    assert error.where == "FitRule('x').condition"
    assert error.expected == "a Condition"


def test_condition_factory_defaults() -> None:
    """`_condition` with its defaults: a Condition is needed, None is not one, text neither."""
    validate = _common._condition("fit rule")
    attribute = attrs.fields(sm.FitRule).condition
    validate(_rule(), attribute, sm.always())
    for bad, shown in ((None, "None"), ("industry == 'a'", "\"industry == 'a'\"")):
        error = _config(lambda bad=bad: validate(_rule(), attribute, bad))  # type: ignore[misc]
        assert str(error) == f"fit rule 'x': 'condition' must be a Condition (got {shown})."
        assert error.where == "FitRule('x').condition"
        assert error.expected == "a Condition"
        assert error.piece == bad


def test_condition_factory_optional_and_expected() -> None:
    """`_condition(..., expected, optional=True)`: None passes, and the message says `expected`."""
    expected = "a Condition over the activity's properties"
    validate = _common._condition("engagement rule", expected, optional=True)
    attribute = attrs.fields(sm.EngagementRule).where
    validate(_engagement_rule(), attribute, None)
    validate(_engagement_rule(), attribute, sm.field("url").contains("/pricing"))
    error = _config(lambda: validate(_engagement_rule(), attribute, "x"))
    message = "engagement rule 'd': 'where' must be a Condition over the activity's properties"
    assert str(error) == message + " (got 'x')."
    assert error.expected == expected
    public = _config(lambda: sm.EngagementRule("d", "k", 1, where="x"))  # type: ignore[arg-type]
    assert str(public) == str(error)


# --- _rule_name: a rule's name --------------------------------------------------------------------


def test_rule_name_error() -> None:
    """A blank rule name is a ConfigError at '<Class>.name' labelled with the kind of rule."""
    error = _config(lambda: sm.FitRule("", sm.always(), 1))
    expected = "non-empty text without line breaks or surrounding spaces"
    assert str(error) == f"fit rule: 'name' must be {expected} (got '')."
    assert error.where == "FitRule.name"
    assert error.key == "name"
    assert error.expected == expected


def test_rule_name_factory() -> None:
    """The validator `_rule_name` builds passes a good name and names a bad one."""
    validate = _common._rule_name("engagement rule")
    attribute = attrs.fields(sm.EngagementRule).name
    validate(_engagement_rule(), attribute, "demo request")
    error = _config(lambda: validate(_engagement_rule(), attribute, " x"))
    expected = "non-empty text without line breaks or surrounding spaces"
    assert str(error) == f"engagement rule: 'name' must be {expected} (got ' x')."
    assert error.where == "EngagementRule.name"
    assert error.key == "name"
    assert error.piece == " x"


# --- EngagementRule.worth -------------------------------------------------------------------------


def test_worth_needs_a_timedelta() -> None:
    """worth() of a non-timedelta is a ValidationError naming the value and what it needs."""
    error = _validation(lambda: _engagement_rule().worth(5))  # type: ignore[arg-type]
    assert str(error) == "worth() needs the activity's age as a timedelta (got 5)."
    assert error.value == 5
    assert error.where == "worth(age)"
    assert error.expected == "a timedelta"


def test_worth_counts_an_activity_exactly_as_old_as_the_window() -> None:
    """`within` counts activities at most that old: one exactly that old still counts."""
    rule = sm.EngagementRule("d", "k", 10, within=timedelta(days=7))
    assert rule.worth(timedelta(days=7)) == 10.0
    assert rule.worth(timedelta(days=7, microseconds=1)) == 0.0


# --- ScoringModel.score_many ----------------------------------------------------------------------


def _lead(lead_id: str = "L-1", **fields: object) -> sm.Lead:
    return sm.Lead.new(lead_id, at=T - timedelta(days=1), fields=fields)


def test_score_many_at_errors_name_score_many() -> None:
    """A naive or non-datetime `at` is a ValidationError naming score_many's argument."""
    model = sm.ScoringModel()
    where = "ScoringModel.score_many(at=...)"
    naive = datetime(2026, 1, 1)  # naive: the point of the test
    error = _validation(lambda: model.score_many([_lead()], [], at=naive))
    assert str(error).startswith(f"{where} must be timezone-aware (got the naive datetime ")
    assert error.where == where
    assert error.value == naive
    error = _validation(lambda: model.score_many([_lead()], [], at="x"))  # type: ignore[arg-type]
    assert str(error) == f"{where} must be a timezone-aware datetime (got 'x')."
    assert error.where == where


def test_score_many_activities_must_be_a_collection() -> None:
    """Text given as the activities is a ValidationError naming score_many's argument."""
    model = sm.ScoringModel()
    error = _validation(lambda: model.score_many([_lead()], "abc", at=T))  # type: ignore[arg-type]
    where = "ScoringModel.score_many(activities=...)"
    assert str(error) == f"{where} must be a collection (got 'abc')."
    assert error.where == where


def test_score_many_names_the_model_for_a_bad_activity() -> None:
    """Something that is not an Activity is reported by ScoringModel, with its position."""
    model = sm.ScoringModel()
    error = _validation(lambda: model.score_many([_lead()], [1], at=T))  # type: ignore[list-item]
    assert str(error) == (
        "ScoringModel needs Activity values; activities[0] must be an Activity (got 1)."
    )
    assert error.where == "activities[0]"
    assert error.value == 1


def test_score_many_names_itself_for_a_bad_lead() -> None:
    """A lead that is not a Lead is a ValidationError naming score_many."""
    model = sm.ScoringModel()
    error = _validation(lambda: model.score_many(["x"], [], at=T))  # type: ignore[list-item]
    assert str(error) == "ScoringModel.score_many() needs Lead values (got 'x')."
    assert error.where == "score_many(lead)"
    assert error.expected == "a Lead"
    assert error.value == "x"


def test_score_many_with_fewer_fact_layers_than_leads() -> None:
    """Leads past the end of `facts` are scored on their own facts, not an error."""
    model = sm.ScoringModel(fit=[sm.FitRule("vip", sm.field("vip") == True, 50)])  # noqa: E712
    leads = [_lead("L-1"), _lead("L-2", vip=True), _lead("L-3")]
    scores = model.score_many(leads, [], at=T, facts=[{"vip": True}])
    assert [s.fit for s in scores] == [50.0, 50.0, 0.0]
    assert [s.grade for s in scores] == ["A", "A", "D"]


# --- Contribution and Score validation (_part, _to_parts) ---------------------------------------


def test_contribution_rule_error() -> None:
    """A Contribution built with a blank rule name is a ValidationError naming the field."""
    error = _validation(lambda: sm.Contribution("", "fit", 1))
    assert str(error) == "Contribution: 'rule' must be a rule name (non-empty text) (got '')."
    assert error.where == "Contribution.rule"
    assert error.expected == "a rule name (non-empty text)"
    assert error.value == ""


def test_part_factory_builds_the_result_check() -> None:
    """The validator `_part` builds raises a ValidationError labelled with its owner."""
    validate = _score._part("Contribution", _v.name, expected="a rule name (non-empty text)")
    attribute = attrs.fields(sm.Contribution).rule
    contribution = sm.Contribution("r", "fit", 1)
    validate(contribution, attribute, "fine")
    error = _validation(lambda: validate(contribution, attribute, ""))
    assert str(error) == "Contribution: 'rule' must be a rule name (non-empty text) (got '')."
    assert error.where == "Contribution.rule"
    assert error.expected == "a rule name (non-empty text)"
    assert error.value == ""


def test_part_factory_without_options() -> None:
    """`_part` with no options runs the check with its own defaults (count: at least 0)."""
    validate = _score._part("Contribution", _v.whole)
    attribute = attrs.fields(sm.Contribution).count
    contribution = sm.Contribution("r", "fit", 1)
    validate(contribution, attribute, 0)
    error = _validation(lambda: validate(contribution, attribute, -1))
    assert str(error) == "Contribution: 'count' must be a whole number of at least 0 (got -1)."
    assert error.where == "Contribution.count"


def test_score_contributions_must_be_contributions() -> None:
    """A Score built by hand with a non-Contribution is a ValidationError labelled Score."""
    error = _validation(
        lambda: sm.Score(fit=1, engagement=0, total=1, grade="A", contributions=[1])  # type: ignore[list-item]
    )
    assert str(error) == "Score: 'contributions' must list Contribution values (got 1)."
    assert error.where == "Score.contributions"
    assert error.value == 1


# --- Score.explain / _describe -----------------------------------------------------------------


def test_explain_names_an_unknown_adjustment_by_its_rule() -> None:
    """An adjustment the library does not name itself is described by its rule name."""
    bonus = sm.Contribution("bonus", "adjustment", 2.0)
    score = sm.Score(fit=0, engagement=2, total=2, grade="D", contributions=[bonus])
    assert score.explain() == "score 2 = fit 0 + engagement 2, grade D\n  adjustment  +2  bonus"


# --- ScoringModel.score: its own argument errors --------------------------------------------------


def test_score_errors_name_score() -> None:
    """score()'s checks name score(), not score_many(): lead, at and activities."""
    model = sm.ScoringModel()
    error = _validation(lambda: model.score("x", at=T))  # type: ignore[arg-type]
    assert str(error) == "ScoringModel.score() needs Lead values (got 'x')."
    assert error.where == "score(lead)"
    assert error.expected == "a Lead"
    error = _validation(lambda: model.score(_lead(), "ab", at=T))  # type: ignore[arg-type]
    assert str(error) == "ScoringModel.score(activities=...) must be a collection (got 'ab')."
    assert error.where == "ScoringModel.score(activities=...)"
    error = _validation(lambda: model.score(_lead(), at="x"))  # type: ignore[arg-type]
    assert str(error) == "ScoringModel.score(at=...) must be a timezone-aware datetime (got 'x')."
    assert error.where == "ScoringModel.score(at=...)"


# --- Score.facts and Contribution.kind -----------------------------------------------------------


def test_score_facts_are_what_lifecycle_guards_read() -> None:
    """Score.facts() maps score/fit/engagement/grade to the score's values."""
    model = sm.ScoringModel(fit=[sm.FitRule("a", sm.always(), 30)])
    assert model.score(_lead(), at=T).facts() == {
        "score": 30.0,
        "fit": 30.0,
        "engagement": 0.0,
        "grade": "B",
    }


def test_contribution_kind_error() -> None:
    """A Contribution kind outside the three is a ValidationError listing the three."""
    error = _validation(lambda: sm.Contribution("r", "bogus", 1))  # type: ignore[arg-type]
    expected = "one of 'fit', 'engagement', 'adjustment'"
    assert str(error) == f"Contribution: 'kind' must be {expected} (got 'bogus')."
    assert error.where == "Contribution.kind"
    assert error.expected == expected
    assert error.value == "bogus"
    for kind in ("fit", "engagement", "adjustment"):
        assert sm.Contribution("r", kind, 1).kind == kind


# --- caps and floor: their errors, and the points grid they are kept on ---------------------------

GRID = 2**30


@pytest.mark.parametrize("arg", ["fit_cap", "engagement_cap", "floor"])
def test_bound_errors_name_the_argument(arg: str) -> None:
    """A cap or floor that is not a finite number is a ConfigError naming that argument."""
    error = _config(lambda: sm.ScoringModel(**{arg: "x"}))  # type: ignore[arg-type]
    assert str(error) == f"ScoringModel: {arg!r} must be a finite number or None (got 'x')."
    assert error.where == f"ScoringModel.{arg}"
    assert error.key == arg
    assert error.piece == "x"
    assert error.expected == "a finite number or None"
    error = _config(lambda: sm.ScoringModel(**{arg: 10**19}))  # type: ignore[arg-type]
    bound = "a number of at most 1e18 points either way"
    assert str(error) == f"ScoringModel: {arg!r} must be {bound} (got 10000000000000000000)."


def test_bounds_may_be_none() -> None:
    """None means no cap and no floor: a negative engagement then stands."""
    model = sm.ScoringModel(
        engagement=[sm.EngagementRule("spam", "spam", -5)],
        fit_cap=None,
        engagement_cap=None,
        floor=None,
    )
    assert (model.fit_cap, model.engagement_cap, model.floor) == (None, None, None)
    score = model.score(_lead(), [sm.Activity("L-1", "spam", T - timedelta(hours=1))], at=T)
    assert score.engagement == -5.0
    assert score.contributions == (sm.Contribution("spam", "engagement", -5.0, 1),)


def test_fit_points_are_kept_on_the_grid() -> None:
    """A rule's points are rounded to the nearest 2**-30: 0.1 is held as 107374182 / 2**30."""
    model = sm.ScoringModel(fit=[sm.FitRule("a", sm.always(), 0.1)])
    assert model.score(_lead(), at=T).fit == 107374182 / GRID


@pytest.mark.parametrize(
    ("cap", "held"),
    [(0.7, 751619276 / GRID), (0.1, 107374182 / GRID), (0.5, 0.5)],
)
def test_caps_round_down_onto_the_grid(cap: float, held: float) -> None:
    """A cap is held as the grid point at or just below it (0.7 rounds to nearest upwards, so
    it goes one step down), never above it; a cap on the grid is held as it is."""
    fit_model = sm.ScoringModel(fit=[sm.FitRule("a", sm.always(), 1)], fit_cap=cap)
    score = fit_model.score(_lead(), at=T)
    assert score.fit == held
    assert score.contributions[-1] == sm.Contribution("fit_cap", "adjustment", held - 1)
    rule = sm.EngagementRule("demo", "demo", 1)
    engagement_model = sm.ScoringModel(engagement=[rule], engagement_cap=cap)
    demo = sm.Activity("L-1", "demo", T - timedelta(hours=1))
    assert engagement_model.score(_lead(), [demo], at=T).engagement == held


@pytest.mark.parametrize(
    ("floor", "held"),
    [(-0.7, -751619276 / GRID), (-0.1, -107374182 / GRID), (-0.5, -0.5)],
)
def test_floor_rounds_up_onto_the_grid(floor: float, held: float) -> None:
    """The floor is held as the grid point at or just above it, never below it."""
    model = sm.ScoringModel(engagement=[sm.EngagementRule("spam", "spam", -1)], floor=floor)
    spam = sm.Activity("L-1", "spam", T - timedelta(hours=1))
    score = model.score(_lead(), [spam], at=T)
    assert score.engagement == held
    assert score.contributions[-1] == sm.Contribution("floor", "adjustment", held + 1)


# --- EngagementRule's lose (the _fraction converter) ----------------------------------------------


def test_lose_is_held_as_a_float() -> None:
    """lose=1 (an int) is held as 1.0; lose=0.5 halves the points per `per`."""
    rule = sm.EngagementRule("w", "w", 20, lose=1, per=timedelta(days=10))
    assert type(rule.lose) is float
    assert rule.lose == 1.0
    half = sm.EngagementRule("w", "w", 20, lose=0.5, per=timedelta(days=10))
    assert half.worth(timedelta(days=10)) == 10.0


@pytest.mark.parametrize(("lose", "shown"), [("x", "'x'"), (0, "0"), (2, "2"), (-0.5, "-0.5")])
def test_lose_outside_the_fraction_range(lose: object, shown: str) -> None:
    """A lose outside (0, 1] is a ConfigError that shows the value as given."""
    error = _config(lambda: sm.EngagementRule("d", "k", 1, lose=lose, per=timedelta(days=1)))
    assert str(error) == f"engagement rule 'd': 'lose' must be a fraction in (0, 1] (got {shown})."
    assert error.where == "EngagementRule('d').lose"
    assert error.piece == lose
    assert type(error.piece) is type(lose)


# --- open_fit / fit_at_stake read the facts as given (not derived) --------------------------------


def test_open_fit_does_not_derive_from_the_title() -> None:
    """A lead's or a mapping's job_title is not parsed: a seniority rule stays open. A fact view
    that derived the seniority is read as it is, and decides the rule."""
    from smarketing.facts import fact_view

    rule = sm.FitRule("senior", sm.field("seniority") == "vp", 10)
    model = sm.ScoringModel(fit=[rule])
    lead = _lead(job_title="VP Marketing")
    assert model.open_fit(lead) == (rule,)
    assert model.open_fit({"job_title": "VP Marketing"}) == (rule,)
    assert model.fit_at_stake(lead) == {"seniority": 10.0}
    assert model.open_fit(fact_view(lead)) == ()
    assert model.fit_at_stake(fact_view(lead)) == {}


# --- ScoringModel's rule lists -------------------------------------------------------------------


def test_rule_list_errors_name_the_argument() -> None:
    """fit/engagement that are not lists of their rules are ConfigErrors at ScoringModel.<arg>."""
    error = _config(lambda: sm.ScoringModel(fit=3))  # type: ignore[arg-type]
    assert str(error) == "ScoringModel: 'fit' must be a list of FitRule values (got 3)."
    assert (error.where, error.key, error.piece) == ("ScoringModel.fit", "fit", 3)
    error = _config(lambda: sm.ScoringModel(engagement=[1]))  # type: ignore[list-item]
    assert str(error) == "ScoringModel: 'engagement' must list EngagementRule values (got 1)."
    assert (error.where, error.key, error.piece) == ("ScoringModel.engagement", "engagement", 1)


def test_score_checks_activities_without_engagement_rules() -> None:
    """A model with no engagement rule still refuses what is not an Activity, as score_many
    does: the same input never scores one way and fails the other."""
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    lead = sm.Lead.new("a", at=at)
    model = sm.ScoringModel()
    for call in (
        lambda: model.score(lead, [1], at=at),  # type: ignore[list-item]
        lambda: model.score_many([lead], [1], at=at),  # type: ignore[list-item]
    ):
        with pytest.raises(sm.ValidationError) as info:
            call()
        assert "ScoringModel needs Activity values" in str(info.value)
        assert info.value.value == 1
    assert model.score(lead, iter(()), at=at).total == 0


# --- LetterGrading's start -----------------------------------------------------------------------


class TestLetterGradingStart:
    """`start` must be a letter of the scale; the error says so and carries the bad start."""

    def test_unknown_start_error(self) -> None:
        """A start off the scale is a ConfigError at LetterGrading.start listing the scale."""
        error = _config(lambda: sm.LetterGrading([], start="E"))
        scale = "F, D-, D, D+, C-, C, C+, B-, B, B+, A-, A, A+"
        assert str(error) == f"LetterGrading: 'start' must be one of {scale} (got 'E')."
        assert error.where == "LetterGrading.start"
        assert error.key == "start"
        assert error.expected == "a letter grade"
        assert error.piece == "E"
        assert error.value == "E"


# --- ScoringModel's group_caps -------------------------------------------------------------------


def _web_rule() -> sm.EngagementRule:
    return sm.EngagementRule("visit", "page_view", 1, group="web")


class TestGroupCapsErrors:
    """group_caps must map groups to numbers of at least 0; each error names the bad piece."""

    def test_not_a_mapping(self) -> None:
        """group_caps that is not a mapping is a ConfigError at ScoringModel.group_caps."""
        error = _config(lambda: sm.ScoringModel(engagement=[_web_rule()], group_caps=["web"]))  # type: ignore[arg-type]
        assert str(error) == (
            "ScoringModel: 'group_caps' must be a mapping of group to cap (got ['web'])."
        )
        assert error.where == "ScoringModel.group_caps"
        assert error.key == "group_caps"
        assert error.expected == "a mapping"
        assert error.piece == ["web"]

    def test_negative_cap(self) -> None:
        """A cap below 0 is a ConfigError at group_caps[<group>] carrying the cap."""
        error = _config(lambda: sm.ScoringModel(engagement=[_web_rule()], group_caps={"web": -1}))
        assert str(error) == (
            "ScoringModel: group_caps['web'] must be a number of at least 0 (got -1)."
        )
        assert error.where == "ScoringModel.group_caps['web']"
        assert error.key == "group_caps['web']"
        assert error.expected == "a number of at least 0"
        assert error.piece == -1

    def test_true_is_not_a_cap(self) -> None:
        """True is not a number of points: it is refused as a cap below 0 would be."""
        error = _config(lambda: sm.ScoringModel(engagement=[_web_rule()], group_caps={"web": True}))
        assert str(error) == (
            "ScoringModel: group_caps['web'] must be a number of at least 0 (got True)."
        )
        assert error.expected == "a number of at least 0"
        assert error.piece is True

    def test_an_integer_past_a_float_is_too_big_not_negative(self) -> None:
        """A positive integer too big for a float is reported as past the points bound (what is
        wrong with it), not as "at least 0"."""
        huge = 10**400
        error = _config(lambda: sm.ScoringModel(engagement=[_web_rule()], group_caps={"web": huge}))
        assert str(error).endswith(
            "group_caps['web'] must be a number of at most 1e18 points either way "
            "(got an integer of about 401 digits)."
        )
        assert error.where == "ScoringModel.group_caps['web']"
        assert error.expected == "a number of at most 1e18 points either way"
        assert error.piece == huge

    def test_the_largest_integer_cap_is_held_as_a_float(self) -> None:
        """An integer cap up to the points bound is accepted and held as a float."""
        model = sm.ScoringModel(engagement=[_web_rule()], group_caps={"web": 10**18})
        assert dict(model.group_caps) == {"web": 1e18}
        assert type(model.group_caps["web"]) is float


# --- ScoringModel's grades ----------------------------------------------------------------------


class TestGradesErrors:
    """Each bad `grades` is a ConfigError at ScoringModel.grades[...] carrying the bad piece."""

    def test_not_a_mapping(self) -> None:
        """grades that are neither a mapping nor a LetterGrading: the error says both."""
        error = _config(lambda: sm.ScoringModel(grades=[("A", 1)]))  # type: ignore[arg-type]
        assert str(error) == (
            "ScoringModel: 'grades' must be a mapping of grade to threshold, or a "
            "LetterGrading (got [('A', 1)])."
        )
        assert error.where == "ScoringModel.grades"
        assert error.key == "grades"
        assert error.expected == "a mapping"
        assert error.piece == [("A", 1)]

    def test_no_grade(self) -> None:
        """An empty mapping of grades is refused with an example of a good one."""
        error = _config(lambda: sm.ScoringModel(grades={}))
        assert str(error) == (
            "ScoringModel: 'grades' needs at least one grade (e.g. {'A': 40, 'B': 25})."
        )
        assert error.where == "ScoringModel.grades"
        assert error.key == "grades"
        assert error.expected == "a grade"
        assert error.piece == {}

    def test_blank_grade_name(self) -> None:
        """A grade must be a name: the error carries the bad grade, not the mapping."""
        error = _config(lambda: sm.ScoringModel(grades={"A": 10, "": 1}))
        assert str(error) == "ScoringModel: a grade must be a non-empty name (got '')."
        assert error.where == "ScoringModel.grades"
        assert error.key == "grades"
        assert error.expected == "a name"
        assert error.piece == ""

    def test_threshold_not_a_number(self) -> None:
        """A threshold that is not a finite number is named by its grade."""
        error = _config(lambda: sm.ScoringModel(grades={"A": "high"}))  # type: ignore[dict-item]
        assert str(error) == "ScoringModel: grades['A'] must be a finite number (got 'high')."
        assert error.where == "ScoringModel.grades['A']"
        assert error.key == "grades['A']"
        assert error.expected == "a finite number"
        assert error.piece == "high"

    def test_shared_threshold(self) -> None:
        """Two grades on one threshold: the error names both and carries the whole mapping."""
        grades = {"A": 10, "B": 10}
        error = _config(lambda: sm.ScoringModel(grades=grades))
        assert str(error) == (
            "ScoringModel: grades 'A' and 'B' share the threshold 10; each grade needs its own."
        )
        assert error.where == "ScoringModel.grades"
        assert error.key == "grades"
        assert error.expected == "distinct thresholds"
        assert error.piece == grades


# --- caps exactly reached, and caps beyond the grid -----------------------------------------------


def _hour_ago(kind: str) -> sm.Activity:
    return sm.Activity("L-1", kind, T - timedelta(hours=1))


class TestCapsExactlyReached:
    """A cap clamps only what goes past it: points exactly at a cap add no adjustment."""

    def test_fit_exactly_at_the_fit_cap(self) -> None:
        """fit == fit_cap: no fit_cap contribution, and the explanation has no cap line."""
        model = sm.ScoringModel(fit=[sm.FitRule("a", sm.always(), 10)], fit_cap=10)
        score = model.score(_lead(), at=T)
        assert score.fit == 10.0
        assert score.contributions == (sm.Contribution("a", "fit", 10.0),)
        assert score.explain() == "score 10 = fit 10 + engagement 0, grade C\n  fit         +10  a"

    def test_group_exactly_at_its_cap(self) -> None:
        """A group's points == its cap: no group_caps contribution."""
        rule = sm.EngagementRule("visit", "page_view", 5, group="web")
        model = sm.ScoringModel(engagement=[rule], group_caps={"web": 5})
        score = model.score(_lead(), [_hour_ago("page_view")], at=T)
        assert score.engagement == 5.0
        assert score.contributions == (sm.Contribution("visit", "engagement", 5.0, 1, group="web"),)

    def test_engagement_exactly_at_the_engagement_cap(self) -> None:
        """engagement == engagement_cap: no engagement_cap contribution."""
        model = sm.ScoringModel(
            engagement=[sm.EngagementRule("demo", "demo", 10)], engagement_cap=10
        )
        score = model.score(_lead(), [_hour_ago("demo")], at=T)
        assert score.engagement == 10.0
        assert score.contributions == (sm.Contribution("demo", "engagement", 10.0, 1),)

    def test_one_step_past_each_cap_clamps(self) -> None:
        """The other side of the boundary: a point over each cap is taken back by it."""
        model = sm.ScoringModel(
            fit=[sm.FitRule("a", sm.always(), 11)],
            engagement=[sm.EngagementRule("visit", "page_view", 6, group="web")],
            fit_cap=10,
            group_caps={"web": 5},
            engagement_cap=4,
        )
        score = model.score(_lead(), [_hour_ago("page_view")], at=T)
        assert [(c.rule, c.points) for c in score.contributions if c.kind == "adjustment"] == [
            ("fit_cap", -1.0),
            ("group_caps", -1.0),
            ("engagement_cap", -1.0),
        ]
        assert (score.fit, score.engagement, score.total) == (10.0, 4.0, 14.0)


class TestGroupCapBeyondTheGrid:
    """Past 2**22, where a float sum is rounded, a group cap still never lets the group past."""

    def test_huge_group_is_kept_at_or_below_its_cap(self) -> None:
        """1e18 + 1 capped at 1e17: 1e17 - 1e18 - 1 is no float, so the adjustment is the float
        just below it (-9e17 - 128), and the group's exact sum stays under the cap."""
        from fractions import Fraction

        model = sm.ScoringModel(
            engagement=[
                sm.EngagementRule("big", "big", 10**18, group="g"),
                sm.EngagementRule("one", "one", 1, group="g"),
            ],
            group_caps={"g": 10**17},
        )
        score = model.score(_lead(), [_hour_ago("big"), _hour_ago("one")], at=T)
        adjustment = score.contributions[-1]
        assert adjustment == sm.Contribution(
            "group_caps", "adjustment", -900_000_000_000_000_128.0, group="g"
        )
        exact = sum(Fraction(c.points) for c in score.contributions if c.group == "g")
        assert exact == 10**17 - 127
        assert exact <= 10**17


# --- activities in the future --------------------------------------------------------------------


class TestFutureActivities:
    """An activity after `at` counts for nothing, and does not stop the ones after it."""

    def test_a_future_activity_first_does_not_hide_the_rest(self) -> None:
        """A future demo listed before a past one: the past one still counts."""
        model = sm.ScoringModel(engagement=[sm.EngagementRule("demo", "demo", 10)])
        future = sm.Activity("L-1", "demo", T + timedelta(hours=1))
        score = model.score(_lead(), [future, _hour_ago("demo")], at=T)
        assert score.engagement == 10.0
        assert score.contributions == (sm.Contribution("demo", "engagement", 10.0, 1),)
        many = model.score_many([_lead()], [future, _hour_ago("demo")], at=T)
        assert many[0].engagement == 10.0


# --- fit_at_stake ---------------------------------------------------------------------------------


def _bands_and_combo() -> sm.ScoringModel:
    """Two size bands (rules reading company_size alone) and a rule reading size and industry."""
    return sm.ScoringModel(
        fit=[
            sm.FitRule("big", sm.field("company_size") >= 1000, 15),
            sm.FitRule("mid", sm.field("company_size").between(200, 999), 10),
            sm.FitRule(
                "big software",
                (sm.field("company_size") >= 1000) & (sm.field("industry") == "software"),
                30,
            ),
        ]
    )


class TestFitAtStake:
    """The stake of a fact counts every open rule reading it; largest first, ties by name."""

    def test_a_rule_reading_another_fact_too_adds_to_the_bands(self) -> None:
        """Size bands plus a size-and-industry rule still open: one big size wins both (45),
        not only the best band (15)."""
        model = _bands_and_combo()
        assert model.fit_at_stake({"industry": "software"}) == {"company_size": 45.0}
        assert model.fit_at_stake({}) == {"company_size": 45.0, "industry": 30.0}

    def test_bands_alone_count_once(self) -> None:
        """With the combined rule decided, only the bands are open: the best band is the stake."""
        model = _bands_and_combo()
        assert model.fit_at_stake({"industry": "retail"}) == {"company_size": 15.0}

    def test_largest_stake_first_then_by_name(self) -> None:
        """Stakes come largest first (a negative rule by its size); equal ones by fact name,
        whatever the order of the rules."""
        model = sm.ScoringModel(
            fit=[
                sm.FitRule("z", sm.field("zeta") == 1, 5),
                sm.FitRule("a", sm.field("alpha") == 1, 5),
                sm.FitRule("m", sm.field("mid") == 1, 7),
                sm.FitRule("b", sm.field("beta") == 1, -9),
            ]
        )
        stake = model.fit_at_stake({})
        assert list(stake.items()) == [("beta", 9.0), ("mid", 7.0), ("alpha", 5.0), ("zeta", 5.0)]
