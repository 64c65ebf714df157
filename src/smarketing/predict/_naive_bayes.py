"""The naive Bayes model of Odoo CRM's predictive lead scoring, and the grades of a fitted model."""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np

from smarketing.predict._inputs import Ints
from smarketing.predict._terms import _apply, _binned, _sigmoid
from smarketing.predictive import PredictiveModel, Shape


def _fit_naive_bayes(
    names: list[str], columns: list[list[object]], kinds: Sequence[str], y: Ints, max_bins: int
) -> PredictiveModel:
    won, lost = int(y.sum()), int(len(y) - y.sum())
    shapes = []
    # Every level seen is kept (Odoo pools none); numbers are binned by quantiles.
    for bins, slots in zip(*_binned(names, columns, kinds, max_bins, 1, 10**9), strict=True):
        # Odoo: each value's won and lost counts start at 0.1; the field's totals are their sums
        # over the values seen; unknown values (slot 0) count for nothing.
        w = np.bincount(slots, weights=y, minlength=bins.size)[2:] + 0.1
        lo = np.bincount(slots, weights=1 - y, minlength=bins.size)[2:] + 0.1
        seen = np.bincount(slots, minlength=bins.size)[2:] > 0
        scores = np.zeros(bins.size)
        scores[2:] = np.where(seen, np.log(w / w[seen].sum()) - np.log(lo / lo[seen].sum()), 0.0)
        shapes.append(Shape(bins, tuple(scores.tolist())))
    base = math.log(won / lost)
    return _graded(PredictiveModel(base=base, shapes=shapes, kind="naive_bayes"), names, columns)


def _graded(
    model: PredictiveModel, names: list[str], columns: list[list[object]]
) -> PredictiveModel:
    """The model with ``predictive_grade`` thresholds at the training set's quantiles.

    A: the top 10% of the training leads, B: the next 20%, C: the next 30%, D: the rest.
    """
    scorer_terms = _apply(model, dict(zip(names, columns, strict=True)), len(columns[0]))
    p = np.sort(_sigmoid(scorer_terms.sum(axis=1) + model.base))
    grades: dict[str, float] = {"D": 0.0}
    for grade, share in (("C", 0.4), ("B", 0.7), ("A", 0.9)):
        cut = float(p[min(len(p) - 1, int(share * len(p)))])
        if cut > max(grades.values()):
            grades[grade] = cut
    return attrs.evolve(model, grades=dict(sorted(grades.items())))
