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
    """personas/scoring given as something else is a ConfigError naming what was expected.

    (The key is the class's name in lower case, as ProfilePlanner names it today.)
    """
    error = _config(lambda: sm.ProfilePlanner(CATALOG, personas="x"))  # type: ignore[arg-type]
    assert str(error) == "personamatcher must be a PersonaMatcher or None (got 'x')."
    assert error.where == "personamatcher"
    assert error.key == "personamatcher"
    assert error.piece == "x"
    assert error.expected == "a PersonaMatcher or None"
    matcher = sm.PersonaMatcher([])
    error = _config(lambda: sm.ProfilePlanner(CATALOG, scoring=matcher))  # type: ignore[arg-type]
    assert str(error).startswith("scoringmodel must be a ScoringModel or None (got ")
    assert error.piece is matcher


@pytest.mark.parametrize("cls", [sm.PersonaMatcher, sm.ScoringModel, sm.Lifecycle])
def test_part_factory(cls: type) -> None:
    """The validator `profiling._part(cls)` takes None or a `cls`, and names anything else."""
    validate = profiling._part(cls)
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
    name = cls.__name__
    assert str(error) == f"{name.lower()} must be a {name} or None (got 3)."
    assert error.where == name.lower()
    assert error.key == name.lower()
    assert error.piece == 3
    assert error.expected == f"a {name} or None"
