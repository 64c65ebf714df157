"""Lead scoring: fit (who the lead is) and engagement (what the lead did), kept apart.

Fit rules are conditions over the lead's facts; engagement rules count activities of a kind,
decayed by age, inside a look-back window, capped per rule, per group and in total, with a
floor. Scores are computed at read time from the rules, the lead and its activities, so a rule
change re-scores everyone on the next call and nothing needs a nightly job.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> model = sm.ScoringModel(
...     fit=[sm.FitRule("software company", sm.field("industry") == "software", points=15)],
...     engagement=[sm.EngagementRule("demo request", kind="demo_request", points=30,
...                                   half_life=timedelta(days=30))],
... )
>>> t = datetime(2026, 3, 2, tzinfo=timezone.utc)
>>> lead = sm.Lead.new("L-1", at=t - timedelta(days=60), fields={"industry": "software"})
>>> demo = sm.Activity("L-1", "demo_request", t - timedelta(days=30))
>>> s = model.score(lead, [demo], at=t)
>>> s.total, s.grade
(30.0, 'C')
>>> print(s.explain())
score 30 = fit 15 + engagement 15, grade C
  fit         +15  software company
  engagement  +15  demo request (1 activity)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from itertools import repeat
from types import MappingProxyType
from typing import Final, Literal, TypeAlias, TypeVar

import attrs

from smarketing import _format
from smarketing import _validate as _v
from smarketing.conditions import Compiled, Condition, compile_condition, deciding_values
from smarketing.errors import ValidationError
from smarketing.facts import Facts, fact_view
from smarketing.leads import Activity, Lead, group_by_lead, not_an_activity

__all__ = [
    "Contribution",
    "EngagementRule",
    "FitRule",
    "GradeCriterion",
    "LetterGrading",
    "Score",
    "ScoringModel",
]

#: What a contribution is: a fit rule, an engagement rule, or a cap or floor that clamped.
ContributionKind: TypeAlias = Literal["fit", "engagement", "adjustment"]

#: The default threshold grades: the highest threshold the fit reaches gives the grade.
DEFAULT_GRADES: Final[Mapping[str, float]] = MappingProxyType(
    {"A": 40.0, "B": 25.0, "C": 10.0, "D": 0.0}
)

#: Pardot's profile grades, lowest first: a letter moves a third at a time.
LETTER_GRADES: Final = ("F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+")

_KINDS: Final = ("fit", "engagement", "adjustment")
_Part: TypeAlias = tuple[str, ContributionKind, float, int, str | None]
_Evaluate: TypeAlias = Compiled
_T = TypeVar("_T")

# Points are kept on a grid of 2**-30 (about a billionth of a point). Sums of grid values
# below 2**23 are exact in binary floating point, so contributions add up to the total exactly
# whichever way they are added (sum, math.fsum, any order, any Python version), and a capped
# engagement is exactly its cap. Above 2**22 every float is already on the grid.
_GRID: Final = float(2**30)
_ON_GRID: Final = float(2**22)

_NO_DECAY: Final = 0
_EXPONENTIAL: Final = 1
_LINEAR: Final = 2
_DECAY_NAMES: Final[tuple[Literal["none", "exponential", "linear"], ...]] = (
    "none",
    "exponential",
    "linear",
)


def _snap(x: float) -> float:
    return x if abs(x) >= _ON_GRID else round(x * _GRID) / _GRID


# --- validation -------------------------------------------------------------------------------
# A rule's errors name the rule: "engagement rule 'demo': 'half_life' must be ...".


def _arg(what: str, check: Callable[..., object], **options: object) -> _v.Validator:
    """A validator of one argument of a named rule (a bad one is a ``ConfigError``)."""

    def validate(rule: _Named, attribute: attrs.Attribute[object], value: object) -> None:
        where = f"{type(rule).__name__}({rule.name!r}).{attribute.name}"
        label = f"{what} {rule.name!r}"
        check(value, where, error=_v.definition, label=label, **options)

    return validate


def _rule_name(what: str) -> _v.Validator:
    def validate(rule: object, _attribute: object, value: object) -> None:
        _v.name(value, f"{type(rule).__name__}.name", error=_v.definition, label=what)

    return validate


class _Named:
    name: str


def _condition(what: str, expected: str = "a Condition", *, optional: bool = False) -> _v.Validator:
    return _arg(what, _v.instance, cls=Condition, expected=expected, optional=optional)


def _fraction(value: object) -> object:
    """A fraction in (0, 1] as a float; anything else is left as given, for the message."""
    if _v.is_number(value) and 0 < value <= 1:  # type: ignore[operator]
        return float(value)  # type: ignore[arg-type]
    return value


_DURATION: Final = _arg("engagement rule", _v.positive_duration, optional=True)

# --- rules ------------------------------------------------------------------------------------


@attrs.frozen
class FitRule:
    """Points for who the lead is: ``points`` when ``condition`` holds for the lead's facts.

    A rule whose facts are unknown adds nothing (unknown is not a match); points may be
    negative (a free-mail address, a competitor).

    >>> import smarketing as sm
    >>> sm.FitRule("big company", sm.field("company_size") >= 200, points=10)
    FitRule(name='big company', condition=parse_condition('company_size >= 200'), points=10.0)
    """

    name: str = attrs.field(validator=_rule_name("fit rule"))
    condition: Condition = attrs.field(validator=_condition("fit rule"))
    points: float = attrs.field(converter=_v.to_float, validator=_arg("fit rule", _v.finite))


@attrs.frozen
class EngagementRule:
    """Points for what the lead did: each activity of ``kind`` is worth ``points``, decayed.

    Decay, by the activity's age at scoring time:

    - ``half_life=timedelta(days=30)``: exponential, ``points * 0.5 ** (age / half_life)``;
    - ``lose=0.25, per=timedelta(days=90)``: linear (HubSpot's way), a quarter of the points
      go every 90 days, evenly, down to zero;
    - neither: no decay.

    ``where`` is a condition over the activity's ``properties`` (``field("url").contains(
    "/pricing")`` counts only pricing-page views). ``within`` counts only activities at most
    that old; ``max_count`` counts only the most recent repeats; ``group`` names a group the
    model may cap (``group_caps``). An activity counts for every rule it matches.

    >>> from datetime import timedelta
    >>> import smarketing as sm
    >>> rule = sm.EngagementRule("webinar", kind="webinar", points=20,
    ...                          lose=0.25, per=timedelta(days=30))
    >>> rule.worth(timedelta(days=60)), rule.decay
    (10.0, 'linear')
    """

    name: str = attrs.field(validator=_rule_name("engagement rule"))
    kind: str = attrs.field(
        validator=_arg("engagement rule", _v.name, expected="an activity kind (non-empty text)")
    )
    points: float = attrs.field(converter=_v.to_float, validator=_arg("engagement rule", _v.finite))
    half_life: timedelta | None = attrs.field(default=None, validator=_DURATION)
    within: timedelta | None = attrs.field(default=None, validator=_DURATION)
    max_count: int | None = attrs.field(
        default=None, validator=_arg("engagement rule", _v.whole, low=1, optional=True)
    )
    group: str | None = attrs.field(
        default=None,
        validator=_arg(
            "engagement rule", _v.name, expected="a group name (non-empty text)", optional=True
        ),
    )
    where: Condition | None = attrs.field(
        default=None,
        kw_only=True,
        validator=_condition(
            "engagement rule", "a Condition over the activity's properties", optional=True
        ),
    )
    lose: float | None = attrs.field(default=None, kw_only=True, converter=_fraction)
    per: timedelta | None = attrs.field(default=None, kw_only=True, validator=_DURATION)

    @lose.validator
    def _check_linear_decay(self, _attribute: object, lose: object) -> None:
        label, where = f"engagement rule {self.name!r}", f"EngagementRule({self.name!r})"
        if (lose is None) != (self.per is None):
            msg = (
                f"{label}: 'lose' and 'per' go together (linear decay loses 'lose' of the "
                f"points per 'per'); got lose={lose!r}, per={_format.shown(self.per)}."
            )
            expected = "lose and per together"
            raise _v.definition(
                msg, value=(lose, self.per), where=f"{where}.lose", expected=expected
            )
        if lose is None:
            return
        if not (_v.is_number(lose) and 0 < lose <= 1):  # type: ignore[operator]
            msg = f"{label}: 'lose' must be a fraction in (0, 1] (got {lose!r})."
            expected = "a fraction in (0, 1]"
            raise _v.definition(msg, value=lose, where=f"{where}.lose", expected=expected)
        if self.half_life is not None:
            msg = (
                f"{label}: give either half_life (exponential decay) or lose and per "
                "(linear decay), not both."
            )
            expected = "half_life, or lose and per"
            raise _v.definition(
                msg, value=self.half_life, where=f"{where}.half_life", expected=expected
            )

    # Derived on first use (after the validators): how the points decay, and the window.
    @functools.cached_property
    def _decay(self) -> tuple[int, float]:
        if self.half_life is not None:
            return _EXPONENTIAL, self.half_life.total_seconds()
        if self.per is not None:
            return _LINEAR, self.per.total_seconds()
        return _NO_DECAY, 0.0

    @functools.cached_property
    def _window(self) -> float:
        return math.inf if self.within is None else self.within.total_seconds()

    @property
    def decay(self) -> Literal["none", "exponential", "linear"]:
        """Which decay applies: ``"exponential"``, ``"linear"`` or ``"none"``."""
        return _DECAY_NAMES[self._decay[0]]

    def worth(self, age: timedelta) -> float:
        """What one matching activity of this age is worth (0 outside the window or future)."""
        given: object = age
        if not isinstance(given, timedelta):
            msg = f"worth() needs the activity's age as a timedelta (got {given!r})."
            raise ValidationError(msg, value=given, where="worth(age)", expected="a timedelta")
        seconds = given.total_seconds()
        if seconds < 0 or seconds > self._window:
            return 0.0
        return self._total([seconds])

    def _total(self, ages: list[float]) -> float:
        """The points of activities of these ages, in seconds (all inside the window)."""
        points, (mode, scale) = self.points, self._decay
        if mode == _NO_DECAY:
            return _snap(points * len(ages))
        if mode == _EXPONENTIAL:
            if len(ages) == 1:
                return _snap(points * 0.5 ** (ages[0] / scale))
            return _snap(math.fsum([points * 0.5 ** (a / scale) for a in ages]))
        lose: float = self.lose  # type: ignore[assignment]
        return _snap(math.fsum([points * max(0.0, 1.0 - lose * (a / scale)) for a in ages]))


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


# --- contributions and scores -----------------------------------------------------------------
# Results, not definitions: one built by hand from bad data is a ValidationError.


def _part(owner: str, check: Callable[..., object], **options: object) -> _v.Validator:
    def validate(_value: object, attribute: attrs.Attribute[object], value: object) -> None:
        check(value, f"{owner}.{attribute.name}", error=_v.runtime, label=owner, **options)

    return validate


def _kind(value: object, where: str, *, error: _v.ErrorKind, label: str) -> None:
    if value not in _KINDS:
        expected = "one of " + ", ".join(map(repr, _KINDS))
        msg = f"{label}: 'kind' must be {expected} (got {value!r})."
        raise error(msg, value=value, where=where, expected=expected)


@attrs.frozen
class Contribution:
    """One line of a score: what added (or, for an adjustment, took away) how many points.

    ``kind`` is ``"fit"`` or ``"engagement"`` for a rule (``rule`` is its name), or
    ``"adjustment"`` when a cap or the floor clamped; ``rule`` then names the model argument:
    ``"fit_cap"``, ``"engagement_cap"``, ``"floor"`` or ``"group_caps"``. ``count`` is the
    number of activities an engagement rule counted (0 otherwise); ``group`` is the engagement
    rule's group, or the group a ``group_caps`` adjustment capped.
    """

    rule: str = attrs.field(
        validator=_part("Contribution", _v.name, expected="a rule name (non-empty text)")
    )
    kind: ContributionKind = attrs.field(validator=_part("Contribution", _kind))
    points: float = attrs.field(converter=_v.to_float, validator=_part("Contribution", _v.finite))
    count: int = attrs.field(default=0, validator=_part("Contribution", _v.whole))
    group: str | None = attrs.field(
        default=None,
        validator=_part(
            "Contribution", _v.name, expected="a group name (non-empty text)", optional=True
        ),
    )


def _to_parts(value: Iterable[Contribution]) -> tuple[_Part, ...]:
    items = _v.listed(value, Contribution, "Score.contributions", error=_v.runtime, label="Score")
    return tuple((c.rule, c.kind, c.points, c.count, c.group) for c in items)


_ADJUSTMENTS: Final = {
    "fit_cap": "fit cap",
    "engagement_cap": "engagement cap",
    "floor": "engagement floor",
}


def _describe(rule: str, kind: str, count: int, group: str | None) -> str:
    if kind == "engagement":
        return f"{rule} ({count} activit{'y' if count == 1 else 'ies'})"
    if kind == "adjustment":
        if rule == "group_caps":
            return f"group cap {group!r}"
        return _ADJUSTMENTS.get(rule, rule)
    return rule


@attrs.frozen(repr=False)
class Score:
    """A lead's score at one moment: ``fit + engagement == total``, and its ``grade``.

    ``contributions`` lists what made it, in order: the fit rules that held, a fit-cap
    adjustment, the engagement rules that counted activities, then any group-cap,
    engagement-cap and floor adjustments. They add up to ``total`` exactly, however they are
    added; the fit-side ones (``"fit"`` and the ``fit_cap`` adjustment) to ``fit``, the others
    to ``engagement``. Points are kept to a resolution of 2**-30 (about a billionth of a
    point), which is what makes every one of these sums exact.
    """

    fit: float = attrs.field(converter=_v.to_float, validator=_part("Score", _v.finite))
    engagement: float = attrs.field(converter=_v.to_float, validator=_part("Score", _v.finite))
    total: float = attrs.field(converter=_v.to_float, validator=_part("Score", _v.finite))
    grade: str = attrs.field(validator=_part("Score", _v.name, expected="a grade name"))
    _parts: tuple[_Part, ...] = attrs.field(alias="contributions", converter=_to_parts)

    @functools.cached_property
    def contributions(self) -> tuple[Contribution, ...]:
        """What made the score, as :class:`Contribution` values (built on first read)."""
        return tuple(Contribution(*part) for part in self._parts)

    def facts(self) -> dict[str, object]:
        """``score``, ``fit``, ``engagement`` and ``grade``: the facts lifecycle guards read.

        The default MQL definition, ``score >= 60 and grade in ('A', 'B')``, reads them as
        ``lifecycle.advance(lead, at=t, facts=score.facts())``.
        """
        return {
            "score": self.total,
            "fit": self.fit,
            "engagement": self.engagement,
            "grade": self.grade,
        }

    def explain(self) -> str:
        """A short breakdown: the totals, then one line per contribution."""
        head = (
            f"score {_format.number(self.total)} = fit {_format.number(self.fit)} + "
            f"engagement {_format.number(self.engagement)}, grade {self.grade}"
        )
        if not self._parts:
            return head + "\n  (no rule applies)"
        numbers = [_format.number(part[2], signed=True) for part in self._parts]
        width = max(map(len, numbers))
        lines = [head]
        for (rule, kind, _points, count, group), number in zip(self._parts, numbers, strict=True):
            lines.append(f"  {kind:<10}  {number:>{width}}  {_describe(rule, kind, count, group)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Score(fit={self.fit!r}, engagement={self.engagement!r}, total={self.total!r}, "
            f"grade={self.grade!r}, contributions={self.contributions!r})"
        )


_new_object = object.__new__
_set = object.__setattr__


def _make_score(
    fit: float, engagement: float, total: float, grade: str, parts: tuple[_Part, ...]
) -> Score:
    # The scoring hot path builds its score from parts that are correct by construction, so
    # it skips __init__, which would need every part as a checked Contribution first.
    # benchmarks/bench_scoring.py (a): through __init__ a score of three parts took 42 µs
    # against 6 µs built here (one run, shared machine), which would add ~36 µs to the
    # 54 µs/lead of ScoringModel.score.
    score: Score = _new_object(Score)
    _set(score, "fit", fit)
    _set(score, "engagement", engagement)
    _set(score, "total", total)
    _set(score, "grade", grade)
    _set(score, "_parts", parts)
    return score


def _adjustment(points: list[float], bound: float, *, upper: bool) -> float:
    """The points that bring the sum of ``points`` to ``bound`` and never past it.

    On the grid (every practical score) the result is exact. Beyond it, where ``bound`` may be
    out of reach of a float sum, it is the closest adjustment that keeps the bound.
    """
    negated = [-p for p in points]
    adjustment = math.fsum([bound, *negated])
    # fsum rounded bound - sum(points); its exact remainder says which way.
    remainder = math.fsum([bound, -adjustment, *negated])
    if upper and remainder < 0:
        adjustment = math.nextafter(adjustment, -math.inf)
    elif not upper and remainder > 0:
        adjustment = math.nextafter(adjustment, math.inf)
    return adjustment


# --- the model --------------------------------------------------------------------------------


def _fit_rules(value: Iterable[FitRule]) -> tuple[FitRule, ...]:
    return _listed(value, FitRule, "ScoringModel.fit")


def _engagement_rules(value: Iterable[EngagementRule]) -> tuple[EngagementRule, ...]:
    return _listed(value, EngagementRule, "ScoringModel.engagement")


def _optional_number(value: object, arg: str) -> float | None:
    if value is None:
        return None
    where, expected = f"ScoringModel.{arg}", "a finite number or None"
    return _v.finite(value, where, error=_v.definition, label="ScoringModel", expected=expected)


def _fit_cap(value: float | None) -> float | None:
    return _optional_number(value, "fit_cap")


def _engagement_cap(value: float | None) -> float | None:
    return _optional_number(value, "engagement_cap")


def _floor(value: float | None) -> float | None:
    return _optional_number(value, "floor")


def _group_caps(value: Mapping[str, float] | None) -> Mapping[str, float]:
    given: object = value
    if given is None:
        return MappingProxyType({})
    if not isinstance(given, Mapping):
        msg = f"ScoringModel: 'group_caps' must be a mapping of group to cap (got {given!r})."
        raise _v.definition(msg, value=given, where="ScoringModel.group_caps", expected="a mapping")
    caps: dict[str, float] = {}
    for group, cap in given.items():
        if not _v.is_number(cap) or cap < 0:
            msg = (
                f"ScoringModel: group_caps[{group!r}] must be a number of at least 0 (got {cap!r})."
            )
            where = f"ScoringModel.group_caps[{group!r}]"
            raise _v.definition(msg, value=cap, where=where, expected="a number of at least 0")
        caps[group] = float(cap)
    return MappingProxyType(caps)


def _grades(
    value: Mapping[str, float] | LetterGrading,
) -> Mapping[str, float] | LetterGrading:
    given: object = value
    if isinstance(given, LetterGrading):
        return given
    if not isinstance(given, Mapping):
        msg = (
            "ScoringModel: 'grades' must be a mapping of grade to threshold, or a "
            f"LetterGrading (got {given!r})."
        )
        raise _v.definition(msg, value=given, where="ScoringModel.grades", expected="a mapping")
    if not value:
        msg = "ScoringModel: 'grades' needs at least one grade (e.g. {'A': 40, 'B': 25})."
        raise _v.definition(msg, value=value, where="ScoringModel.grades", expected="a grade")
    grades: dict[str, float] = {}
    for grade, threshold in given.items():
        if not _v.is_name(grade):
            msg = f"ScoringModel: a grade must be a non-empty name (got {grade!r})."
            raise _v.definition(msg, value=grade, where="ScoringModel.grades", expected="a name")
        if not _v.is_number(threshold):
            msg = f"ScoringModel: grades[{grade!r}] must be a finite number (got {threshold!r})."
            where = f"ScoringModel.grades[{grade!r}]"
            raise _v.definition(msg, value=threshold, where=where, expected="a finite number")
        grades[grade] = float(threshold)
    by_threshold: dict[float, str] = {}
    for grade, threshold in grades.items():
        other = by_threshold.setdefault(threshold, grade)
        if other != grade:
            msg = (
                f"ScoringModel: grades {other!r} and {grade!r} share the threshold "
                f"{_format.number(threshold)}; each grade needs its own."
            )
            where = "ScoringModel.grades"
            raise _v.definition(msg, value=value, where=where, expected="distinct thresholds")
    return MappingProxyType(grades)


def _mapping_repr(value: object) -> str:
    return repr(dict(value)) if isinstance(value, Mapping) else repr(value)


_Kinds: TypeAlias = dict[str, tuple[tuple[int, float, _Evaluate | None], ...]]
#: The fit side of a score: fit contributions, their points, fit and grade.
_Fit: TypeAlias = tuple[tuple[_Part, ...], tuple[float, ...], float, str]


@attrs.frozen
class ScoringModel:
    """Fit and engagement rules, caps, a floor and grades: the scoring half of the agreement.

    - ``fit``: :class:`FitRule` values; fit is the sum of the points of those that hold,
      clamped from above by ``fit_cap``. Fit may be negative.
    - ``engagement``: :class:`EngagementRule` values; engagement is the sum of their decayed
      points, each group clamped by ``group_caps[group]``, the whole by ``engagement_cap``,
      and from below by ``floor`` (default 0, so old negatives cannot bury a lead for good;
      ``None`` for no floor).
    - ``grades``: thresholds on fit (``{"A": 40, "B": 25, "C": 10, "D": 0}``: the highest
      threshold reached; a fit below every threshold gets the lowest grade), or a
      :class:`LetterGrading` over the lead's facts.

    Rule names are unique across fit and engagement: they name the contributions.
    """

    fit: tuple[FitRule, ...] = attrs.field(default=(), converter=_fit_rules)
    engagement: tuple[EngagementRule, ...] = attrs.field(default=(), converter=_engagement_rules)
    fit_cap: float | None = attrs.field(default=None, converter=_fit_cap)
    engagement_cap: float | None = attrs.field(default=None, converter=_engagement_cap)
    group_caps: Mapping[str, float] = attrs.field(
        default=None, converter=_group_caps, hash=False, repr=_mapping_repr
    )
    floor: float | None = attrs.field(default=0.0, converter=_floor)
    grades: Mapping[str, float] | LetterGrading = attrs.field(
        default=DEFAULT_GRADES, converter=_grades, hash=False, repr=_mapping_repr
    )
    _fit_table: tuple[tuple[_Evaluate, _Part], ...] = attrs.field(init=False, eq=False, repr=False)
    _by_kind: _Kinds = attrs.field(init=False, eq=False, repr=False)
    _thresholds: tuple[tuple[float, str], ...] = attrs.field(init=False, eq=False, repr=False)
    _bounds: tuple[float | None, float | None, float | None] = attrs.field(
        init=False, eq=False, repr=False
    )
    _snapped_group_caps: tuple[tuple[str, float], ...] = attrs.field(
        init=False, eq=False, repr=False
    )
    _deciding: Mapping[str, tuple[object, ...]] = attrs.field(init=False, eq=False, repr=False)

    @engagement.validator
    def _check_names(self, _attribute: object, engagement: tuple[EngagementRule, ...]) -> None:
        names = [r.name for r in self.fit] + [r.name for r in engagement]
        _v.unique(names, "ScoringModel", "rules", error=_v.definition)

    @group_caps.validator
    def _check_groups(self, _attribute: object, group_caps: Mapping[str, float]) -> None:
        groups = sorted({r.group for r in self.engagement if r.group is not None})
        for group in group_caps:
            if group not in groups:
                msg = (
                    f"ScoringModel: group_caps names the group {group!r}, which no engagement "
                    f"rule has (groups: {', '.join(groups) or 'none'})."
                )
                where, expected = "ScoringModel.group_caps", "a group of an engagement rule"
                raise _v.definition(msg, value=group, where=where, expected=expected)

    @floor.validator
    def _check_floor(self, _attribute: object, floor: float | None) -> None:
        cap = self.engagement_cap
        # On the grid the floor rounds up and the cap down: they must not cross there either.
        if cap is not None and floor is not None and _up(floor) >= _down(cap):
            msg = (
                f"ScoringModel: 'floor' ({_format.number(floor)}) must be below 'engagement_cap' "
                f"({_format.number(cap)}); set floor=None for no floor."
            )
            expected = "a floor below engagement_cap"
            raise _v.definition(msg, value=floor, where="ScoringModel.floor", expected=expected)

    # Compiled once (from the converted arguments): fit conditions with their ready-made
    # contributions, engagement rules indexed by activity kind, the bounds on the grid (caps
    # rounded down, floor up).
    @_fit_table.default
    def _compile_fit(self) -> tuple[tuple[_Evaluate, _Part], ...]:
        return tuple(
            (compile_condition(r.condition), (r.name, "fit", _snap(r.points), 0, None))
            for r in self.fit
        )

    @_by_kind.default
    def _index_engagement(self) -> _Kinds:
        by_kind: dict[str, list[tuple[int, float, _Evaluate | None]]] = {}
        for index, rule in enumerate(self.engagement):
            where = None if rule.where is None else compile_condition(rule.where)
            by_kind.setdefault(rule.kind, []).append((index, rule._window, where))
        return {kind: tuple(rules) for kind, rules in by_kind.items()}

    @_thresholds.default
    def _sort_thresholds(self) -> tuple[tuple[float, str], ...]:
        if isinstance(self.grades, LetterGrading):
            return ()
        return tuple(sorted(((t, g) for g, t in self.grades.items()), reverse=True))

    @_bounds.default
    def _snap_bounds(self) -> tuple[float | None, float | None, float | None]:
        return (
            _optional(_down, self.fit_cap),
            _optional(_down, self.engagement_cap),
            _optional(_up, self.floor),
        )

    @_snapped_group_caps.default
    def _snap_group_caps(self) -> tuple[tuple[str, float], ...]:
        return tuple((g, _down(c)) for g, c in self.group_caps.items())

    @_deciding.default
    def _deciding_values(self) -> Mapping[str, tuple[object, ...]]:
        facts = sorted({name for r in self.fit for name in r.condition.fields})
        conditions = [r.condition for r in self.fit]
        return {f: deciding_values(conditions, f) for f in facts}

    # --- scoring ----------------------------------------------------------------------------

    def score(
        self,
        lead: Lead,
        activities: Iterable[Activity] = (),
        *,
        at: datetime,
        facts: Mapping[str, object] | None = None,
    ) -> Score:
        """The lead's :class:`Score` at ``at``, from its facts and its activities.

        Activities after ``at``, of kinds no rule names, or of other leads count for nothing,
        so a whole activity log may be passed (``score_many`` is the fast way to score many).
        The rules read the lead's :func:`fact view <smarketing.facts.fact_view>` (its fields
        and ``id``/``stage``/``source``) with ``facts`` layered on top; a view that derived the
        seniority and department from the title (the playbook passes one) is read as it is.
        """
        _v.aware(at, "ScoringModel.score(at=...)")
        return self._score(_checked_lead(lead, "score"), activities, at, facts)

    def score_many(
        self,
        leads: Iterable[Lead],
        activities: Iterable[Activity],
        *,
        at: datetime,
        facts: Iterable[Mapping[str, object] | None] | None = None,
    ) -> list[Score]:
        """Scores for many leads, in the order of ``leads``.

        ``activities`` may come in any order and may include other leads' activities; they are
        grouped by ``lead_id`` in one pass, so the cost is linear in leads + activities.
        ``facts``, when given, holds one mapping per lead (in the order of ``leads``) layered
        over that lead's facts, as ``score(facts=...)`` takes it.
        """
        _v.aware(at, "ScoringModel.score_many(at=...)")
        groups = group_by_lead(activities, owner="ScoringModel")
        empty: tuple[Activity, ...] = ()
        scores = []
        layers = repeat(None) if facts is None else iter(facts)
        for given in leads:
            lead = _checked_lead(given, "score_many")
            scores.append(self._score(lead, groups.get(lead.id, empty), at, next(layers, None)))
        return scores

    def _score(
        self,
        lead: Lead,
        activities: Iterable[Activity],
        at: datetime,
        facts: Mapping[str, object] | None = None,
    ) -> Score:
        return self._with_engagement(self._fit_of(lead, facts), lead.id, activities, at)

    def _fit_of(self, lead: Lead, given: Mapping[str, object] | None = None) -> _Fit:
        """The fit side of a score: it depends on the lead's facts only, never on time."""
        facts = fact_view(lead, given, derive=False).plain()  # eight rules: one dict
        fit_parts = [part for evaluate, part in self._fit_table if evaluate(facts) is True]
        fit_points = [part[2] for part in fit_parts]
        fit_cap = self._bounds[0]
        if fit_cap is not None and math.fsum(fit_points) > fit_cap:
            adjustment = _adjustment(fit_points, fit_cap, upper=True)
            fit_parts.append(("fit_cap", "adjustment", adjustment, 0, None))
            fit_points.append(adjustment)
        fit = math.fsum(fit_points)
        grades = self.grades
        if isinstance(grades, LetterGrading):
            grade = grades.grade(facts)
        else:
            grade = self._thresholds[-1][1]
            for threshold, name in self._thresholds:
                if fit >= threshold:
                    grade = name
                    break
        return tuple(fit_parts), tuple(fit_points), fit, grade

    def _with_engagement(
        self, fit_side: _Fit, lead_id: str, activities: Iterable[Activity], at: datetime
    ) -> Score:
        """The score at ``at``: the fit side (see `_fit_of`) and the engagement at ``at``."""
        fit_parts, fit_points, fit, grade = fit_side
        _, engagement_cap, floor = self._bounds
        parts = self._engagement(lead_id, activities, at) if self._by_kind else []
        points = [part[2] for part in parts]
        for group, cap in self._snapped_group_caps:
            in_group = [part[2] for part in parts if part[4] == group]
            if math.fsum(in_group) > cap:
                adjustment = _adjustment(in_group, cap, upper=True)
                parts.append(("group_caps", "adjustment", adjustment, 0, group))
                points.append(adjustment)
        engagement = math.fsum(points)
        if engagement_cap is not None and engagement > engagement_cap:
            adjustment = _adjustment(points, engagement_cap, upper=True)
            parts.append(("engagement_cap", "adjustment", adjustment, 0, None))
            points.append(adjustment)
            engagement = math.fsum(points)
        if floor is not None and engagement < floor:
            adjustment = _adjustment(points, floor, upper=False)
            parts.append(("floor", "adjustment", adjustment, 0, None))
            points.append(adjustment)
            engagement = math.fsum(points)
        total = math.fsum([*fit_points, *points])
        return _make_score(fit, engagement, total, grade, (*fit_parts, *parts))

    def _engagement(
        self, lead_id: str, activities: Iterable[Activity], at: datetime
    ) -> list[_Part]:
        """The engagement rules' contributions, in rule order."""
        by_kind = self._by_kind
        hits: dict[int, list[float]] = {}
        for activity in activities:
            if not isinstance(activity, Activity):
                raise not_an_activity(activity, "ScoringModel")
            rules = by_kind.get(activity.kind)
            if rules is None or activity.lead_id != lead_id:
                continue
            age = (at - activity.at).total_seconds()
            if age < 0.0:
                continue
            for index, window, where in rules:
                if age > window or (where is not None and where(activity.properties) is not True):
                    continue
                ages = hits.get(index)
                if ages is None:
                    hits[index] = [age]
                else:
                    ages.append(age)
        parts: list[_Part] = []
        engagement = self.engagement
        for index in sorted(hits):
            rule, ages = engagement[index], hits[index]
            limit = rule.max_count
            if limit is not None and len(ages) > limit:
                ages.sort()  # youngest first: the most recent repeats count
                del ages[limit:]
            parts.append((rule.name, "engagement", rule._total(ages), len(ages), rule.group))
        return parts

    # --- what the planner needs --------------------------------------------------------------

    def open_fit(self, facts: Mapping[str, object] | Lead) -> tuple[FitRule, ...]:
        """The fit rules that ``facts`` (or a lead's facts) leave undetermined, in model order.

        These are the rules whose points a form could still win or lose by asking.
        """
        facts = _plain(facts)
        table = zip(self.fit, self._fit_table, strict=True)
        return tuple(rule for rule, (holds, _) in table if holds(facts) is None)

    def fit_at_stake(self, facts: Mapping[str, object] | Lead) -> dict[str, float]:
        """For each unknown fact an undetermined fit rule reads, the most points it can decide.

        That is the best set of rules one answer can leave standing: the fact is given each of
        its :func:`deciding values <smarketing.conditions.deciding_values>` in turn, and the
        points (as absolute values: a negative rule moves fit too) of the open rules that the
        answer does not rule out are added up; the largest sum is the stake. Rules that exclude
        each other (size bands) count once, not together; a rule no value can be built for
        (a regular expression) still counts on its own. Largest stake first, ties by name.

        >>> import smarketing as sm
        >>> model = sm.ScoringModel(fit=[
        ...     sm.FitRule("big", sm.field("company_size") >= 1000, 15),
        ...     sm.FitRule("mid", sm.field("company_size").between(200, 999), 10),
        ...     sm.FitRule("student", sm.field("email").contains(".edu"), -20),
        ... ])
        >>> model.fit_at_stake({"email": "jo@acme.io"})
        {'company_size': 15.0}
        """
        facts = _plain(facts)
        by_fact: dict[str, list[tuple[FitRule, Compiled]]] = {}
        for rule, (holds, _) in zip(self.fit, self._fit_table, strict=True):
            if holds(facts) is None:
                for name in rule.condition.missing(facts):
                    by_fact.setdefault(name, []).append((rule, holds))
        stake: dict[str, float] = {}
        for name, rules in by_fact.items():
            best = max(abs(rule.points) for rule, _ in rules)
            if len(rules) == 1:  # one rule: its points, whatever the answer
                stake[name] = float(best)
                continue
            trial = dict(facts)
            for value in self._deciding[name]:
                trial[name] = value
                standing = math.fsum(
                    abs(rule.points) for rule, holds in rules if holds(trial) is not False
                )
                best = max(best, standing)
            stake[name] = float(best)
        return dict(sorted(stake.items(), key=lambda item: (-item[1], item[0])))


def _plain(facts: Mapping[str, object] | Lead) -> Mapping[str, object]:
    """Facts to run many rules on: a lead's own (its fact view, not derived) or a view's dict."""
    if isinstance(facts, Lead):
        return fact_view(facts, derive=False).plain()
    return facts.plain() if isinstance(facts, Facts) else facts


def _down(bound: float) -> float:
    """A cap on the grid, never above the cap."""
    snapped = _snap(bound)
    return snapped if snapped <= bound else snapped - 1 / _GRID


def _up(bound: float) -> float:
    """A floor on the grid, never below the floor."""
    snapped = _snap(bound)
    return snapped if snapped >= bound else snapped + 1 / _GRID


def _optional(snap: Callable[[float], float], bound: float | None) -> float | None:
    return None if bound is None else snap(bound)


def _checked_lead(lead: object, method: str) -> Lead:
    if not isinstance(lead, Lead):
        msg = f"ScoringModel.{method}() needs Lead values (got {lead!r})."
        raise ValidationError(msg, value=lead, where=f"{method}(lead)", expected="a Lead")
    return lead
