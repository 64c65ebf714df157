"""From raw columns to a model's terms: bins and slots, each row's terms, the logistic link."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from smarketing.predict._inputs import _NUMBER_TYPES, Floats, Ints, _is_number
from smarketing.predictive import Bins, PredictiveModel, is_missing, level_of


def _number_bins(name: str, values: list[object], max_bins: int) -> Bins:
    known = np.array([v for v in values if not is_missing(v)], dtype=float)
    unique = np.unique(known)
    if len(unique) <= max_bins:
        edges = unique[1:]
    else:
        cuts = np.quantile(known, np.linspace(0, 1, max_bins + 1)[1:-1], method="lower")
        edges = np.unique(cuts[cuts > unique[0]])
    return Bins(name, edges=tuple(float(e) for e in edges))


def _category_bins(name: str, values: list[object], min_count: int, max_levels: int) -> Bins:
    counts: dict[str, int] = {}
    for value, count in Counter(values).items():
        if not is_missing(value):
            level = level_of(value.item() if isinstance(value, np.generic) else value)
            counts[level] = counts.get(level, 0) + count
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Bins(name, levels=tuple(k for k, c in ranked[:max_levels] if c >= min_count))


def _slots(bins: Bins, values: list[object]) -> Ints:
    """Every value's slot, exactly as :meth:`Bins.slot` puts it (vectorised where it can be)."""
    if bins.levels:
        index = {level: i + 2 for i, level in enumerate(bins.levels)}
        # Text is looked up directly; anything else (unknowns, booleans, numbers) the slow way.
        out = [index.get(v, -1) if type(v) is str else -1 for v in values]
        for i in [i for i, s in enumerate(out) if s == -1]:
            v = values[i]
            out[i] = (
                0
                if is_missing(v)
                else index.get(level_of(v.item() if isinstance(v, np.generic) else v), 1)
            )
        return np.array(out, dtype=np.intp)
    edges = np.array(bins.edges, dtype=float)
    if set(map(type, values)) <= _NUMBER_TYPES:
        numbers = np.array(values, dtype=float)
        slots = 2 + np.searchsorted(edges, numbers, side="right")
        slots[np.isnan(numbers)] = 0
        return slots.astype(np.intp)
    numbers = np.array([float(v) if _is_number(v) else np.nan for v in values], dtype=float)  # type: ignore[arg-type]
    slots = 2 + np.searchsorted(edges, numbers, side="right")
    slots[np.isnan(numbers)] = 1
    slots[np.array([is_missing(v) for v in values], dtype=bool)] = 0
    return slots.astype(np.intp)


def _binned(
    names: Sequence[str],
    columns: Sequence[list[object]],
    kinds: Sequence[str],
    max_bins: int,
    min_count: int,
    max_levels: int,
) -> tuple[list[Bins], list[Ints]]:
    """Each column's bins (quantile bins for numbers, frequent levels for categories) and
    every row's slot in them."""
    bins = [
        _number_bins(n, c, max_bins)
        if k == "number"
        else _category_bins(n, c, min_count, max_levels)
        for n, c, k in zip(names, columns, kinds, strict=True)
    ]
    return bins, [_slots(b, c) for b, c in zip(bins, columns, strict=True)]


def _sigmoid(z: Floats) -> Floats:
    # exp(-z) overflows to inf for z < -709, which gives the right limit, 0.
    with np.errstate(over="ignore"):
        out: Floats = 1.0 / (1.0 + np.exp(-z))
    return out


def _log_loss(y: Ints, z: Floats) -> float:
    # log(1 + e^z) - y z, computed stably
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _apply(model: PredictiveModel, by_name: Mapping[str, list[object]], n_rows: int) -> Floats:
    nothing: list[object] = [None] * n_rows
    out = np.zeros((n_rows, len(model.shapes) + len(model.pairs)))
    for j, shape in enumerate(model.shapes):
        out[:, j] = np.array(shape.scores)[_slots(shape.bins, by_name.get(shape.name, nothing))]
    for k, pair in enumerate(model.pairs, start=len(model.shapes)):
        left = _slots(pair.left, by_name.get(pair.left.field, nothing))
        right = _slots(pair.right, by_name.get(pair.right.field, nothing))
        out[:, k] = np.array(pair.scores)[left * pair.right.size + right]
    return out
