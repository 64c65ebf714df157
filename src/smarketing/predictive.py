"""A learned lead score as plain data: per-field shapes that add up to the log-odds.

A :class:`PredictiveModel` is what ``smarketing.predict.LeadScorer`` learns, but it needs
nothing from there: it is frozen data (bins, levels and their contributions) that the pure
core applies with a few dictionary and ``bisect`` look-ups per field, so a CRM can score a lead
on every request without numpy. Every prediction is a sum a person can read: the base
log-odds plus one contribution per field (and per chosen pair of fields).

>>> import smarketing as sm
>>> model = sm.PredictiveModel(
...     base=-2.0,
...     shapes=[
...         sm.Shape(sm.Bins("company_size", edges=(50, 200)), scores=(0.0, -0.1, -0.5, 0.2, 0.9)),
...         sm.Shape(sm.Bins("industry", levels=("saas", "retail")), scores=(0.0, 0.0, 0.7, -0.4)),
...     ],
... )
>>> p = model.predict({"company_size": 250, "industry": "saas"})
>>> p.contributions
{'company_size': 0.9, 'industry': 0.7}
>>> round(p.probability, 4), p.grade
(0.4013, 'B')
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from smarketing import _convert
from smarketing import _validate as _v
from smarketing._convert import RAW
from smarketing.errors import SmarketingError
from smarketing.leads import Activity, Lead

__all__ = [
    "DEFAULT_PREDICTIVE_GRADES",
    "MISSING",
    "OTHER",
    "Bins",
    "Pair",
    "Prediction",
    "PredictiveModel",
    "Shape",
    "facts_at",
]

#: The index every :class:`Bins` gives an unknown value (absent, ``None`` or NaN).
MISSING: Final = 0
#: The index of a value no bin or level takes: a rare level pooled at training, an unseen one,
#: or a value of the wrong type (text for a number field).
OTHER: Final = 1

#: Probability thresholds for ``predictive_grade`` when a model names none.
DEFAULT_PREDICTIVE_GRADES: Final[Mapping[str, float]] = MappingProxyType(
    {"A": 0.5, "B": 0.25, "C": 0.1, "D": 0.0}
)

Kind = Literal["number", "category"]


def _reject(
    where: str, value: object, expected: str, *, error: _v.ErrorKind = _v.definition
) -> SmarketingError:
    """A model built with a bad part is a bad definition (``ConfigError``); a bad input to
    ``predict`` is bad runtime input (``error=_v.runtime``)."""
    return error(
        f"{where} must be {expected} (got {value!r}).", value=value, where=where, expected=expected
    )


def _finite(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _reject(where, value, "a finite number")
    return float(value)


def _numbers(value: Iterable[object]) -> tuple[float, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _reject("a list of numbers", value, "a list")
    return tuple(_finite(v, f"item {i}") for i, v in enumerate(value))


def _texts(value: Iterable[object]) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _reject("levels", value, "a list of text")
    out = tuple(value)
    for i, v in enumerate(out):
        if not isinstance(v, str):
            raise _reject(f"levels[{i}]", v, "text")
    return out  # type: ignore[return-value]


def level_of(value: object) -> str:
    """The text a category value is known by in :attr:`Bins.levels` (booleans as ``true``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_missing(value: object) -> bool:
    """``None`` and NaN are unknown values, as an absent fact is."""
    return value is None or (isinstance(value, float) and value != value)


@attrs.frozen
class Bins:
    """How one field's values map to slots: number bins cut at ``edges``, or category ``levels``.

    A field with ``levels`` is a category field, otherwise a number field. Slot
    :data:`MISSING` (0) takes unknown values, :data:`OTHER` (1) values no bin or level takes;
    a number ``x`` falls in slot ``2 + bisect_right(edges, x)`` (so ``len(edges) + 1`` bins)
    and a level in slot ``2 + levels.index(level)``.
    """

    field: str = attrs.field()
    edges: tuple[float, ...] = attrs.field(default=(), converter=_numbers)
    levels: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    _index: Mapping[str, int] = attrs.field(init=False, eq=False, repr=False)

    @_index.default
    def _index_levels(self) -> Mapping[str, int]:
        return MappingProxyType({level: i + 2 for i, level in enumerate(self.levels)})

    @field.validator
    def _check_field(self, _attribute: object, field: object) -> None:
        if not isinstance(field, str) or not field:
            raise _reject("Bins.field", field, "a field name (non-empty text)")

    @edges.validator
    def _check_edges(self, _attribute: object, edges: tuple[float, ...]) -> None:
        where = f"Bins({self.field!r})"
        if edges and self.levels:
            msg = f"{where}: give edges (a number field) or levels (a category field), not both."
            raise _v.definition(msg, value=self, where=where, expected="edges or levels")
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise _reject(f"{where}.edges", edges, "strictly increasing numbers")

    @levels.validator
    def _check_levels(self, _attribute: object, levels: tuple[str, ...]) -> None:
        if len(set(levels)) != len(levels):
            raise _reject(f"Bins({self.field!r}).levels", levels, "distinct levels")

    @property
    def kind(self) -> Kind:
        """``"category"`` when the field has levels, else ``"number"``."""
        return "category" if self.levels else "number"

    @property
    def size(self) -> int:
        """How many slots: missing, other, then the bins or levels."""
        return 2 + (len(self.levels) if self.levels else len(self.edges) + 1)

    def slot(self, value: object) -> int:
        """The slot ``value`` falls in."""
        if value is None or value != value:  # None or NaN
            return MISSING
        if self.levels:
            return self._index.get(level_of(value), OTHER)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return OTHER
        return 2 + bisect_right(self.edges, value)

    def label(self, slot: int) -> str:
        """A slot's readable name: ``missing``, ``other``, a level, or a range (``[50, 200)``)."""
        if slot == MISSING:
            return "missing"
        if slot == OTHER:
            return "other"
        if self.levels:
            return self.levels[slot - 2]
        i = slot - 2
        low = f"{self.edges[i - 1]:g}" if i > 0 else "-inf"
        high = f"{self.edges[i]:g}" if i < len(self.edges) else "inf"
        return f"[{low}, {high})"


def _scores(value: Iterable[object]) -> tuple[float, ...]:
    return _numbers(value)


@attrs.frozen
class Shape:
    """One field's learned shape: a contribution to the log-odds for each slot of ``bins``."""

    bins: Bins = attrs.field()
    scores: tuple[float, ...] = attrs.field(converter=_scores)

    @bins.validator
    def _check_bins(self, _attribute: object, bins: object) -> None:
        if not isinstance(bins, Bins):
            raise _reject("Shape.bins", bins, "a Bins")

    @scores.validator
    def _check_scores(self, _attribute: object, scores: tuple[float, ...]) -> None:
        if len(scores) != self.bins.size:
            where = f"Shape({self.bins.field!r}).scores"
            raise _reject(where, len(scores), f"{self.bins.size} scores, one per slot")

    @property
    def name(self) -> str:
        """The contribution's name: the field's."""
        return self.bins.field


def _check_side(arg: str, value: object) -> None:
    if not isinstance(value, Bins):
        raise _reject(f"Pair.{arg}", value, "a Bins")


@attrs.frozen
class Pair:
    """A learned pairwise term: a contribution for each pair of slots of two fields.

    ``scores`` is the table row by row: slot ``i`` of ``left`` and ``j`` of ``right`` is at
    ``i * right.size + j``.
    """

    left: Bins = attrs.field(validator=lambda _s, _a, v: _check_side("left", v))
    right: Bins = attrs.field(validator=lambda _s, _a, v: _check_side("right", v))
    scores: tuple[float, ...] = attrs.field(converter=_scores)

    @right.validator
    def _check_fields(self, _attribute: object, right: Bins) -> None:
        if self.left.field == right.field:
            raise _reject("Pair.right", right.field, "a field other than the left one")

    @scores.validator
    def _check_scores(self, _attribute: object, scores: tuple[float, ...]) -> None:
        size = self.left.size * self.right.size
        if len(scores) != size:
            raise _reject(f"Pair({self.name!r}).scores", len(scores), f"{size} scores")

    @property
    def name(self) -> str:
        """The contribution's name: ``"left x right"``."""
        return f"{self.left.field} x {self.right.field}"


def _shapes(value: Iterable[Shape]) -> tuple[Shape, ...]:
    return _listed(value, Shape, "shapes")


def _pairs(value: Iterable[Pair]) -> tuple[Pair, ...]:
    return _listed(value, Pair, "pairs")


def _listed(value: object, cls: type[Any], arg: str) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _reject(f"PredictiveModel.{arg}", value, f"a list of {cls.__name__}")
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            raise _reject(f"PredictiveModel.{arg}[{i}]", item, f"a {cls.__name__}")
    return items


def _grades(value: Mapping[str, float]) -> Mapping[str, float]:
    if not isinstance(value, Mapping) or not value:
        raise _reject("PredictiveModel.grades", value, "a mapping of grade to probability")
    out: dict[str, float] = {}
    for grade, threshold in value.items():
        if not isinstance(grade, str) or not grade:
            raise _reject("PredictiveModel.grades", grade, "a grade name")
        t = _finite(threshold, f"PredictiveModel.grades[{grade!r}]")
        if not 0.0 <= t <= 1.0:
            raise _reject(f"PredictiveModel.grades[{grade!r}]", threshold, "between 0 and 1")
        out[grade] = t
    if len(set(out.values())) != len(out):
        raise _reject("PredictiveModel.grades", dict(value), "a distinct threshold per grade")
    return MappingProxyType(out)


@attrs.frozen
class Prediction:
    """A learned score for one lead: ``probability``, and why.

    ``contributions`` maps each field (and pair, ``"a x b"``) to what it added to the
    log-odds; with ``base`` they sum to :attr:`log_odds`. ``grade`` is the model's
    ``predictive_grade`` for the probability.
    """

    probability: float
    contributions: Mapping[str, float]
    base: float
    grade: str = "D"

    @property
    def log_odds(self) -> float:
        """``base`` plus every contribution."""
        return self.base + math.fsum(self.contributions.values())

    def facts(self) -> dict[str, object]:
        """``probability`` and ``predictive_grade``: the facts MQL definitions may read."""
        return {"probability": self.probability, "predictive_grade": self.grade}

    def explain(self) -> str:
        """The probability and grade, then the contributions, largest first."""
        lines = [
            f"probability {self.probability:.3f}, predictive grade {self.grade} "
            f"(log-odds {self.log_odds:+.3f} = base {self.base:+.3f} + contributions)"
        ]
        ranked = sorted(self.contributions.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        lines += [f"  {points:+.3f}  {name}" for name, points in ranked]
        return "\n".join(lines)


def facts_at(lead: Lead, activities: Iterable[Activity], at: datetime) -> dict[str, object]:
    """What a learned score reads about a lead at ``at``: the fields learned by then, its
    ``source``, and ``<kind>_count``, the number of its activities of each kind by then.

    Training sets (``smarketing.predict.training_set``) and playbooks build a model's facts
    with this one function, so a model sees in use what it saw in training.
    """
    facts: dict[str, object] = {
        name: fv.value for name, fv in lead.fields.items() if fv.learned_at <= at
    }
    if lead.source is not None:
        facts["source"] = lead.source
    for activity in activities:
        if activity.lead_id == lead.id and activity.at <= at:
            key = f"{activity.kind}_count"
            facts[key] = int(facts.get(key, 0)) + 1  # type: ignore[call-overload]
    return facts


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _base(value: object) -> float:
    return _finite(value, "PredictiveModel.base")


@attrs.frozen
class PredictiveModel:
    """A fitted learned score: ``base`` log-odds plus one :class:`Shape` per field and any
    :class:`Pair` terms; ``grades`` turns the probability into ``predictive_grade`` (the
    highest grade whose threshold the probability reaches).

    ``kind`` records how it was learned (``"additive"`` or ``"naive_bayes"``); it does not
    change how it is applied.
    """

    base: float = attrs.field(converter=_base)
    shapes: tuple[Shape, ...] = attrs.field(default=(), converter=_shapes)
    pairs: tuple[Pair, ...] = attrs.field(default=(), converter=_pairs)
    grades: Mapping[str, float] = attrs.field(
        default=DEFAULT_PREDICTIVE_GRADES, converter=_grades, hash=False
    )
    kind: str = "additive"
    _table: tuple[Any, ...] = attrs.field(init=False, eq=False, repr=False)
    _thresholds: tuple[tuple[float, str], ...] = attrs.field(init=False, eq=False, repr=False)

    @_table.default
    def _compile(self) -> tuple[Any, ...]:
        # Once: per field its name, edges or level index, scores; then the pairs.
        mains = tuple(
            (s.name, s.bins._index if s.bins.levels else None, s.bins.edges, s.scores)
            for s in self.shapes
        )
        pairs = tuple(
            (p.name, p.left.field, p.left.slot, p.right.field, p.right.slot, p.right.size, p.scores)
            for p in self.pairs
        )
        return (mains, pairs)

    @_thresholds.default
    def _rank_grades(self) -> tuple[tuple[float, str], ...]:
        return tuple(sorted(((t, g) for g, t in self.grades.items()), reverse=True))

    @shapes.validator
    def _check_shapes(self, _attribute: object, shapes: tuple[Shape, ...]) -> None:
        names = [s.name for s in shapes]
        if len(set(names)) != len(names):
            raise _reject("PredictiveModel.shapes", names, "one shape per field")

    @property
    def fields(self) -> frozenset[str]:
        """The facts the model reads."""
        return frozenset(
            [s.name for s in self.shapes] + [b.field for p in self.pairs for b in (p.left, p.right)]
        )

    def grade(self, probability: float) -> str:
        """The ``predictive_grade`` of a probability."""
        for threshold, grade in self._thresholds:
            if probability >= threshold:
                return grade
        return self._thresholds[-1][1]

    def predict(self, lead_or_facts: Lead | Mapping[str, object]) -> Prediction:
        """The :class:`Prediction` for a lead (its fields) or a mapping of facts.

        Absent facts, ``None`` and NaN are unknown; a value no bin or level takes counts as
        "other".
        """
        if isinstance(lead_or_facts, Lead):
            facts: Mapping[str, object] = {k: fv.value for k, fv in lead_or_facts.fields.items()}
        elif isinstance(lead_or_facts, Mapping):
            facts = lead_or_facts
        else:
            raise _reject(
                "PredictiveModel.predict()", lead_or_facts, "a Lead or a mapping", error=_v.runtime
            )
        mains, pairs = self._table
        contributions: dict[str, float] = {}
        get = facts.get
        z = self.base
        for name, index, edges, scores in mains:
            value = get(name)
            if value is None or value != value:
                points = scores[0]
            elif index is not None:
                points = scores[index.get(value if type(value) is str else level_of(value), 1)]
            elif isinstance(value, int | float) and type(value) is not bool:
                points = scores[2 + bisect_right(edges, value)]
            else:
                points = scores[1]
            contributions[name] = points
            z += points
        for name, left, left_slot, right, right_slot, width, scores in pairs:
            points = scores[left_slot(get(left)) * width + right_slot(get(right))]
            contributions[name] = points
            z += points
        probability = _sigmoid(z)
        return Prediction(probability, contributions, self.base, self.grade(probability))


@_convert.shapes(Bins, Shape, Pair, Prediction, PredictiveModel)
def _as_data(conv: cattrs.Converter) -> None:
    # Numbers reach the classes as they are in the data (RAW), so that "0.3" is reported.
    conv.register_structure_hook(Bins, make_dict_structure_fn(Bins, conv, edges=RAW, levels=RAW))
    conv.register_structure_hook(Shape, make_dict_structure_fn(Shape, conv, scores=RAW))
    conv.register_structure_hook(Pair, make_dict_structure_fn(Pair, conv, scores=RAW))
    conv.register_structure_hook(
        Prediction,
        make_dict_structure_fn(Prediction, conv, probability=RAW, contributions=RAW, base=RAW),
    )
    conv.register_structure_hook(
        PredictiveModel, make_dict_structure_fn(PredictiveModel, conv, base=RAW, grades=RAW)
    )
