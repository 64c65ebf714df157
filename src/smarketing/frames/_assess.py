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
  entering a stage twice. The walk is unrolled into one step per stage that can be left
  automatically, the ``stage`` column holding where each lead stands, so conditions that read
  ``stage`` read it as they do in Python.

Confidences equal Python's to the last bit: a persona's matched weight is summed in trait order
when that sum is exact for every set of matched traits (whole-number weights, halves, ...),
and otherwise read from a table of the exact sums (``math.fsum``) of its traits' subsets, for
personas of up to :data:`EXACT_TRAITS` traits; so ties between personas break as in Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import narwhals as nw
import narwhals.dtypes as nw_dtypes

from smarketing import _validate as _v
from smarketing.conditions import Condition
from smarketing.conditions._expr import to_rails
from smarketing.errors import ConfigError
from smarketing.frames._facts import derive_facts
from smarketing.frames._frame import NULL, TEXT, Frame, family, native, require, wrap
from smarketing.frames._score import score_columns
from smarketing.lifecycle import Lifecycle
from smarketing.personas import Persona, PersonaMatcher
from smarketing.playbook import Playbook

__all__ = ["EXACT_TRAITS", "assess"]

#: Personas of up to this many traits get confidences that are exact for any weights.
EXACT_TRAITS: Final = 8

_PREFIX: Final = "__smarketing_assess_"
_ROW: Final = f"{_PREFIX}row"
_STAGE: Final = "stage"
_SCORE_FACTS: Final = ("score", "fit", "engagement", "grade")
_PREDICTION_FACTS: Final = frozenset({"probability", "predictive_grade"})
_TIMES: Final = ("updated_at", "created_at")


def assess(playbook: Playbook, leads: Any, activities: Any = None, *, at: datetime) -> Any:
    """The leads assessed at ``at``: the score's columns, ``persona``, ``confidence``, ``qualifies``.

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
    frame, types = _prepared(frame, types, lifecycle, where)
    frame = _matched(frame, types, playbook.personas)
    eager = isinstance(frame, nw.DataFrame)
    if isinstance(frame, nw.DataFrame):  # rows come back in the leads' order
        frame = frame.with_row_index(_ROW)
    frame, types, scored = _scored(frame, types, playbook, activities, at)
    frame = _qualifies(frame, types, lifecycle, moves, at)
    if eager:
        frame = frame.sort(_ROW)
    return native(
        frame.select(
            nw.col("id"),
            *(nw.col(column).alias(name) for name, column in scored.items()),
            nw.col(_PERSONA).alias("persona"),
            nw.col(_CONFIDENCE).alias("confidence"),
            nw.col(_QUALIFIES).alias("qualifies"),
        )
    )


def _prepared(
    frame: Frame, types: Mapping[str, nw_dtypes.DType], lifecycle: Lifecycle, where: str
) -> tuple[Frame, dict[str, nw_dtypes.DType]]:
    """The leads with a stage each (the initial one where none is given) and derived facts."""
    initial = nw.lit(lifecycle.initial, dtype=nw.String())
    given = _STAGE in types and family(types[_STAGE]) == TEXT
    stage = nw.coalesce(nw.col(_STAGE).cast(nw.String()), initial) if given else initial
    frame = frame.with_columns(stage.alias(_STAGE))
    return derive_facts(frame, {**types, _STAGE: nw.String()}, where)


def _matched(frame: Frame, types: Mapping[str, nw_dtypes.DType], matcher: PersonaMatcher) -> Frame:
    """The frame with the best persona and its confidence (in columns of the step's own)."""
    if matcher.personas:
        frame = frame.with_columns(*_confidences(matcher, types))
    frame = frame.with_columns(_best(len(matcher.personas)))
    return frame.with_columns(*_persona(matcher))


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


def _automatic_moves(
    lifecycle: Lifecycle, playbook: Playbook
) -> dict[str, tuple[tuple[str, Condition], ...]]:
    """Per stage, its automatic transitions in definition order: (destination, condition)."""
    moves: dict[str, tuple[tuple[str, Condition], ...]] = {}
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
        if auto:
            moves[stage] = tuple((t.dest, t.auto_condition()) for t in auto)
    return moves


# --- personas -------------------------------------------------------------------------------

_PERSONA, _CONFIDENCE, _BEST = f"{_PREFIX}persona", f"{_PREFIX}confidence", f"{_PREFIX}best"


def _confidence_column(n: int) -> str:
    return f"{_PREFIX}persona_{n}"


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


def _confidences(matcher: PersonaMatcher, types: Mapping[str, nw_dtypes.DType]) -> list[Any]:
    """Each persona's confidence as a column: 0 where a required trait is known not to hold."""
    rails = _Rails(types)
    return [
        _confidence(persona, rails).alias(_confidence_column(n))
        for n, persona in enumerate(matcher.personas)
    ]


def _confidence(persona: Persona, rails: _Rails) -> Any:
    traits = persona.traits
    weights = [t.weight for t in traits]
    matched = [rails(t.condition)[0] for t in traits]
    if len(traits) <= EXACT_TRAITS:
        share = _share_table(matched, weights, persona.total_weight)
    else:  # too many subsets to list: the sum in trait order (it may differ in the last bit)
        summed = nw.lit(0.0)
        for hit, weight in zip(matched, weights, strict=True):
            summed = summed + nw.when(hit).then(nw.lit(weight)).otherwise(nw.lit(0.0))
        share = summed / nw.lit(persona.total_weight)
    out = [rails(t.condition)[1] for t in traits if t.required]
    if not out:
        return share
    ruled_out = out[0]
    for failed in out[1:]:
        ruled_out = ruled_out | failed
    return nw.when(ruled_out).then(nw.lit(0.0)).otherwise(share)


def _share_table(matched: Sequence[Any], weights: Sequence[float], total: float) -> Any:
    """The matched share read from the exact share of each subset of traits (by bit mask)."""
    mask = nw.lit(0)
    for bit, hit in enumerate(matched):
        mask = mask + nw.when(hit).then(nw.lit(1 << bit)).otherwise(nw.lit(0))
    by_share: dict[float, list[int]] = {}
    for m in range(1, 1 << len(weights)):
        share = math.fsum(w for bit, w in enumerate(weights) if m >> bit & 1) / total
        by_share.setdefault(share, []).append(m)
    (share, masks), *rest = sorted(by_share.items())
    chain = nw.when(mask.is_in(masks)).then(nw.lit(share))
    for share, masks in rest:
        chain = chain.when(mask.is_in(masks)).then(nw.lit(share))
    return chain.otherwise(nw.lit(0.0))


def _best(count: int) -> Any:
    """The highest confidence of any persona (0 when there is none)."""
    if count == 0:
        return nw.lit(0.0).alias(_BEST)
    columns = [nw.col(_confidence_column(n)) for n in range(count)]
    return (columns[0] if count == 1 else nw.max_horizontal(*columns)).alias(_BEST)


def _persona(matcher: PersonaMatcher) -> list[Any]:
    """The best persona's name and confidence: the first of the highest, above zero and at
    least ``min_confidence``; null where none is."""
    best = nw.col(_BEST)
    confident = (best > nw.lit(0.0)) & (best >= nw.lit(matcher.min_confidence))
    name: Any = nw.lit(None, dtype=nw.String())
    if matcher.personas:
        (first, persona), *rest = list(enumerate(matcher.personas))
        chain = nw.when(confident & (nw.col(_confidence_column(first)) == best))
        chain = chain.then(nw.lit(persona.name, dtype=nw.String()))
        for n, persona in rest:
            chain = chain.when(confident & (nw.col(_confidence_column(n)) == best))
            chain = chain.then(nw.lit(persona.name, dtype=nw.String()))
        name = chain.otherwise(nw.lit(None, dtype=nw.String()))
    confidence = nw.when(confident).then(best).otherwise(nw.lit(None, dtype=nw.Float64()))
    return [name.alias(_PERSONA), confidence.alias(_CONFIDENCE)]


# --- qualifies ------------------------------------------------------------------------------

_START, _QUALIFIES = f"{_PREFIX}start", f"{_PREFIX}qualifies"


def _visited_column(stage: str) -> str:
    return f"{_PREFIX}visited_{stage}"


def _qualifies(
    frame: Frame,
    types: Mapping[str, nw_dtypes.DType],
    lifecycle: Lifecycle,
    moves: Mapping[str, tuple[tuple[str, Condition], ...]],
    at: datetime,
) -> Frame:
    """``frame`` with the stage each lead qualifies for, walking the automatic transitions.

    The ``stage`` column holds where each lead stands as the walk goes (conditions that read
    ``stage`` read it there); the start is kept aside and ``stage`` is put back at the end.
    """
    rails = _Rails(types)
    dests = sorted({dest for out in moves.values() for dest, _ in out})
    stage = nw.col(_STAGE)
    frame = frame.with_columns(
        stage.alias(_START), *((stage == nw.lit(d)).alias(_visited_column(d)) for d in dests)
    )
    for _ in range(min(len(moves), len(lifecycle.stage_names) - 1)):
        branches = [
            (stage == nw.lit(source)) & rails(condition)[0] & ~nw.col(_visited_column(dest))
            for source, out in moves.items()
            for dest, condition in out
        ]
        targets = [dest for out in moves.values() for dest, _ in out]
        step = nw.when(branches[0]).then(nw.lit(targets[0], dtype=nw.String()))
        for test, dest in zip(branches[1:], targets[1:], strict=True):
            step = step.when(test).then(nw.lit(dest, dtype=nw.String()))
        frame = frame.with_columns(step.otherwise(stage).alias(_STAGE))
        frame = frame.with_columns(
            *(
                (nw.col(_visited_column(d)) | (stage == nw.lit(d))).alias(_visited_column(d))
                for d in dests
            )
        )
    start = nw.col(_START)
    known = start.is_in(list(lifecycle.stage_names))
    late = _assessed_before_last_change(types, at)
    qualifies = nw.when(known & late).then(start).when(known).then(stage)
    qualifies = qualifies.otherwise(nw.lit(None, dtype=nw.String()))
    return frame.with_columns(qualifies.alias(_QUALIFIES), start.alias(_STAGE))


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
