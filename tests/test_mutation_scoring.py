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
    error = _config(lambda: sm.FitRule("x", sm.always(), "ten"))  # type: ignore[arg-type]
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
