"""The additive model: cyclic boosting of one shape per field (and pairwise terms)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from smarketing.predict._inputs import Floats, Ints
from smarketing.predict._naive_bayes import _graded
from smarketing.predict._terms import _binned, _log_loss, _sigmoid
from smarketing.predictive import Bins, Pair, PredictiveModel, Shape

if TYPE_CHECKING:
    from smarketing.predict._scorer import LeadScorer


class _Booster:
    def __init__(self, params: LeadScorer) -> None:
        self.p = params

    def fit(
        self, names: list[str], columns: list[list[object]], kinds: Sequence[str], y: Ints
    ) -> PredictiveModel:
        p = self.p
        bins, slots = _binned(names, columns, kinds, p.max_bins, p.min_level_count, p.max_levels)
        sizes = [b.size for b in bins]
        rng = np.random.default_rng(p.random_state)
        splits = [_split(y, p.validation_fraction, rng) for _ in range(p.bags)]
        bags = [self._mains(slots, sizes, y, tr, va) for tr, va in splits]
        base = float(np.mean([b[0] for b in bags]))
        mains = [np.mean([b[1][j] for b in bags], axis=0) for j in range(len(bins))]
        pairs: list[Pair] = []
        if p.interactions and len(bins) > 1:
            pairs = self._pairs(names, columns, kinds, bins, slots, base, mains, y, splits, bags)
        # Centre each shape on the training rows, moving its mean into the base.
        for j in range(len(bins)):
            mean = float(mains[j][slots[j]].mean())
            mains[j] = mains[j] - mean
            base += mean
        shapes = [Shape(b, tuple(m.tolist())) for b, m in zip(bins, mains, strict=True)]
        model = PredictiveModel(base=base, shapes=shapes, pairs=pairs, kind="additive")
        return _graded(model, names, columns)

    def _boost(
        self,
        slots: list[Ints],
        sizes: list[int],
        y: Ints,
        tr: Ints,
        va: Ints,
        f_tr: Floats,
        f_va: Floats,
    ) -> tuple[list[Floats], Floats, Floats]:
        """Cyclic Newton steps on each term's table; returns the tables at the best round."""
        p = self.p
        s_tr = [s[tr] for s in slots]
        s_va = [s[va] for s in slots]
        y_tr = y[tr].astype(float)
        y_va = y[va]
        tables = [np.zeros(n) for n in sizes]
        best = (_log_loss(y_va, f_va), [t.copy() for t in tables], f_tr.copy(), f_va.copy())
        since = 0
        for _ in range(p.max_rounds):
            for j, size in enumerate(sizes):
                prob = _sigmoid(f_tr)
                grad = np.bincount(s_tr[j], weights=y_tr - prob, minlength=size)
                hess = np.bincount(s_tr[j], weights=prob * (1.0 - prob), minlength=size)
                step = p.learning_rate * grad / (hess + p.l2)
                tables[j] += step
                f_tr += step[s_tr[j]]
                f_va += step[s_va[j]]
            loss = _log_loss(y_va, f_va)
            if loss < best[0] - 1e-7:
                best = (loss, [t.copy() for t in tables], f_tr.copy(), f_va.copy())
                since = 0
            else:
                since += 1
                if since >= p.early_stopping_rounds:
                    break
        return best[1], best[2], best[3]

    def _mains(
        self, slots: list[Ints], sizes: list[int], y: Ints, tr: Ints, va: Ints
    ) -> tuple[float, list[Floats], Floats, Floats]:
        rate = float(np.clip(y[tr].mean(), 1e-6, 1 - 1e-6))
        base = math.log(rate / (1 - rate))
        f_tr = np.full(len(tr), base)
        f_va = np.full(len(va), base)
        tables, f_tr, f_va = self._boost(slots, sizes, y, tr, va, f_tr, f_va)
        return base, tables, f_tr, f_va

    def _pairs(
        self,
        names: list[str],
        columns: list[list[object]],
        kinds: Sequence[str],
        bins: list[Bins],
        slots: list[Ints],
        base: float,
        mains: list[Floats],
        y: Ints,
        splits: list[tuple[Ints, Ints]],
        bags: list[tuple[float, list[Floats], Floats, Floats]],
    ) -> list[Pair]:
        p = self.p
        n_bins, min_count = p.interaction_bins, p.min_level_count
        coarse, cslots = _binned(names, columns, kinds, n_bins, min_count, n_bins)
        f = base + sum(m[s] for m, s in zip(mains, slots, strict=True))
        prob = _sigmoid(np.asarray(f, dtype=float))
        grad, hess = y - prob, prob * (1 - prob)
        gains = []
        for a in range(len(bins)):
            for b in range(a + 1, len(bins)):
                cell = cslots[a] * coarse[b].size + cslots[b]
                size = coarse[a].size * coarse[b].size
                g = np.bincount(cell, weights=grad, minlength=size)
                h = np.bincount(cell, weights=hess, minlength=size)
                gains.append((float(np.sum(g * g / (h + p.l2))), a, b))
        gains.sort(key=lambda t: (-t[0], t[1], t[2]))
        chosen = [(a, b) for _, a, b in gains[: p.interactions]]
        pair_slots = [cslots[a] * coarse[b].size + cslots[b] for a, b in chosen]
        pair_sizes = [coarse[a].size * coarse[b].size for a, b in chosen]
        tables = []
        for (tr, va), (_, _, f_tr, f_va) in zip(splits, bags, strict=True):
            t, _, _ = self._boost(pair_slots, pair_sizes, y, tr, va, f_tr.copy(), f_va.copy())
            tables.append(t)
        out = []
        for k, (a, b) in enumerate(chosen):
            table = np.mean([t[k] for t in tables], axis=0)
            table = table - float(table[pair_slots[k]].mean())
            out.append(Pair(coarse[a], coarse[b], tuple(table.tolist())))
        return out


def _split(y: Ints, fraction: float, rng: np.random.Generator) -> tuple[Ints, Ints]:
    """A stratified train/validation split; the validation part has each class when it can."""
    train, valid = [], []
    for label in (0, 1):
        rows = np.flatnonzero(y == label)
        rng.shuffle(rows)
        n_valid = round(fraction * len(rows))
        n_valid = min(max(n_valid, 1), len(rows) - 1) if len(rows) > 1 else 0
        valid.append(rows[:n_valid])
        train.append(rows[n_valid:])
    train_rows, valid_rows = np.sort(np.concatenate(train)), np.sort(np.concatenate(valid))
    if len(valid_rows) == 0:  # too few rows to hold any out: stop on the training loss
        return train_rows, train_rows
    return train_rows, valid_rows
