"""The compiled form of each node answers exactly what ``evaluate`` answers: the same verdict,
of the same type (``True``/``False``/``None``, never a truthy stand-in), for every family of
fact value, at every boundary; junctions follow Kleene logic and run no part after the
deciding one; ``compile_all`` runs each distinct condition once."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import pytest

import smarketing as sm
from smarketing.conditions import (
    MAX_MATCH_LENGTH,
    Condition,
    Exists,
    all_of,
    any_of,
    compile_all,
    compile_condition,
)

F = sm.field


class One(enum.IntEnum):
    """An int subclass: a number, as ``1`` is."""

    ONE = 1


class Text(str):
    """A str subclass: text, as ``"a"`` is."""


class Truthy(int):
    """An int whose comparisons answer a truthy int rather than a bool."""

    def __eq__(self, other: object) -> bool:
        return 1  # type: ignore[return-value]

    def __lt__(self, other: object) -> bool:
        return 1  # type: ignore[return-value]

    __hash__ = int.__hash__


def verdict(condition: Condition, facts: Mapping[str, object]) -> bool | None:
    """The compiled verdict, checked to be the very value ``evaluate`` gives."""
    compiled = compile_condition(condition)(facts)
    reference = condition.evaluate(facts)
    assert compiled is reference, (condition, facts, compiled, reference)
    return compiled


CASES: list[tuple[Condition, dict[str, object], bool | None]] = [
    # --- compare: numbers --------------------------------------------------------------------
    (F("x") == 1, {"x": 1}, True),
    (F("x") == 1, {"x": 1.0}, True),
    (F("x") == 1, {"x": 2}, False),
    (F("x") == 1, {"x": True}, False),  # a boolean is no number
    (F("x") == 1, {"x": "1"}, False),
    (F("x") == 1, {"x": One.ONE}, True),
    (F("x") == 1, {"x": Fraction(1)}, True),
    (F("x") == 1, {"x": Decimal(1)}, False),  # no real number to the family check
    (F("x") == 1, {"x": [1]}, False),
    (F("x") == 1, {"x": None}, None),
    (F("x") == 1, {}, None),
    (F("x") == 1, {"x": Truthy(5)}, True),
    (F("x") < 5, {"x": Truthy(9)}, True),
    (F("x") != 1, {"x": 1}, False),
    (F("x") != 1, {"x": 2}, True),
    (F("x") != 1, {"x": "1"}, True),  # another family is never equal
    (F("x") != 1, {"x": True}, True),
    (F("x") != 1, {"x": One.ONE}, False),
    (F("x") != 1, {}, None),
    (F("x") < 5, {"x": 4}, True),
    (F("x") < 5, {"x": 5}, False),
    (F("x") < 5, {"x": "a"}, False),  # another family is never ordered
    (F("x") < 5, {"x": One.ONE}, True),
    (F("x") <= 5, {"x": 5}, True),
    (F("x") <= 5, {"x": 5.5}, False),
    (F("x") > 5, {"x": 6}, True),
    (F("x") > 5, {"x": 5}, False),
    (F("x") > 5, {"x": Fraction(11, 2)}, True),
    (F("x") >= 5, {"x": 5}, True),
    (F("x") >= 5, {"x": 4.9}, False),
    (F("x") >= 5, {"x": True}, False),
    # --- compare: text and booleans ----------------------------------------------------------
    (F("x") == "a", {"x": "a"}, True),
    (F("x") == "a", {"x": "A"}, False),
    (F("x") == "a", {"x": Text("a")}, True),
    (F("x") == "a", {"x": 1}, False),
    (F("x") < "b", {"x": "a"}, True),
    (F("x") < "b", {"x": Text("c")}, False),
    (F("x") != "a", {"x": Text("a")}, False),
    (F("x") == True, {"x": True}, True),  # noqa: E712 - the node, not a truth test
    (F("x") == True, {"x": 1}, False),  # noqa: E712
    (F("x") == True, {"x": False}, False),  # noqa: E712
    (F("x") != True, {"x": 1}, True),  # noqa: E712
    (F("x") != True, {"x": False}, True),  # noqa: E712
    # --- is_in -------------------------------------------------------------------------------
    (F("x").is_in(["a", 1, True]), {"x": "a"}, True),
    (F("x").is_in(["a", 1, True]), {"x": Text("a")}, True),
    (F("x").is_in(["a", 1, True]), {"x": "b"}, False),
    (F("x").is_in(["a", 1, True]), {"x": 1}, True),
    (F("x").is_in(["a", 1, True]), {"x": 1.0}, True),
    (F("x").is_in(["a", 1, True]), {"x": One.ONE}, True),
    (F("x").is_in(["a", 1, True]), {"x": Fraction(1)}, True),
    (F("x").is_in(["a", 1, True]), {"x": True}, True),
    (F("x").is_in(["a", 1, True]), {"x": False}, False),
    (F("x").is_in(["a", 1, True]), {"x": 2}, False),
    (F("x").is_in(["a", 1, True]), {"x": [1]}, False),  # unhashable: of no family
    (F("x").is_in(["a", 1, True]), {"x": None}, None),
    (F("x").is_in(["a", 1, True]), {}, None),
    (F("x").is_in([1]), {"x": True}, False),
    (F("x").is_in([True]), {"x": 1}, False),
    (F("x").is_in(["1"]), {"x": 1}, False),
    (F("x").is_in([1]), {"x": "1"}, False),
    # --- between -----------------------------------------------------------------------------
    (F("x").between(1, 10), {"x": 1}, True),
    (F("x").between(1, 10), {"x": 10}, True),
    (F("x").between(1, 10), {"x": 5.5}, True),
    (F("x").between(1, 10), {"x": 0}, False),
    (F("x").between(1, 10), {"x": 11}, False),
    (F("x").between(1, 10), {"x": True}, False),
    (F("x").between(1, 10), {"x": "5"}, False),
    (F("x").between(1, 10), {"x": Fraction(3)}, True),
    (F("x").between(1, 10), {"x": One.ONE}, True),
    (F("x").between(1, 10), {"x": None}, None),
    (F("x").between(1, 10), {}, None),
    (F("x").between("b", "d"), {"x": "b"}, True),
    (F("x").between("b", "d"), {"x": "c"}, True),
    (F("x").between("b", "d"), {"x": Text("d")}, True),
    (F("x").between("b", "d"), {"x": "e"}, False),
    (F("x").between("b", "d"), {"x": 3}, False),
    # --- contains ----------------------------------------------------------------------------
    (F("t").contains("VP"), {"t": "svp sales"}, True),
    (F("t").contains("VP"), {"t": Text("the VP")}, True),
    (F("t").contains("VP"), {"t": "vice"}, False),
    (F("t").contains("VP"), {"t": ["cto", "vp ops"]}, True),
    (F("t").contains("VP"), {"t": ("cto",)}, False),
    (F("t").contains("VP"), {"t": {"vp"}}, True),
    (F("t").contains("VP"), {"t": frozenset({"evp"})}, True),
    (F("t").contains("VP"), {"t": [3, "vp"]}, True),
    (F("t").contains("VP"), {"t": ["x", 3]}, False),
    (F("t").contains("VP"), {"t": []}, False),
    (F("t").contains("VP"), {"t": 5}, False),
    (F("t").contains("VP"), {"t": {"vp": 1}}, False),  # a mapping holds no text items
    (F("t").contains("VP"), {"t": None}, None),
    (F("t").contains("VP"), {}, None),
    (F("t").contains("STRASSE"), {"t": "Hauptstraße"}, True),  # folded, not just lowered
    # --- contains_any ------------------------------------------------------------------------
    (F("t").contains_any(["vp", "Chief"]), {"t": "CHIEF of staff"}, True),
    (F("t").contains_any(["vp", "Chief"]), {"t": "svp"}, True),
    (F("t").contains_any(["vp", "Chief"]), {"t": ["a", "VP"]}, True),
    (F("t").contains_any(["vp", "Chief"]), {"t": ["a", 7]}, False),
    (F("t").contains_any(["vp", "Chief"]), {"t": "cto"}, False),
    (F("t").contains_any(["vp", "Chief"]), {"t": 7}, False),
    (F("t").contains_any(["vp", "Chief"]), {"t": []}, False),
    (F("t").contains_any(["vp", "Chief"]), {"t": None}, None),
    (F("t").contains_any(["vp", "Chief"]), {}, None),
    # --- matches -----------------------------------------------------------------------------
    (F("e").matches(r"@acme\.com$"), {"e": "bob@acme.com"}, True),
    (F("e").matches(r"@acme\.com$"), {"e": "bob@acme.co"}, False),
    (F("e").matches(r"@acme\.com$"), {"e": Text("x@acme.com")}, True),
    (F("e").matches(r"@acme\.com$"), {"e": ["bob@acme.com"]}, False),
    (F("e").matches(r"@acme\.com$"), {"e": 5}, False),
    (F("e").matches(r"@acme\.com$"), {"e": None}, None),
    (F("e").matches(r"@acme\.com$"), {}, None),
    # only the first MAX_MATCH_LENGTH characters are read, as if the text ended there
    (F("e").matches(r"@acme\.com$"), {"e": "a" * (MAX_MATCH_LENGTH - 9) + "@acme.com"}, True),
    (F("e").matches(r"@acme\.com$"), {"e": "a" * (MAX_MATCH_LENGTH - 8) + "@acme.com"}, False),
    (F("e").matches("^b"), {"e": "bob"}, True),
    # --- exists, missing, not, always, never -------------------------------------------------
    (F("x").exists(), {"x": 0}, True),
    (F("x").exists(), {"x": False}, True),
    (F("x").exists(), {"x": ""}, True),
    (F("x").exists(), {"x": None}, False),
    (F("x").exists(), {}, False),
    (F("x").missing(), {"x": 0}, False),
    (F("x").missing(), {"x": None}, True),
    (F("x").missing(), {}, True),
    (~(F("x") == 1), {"x": 1}, False),
    (~(F("x") == 1), {"x": 2}, True),
    (~(F("x") == 1), {}, None),
    (~~(F("x") == 1), {"x": 1}, True),
    (sm.always(), {}, True),
    (sm.never(), {}, False),
]


# Plain ids (a case's place and node type): an id holding the condition's text, quotes and
# backslashes included, cannot be passed back to pytest as a node id, as mutmut does.
@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    CASES,
    ids=[f"{i}-{type(c).__name__}" for i, (c, _, _) in enumerate(CASES)],
)
def test_compiled_verdict(condition: Condition, facts: dict[str, object], expected: object) -> None:
    """Each node's compiled closure gives the exact verdict (and the one ``evaluate`` gives)."""
    assert verdict(condition, facts) is expected


def test_a_compiled_leaf_keeps_no_state_between_calls() -> None:
    """One compiled closure answers each call from that call's facts alone."""
    compiled = compile_condition(F("x") >= 5)
    assert [compiled({"x": v}) for v in (5, 4, "a", None, 6)] == [True, False, False, None, True]


# --- junctions: Kleene logic and short-circuiting ----------------------------------------------

calls: list[str] = []


class Probe(Exists):
    """A node of its own type: compiled as its ``evaluate``, which answers the verdict held in
    the facts under its name and records that it ran."""

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        calls.append(self.name)
        value = facts[self.name]
        assert value is None or isinstance(value, bool)
        return value


VERDICTS = (True, False, None)


def kleene_and(values: tuple[bool | None, ...]) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def kleene_or(values: tuple[bool | None, ...]) -> bool | None:
    if True in values:
        return True
    return None if None in values else False


def ran_until(values: tuple[bool | None, ...], decisive: bool) -> list[str]:
    """The probes a short-circuiting junction runs: up to and with the first decisive one."""
    names = [f"p{i}" for i in range(len(values))]
    for i, v in enumerate(values):
        if v is decisive:
            return names[: i + 1]
    return names


def junction_cases(n: int) -> list[tuple[bool | None, ...]]:
    cases: list[tuple[bool | None, ...]] = [()]
    for _ in range(n):
        cases = [(*c, v) for c in cases for v in VERDICTS]
    return cases


@pytest.mark.parametrize("values", junction_cases(2) + junction_cases(3), ids=repr)
def test_and_is_kleene_and_stops_at_false(values: tuple[bool | None, ...]) -> None:
    """``and``: False decides, then unknown, else True; no part runs after a False."""
    probes = [Probe(f"p{i}") for i in range(len(values))]
    compiled = compile_condition(all_of(*probes))
    facts = {f"p{i}": v for i, v in enumerate(values)}
    calls.clear()
    assert compiled(facts) is kleene_and(values)
    assert calls == ran_until(values, decisive=False)


@pytest.mark.parametrize("values", junction_cases(2) + junction_cases(3), ids=repr)
def test_or_is_kleene_or_and_stops_at_true(values: tuple[bool | None, ...]) -> None:
    """``or``: True decides, then unknown, else False; no part runs after a True."""
    probes = [Probe(f"p{i}") for i in range(len(values))]
    compiled = compile_condition(any_of(*probes))
    facts = {f"p{i}": v for i, v in enumerate(values)}
    calls.clear()
    assert compiled(facts) is kleene_or(values)
    assert calls == ran_until(values, decisive=True)


@pytest.mark.parametrize("value", VERDICTS)
def test_not_of_a_node_of_its_own(value: bool | None) -> None:
    """``not`` flips a known verdict and keeps unknown; its part runs once."""
    compiled = compile_condition(~Probe("p0"))
    calls.clear()
    assert compiled({"p0": value}) is (None if value is None else not value)
    assert calls == ["p0"]


def test_a_node_of_its_own_type_is_compiled_as_its_evaluate() -> None:
    """A subclass unknown to the compiler runs its own ``evaluate``, not its base's."""
    compiled = compile_condition(Probe("p0"))
    calls.clear()
    assert compiled({"p0": None}) is None  # Exists would answer False
    assert compiled({"p0": False}) is False
    assert calls == ["p0", "p0"]


def test_nested_junctions_compile_through() -> None:
    """Junctions and negations nest: each level is compiled, not evaluated."""
    c = (F("a") == 1) & ((F("b") == 2) | ~F("c").exists())
    compiled = compile_condition(c)
    assert compiled({"a": 1, "b": 2, "c": 0}) is True
    assert compiled({"a": 1, "b": 3}) is True
    assert compiled({"a": 1, "b": 3, "c": 0}) is False
    assert compiled({"a": 2, "b": 2}) is False
    assert compiled({"b": 2}) is None
    assert compiled({"a": 1, "c": 0}) is None


# --- compile_all -------------------------------------------------------------------------------


def test_compile_all_answers_each_condition_in_order() -> None:
    """The program answers every given condition, in the order given."""
    big = F("size") >= 50
    program = compile_all([big, sm.parse_condition("size >= 50"), F("vip").exists(), ~big])
    assert program.at == (0, 0, 1, 2)
    assert program({"size": 80}) == [True, True, False, False]
    assert program({"size": 10, "vip": 1}) == [False, False, True, True]
    assert program({}) == [None, None, False, None]
    assert program.run({"size": 80}) == [True, False, False]


def test_compile_all_runs_each_distinct_condition_once() -> None:
    """Conditions with the same text are run once per call, however often they are given."""
    program = compile_all([Probe("p0"), Probe("p1"), Probe("p0"), Probe("p1"), Probe("p0")])
    assert program.at == (0, 1, 0, 1, 0)
    calls.clear()
    assert program({"p0": True, "p1": None}) == [True, None, True, None, True]
    assert calls == ["p0", "p1"]


def test_compile_all_of_nothing() -> None:
    """No conditions: a program answering an empty list."""
    program = compile_all([])
    assert program.at == ()
    assert program({"x": 1}) == []
