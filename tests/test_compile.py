"""The one compile step: compiled conditions answer what the tree's ``evaluate`` answers."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm
from smarketing import testing as sst
from smarketing.conditions import Compare, Condition, compile_all, compile_condition

FACTS = st.one_of(sst.facts(), st.dictionaries(sst.field_names(), sst.fact_values(), max_size=8))


class TestCompiledConditions:
    @given(sst.conditions(), FACTS)
    def test_a_compiled_condition_answers_as_the_tree_does(
        self, condition: Condition, facts: dict[str, object]
    ) -> None:
        """On any facts, the closure's verdict is the tree's, True, False and None alike."""
        assert compile_condition(condition)(facts) is condition.evaluate(facts)

    @given(st.lists(sst.conditions(max_leaves=4), max_size=6), FACTS)
    def test_compile_all_answers_every_condition_in_order(
        self, conditions: list[Condition], facts: dict[str, object]
    ) -> None:
        """Several conditions compiled together give each one's verdict, in the order given."""
        both = [*conditions, *conditions]  # repeats are run once, answered twice
        assert compile_all(both)(facts) == [c.evaluate(facts) for c in both]

    def test_shared_conditions_run_once_per_call(self) -> None:
        """A condition given twice (by equal text) is evaluated once per call."""
        reads: list[str] = []

        class Counting(dict[str, object]):
            def get(self, name: str, default: object = None) -> object:
                reads.append(name)
                return super().get(name, default)

        verdicts = compile_all([sm.field("a") > 1, sm.parse_condition("a > 1")])
        assert verdicts(Counting(a=2)) == [True, True]
        assert reads == ["a"]

    def test_conditions_of_other_families_are_kept_apart(self) -> None:
        """x == 1 and x == True are different conditions (equal in Python): both run."""
        one, true = sm.field("x") == 1, sm.field("x") == True  # noqa: E712
        assert one != true
        assert compile_all([one, true])({"x": 1}) == [True, False]
        assert compile_all([one, true]).at == (0, 1)

    def test_a_condition_type_of_its_own_runs_its_own_evaluate(self) -> None:
        """A subclass the compiler does not know is run through its evaluate method."""

        @attrs.frozen(repr=False)
        class Even(Compare):
            def evaluate(self, facts: Mapping[str, object]) -> bool | None:
                v = facts.get(self.name)
                return None if v is None else isinstance(v, int) and v % 2 == 0

        run = compile_condition(Even("n", "==", 0))
        assert (run({"n": 4}), run({"n": 3}), run({})) == (True, False, None)
