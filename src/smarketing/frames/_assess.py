"""``smf.assess``: a frame of leads scored, matched to a persona and qualified, as ``assess_many``.

What ``Playbook.assess`` answers per lead, as expressions over the frame (no per-row Python):

- the score's columns, from :func:`smarketing.frames.score` on the leads with their derived
  facts (the fit rules read ``seniority`` and ``department`` as the playbook's fact view does);
- ``persona`` and ``confidence``: each persona's confidence is the matched share of its trait
  weight, null when a required trait is known not to hold; the best persona is the first of the
  highest confidence, kept only above zero and at least ``min_confidence``
  (:meth:`PersonaMatcher.match <smarketing.PersonaMatcher.match>`). Traits read the lead's facts
  and its derived facts, not its score, as in Python;
- ``qualifies``: the stage the automatic transitions reach now from the lead's ``stage``, with
  the score's facts (``score``, ``fit``, ``engagement``, ``grade``) layered over the lead's, as
  :meth:`Lifecycle.advance <smarketing.Lifecycle.advance>` takes them: the first automatic
  transition (in definition order) whose condition holds, repeated from the new stage, never
  entering a stage twice. Each move's condition is read once, into a column, with ``stage``
  set to the move's source (the only stage it is taken from, so a condition reading ``stage``
  reads it as in Python); the walk is then unrolled into one step per stage that can be left
  automatically, each step a column of where each lead stands.

Confidences equal Python's to the last bit: a persona's matched weight is summed in trait order
when that sum is exact for every set of matched traits (whole-number weights, halves, ...),
and otherwise read from a table of the exact shares (``math.fsum``) of its traits' subsets, for
personas of up to :data:`EXACT_TRAITS` traits; so ties between personas break as in Python.

Every step is materialised as columns before the next reads it (pandas and Dask share no
sub-expressions). The frame is first narrowed to the columns the playbook reads; an eager
Polars frame runs as one lazy query (:class:`~smarketing.frames._frame.Planned`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, TypeAlias
from zoneinfo import ZoneInfo

import narwhals as nw
import narwhals.dtypes as nw_dtypes

from smarketing import _validate as _v
from smarketing.conditions import Condition
from smarketing.conditions._expr import to_rails
from smarketing.errors import ConfigError
from smarketing.facts import DERIVED_FACTS
from smarketing.frames._facts import derived_columns
from smarketing.frames._frame import NULL, TEXT, Frame, Planned, family, native, require, wrap
from smarketing.frames._score import model_fields, score_columns
from smarketing.lifecycle import Lifecycle
from smarketing.personas import Persona, PersonaMatcher
from smarketing.playbook import Playbook

__all__ = ["EXACT_TRAITS", "assess"]

#: Personas of up to this many traits get confidences that are exact for any weights.
EXACT_TRAITS: Final = 8

_PREFIX: Final = "__smarketing_assess_"
_STAGE: Final = "stage"
_PREDICTION_FACTS: Final = frozenset({"probability", "predictive_grade"})
_TIMES: Final = ("updated_at", "created_at")


def assess(playbook: Playbook, leads: Any, activities: Any = None, *, at: datetime) -> Any:
    """The leads assessed at ``at``: the score's columns, ``persona``, ``confidence`` and
    ``qualifies``.

    ``leads`` has an ``id`` column and one column per fact; ``stage`` is the lead's stage (the
    lifecycle's initial stage where it is missing or null). ``activities`` is as
    :func:`~smarketing.frames.score` reads it. Where the frame has ``updated_at`` (else
    ``created_at``) and it is after ``at``, ``qualifies`` is the lead's own stage, as
    ``Playbook.assess`` answers a lead assessed before its last change; a stage the lifecycle
    does not have gives a null ``qualifies``. ``persona`` is null when no persona is confident
    enough, and ``confidence`` with it.
    """
    _v.aware(at, "smf.assess(at=...)")
    _v.instance(
        playbook, "smf.assess(playbook)", cls=Playbook, error=_v.runtime, expected="a Playbook"
    )
    where = "smf.assess(leads)"
    frame = wrap(leads, where)
    types = dict(require(frame, ("id",), where))
    lifecycle = playbook.lifecycle
    moves = _automatic_moves(lifecycle, playbook)
    _check_columns(types, where)
    read = _read(playbook, moves, types)
    frame = frame.select(*read)
    plan = Planned(frame, activities, "smf.assess(activities)")
    frame, types = _prepared(plan.frame, {name: types[name] for name in read}, lifecycle, where)
    frame = _matched(frame, types, playbook.personas)
    frame, types, scored = _scored(frame, types, playbook, plan.activities, at)
    frame = _qualifies(frame, types, lifecycle, moves, at)
    return native(
        plan.finish(
            frame,
            nw.col("id"),
            *(nw.col(column).alias(name) for name, column in scored.items()),
            nw.col(_PERSONA).alias("persona"),
            nw.col(_CONFIDENCE).alias("confidence"),
            nw.col(_QUALIFIES).alias("qualifies"),
        )
    )


def _read(
    playbook: Playbook, moves: Sequence[_Move], types: Mapping[str, nw_dtypes.DType]
) -> list[str]:
    """The leads' columns the assessment reads (the frame is narrowed to them first)."""
    names = {"id", _STAGE, *_TIMES, *DERIVED_FACTS.values(), *DERIVED_FACTS}
    names |= model_fields(playbook.scoring)
    for persona in playbook.personas.personas:
        for trait in persona.traits:
            names |= trait.condition.fields
    for _source, _dest, condition in moves:
        names |= condition.fields
    return [name for name in types if name in names]


def _prepared(
    frame: Frame, types: Mapping[str, nw_dtypes.DType], lifecycle: Lifecycle, where: str
) -> tuple[Frame, dict[str, nw_dtypes.DType]]:
    """The leads with a stage each (the initial one where none is given) and derived facts."""
    initial = nw.lit(lifecycle.initial, dtype=nw.String())
    given = _STAGE in types and family(types[_STAGE]) == TEXT
    stage = nw.coalesce(nw.col(_STAGE).cast(nw.String()), initial) if given else initial
    derived, types = derived_columns(frame, types, where)
    return frame.with_columns(stage.alias(_STAGE), *derived), {**types, _STAGE: nw.String()}


# --- checks ---------------------------------------------------------------------------------


def _check_columns(types: Mapping[str, nw_dtypes.DType], where: str) -> None:
    """A stage that is not text, or a time without a zone, is an error naming the column."""
    if _STAGE in types and family(types[_STAGE]) not in (TEXT, NULL):
        msg = f"{where}: the column 'stage' is {types[_STAGE]}; a stage is a name (text)."
        raise _v.runtime(msg, value=_STAGE, where=where, expected="a text column 'stage'")
    for name in _TIMES:
        dtype = types.get(name)
        if dtype is None or family(dtype) == NULL:
            continue
        if not isinstance(dtype, nw.Datetime) or dtype.time_zone is None:
            msg = (
                f"{where}: the column {name!r} is {dtype}; it must hold times with a time "
                "zone (as at= does), or be left out."
            )
            raise _v.runtime(msg, value=name, where=where, expected="a time zone aware column")


def _automatic_moves(lifecycle: Lifecycle, playbook: Playbook) -> list[_Move]:
    """The automatic moves, by source stage and, from each, in definition order."""
    moves: list[_Move] = []
    for stage in lifecycle.stage_names:
        auto = [t for t in lifecycle.transitions_from(stage) if t.is_auto]
        for t in auto:
            if t.requires_reason:
                msg = (
                    f"trigger {t.trigger!r} is automatic but needs a reason: advance can never "
                    "fire it (Lifecycle.advance fails on the leads that reach it)."
                )
                raise ConfigError(msg, key=f"transitions.{t.trigger}", piece=t.trigger)
            read = t.auto_condition().fields & _PREDICTION_FACTS
            if read and playbook.predictive is not None:
                msg = (
                    f"trigger {t.trigger!r} reads the learned score ({', '.join(sorted(read))}); "
                    "smf.assess does not compute a playbook's predictive model (use "
                    "Playbook.assess_many for it)."
                )
                raise ConfigError(msg, key=f"transitions.{t.trigger}", piece=t.trigger)
        moves.extend((stage, t.dest, t.auto_condition()) for t in auto)
    return moves


# --- personas -------------------------------------------------------------------------------

_PERSONA, _CONFIDENCE, _BEST = f"{_PREFIX}persona", f"{_PREFIX}confidence", f"{_PREFIX}best"


def _column(kind: str, n: int) -> str:
    return f"{_PREFIX}{kind}_{n}"


class _Rails:
    """Each condition's rails over the frame's columns, built once however often it is read."""

    def __init__(self, types: Mapping[str, nw_dtypes.DType]) -> None:
        self._types = types
        self._built: dict[Condition, tuple[Any, Any]] = {}

    def __call__(self, condition: Condition) -> tuple[Any, Any]:
        rails = self._built.get(condition)
        if rails is None:
            schema = dict(self._types)
            for name in condition.fields - schema.keys():  # a fact no row has: unknown
                schema[name] = nw.Unknown()
            rails = self._built[condition] = to_rails(condition, schema)
        return rails


def _matched(frame: Frame, types: Mapping[str, nw_dtypes.DType], matcher: PersonaMatcher) -> Frame:
    """The frame with the best persona and its confidence (in columns of the step's own).

    Each step is materialised before the next reads it: pandas and Dask share no
    sub-expressions, so a trait's condition is evaluated once, not once per table entry.
    """
    personas = matcher.personas
    if personas:
        rails = _Rails(types)
        frame = frame.with_columns(*(e for p in enumerate(personas) for e in _tally(p, rails)))
        frame = frame.with_columns(*(_confidence(n, p) for n, p in enumerate(personas)))
    frame = frame.with_columns(_best(len(personas)))
    return frame.with_columns(*_persona(matcher))


def _tally(numbered: tuple[int, Persona], rails: _Rails) -> list[Any]:
    """A persona's matched traits, whether a required trait is known not to hold, its total.

    The matched traits are their weight where summing it in trait order is exact (see
    :func:`_summed_exactly`) or the persona has more than :data:`EXACT_TRAITS` traits, else a
    bit mask of them.
    """
    n, persona = numbered
    hits = [rails(t.condition)[0] for t in persona.traits]
    if _by_sum(persona):
        tally = nw.lit(0.0)
        for hit, trait in zip(hits, persona.traits, strict=True):
            tally = tally + hit.cast(nw.Float64()) * nw.lit(trait.weight)
    else:
        tally = nw.lit(0)
        for bit, hit in enumerate(hits):
            tally = tally + hit.cast(nw.Int64()) * nw.lit(1 << bit)
    out = nw.lit(False)
    for trait in persona.traits:
        if trait.required:
            out = out | rails(trait.condition)[1]
    # The total as a column of its own values: Polars reads a division by a literal as a
    # product with its reciprocal, which may differ from Python's quotient in the last bit,
    # and since Polars 2 a column made from a literal stays one (a scalar column): total /
    # total gave 0.9999999999999999. The tally is finite, so tally * 0 + total is the total.
    total = tally * nw.lit(0.0) + nw.lit(persona.total_weight, dtype=nw.Float64())
    return [
        tally.alias(_column("tally", n)),
        out.alias(_column("out", n)),
        total.alias(_column("total", n)),
    ]


def _by_sum(persona: Persona) -> bool:
    weights = [t.weight for t in persona.traits]
    return len(weights) > EXACT_TRAITS or _summed_exactly(weights)


def _summed_exactly(weights: Sequence[float]) -> bool:
    """Whether every running sum of the weights is exact, so that it equals ``math.fsum``.

    True when the weights are whole multiples of one power of two and their total is below
    2**53 of those: whole numbers, halves, quarters ..., as playbooks write them.
    """
    ratios = [w.as_integer_ratio() for w in weights]
    grid = max(denominator for _, denominator in ratios)  # every denominator is a power of two
    return sum(numerator * (grid // denominator) for numerator, denominator in ratios) < 2**53


def _confidence(n: int, persona: Persona) -> Any:
    """The persona's confidence: 0 where it is ruled out, else its matched share.

    A share is exactly Python's (``math.fsum`` of the matched weights over the total): an exact
    sum divided by the total, or read from the table of every subset's share.
    """
    tally = nw.col(_column("tally", n))
    if _by_sum(persona):
        share = tally / nw.col(_column("total", n))
    else:
        weights, total = [t.weight for t in persona.traits], persona.total_weight
        by_share: dict[float, list[int]] = {}
        for mask in range(1, 1 << len(weights)):
            value = math.fsum(w for bit, w in enumerate(weights) if mask >> bit & 1) / total
            by_share.setdefault(value, []).append(mask)
        (first, masks), *rest = sorted(by_share.items())
        chain = nw.when(tally.is_in(masks)).then(nw.lit(first))
        for value, masks in rest:
            chain = chain.when(tally.is_in(masks)).then(nw.lit(value))
        share = chain.otherwise(nw.lit(0.0))
    ruled_out = nw.col(_column("out", n))
    return nw.when(ruled_out).then(nw.lit(0.0)).otherwise(share).alias(_column("share", n))


def _best(count: int) -> Any:
    """The highest confidence of any persona (0 when there is none)."""
    shares = [nw.col(_column("share", n)) for n in range(count)]
    if not shares:
        return nw.lit(0.0).alias(_BEST)
    return (shares[0] if count == 1 else nw.max_horizontal(*shares)).alias(_BEST)


def _persona(matcher: PersonaMatcher) -> list[Any]:
    """The best persona's name and confidence: the first of the highest, above zero and at
    least ``min_confidence``; null where none is."""
    best = nw.col(_BEST)
    confident = (best > nw.lit(0.0)) & (best >= nw.lit(matcher.min_confidence))
    name: Any = nw.lit(None, dtype=nw.String())
    if matcher.personas:
        (first, persona), *rest = list(enumerate(matcher.personas))
        top = confident & (nw.col(_column("share", first)) == best)
        chain = nw.when(top).then(nw.lit(persona.name, dtype=nw.String()))
        for n, persona in rest:
            top = confident & (nw.col(_column("share", n)) == best)
            chain = chain.when(top).then(nw.lit(persona.name, dtype=nw.String()))
        name = chain.otherwise(nw.lit(None, dtype=nw.String()))
    confidence = nw.when(confident).then(best).otherwise(nw.lit(None, dtype=nw.Float64()))
    return [name.alias(_PERSONA), confidence.alias(_CONFIDENCE)]


# --- qualifies ------------------------------------------------------------------------------

_QUALIFIES: Final = f"{_PREFIX}qualifies"

#: An automatic move: from a stage to another, when a condition holds.
_Move: TypeAlias = tuple[str, str, Condition]


def _qualifies(
    frame: Frame,
    types: Mapping[str, nw_dtypes.DType],
    lifecycle: Lifecycle,
    moves: Sequence[_Move],
    at: datetime,
) -> Frame:
    """``frame`` with the stage each lead qualifies for, walking the automatic transitions.

    Each move's condition is read once into a column, with ``stage`` being the move's source
    (the only stage it is taken from). The walk is then one step per stage that can be left
    automatically, each step a column of where the lead stands: a move is taken when the lead
    stands at its source, its condition holds, its destination is none of the steps before and
    no earlier move from that source is taken.
    """
    frame = _holds(frame, types, moves)
    steps = [_STAGE]
    for k in range(min(len({source for source, _, _ in moves}), len(lifecycle.stage_names) - 1)):
        here = nw.col(steps[-1])
        step: Any = None
        for i, (source, dest, _condition) in enumerate(moves):
            unseen = [nw.col(s) != nw.lit(dest) for s in steps]
            test = (here == nw.lit(source)) & nw.col(_column("holds", i))
            for fresh in unseen:
                test = test & fresh
            then = nw.lit(dest, dtype=nw.String())
            step = nw.when(test).then(then) if step is None else step.when(test).then(then)
        steps.append(_column("step", k))
        frame = frame.with_columns(step.otherwise(here).alias(steps[-1]))
    start = nw.col(_STAGE)
    known = start.is_in(list(lifecycle.stage_names))
    late = _assessed_before_last_change(types, at)
    qualifies = nw.when(known & late).then(start).when(known).then(nw.col(steps[-1]))
    return frame.with_columns(
        qualifies.otherwise(nw.lit(None, dtype=nw.String())).alias(_QUALIFIES)
    )


def _holds(frame: Frame, types: Mapping[str, nw_dtypes.DType], moves: Sequence[_Move]) -> Frame:
    """Each move's condition as a column: true where it holds for a lead at the move's source.

    Conditions that read ``stage`` read it with ``stage`` set to the source, one source at a
    time; the others are read in one step.
    """
    rails = _Rails(types)
    plain = [(i, c) for i, (_s, _d, c) in enumerate(moves) if _STAGE not in c.fields]
    if plain:
        frame = frame.with_columns(*(rails(c)[0].alias(_column("holds", i)) for i, c in plain))
    sources = sorted({s for s, _d, c in moves if _STAGE in c.fields})
    for source in sources:
        frame = frame.with_columns(
            nw.col(_STAGE).alias(_column("stage", 0)),
            nw.lit(source, dtype=nw.String()).alias(_STAGE),
        )
        frame = frame.with_columns(
            *(
                rails(c)[0].alias(_column("holds", i))
                for i, (s, _d, c) in enumerate(moves)
                if s == source and _STAGE in c.fields
            ),
            nw.col(_column("stage", 0)).alias(_STAGE),
        )
    return frame


def _assessed_before_last_change(types: Mapping[str, nw_dtypes.DType], at: datetime) -> Any:
    """Rows whose last stage change (``updated_at``, else ``created_at``) is after ``at``."""
    for name in _TIMES:
        dtype = types.get(name)
        if isinstance(dtype, nw.Datetime) and dtype.time_zone is not None:
            local = at.astimezone(ZoneInfo(dtype.time_zone))
            return (nw.col(name) > nw.lit(local)).fill_null(False)
    return nw.lit(False)


# --- the score ----------------------------------------------------------------------------


def _scored(
    frame: Frame,
    types: Mapping[str, nw_dtypes.DType],
    playbook: Playbook,
    activities: Any,
    at: datetime,
) -> tuple[Frame, dict[str, nw_dtypes.DType], dict[str, str]]:
    """The frame scored, with the score's facts layered over the lead's columns of their names.

    The score's own columns stay under their private names (the third item maps the output
    names to them); ``score``, ``fit``, ``engagement`` and ``grade`` are then what lifecycle
    conditions read, as ``Score.facts()`` layers them over a lead's facts.
    """
    scored = score_columns(frame, types, playbook.scoring, activities, at=at)
    columns = dict(scored.columns)
    facts = {"score": columns["total"], **{n: columns[n] for n in ("fit", "engagement", "grade")}}
    frame = scored.frame.with_columns(*(nw.col(c).alias(n) for n, c in facts.items()))
    out = dict(types)
    out.update({n: nw.Float64() for n in ("score", "fit", "engagement")}, grade=nw.String())
    return frame, out, columns
