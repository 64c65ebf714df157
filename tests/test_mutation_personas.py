"""Pins for behaviour of smarketing.personas and smarketing.profiling that mutation testing
found unchecked.

Most are the errors a hand-built PersonaMatch raises, and the attributes they carry
(``value``, ``where``, ``expected``). ProfilePlanner's part checks come from a factory
(``profiling._part``) that runs once, when the class is defined. mutmut imports the package
once and then forks a process per mutant, so a mutant of the factory never shows up through
ProfilePlanner. Those tests therefore also call the factory themselves.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

import smarketing as sm
from smarketing import profiling

A = sm.Trait(sm.field("a") == 1)
B = sm.Trait(sm.field("b") == 2, weight=2)
C = sm.Trait(sm.field("c") == 3)
PERSONA = sm.Persona("P", traits=[A, B])


def _validation(make: Callable[[], object]) -> sm.ValidationError:
    """The ValidationError ``make()`` raises (exactly that class)."""
    with pytest.raises(sm.ValidationError) as info:
        make()
    assert type(info.value) is sm.ValidationError
    return info.value


def _config(make: Callable[[], object]) -> sm.ConfigError:
    """The ConfigError ``make()`` raises (exactly that class)."""
    with pytest.raises(sm.ConfigError) as info:
        make()
    assert type(info.value) is sm.ConfigError
    return info.value


# --- PersonaMatch's checks -----------------------------------------------------------------------


def test_match_persona_must_be_a_persona() -> None:
    """PersonaMatch.persona that is not a Persona: a ValidationError naming it and the field."""
    error = _validation(lambda: sm.PersonaMatch("x", 0.5, (), (), ()))  # type: ignore[arg-type]
    assert str(error) == "PersonaMatch.persona must be a Persona (got 'x')."
    assert error.value == "x"
    assert error.where == "PersonaMatch.persona"
    assert error.expected == "a Persona"


def test_match_confidence_must_be_a_share() -> None:
    """A confidence above 1 is a ValidationError naming it and the range."""
    error = _validation(lambda: sm.PersonaMatch(PERSONA, 1.5, (), (), ()))
    assert str(error) == "PersonaMatch.confidence must be a number from 0 to 1 (got 1.5)."
    assert error.value == 1.5
    assert error.where == "PersonaMatch.confidence"
    assert error.expected == "a number from 0 to 1"


@pytest.mark.parametrize("field", ["matched", "unmatched", "unknown"])
def test_match_traits_must_be_traits(field: str) -> None:
    """Each trait group holding a non-Trait is a ValidationError naming that group."""
    groups: dict[str, tuple[object, ...]] = {"matched": (), "unmatched": (), "unknown": ()}
    groups[field] = (A, 1)
    error = _validation(lambda: sm.PersonaMatch(PERSONA, 0.5, **groups))  # type: ignore[arg-type]
    assert str(error) == f"PersonaMatch.{field} must be a tuple of Trait (got ({A!r}, 1))."
    assert error.value == (A, 1)
    assert error.where == f"PersonaMatch.{field}"
    assert error.expected == "a tuple of Trait"


def test_match_unknown_fields_must_be_names() -> None:
    """unknown_fields holding a non-string is a ValidationError naming the field."""
    error = _validation(
        lambda: sm.PersonaMatch(PERSONA, 0.5, (), (), (), unknown_fields=("a", 1))  # type: ignore[arg-type]
    )
    assert str(error) == "PersonaMatch.unknown_fields must be a tuple of fact names (got ('a', 1))."
    assert error.value == ("a", 1)
    assert error.where == "PersonaMatch.unknown_fields"
    assert error.expected == "a tuple of names"


def test_match_unknown_fields_list_becomes_a_tuple() -> None:
    """unknown_fields given as a list is held as a tuple."""
    match = sm.PersonaMatch(PERSONA, 0.0, (), (), (A, B), unknown_fields=["a", "b"])
    assert match.unknown_fields == ("a", "b")


# --- PersonaMatch.explain ------------------------------------------------------------------------


def test_explain_joins_unknown_facts_with_commas() -> None:
    """The last line lists the unknown facts, comma-separated, in order."""
    match = sm.PersonaMatch(PERSONA, 0.0, (), (), (A, B), unknown_fields=("a", "b"))
    assert match.explain().splitlines()[-1] == "  unknown facts: a, b"


def test_explain_lists_a_trait_outside_the_persona_last() -> None:
    """A hand-built match may hold a trait its persona lacks: it is listed after the persona's
    own traits (in persona order), not an error."""
    match = sm.PersonaMatch(PERSONA, 0.25, (A,), (), (C, B))
    assert match.explain().splitlines()[1:] == [
        "  matched    a == 1 (weight 1)",
        "  unknown    b == 2 (weight 2)",
        "  unknown    c == 3 (weight 1)",
    ]


# --- profiling: FormPlan.explain and ProfilePlanner's parts --------------------------------------


def test_empty_plan_explains_there_is_nothing_to_ask() -> None:
    """A plan with no fields says so in one exact sentence."""
    assert sm.FormPlan(()).explain() == (
        "Nothing to ask: every field this lead's stage allows is known and fresh."
    )


CATALOG = [sm.FormField("company", label="Company")]


def test_planner_rejects_a_part_of_the_wrong_class() -> None:
    """personas/scoring/lifecycle given as something else is a ConfigError naming the argument
    and what was expected (a wrong lifecycle too, not an AttributeError on the way)."""
    error = _config(lambda: sm.ProfilePlanner(CATALOG, personas="x"))  # type: ignore[arg-type]
    assert str(error) == "personas must be a PersonaMatcher or None (got 'x')."
    assert error.where == "personas"
    assert error.key == "personas"
    assert error.piece == "x"
    assert error.expected == "a PersonaMatcher or None"
    matcher = sm.PersonaMatcher([])
    error = _config(lambda: sm.ProfilePlanner(CATALOG, scoring=matcher))  # type: ignore[arg-type]
    assert str(error).startswith("scoring must be a ScoringModel or None (got ")
    assert error.piece is matcher
    error = _config(lambda: sm.ProfilePlanner(CATALOG, lifecycle=1))  # type: ignore[arg-type]
    assert str(error) == "lifecycle must be a Lifecycle or None (got 1)."
    assert (error.key, error.piece) == ("lifecycle", 1)


@pytest.mark.parametrize(
    ("cls", "name"),
    [(sm.PersonaMatcher, "personas"), (sm.ScoringModel, "scoring"), (sm.Lifecycle, "lifecycle")],
)
def test_part_factory(cls: type, name: str) -> None:
    """The validator `profiling._part(cls, name)` takes None or a `cls`, and names anything
    else with the argument's name."""
    validate = profiling._part(cls, name)
    attribute = attrs.fields(sm.ProfilePlanner).personas
    planner = sm.ProfilePlanner(CATALOG)
    validate(planner, attribute, None)
    good = {
        sm.PersonaMatcher: sm.PersonaMatcher([]),
        sm.ScoringModel: sm.ScoringModel(),
        sm.Lifecycle: sm.Lifecycle.default(),
    }[cls]
    validate(planner, attribute, good)
    error = _config(lambda: validate(planner, attribute, 3))
    cls_name = cls.__name__
    assert str(error) == f"{name} must be a {cls_name} or None (got 3)."
    assert error.where == name
    assert error.key == name
    assert error.piece == 3
    assert error.expected == f"a {cls_name} or None"


# --- PersonaMatcher's definition checks ----------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [(1.5, "1.5"), (-0.1, "-0.1"), ("x", "'x'")])
def test_min_confidence_out_of_range(value: object, shown: str) -> None:
    """min_confidence outside [0, 1] (or not a number) is a ConfigError naming it."""
    error = _config(lambda: sm.PersonaMatcher([PERSONA], min_confidence=value))
    assert str(error) == (
        f"PersonaMatcher: min_confidence must be a number from 0 to 1 (got {shown})."
    )
    assert error.key == "min_confidence"
    assert error.piece == value


@pytest.mark.parametrize("value", [0, 1, 0.5])
def test_min_confidence_bounds_are_allowed(value: float) -> None:
    """0 and 1 themselves are allowed, and held as floats."""
    matcher = sm.PersonaMatcher([PERSONA], min_confidence=value)
    assert matcher.min_confidence == float(value)
    assert type(matcher.min_confidence) is float


def test_matcher_personas_errors() -> None:
    """Not a list, a non-Persona item and a repeated name are ConfigErrors with their keys."""
    error = _config(lambda: sm.PersonaMatcher(3))  # type: ignore[arg-type]
    assert str(error) == "PersonaMatcher: personas must be a list of Persona (got 3)."
    assert (error.key, error.piece) == ("personas", 3)
    error = _config(lambda: sm.PersonaMatcher([PERSONA, "x"]))  # type: ignore[list-item]
    assert str(error) == "PersonaMatcher: personas[1] must be a Persona (got 'x')."
    assert (error.key, error.piece) == ("personas[1]", "x")
    other = sm.Persona("Q", traits=[C])
    error = _config(lambda: sm.PersonaMatcher([other, PERSONA, PERSONA]))
    assert str(error) == (
        "persona 'P' is defined twice (personas[1] and personas[2]); a match must say which "
        "persona it is, so names are unique."
    )
    assert (error.key, error.piece) == ("personas[2].name", "P")


def test_matcher_takes_any_iterable_of_personas() -> None:
    """A generator of personas is held as a tuple, in order."""
    other = sm.Persona("Q", traits=[C])
    matcher = sm.PersonaMatcher(p for p in [PERSONA, other])
    assert matcher.personas == (PERSONA, other)


# --- confidence: exact on the grid, fsum off it ---------------------------------------------------


def test_confidence_off_the_grid_is_the_exact_share() -> None:
    """Weights off the 2**-20 grid: the matched share is fsum(matched) / fsum(all), exactly."""
    import math

    odd = sm.Persona(
        "Odd",
        traits=[
            sm.Trait(sm.field("a") == 1, 0.1),
            sm.Trait(sm.field("b") == 1, 0.2),
            sm.Trait(sm.field("c") == 1, 0.3, required=True),
        ],
    )
    matcher = sm.PersonaMatcher([odd])
    share = math.fsum([0.1, 0.2]) / math.fsum([0.1, 0.2, 0.3])
    assert share == 0.5000000000000001  # plain addition would give 0.5
    (ranked,) = matcher.rank({"a": 1, "b": 1})
    assert ranked.confidence == share
    found = matcher.match({"a": 1, "b": 1})
    assert found is not None
    assert found.confidence == share
    assert matcher.match({"a": 1, "b": 1, "c": 2}) is None  # a required trait fails
    (out,) = matcher.rank({"a": 1, "b": 1, "c": 2})
    assert out.ruled_out
    assert out.confidence == 0.0


def test_many_traits_on_the_grid() -> None:
    """Nine traits of weight 1: five matched is 5/9 (more than eight traits take the fsum way)."""
    traits = [sm.Trait(sm.field(f"f{i}") == 1) for i in range(9)]
    persona = sm.Persona("Nine", traits=traits)
    matcher = sm.PersonaMatcher([persona])
    facts = {f"f{i}": 1 for i in range(5)}
    (ranked,) = matcher.rank(facts)
    assert ranked.confidence == 5 / 9
    found = matcher.match(facts)
    assert found is not None
    assert found.confidence == 5 / 9


def test_exact_confidence_on_the_grid_and_required_fail() -> None:
    """Weights on the grid: 2 of 3 is 2/3; a failed required trait rules the persona out."""
    persona = sm.Persona(
        "G", traits=[sm.Trait(sm.field("a") == 1, 2), sm.Trait(sm.field("b") == 1, required=True)]
    )
    matcher = sm.PersonaMatcher([persona])
    found = matcher.match({"a": 1})
    assert found is not None
    assert found.confidence == 2 / 3
    assert matcher.match({"a": 1, "b": 2}) is None
    (out,) = matcher.rank({"a": 1, "b": 2})
    assert out.ruled_out
    assert out.unknown_fields == ()


# --- unknown_fields -------------------------------------------------------------------------------

LEADER = sm.Persona(
    "Leader",
    traits=[
        sm.Trait(sm.field("seniority") == "vp", 2),
        sm.Trait(sm.field("company_size") >= 50),
        sm.Trait(sm.field("country") == "DE", required=True),
    ],
)


@pytest.mark.parametrize(
    ("facts", "fields"),
    [
        ({}, ("company_size", "country", "job_title", "seniority")),
        ({"job_title": "Plumber"}, ("company_size", "country", "seniority")),
        ({"job_title": "VP Sales"}, ("company_size", "country")),
        ({"country": "FR"}, ()),
    ],
)
def test_unknown_fields(facts: dict[str, object], fields: tuple[str, ...]) -> None:
    """The missing facts, sorted; job_title too while it is unknown and would give a missing
    seniority; nothing for a ruled-out persona."""
    (ranked,) = sm.PersonaMatcher([LEADER]).rank(facts)
    assert ranked.unknown_fields == fields


# --- _standing: what the planner reads is rank() without the ruled-out ----------------------------


@pytest.mark.parametrize(
    "facts",
    [
        {},
        {"a": 1},
        {"a": 1, "b": 2},
        {"a": 2, "c": 3},
        {"seniority": "vp", "country": "DE"},
        {"country": "FR", "a": 1},
        {"company_size": 10, "b": 2, "c": 3},
    ],
)
def test_standing_agrees_with_rank(facts: dict[str, object]) -> None:
    """Per persona not ruled out, best first: its persona, confidence, upper and unknown traits,
    as rank() gives them."""
    from smarketing.facts import fact_view

    required = sm.Persona(
        "R", traits=[sm.Trait(sm.field("c") == 3, 3, required=True), sm.Trait(sm.field("a") == 1)]
    )
    matcher = sm.PersonaMatcher([PERSONA, LEADER, required])
    expected = [
        (m.persona, m.confidence, m.upper, m.unknown)
        for m in matcher.rank(facts)
        if not m.ruled_out
    ]
    assert matcher._standing(fact_view(facts).plain()) == expected


def test_three_matched_weights_off_the_grid_add_exactly() -> None:
    """0.1 + 0.2 + 0.3 added in order is 0.6000000000000001; the confidence uses the exact sum."""
    import math

    weights = [0.1, 0.2, 0.3, 1.0]
    names = ["a", "b", "c", "d"]
    traits = [sm.Trait(sm.field(n) == 1, w) for n, w in zip(names, weights, strict=True)]
    matcher = sm.PersonaMatcher([sm.Persona("Odd", traits=traits)])
    share = math.fsum(weights[:3]) / math.fsum(weights)
    assert share != ((0.1 + 0.2) + 0.3) / math.fsum(weights)
    found = matcher.match({"a": 1, "b": 1, "c": 1, "d": 0})
    assert found is not None
    assert found.confidence == share
