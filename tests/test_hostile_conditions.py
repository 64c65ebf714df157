"""Hostile input to the condition language (issue 11): bounded regex work, booleans kept apart
from numbers in sets, names read as written, text that always reads back, and every limit
tested at its bound and one past it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm
from smarketing import testing as sst
from smarketing.conditions import (
    Compare,
    ContainsAny,
    IsIn,
    compile_all,
    compile_condition,
    deciding_values,
    parse_condition,
)

F = sm.field

#: Values that Python's == and hash confuse across families: 1 == True == 1.0, 0 == False.
CLASHING = st.sampled_from([0, 1, 0.0, 1.0, -0.0, True, False, 2, "1", "True"])


def family(value: object) -> str:
    """The oracle's family of a value: booleans, numbers and text never mix."""
    return "b" if isinstance(value, bool) else "s" if isinstance(value, str) else "n"


def same(a: object, b: object) -> bool:
    return family(a) == family(b) and a == b


# --- in (1, True): a boolean is not a number -----------------------------------------------------


class TestSetsKeepBooleansApart:
    @pytest.mark.parametrize(
        ("values", "text"),
        [
            ((1, True), "x in (True, 1)"),
            ((0, False), "x in (False, 0)"),
            ((1.0, 1, True), "x in (True, 1.0)"),
            ((True, 1, 1.0), "x in (True, 1)"),
            ((1,), "x in (1,)"),
        ],
    )
    def test_in_keeps_a_boolean_beside_its_equal_number(
        self, values: tuple[object, ...], text: str
    ) -> None:
        """x in (1, True) keeps both (a frozenset kept one: 1 == True); 1 and 1.0 are one."""
        c = F("x").is_in(values)  # type: ignore[arg-type]
        assert str(c) == text
        assert parse_condition(text) == c
        assert parse_condition(str(c)) == c

    def test_in_answers_by_family(self) -> None:
        """evaluate({"x": True}) is True for x in (1, True) and False for x in (1,)."""
        both, one = parse_condition("x in (1, True)"), parse_condition("x in (1,)")
        assert both.evaluate({"x": True}) is True
        assert both.evaluate({"x": 1}) is True
        assert one.evaluate({"x": True}) is False
        assert parse_condition("x in (0, False)").evaluate({"x": False}) is True
        assert parse_condition("x not in (0, False)").evaluate({"x": False}) is False
        for c in (both, one):
            assert compile_condition(c)({"x": True}) is c.evaluate({"x": True})

    def test_equality_and_hash_tell_the_families_apart(self) -> None:
        """Conditions that answer differently are different values, in a set too."""
        assert IsIn("x", (1,)) != IsIn("x", (True,))
        assert IsIn("x", (1, True)) != IsIn("x", (1,))
        assert IsIn("x", (1,)) == IsIn("x", (1.0,))
        assert hash(IsIn("x", (1,))) == hash(IsIn("x", (1.0,)))
        assert len({IsIn("x", (1,)), IsIn("x", (True,)), IsIn("x", (1, True))}) == 3
        assert Compare("x", "==", 1) != Compare("x", "==", True)
        assert Compare("x", "==", 0) != Compare("x", "==", False)
        assert Compare("x", "==", 1) == Compare("x", "==", 1.0)
        assert len({F("x") == 1, F("x") == True}) == 2  # noqa: E712

    def test_deciding_values_see_both(self) -> None:
        """The deciding values of x in (1, True) hold the boolean and the numbers near 1."""
        values = deciding_values([F("x").is_in((1, True))], "x")
        assert True in [v for v in values if isinstance(v, bool)]
        assert {0, 1, 2} <= {v for v in values if not isinstance(v, bool)}

    def test_contains_any_keeps_every_text(self) -> None:
        """contains_any's texts are strings only: nothing to confuse, every one kept."""
        c = ContainsAny("t", ["VP", "vp", "head"])
        assert c.texts == frozenset({"VP", "vp", "head"})
        assert parse_condition(str(c)) == c
        with pytest.raises(sm.ValidationError, match="needs texts") as info:
            ContainsAny("t", ["a", True])
        assert info.value.value is True

    @given(st.lists(CLASHING, min_size=1, max_size=6), CLASHING)
    def test_in_matches_a_brute_force_oracle(self, values: list[object], v: object) -> None:
        """x in values holds exactly when some value is of v's family and equal to it; the
        text form, the compiled closure and the program agree."""
        c = F("x").is_in(values)  # type: ignore[arg-type]
        expected = any(same(v, x) for x in values)
        assert c.evaluate({"x": v}) is expected
        assert compile_condition(c)({"x": v}) is expected
        assert compile_all([c, ~c])({"x": v}) == [expected, not expected]
        assert parse_condition(str(c)) == c
        assert parse_condition(str(c)).evaluate({"x": v}) is expected

    @given(st.lists(CLASHING, max_size=5), st.lists(CLASHING, max_size=5))
    def test_equal_sets_are_equal_conditions(self, a: list[object], b: list[object]) -> None:
        """Two in-conditions are equal exactly when they hold for the same values."""
        ca, cb = IsIn("x", a), IsIn("x", b)  # type: ignore[arg-type]
        probe = [0, 1, 2, True, False, "1", "True"]
        alike = all(ca.evaluate({"x": v}) is cb.evaluate({"x": v}) for v in probe)
        assert (ca == cb) is alike
        if alike:
            assert hash(ca) == hash(cb)

    @given(st.sampled_from(["==", "!="]), CLASHING, CLASHING)
    def test_comparisons_are_equal_only_when_they_answer_alike(
        self, op: str, a: object, b: object
    ) -> None:
        """x == 1 and x == True are different conditions (they answer differently)."""
        ca, cb = Compare("x", op, a), Compare("x", op, b)  # type: ignore[arg-type]
        assert (ca == cb) is same(a, b)

    @given(sst.conditions())
    def test_text_keys_and_equality_agree(self, c: sm.Condition) -> None:
        """Equal text is an equal condition (compile_all keys conditions by their text)."""
        again = parse_condition(str(c))
        assert again == c
        assert hash(again) == hash(c)
