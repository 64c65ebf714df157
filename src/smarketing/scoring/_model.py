"""The scoring model: fit and engagement rules, caps, a floor and grades, compiled once and
applied to one lead or many."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import repeat
from types import MappingProxyType
from typing import TypeAlias

import attrs

from smarketing import _format
from smarketing import _validate as _v
from smarketing.conditions import compile_condition, deciding_values
from smarketing.facts import fact_view
from smarketing.leads import Activity, Lead, group_by_lead, not_an_activity
from smarketing.scoring._common import (
    DEFAULT_GRADES,
    _checked_lead,
    _down,
    _Evaluate,
    _optional,
    _Part,
    _plain,
    _snap,
    _up,
)
from smarketing.scoring._grades import LetterGrading, _listed
from smarketing.scoring._rules import EngagementRule, FitRule
from smarketing.scoring._score import Score, _adjustment, _make_score

# --- the model --------------------------------------------------------------------------------


def _fit_rules(value: Iterable[FitRule]) -> tuple[FitRule, ...]:
    return _listed(value, FitRule, "ScoringModel.fit")


def _engagement_rules(value: Iterable[EngagementRule]) -> tuple[EngagementRule, ...]:
    return _listed(value, EngagementRule, "ScoringModel.engagement")


def _optional_number(value: object, arg: str) -> float | None:
    if value is None:
        return None
    where, expected = f"ScoringModel.{arg}", "a finite number or None"
    return _v.points(value, where, error=_v.definition, label="ScoringModel", expected=expected)


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
        where = f"ScoringModel.group_caps[{group!r}]"
        huge = isinstance(cap, int) and not isinstance(cap, bool) and cap > 0  # past a float
        if not huge and (not _v.is_number(cap) or cap < 0):
            msg = (
                f"ScoringModel: group_caps[{group!r}] must be a number of at least 0 (got {cap!r})."
            )
            raise _v.definition(msg, value=cap, where=where, expected="a number of at least 0")
        caps[group] = _v.points(cap, where, error=_v.definition)
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
        where = f"ScoringModel.grades[{grade!r}]"
        if not _v.is_number(threshold):
            msg = f"ScoringModel: grades[{grade!r}] must be a finite number (got {threshold!r})."
            raise _v.definition(msg, value=threshold, where=where, expected="a finite number")
        grades[grade] = _v.points(threshold, where, error=_v.definition)
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
    _solo: Mapping[str, tuple[tuple[int, ...], float]] = attrs.field(
        init=False, eq=False, repr=False
    )

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

    @_solo.default
    def _solo_stakes(self) -> Mapping[str, tuple[tuple[int, ...], float]]:
        """Per fact read by two or more rules that read nothing else (size bands, industry
        lists), those rules and their stake when all are open: it depends on the fact's value
        alone, so it is worked out once here, not per lead (``fit_at_stake`` on the default
        playbook: 78 -> 36 µs a lead, one run on a busy machine)."""
        alone: dict[str, list[int]] = {}
        for index, rule in enumerate(self.fit):
            if len(rule.condition.fields) == 1:
                (name,) = rule.condition.fields
                alone.setdefault(name, []).append(index)
        return {
            name: (tuple(indices), self._stake(name, indices, {}))
            for name, indices in alone.items()
            if len(indices) > 1
        }

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
        _v.iterable(activities, "ScoringModel.score(activities=...)")
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
        _v.iterable(activities, "ScoringModel.score_many(activities=...)")
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
        # Read even without engagement rules: each activity is checked, as score_many does.
        parts = self._engagement(lead_id, activities, at)
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
        by_fact: dict[str, list[int]] = {}
        for index, (rule, (holds, _)) in enumerate(zip(self.fit, self._fit_table, strict=True)):
            if holds(facts) is None:
                for name in rule.condition.missing(facts):
                    by_fact.setdefault(name, []).append(index)
        stake: dict[str, float] = {}
        solo = self._solo
        for name, indices in by_fact.items():
            if len(indices) == 1:  # one rule: its points, whatever the answer
                stake[name] = float(abs(self.fit[indices[0]].points))
            elif name in solo and solo[name][0] == tuple(indices):
                stake[name] = solo[name][1]
            else:
                stake[name] = self._stake(name, indices, facts)
        return dict(sorted(stake.items(), key=lambda item: (-item[1], item[0])))

    def _stake(self, name: str, indices: list[int], facts: Mapping[str, object]) -> float:
        """The most points of the fit rules at ``indices`` (open, each reading ``name``) that
        one answer leaves standing."""
        rules = [(self.fit[i], self._fit_table[i][0]) for i in indices]
        best = max(abs(rule.points) for rule, _ in rules)
        trial = dict(facts)
        for value in self._deciding[name]:
            trial[name] = value
            standing = math.fsum(
                abs(rule.points) for rule, holds in rules if holds(trial) is not False
            )
            best = max(best, standing)
        return float(best)
