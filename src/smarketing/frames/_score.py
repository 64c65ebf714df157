"""``smf.score``: a frame of leads scored as ``ScoringModel.score_many`` scores them, as one plan.

The model compiles to expressions and a grouped aggregation, with no per-row Python:

- **Fit.** Each fit rule's condition becomes its "known true" rail
  (:func:`~smarketing.conditions._expr.to_rails`) over the leads frame: the rule's points
  where it holds, 0 elsewhere (unknown is not a match). ``fit_cap`` clamps the sum.
- **Engagement.** The activities frame is filtered to the kinds the rules name and to what
  happened at or before ``at``; each activity's age in seconds is read from ``at`` and the
  ``at`` column as ``(at - activity.at).total_seconds()`` reads it. For each rule: its kind, its
  ``within`` window and its ``where`` condition (over the activity's property columns) pick the
  activities, worth ``points`` decayed by the rule's half-life or linear loss. Rules with
  ``max_count`` keep the most recent repeats: the matching activities are counted per lead and
  age, and each age keeps as many as the younger ones leave of ``max_count`` (a self-join of
  the distinct ages of a lead, so no window function is needed and every backend runs it).
  One ``group_by`` per lead sums one column per rule (what its activities are worth, or for a
  rule without decay their count), joined back to the leads (a lead without activities gets
  0). Group caps, the engagement cap and the floor are the same clamps as in Python, with the
  same adjustments.
- **Points on the grid.** Every rule's points are snapped to the 2**-30 grid as the Python
  model snaps them (round half to even, as IEEE addition rounds on every backend), so the
  sums are exact and the contribution columns add up to ``total`` exactly, as a ``Score``'s
  contributions do. A rule's decayed points are summed in the backend's order, not with
  ``math.fsum``; the two differ by far less than the grid, so results equal ``score_many`` to
  a grid step (about 1e-9 of a point).
- **Grades.** Thresholds on fit, or a :class:`~smarketing.LetterGrading`'s criteria stepped
  over both rails of each criterion (unknown leaves the grade alone).

What the rules read: the leads frame's columns are the facts (``id`` included); a fact with no
column is unknown for every lead. A :class:`~smarketing.Playbook` scores with its scoring model
over the leads with ``seniority`` and ``department`` derived from ``job_title`` (a column step,
:mod:`smarketing.frames._facts`), as the playbook's own calls read them; a bare
:class:`~smarketing.ScoringModel` reads the columns as they are, as ``score_many`` reads a
lead's own facts. The lead's ``stage`` and ``source`` are facts only where the frame has those
columns. Activities with a null ``lead_id``, ``kind`` or ``at`` are not activities and count
for nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final, NamedTuple

import narwhals as nw
import narwhals.dtypes as nw_dtypes

from smarketing import _validate as _v
from smarketing.conditions._expr import to_rails
from smarketing.frames._facts import derive_facts
from smarketing.frames._frame import TEXT, Frame, Planned, family, native, require, wrap
from smarketing.playbook import Playbook
from smarketing.scoring import EngagementRule, LetterGrading, ScoringModel
from smarketing.scoring._common import (
    _EXPONENTIAL,
    _GRID,
    _NO_DECAY,
    _ON_GRID,
    LETTER_GRADES,
    _snap,
)

__all__ = ["SCORE_COLUMNS", "Scored", "score", "score_columns"]

#: The columns ``smf.score`` gives for every lead, after ``id``.
SCORE_COLUMNS: Final = ("fit", "engagement", "total", "grade")

_P: Final = "__smarketing_score_"
_LEAD: Final = f"{_P}lead"
_AGE: Final = f"{_P}age"
_AGE2: Final = f"{_P}age2"
_N: Final = f"{_P}n"
_N2: Final = f"{_P}n2"
_YOUNGER: Final = f"{_P}younger"
_RESERVED: Final = ("lead_id", "kind", "at")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SHIFT: Final = 2.0**52  # from here on a double holds whole numbers only


class Scored(NamedTuple):
    """A leads frame with its score columns added (see :func:`score_columns`).

    ``columns`` maps each output column (``fit``, ``engagement``, ``total``, ``grade``, then the
    contribution columns when asked for) to the column of ``frame`` that holds it.
    """

    frame: Frame
    columns: Mapping[str, str]


def score(
    pb_or_model: Playbook | ScoringModel,
    leads: Any,
    activities: Any = None,
    *,
    at: datetime,
    contributions: bool = False,
) -> Any:
    """The leads scored at ``at``: one row per lead with ``id``, ``fit``, ``engagement``,
    ``total`` and ``grade``, as ``ScoringModel.score_many`` scores them.

    ``leads`` has an ``id`` column and one column per fact (null is unknown); ``activities``,
    when given, has ``lead_id``, ``kind``, ``at`` (time-zone aware) and one column per
    property. Both are DataFrames of the same library: pandas, Polars (eager or lazy), PyArrow,
    DuckDB, Dask or PySpark. An eager frame comes back as the same kind of frame, in the order
    of ``leads``; a lazy one stays lazy (row order is then the backend's).
    ``contributions=True`` adds one column per rule, named after it, holding the points it
    added (0 where it added none), and one per adjustment the model can make (``fit_cap``,
    ``group_caps[<group>]``, ``engagement_cap``, ``floor``): they sum to ``total`` exactly.

    >>> from datetime import datetime, timezone
    >>> import polars as pl
    >>> import smarketing as sm
    >>> import smarketing.frames as smf
    >>> model = sm.ScoringModel(fit=[sm.FitRule("saas", sm.field("industry") == "saas", 20)])
    >>> leads = pl.DataFrame({"id": ["a", "b"], "industry": ["saas", None]})
    >>> smf.score(model, leads, at=datetime(2026, 3, 1, tzinfo=timezone.utc))
    shape: (2, 5)
    ┌─────┬──────┬────────────┬───────┬───────┐
    │ id  ┆ fit  ┆ engagement ┆ total ┆ grade │
    │ --- ┆ ---  ┆ ---        ┆ ---   ┆ ---   │
    │ str ┆ f64  ┆ f64        ┆ f64   ┆ str   │
    ╞═════╪══════╪════════════╪═══════╪═══════╡
    │ a   ┆ 20.0 ┆ 0.0        ┆ 20.0  ┆ C     │
    │ b   ┆ 0.0  ┆ 0.0        ┆ 0.0   ┆ D     │
    └─────┴──────┴────────────┴───────┴───────┘
    """
    _v.aware(at, "smf.score(at=...)")
    model = _model_of(pb_or_model)
    where = "smf.score(leads)"
    frame = wrap(leads, where)
    types = dict(require(frame, ("id",), where))
    plan = Planned(frame, activities, "smf.score(activities)")
    frame = plan.frame
    if isinstance(pb_or_model, Playbook):
        frame, types = derive_facts(frame, types, where)
    scored = score_columns(frame, types, model, plan.activities, at=at, contributions=contributions)
    return native(
        plan.finish(
            scored.frame,
            nw.col("id"),
            *(nw.col(column).alias(name) for name, column in scored.columns.items()),
        )
    )


def _model_of(pb_or_model: object) -> ScoringModel:
    if isinstance(pb_or_model, Playbook):
        return pb_or_model.scoring
    if isinstance(pb_or_model, ScoringModel):
        return pb_or_model
    msg = f"smf.score() scores with a Playbook or a ScoringModel (got {pb_or_model!r})."
    raise _v.runtime(
        msg,
        value=pb_or_model,
        where="smf.score(pb_or_model)",
        expected="a Playbook or ScoringModel",
    )


def score_columns(
    frame: Frame,
    types: Mapping[str, nw_dtypes.DType],
    model: ScoringModel,
    activities: Any = None,
    *,
    at: datetime,
    contributions: bool = False,
) -> Scored:
    """``frame`` (the leads, wrapped, with their column ``types``) with score columns added.

    The building block of :func:`score` (and of ``smf.assess``): the facts are the columns as
    given, no facts are derived here. Every other column of ``frame`` is kept; the score's
    columns have private names, given by the result's ``columns``.
    """
    _v.aware(at, "smf.score(at=...)")
    names = _contribution_names(model) if contributions else {}
    facts = _schema_for(model_fields(model), types)
    frame = _with(frame, _fit_points(model, facts))
    engagement = _engagement_frame(frame, types, model, activities, at)
    if engagement is not None:
        lead_column, lead_type = engagement
        frame = _joined(frame, types, lead_column, lead_type)
    frame = _engagement_points(frame, model, joined=engagement is not None)
    frame = _adjusted(frame, model)
    frame = frame.with_columns(_grade(model, facts).alias(f"{_P}grade"))
    columns = {
        "fit": f"{_P}fit",
        "engagement": f"{_P}engagement",
        "total": f"{_P}total",
        "grade": f"{_P}grade",
    }
    columns.update(names)
    return Scored(frame, columns)


# --- fit --------------------------------------------------------------------------------------


def model_fields(model: ScoringModel) -> frozenset[str]:
    """The facts the model's fit rules and letter-grade criteria read."""
    names: set[str] = set()
    for rule in model.fit:
        names |= rule.condition.fields
    if isinstance(model.grades, LetterGrading):
        for criterion in model.grades.criteria:
            names |= criterion.condition.fields
    return frozenset(names)


def _schema_for(fields: frozenset[str], types: Mapping[str, nw_dtypes.DType]) -> dict[str, Any]:
    """The column types conditions read: a fact with no column is unknown for every row."""
    schema: dict[str, Any] = dict(types)
    for name in fields:
        schema.setdefault(name, nw.Unknown())
    return schema


def _fit_points(model: ScoringModel, facts: Mapping[str, Any]) -> list[nw.Expr]:
    out = []
    for index, rule in enumerate(model.fit):
        holds, _ = to_rails(rule.condition, facts)
        points = _snap(rule.points)
        out.append(nw.when(holds).then(nw.lit(points)).otherwise(nw.lit(0.0)).alias(_fit(index)))
    return out


def _with(frame: Any, exprs: Sequence[nw.Expr]) -> Any:
    """``frame.with_columns(*exprs)``, which narwhals refuses for no expressions."""
    return frame.with_columns(*exprs) if exprs else frame


def _fit(index: int) -> str:
    return f"{_P}fit_{index}"


def _grade(model: ScoringModel, facts: Mapping[str, Any]) -> nw.Expr:
    grades = model.grades
    if isinstance(grades, LetterGrading):
        step: nw.Expr = nw.lit(grades._start_step)
        for criterion in grades.criteria:
            true, false = to_rails(criterion.condition, facts)
            thirds = criterion.thirds
            step = step + nw.when(true).then(thirds).when(false).then(-thirds).otherwise(0)
        top = len(LETTER_GRADES) - 1
        chain = nw.when(step <= 0).then(nw.lit(LETTER_GRADES[0]))
        for position, letter in enumerate(LETTER_GRADES[1:top], start=1):
            chain = chain.when(step == position).then(nw.lit(letter))
        return chain.otherwise(nw.lit(LETTER_GRADES[top]))
    thresholds = model._thresholds
    fit = nw.col(f"{_P}fit")
    (first, name), *rest = thresholds
    chain = nw.when(fit >= first).then(nw.lit(name))
    for threshold, name in rest:
        chain = chain.when(fit >= threshold).then(nw.lit(name))
    return chain.otherwise(nw.lit(thresholds[-1][1]))


# --- engagement -------------------------------------------------------------------------------


def _engagement_frame(
    frame: Any,
    types: Mapping[str, nw_dtypes.DType],
    model: ScoringModel,
    activities: Any,
    at: datetime,
) -> tuple[Any, nw_dtypes.DType] | None:
    """The activities summed per lead (one row per lead), with the type of its lead column."""
    if activities is None or not model.engagement:
        if activities is not None:
            _checked_activities(frame, activities, model)
        return None
    acts, act_types = _checked_activities(frame, activities, model)
    properties = {n: t for n, t in act_types.items() if n not in _RESERVED}
    where_schema: dict[str, Any] = dict(properties)
    for rule in model.engagement:
        if rule.where is not None:
            for name in rule.where.fields:
                where_schema.setdefault(name, nw.Unknown())  # reserved or absent: not a property
    age = _age_in_microseconds(acts, at) / 1e6  # as timedelta.total_seconds() divides
    kinds = sorted({r.kind for r in model.engagement})
    acts = acts.filter(
        ~nw.col("lead_id").is_null() & ~nw.col("at").is_null() & nw.col("kind").is_in(kinds)
    ).with_columns(age.alias(_AGE))
    acts = acts.filter(nw.col(_AGE) >= 0.0)
    acts = acts.with_columns(
        _matches(rule, where_schema).alias(_match(i)) for i, rule in enumerate(model.engagement)
    )
    matches = [nw.col(_match(i)) for i in range(len(model.engagement))]
    plain = [i for i, r in enumerate(model.engagement) if r.max_count is None]
    parts: list[Any] = []
    values = _value_names(model)
    if plain:
        zero = nw.lit(0.0)
        worth = [
            nw.when(m).then(_value(r, nw.col(_AGE))).otherwise(0.0) if i in plain else zero
            for i, (m, r) in enumerate(zip(matches, model.engagement, strict=True))
        ]
        wide = acts.select(
            nw.col("lead_id").alias(_LEAD),
            *(e.alias(name) for e, name in zip(worth, values, strict=True)),
        )
        parts.append(wide)
    for index, rule in enumerate(model.engagement):
        if rule.max_count is not None:
            parts.append(_most_recent(acts, matches[index], index, rule, values))
    stacked = parts[0] if len(parts) == 1 else nw.concat(parts, how="vertical")
    per_lead = stacked.group_by(_LEAD).agg(*(nw.col(c).sum() for c in values))
    return per_lead, act_types["lead_id"]


def _checked_activities(
    leads: Frame, activities: Any, model: ScoringModel
) -> tuple[Any, Mapping[str, nw_dtypes.DType]]:
    where = "smf.score(activities)"
    acts = wrap(activities, where)
    types = require(acts, _RESERVED, where)
    at_type = types["at"]
    if not isinstance(at_type, nw.Datetime) or at_type.time_zone is None:
        msg = (
            f"{where}: the 'at' column must hold time-zone aware datetimes (got {at_type}); "
            "give the times with their zone (or in UTC)."
        )
        raise _v.runtime(
            msg, value=str(at_type), where=f"{where}['at']", expected="aware datetimes"
        )
    if family(types["kind"]) not in (TEXT,):
        msg = f"{where}: the 'kind' column must be text (got {types['kind']})."
        raise _v.runtime(msg, value=str(types["kind"]), where=f"{where}['kind']", expected="text")
    if leads.implementation is not acts.implementation or (
        isinstance(leads, nw.LazyFrame) != isinstance(acts, nw.LazyFrame)
    ):
        msg = (
            f"{where} must be the same kind of frame as the leads (leads: "
            f"{_kind_of(leads)}, activities: {_kind_of(acts)})."
        )
        raise _v.runtime(msg, value=_kind_of(acts), where=where, expected=_kind_of(leads))
    for rule in model.engagement:
        if rule.where is not None:  # a property column that cannot be a fact: named now
            to_rails(rule.where, {n: t for n, t in types.items() if n not in _RESERVED})
    return acts, types


def _age_in_microseconds(acts: Any, at: datetime) -> nw.Expr:
    """``at - activity.at`` in whole microseconds, exactly (as a float: below 2**53)."""
    engine = acts.implementation
    # Spark's branch runs in the engines tests, which make test runs without coverage.
    if engine in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT):  # pragma: no cover
        # Spark has no duration arithmetic in narwhals: a timestamp cast to double is its epoch
        # in seconds (whole seconds exact, the fraction to well under a microsecond), and the
        # microsecond field gives the fraction exactly.
        whole = nw.col("at").cast(nw.Float64()).floor().cast(nw.Float64())
        micros = nw.col("at").dt.microsecond().cast(nw.Float64())
        return _micros_since_epoch(at) - (whole * 1e6 + micros)
    if engine is nw.Implementation.DUCKDB:
        # DuckDB subtracts aware timestamps through ICU's calendar: 0.79 s for bench_frames.py's
        # 1M activities, against 0.01 s for the column's epoch (narwhals' total_microseconds is
        # DuckDB's epoch_us, which on a timestamp is its microseconds since 1970, exactly).
        epoch = nw.col("at").dt.total_microseconds().cast(nw.Float64())
        return _micros_since_epoch(at) - epoch
    return (nw.lit(at) - nw.col("at")).dt.total_microseconds().cast(nw.Float64())


def _micros_since_epoch(at: datetime) -> float:
    return float((at - _EPOCH) // timedelta(microseconds=1))


def _kind_of(frame: Frame) -> str:
    lazy = "lazy " if isinstance(frame, nw.LazyFrame) else ""
    return f"{lazy}{frame.implementation.name.lower()}"


def _matches(rule: EngagementRule, where_schema: Mapping[str, Any]) -> nw.Expr:
    match = nw.col("kind") == rule.kind
    if rule.within is not None:
        match = match & (nw.col(_AGE) <= rule._window)
    if rule.where is not None:
        holds, _ = to_rails(rule.where, where_schema)
        match = match & holds
    return match


def _match(index: int) -> str:
    return f"{_P}match_{index}"


def _worth(rule: EngagementRule, age: nw.Expr) -> nw.Expr:
    """What one activity of this age is worth, as ``EngagementRule._total`` adds it up, for
    a rule that decays (``_value`` counts the others)."""
    mode, scale = rule._decay
    points = rule.points
    if mode == _EXPONENTIAL:
        return points * (0.5 ** (age / scale))
    kept = 1.0 - rule.lose * (age / scale)  # _LINEAR
    return points * nw.when(kept > 0.0).then(kept).otherwise(0.0)


def _value(rule: EngagementRule, age: nw.Expr, n: nw.Expr | None = None) -> nw.Expr:
    """What one activity (or ``n`` of them) of this age adds to the rule's summed column.

    A rule without decay sums its count (its points are the count times ``points``, as
    ``_total`` multiplies them); the others sum what the activities are worth.
    """
    if rule._decay[0] == _NO_DECAY:
        return nw.lit(1.0) if n is None else n
    return _worth(rule, age) if n is None else n * _worth(rule, age)


def _value_names(model: ScoringModel) -> list[str]:
    return [f"{_P}value_{i}" for i in range(len(model.engagement))]


def _most_recent(
    acts: Any, match: nw.Expr, index: int, rule: EngagementRule, values: Sequence[str]
) -> Any:
    """A ``max_count`` rule's points per lead: only its ``max_count`` youngest activities.

    Activities of equal age are worth the same, so the matching activities are counted per
    lead and age; an age keeps ``max_count`` minus the activities younger than it (at least
    none, at most its own count), read from a join of each lead's distinct ages with itself.
    """
    limit = float(rule.max_count)  # type: ignore[arg-type]
    by_age = (
        acts.filter(match)
        .select(nw.col("lead_id").alias(_LEAD), nw.col(_AGE))
        .group_by(_LEAD, _AGE)
        .agg(nw.len().alias(_N))
        .with_columns(nw.col(_N).cast(nw.Float64()))
    )
    other = by_age.select(nw.col(_LEAD), nw.col(_AGE).alias(_AGE2), nw.col(_N).alias(_N2))
    younger = (
        by_age.select(_LEAD, _AGE)
        .join(other, on=_LEAD)
        .filter(nw.col(_AGE2) < nw.col(_AGE))
        .group_by(_LEAD, _AGE)
        .agg(nw.col(_N2).sum().alias(_YOUNGER))
    )
    left = limit - nw.col(_YOUNGER).fill_null(0.0)
    kept = nw.when(left <= 0.0).then(0.0).when(left < nw.col(_N)).then(left).otherwise(nw.col(_N))
    counted = by_age.join(younger, on=[_LEAD, _AGE], how="left").with_columns(kept.alias(_N))
    value = _value(rule, nw.col(_AGE), nw.col(_N))
    return counted.select(
        nw.col(_LEAD),
        *((value if i == index else nw.lit(0.0)).alias(name) for i, name in enumerate(values)),
    )


def _joined(
    frame: Any,
    types: Mapping[str, nw_dtypes.DType],
    per_lead: Any,
    lead_type: nw_dtypes.DType,
) -> Any:
    """The leads with their activities' sums (a left join: no activities, no row)."""
    key = nw.col("id")
    if types["id"] != lead_type:  # "7" and 7 name the same lead only as text
        key = key.cast(nw.String())
        per_lead = per_lead.with_columns(nw.col(_LEAD).cast(nw.String()))
    frame = frame.with_columns(key.alias(f"{_P}key"))
    return frame.join(per_lead, left_on=f"{_P}key", right_on=_LEAD, how="left")


def _engagement_points(frame: Any, model: ScoringModel, *, joined: bool) -> Any:
    """Each engagement rule's points, snapped to the grid (0 for a rule that counted none)."""
    if not joined:
        return _with(frame, [nw.lit(0.0).alias(_rule(i)) for i in range(len(model.engagement))])
    points = []
    for index, (rule, name) in enumerate(zip(model.engagement, _value_names(model), strict=True)):
        value = nw.col(name).fill_null(0.0)  # a lead without activities
        total = value * rule.points if rule._decay[0] == _NO_DECAY else value
        points.append(total.alias(_rule(index)))
    frame = frame.with_columns(*points)  # then snapped: the snap reads its value four times
    return frame.with_columns(
        _snap_expr(nw.col(_rule(i))).alias(_rule(i)) for i in range(len(model.engagement))
    )


def _rule(index: int) -> str:
    return f"{_P}rule_{index}"


def _snap_expr(x: nw.Expr) -> nw.Expr:
    """``_snap``: onto the 2**-30 grid, rounding half to even (as Python's ``round``).

    Below ``_ON_GRID`` the scaled value is under 2**52 in size, so adding 2**52 (of its sign)
    leaves no fraction: the addition itself rounds, half to even as IEEE 754 does on every
    backend, and taking 2**52 away again is exact. (A rounding written out with ``floor`` and a
    test for ties made 26 of the 73 ms smf.score took to plan bench_frames.py's model, this one
    about 12: narwhals, and Spark through py4j, build an expression a node at a time.)
    """
    y = x * _GRID
    shift = nw.when(x < 0.0).then(-_SHIFT).otherwise(_SHIFT)
    return nw.when(x.abs() >= _ON_GRID).then(x).otherwise(((y + shift) - shift) / _GRID)


def _sum(exprs: Sequence[nw.Expr]) -> nw.Expr:
    if not exprs:
        return nw.lit(0.0)
    out = exprs[0]
    for expr in exprs[1:]:
        out = out + expr
    return out


def _adjusted(frame: Any, model: ScoringModel) -> Any:
    """Fit, engagement, total and the adjustments the caps and the floor make.

    Three steps, each reading the sums the step before wrote as columns, so that no backend
    computes a sum more than once per use (pandas and Dask do not share common
    sub-expressions, and Dask's optimiser slows down with every step of a plan).
    """
    fit_cap, engagement_cap, floor = model._bounds
    raw_fit, raw_engagement = nw.col(f"{_P}raw_fit"), nw.col(f"{_P}raw_engagement")
    groups = [
        (
            f"{_P}adj_group_{index}",
            _sum([nw.col(_rule(i)) for i, r in enumerate(model.engagement) if r.group == group]),
            cap,
        )
        for index, (group, cap) in enumerate(model._snapped_group_caps)
    ]
    frame = frame.with_columns(
        _sum([nw.col(_fit(i)) for i in range(len(model.fit))]).alias(f"{_P}raw_fit"),
        *(_clamp(in_group, cap, upper=True).alias(name) for name, in_group, cap in groups),
    )
    fit_adjustment = _clamp(raw_fit, fit_cap, upper=True)
    frame = frame.with_columns(
        fit_adjustment.alias(f"{_P}adj_fit_cap"),
        (raw_fit + fit_adjustment).alias(f"{_P}fit"),
        _sum(
            [
                *(nw.col(_rule(i)) for i in range(len(model.engagement))),
                *(nw.col(name) for name, _, _ in groups),
            ]
        ).alias(f"{_P}raw_engagement"),
    )
    cap_adjustment = _clamp(raw_engagement, engagement_cap, upper=True)
    capped = raw_engagement + cap_adjustment
    floor_adjustment = _clamp(capped, floor, upper=False)
    engagement = capped + floor_adjustment
    return frame.with_columns(
        cap_adjustment.alias(f"{_P}adj_engagement_cap"),
        floor_adjustment.alias(f"{_P}adj_floor"),
        engagement.alias(f"{_P}engagement"),
        (nw.col(f"{_P}fit") + engagement).alias(f"{_P}total"),
    )


def _clamp(value: nw.Expr, bound: float | None, *, upper: bool) -> nw.Expr:
    """The adjustment that brings ``value`` back to ``bound`` (a cap, or a floor), or 0."""
    if bound is None:
        return nw.lit(0.0)
    past = value > bound if upper else value < bound
    return nw.when(past).then(bound - value).otherwise(0.0)


def _contribution_names(model: ScoringModel) -> dict[str, str]:
    """The contribution columns: each rule's, then the adjustments the model can make."""
    names: dict[str, str] = {}
    for index, rule in enumerate(model.fit):
        names[rule.name] = _fit(index)
    if model.fit_cap is not None:
        names["fit_cap"] = f"{_P}adj_fit_cap"
    for index, engagement_rule in enumerate(model.engagement):
        names[engagement_rule.name] = _rule(index)
    for index, (group, _cap) in enumerate(model._snapped_group_caps):
        names[f"group_caps[{group}]"] = f"{_P}adj_group_{index}"
    if model.engagement_cap is not None:
        names["engagement_cap"] = f"{_P}adj_engagement_cap"
    if model.floor is not None:
        names["floor"] = f"{_P}adj_floor"
    taken = {"id", *SCORE_COLUMNS}
    for name in names:
        if name in taken:
            msg = (
                f"smf.score(contributions=True): the rule {name!r} has the name of a score "
                f"column ({', '.join(sorted(taken))}); rename the rule to get its column."
            )
            raise _v.runtime(
                msg, value=name, where="smf.score(contributions=True)", expected="another name"
            )
        taken.add(name)
    return names
