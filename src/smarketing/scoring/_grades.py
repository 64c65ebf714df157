"""Grades: thresholds on the total, or a letter grade stepped up and down by criteria."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from smarketing import _validate as _v
from smarketing.conditions import Condition, compile_condition
from smarketing.leads import Lead
from smarketing.scoring._common import (
    _T,
    LETTER_GRADES,
    _arg,
    _condition,
    _Evaluate,
    _plain,
    _rule_name,
)

# --- grades -----------------------------------------------------------------------------------


@attrs.frozen
class GradeCriterion:
    """One criterion of a :class:`LetterGrading`: matched, it raises the grade by ``thirds``
    thirds of a letter; not matched, it lowers it as much; unknown, it leaves it alone.
    """

    name: str = attrs.field(validator=_rule_name("grade criterion"))
    condition: Condition = attrs.field(validator=_condition("grade criterion"))
    thirds: int = attrs.field(
        default=1, validator=_arg("grade criterion", _v.whole, low=1, high=12)
    )


def _criteria(value: Iterable[GradeCriterion]) -> tuple[GradeCriterion, ...]:
    return _listed(value, GradeCriterion, "LetterGrading.criteria")


def _start(value: str) -> str:
    if value not in LETTER_GRADES:
        msg = f"LetterGrading: 'start' must be one of {', '.join(LETTER_GRADES)} (got {value!r})."
        raise _v.definition(
            msg, value=value, where="LetterGrading.start", expected="a letter grade"
        )
    return value


def _listed(value: object, cls: type[_T], where: str) -> tuple[_T, ...]:
    owner = where.split(".")[0]
    return _v.listed(value, cls, where, error=_v.definition, label=owner)


@attrs.frozen
class LetterGrading:
    """Pardot-style profile grading: start at ``start`` (D) and move a third of a letter.

    Each criterion that holds raises the grade by its ``thirds``, each that fails lowers it,
    and one whose facts are unknown leaves it alone. The grade is then kept on the scale
    ``F, D-, D, D+, C-, C, C+, B-, B, B+, A-, A, A+``, so the order of criteria never matters.

    >>> import smarketing as sm
    >>> grading = sm.LetterGrading([
    ...     sm.GradeCriterion("decision maker", sm.field("seniority").is_in({"vp", "c-level"})),
    ...     sm.GradeCriterion("target industry", sm.field("industry") == "software", thirds=3),
    ... ])
    >>> grading.grade({"seniority": "vp", "industry": "software"})
    'C+'
    >>> grading.grade({"seniority": "intern"})
    'D-'
    """

    criteria: tuple[GradeCriterion, ...] = attrs.field(converter=_criteria)
    start: str = attrs.field(default="D", converter=_start)
    _start_step: int = attrs.field(init=False, eq=False, repr=False)
    _table: tuple[tuple[_Evaluate, int], ...] = attrs.field(init=False, eq=False, repr=False)

    @criteria.validator
    def _check_names(self, _attribute: object, value: tuple[GradeCriterion, ...]) -> None:
        _v.unique((c.name for c in value), "LetterGrading", "criteria", error=_v.definition)

    @_start_step.default
    def _step_of_start(self) -> int:
        return LETTER_GRADES.index(self.start)

    @_table.default
    def _compile(self) -> tuple[tuple[_Evaluate, int], ...]:
        return tuple((compile_condition(c.condition), c.thirds) for c in self.criteria)

    def grade(self, facts: Mapping[str, object] | Lead) -> str:
        """The letter grade for a mapping of facts, or a lead (its fact view, not derived)."""
        facts = _plain(facts)
        step = self._start_step
        for evaluate, thirds in self._table:
            result = evaluate(facts)
            if result is True:
                step += thirds
            elif result is False:
                step -= thirds
        return LETTER_GRADES[min(max(step, 0), len(LETTER_GRADES) - 1)]
