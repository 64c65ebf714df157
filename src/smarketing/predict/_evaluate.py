"""Evaluating a learned score: ROC AUC, calibration, lift, per-grade rates, cross-validation,
and the fields that give the outcome away.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from smarketing.errors import ValidationError
from smarketing.predict._inputs import Floats, Ints, _columns, _height, _kind, _labels, _rows
from smarketing.predict._scorer import LeadScorer
from smarketing.predict._terms import _binned


def roc_auc(y: Any, scores: Any) -> float:
    """The area under the ROC curve: the chance a converted lead outscores one that did not
    (ties count half)."""
    target = np.asarray(y, dtype=float)
    values = np.asarray(scores, dtype=float)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    # average ranks over ties
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    for s, e in zip(starts, ends, strict=True):
        ranks[order[s:e]] = (s + e + 1) / 2.0
    positives = float(target.sum())
    negatives = len(target) - positives
    if positives == 0 or negatives == 0:
        msg = "ROC AUC needs both outcomes among the rows scored."
        raise ValidationError(msg, value=positives, where="y", expected="two classes")
    return float(
        (ranks[target == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


@attrs.frozen
class Decile:
    """One tenth of the leads, best scored first: conversion, lift over the average, and the
    cumulative share of all conversions (gain) down to it."""

    decile: int
    leads: int
    conversions: int
    rate: float
    lift: float
    gain: float


@attrs.frozen
class CalibrationBin:
    """Leads whose predicted probability fell in ``[low, high)``: mean predicted vs observed."""

    low: float
    high: float
    leads: int
    predicted: float
    observed: float


@attrs.frozen
class GradeRow:
    """Conversion among the leads of one ``predictive_grade`` (or hand-set grade)."""

    grade: str
    leads: int
    conversions: int
    rate: float


@attrs.frozen
class Evaluation:
    """How good a score is on held-out leads.

    ``auc``, ``brier`` and ``log_loss`` are means over the test folds (``auc_std`` the spread
    of the AUC); ``lift``, ``calibration`` and ``by_grade`` are over the pooled held-out
    predictions. ``brier``, ``log_loss`` and ``calibration`` are ``None``/empty for a score
    that is not a probability (a hand-set points score).
    """

    auc: float
    auc_std: float
    brier: float | None
    log_loss: float | None
    lift: tuple[Decile, ...]
    calibration: tuple[CalibrationBin, ...]
    by_grade: tuple[GradeRow, ...]
    folds: int
    leads: int
    split: str = "stratified"

    @classmethod
    def from_scores(
        cls,
        y: Any,
        scores: Any,
        *,
        grades: Sequence[str] | None = None,
        probabilities: bool = False,
    ) -> Evaluation:
        """The evaluation of given scores against outcomes ``y`` (one fold, no training)."""
        target = np.asarray(y, dtype=np.intp)
        values = np.asarray(scores, dtype=float)
        auc = roc_auc(target, values)
        brier = loss = None
        if probabilities:
            brier = float(np.mean((values - target) ** 2))
            clipped = np.clip(values, 1e-15, 1 - 1e-15)
            loss = float(-np.mean(target * np.log(clipped) + (1 - target) * np.log(1 - clipped)))
        return _summary(target, values, grades, [(auc, brier, loss)], "scores", probabilities)

    def to_markdown(self) -> str:
        """The evaluation as Markdown tables."""
        head = f"**ROC AUC {self.auc:.3f}** (± {self.auc_std:.3f} over {self.folds} "
        head += f"{'fold' if self.folds == 1 else 'folds'}, {self.split} split, {self.leads} leads)"
        if self.brier is not None and self.log_loss is not None:
            head += f", Brier {self.brier:.4f}, log loss {self.log_loss:.4f}"
        lines = [
            head,
            "",
            "| decile | leads | conversions | rate | lift | gain |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {d.decile} | {d.leads} | {d.conversions} | {d.rate:.1%} | {d.lift:.2f} | "
            f"{d.gain:.1%} |"
            for d in self.lift
        ]
        if self.calibration:
            lines += [
                "",
                "| predicted | leads | mean predicted | observed |",
                "|---|---:|---:|---:|",
            ]
            lines += [
                f"| {c.low:.1f} to {c.high:.1f} | {c.leads} | {c.predicted:.3f} | "
                f"{c.observed:.3f} |"
                for c in self.calibration
            ]
        if self.by_grade:
            lines += ["", "| grade | leads | conversions | rate |", "|---|---:|---:|---:|"]
            lines += [
                f"| {g.grade} | {g.leads} | {g.conversions} | {g.rate:.1%} |" for g in self.by_grade
            ]
        return "\n".join(lines) + "\n"


def _summary(
    y: Ints,
    p: Floats,
    grades: Sequence[str] | None,
    folds: Sequence[tuple[float, float | None, float | None]],
    split: str,
    probabilities: bool,
) -> Evaluation:
    overall = float(y.mean())
    order = np.argsort(-p, kind="mergesort")
    total = int(y.sum())
    deciles, seen = [], 0
    for i, rows in enumerate(np.array_split(order, min(10, len(order))), start=1):
        conversions = int(y[rows].sum())
        seen += conversions
        rate = conversions / len(rows)
        lift = rate / overall if overall else 0.0
        deciles.append(
            Decile(i, len(rows), conversions, rate, lift, seen / total if total else 0.0)
        )
    calibration = []
    if probabilities:
        which = np.minimum((p * 10).astype(int), 9)
        for b in range(10):
            rows = np.flatnonzero(which == b)
            if len(rows):
                calibration.append(
                    CalibrationBin(
                        b / 10,
                        (b + 1) / 10,
                        len(rows),
                        float(p[rows].mean()),
                        float(y[rows].mean()),
                    )
                )
    by_grade = []
    if grades is not None:
        labels = np.asarray(list(grades), dtype=object)
        for grade in sorted(set(labels.tolist())):
            rows = np.flatnonzero(labels == grade)
            conversions = int(y[rows].sum())
            by_grade.append(GradeRow(grade, len(rows), conversions, conversions / len(rows)))
    aucs = [f[0] for f in folds]
    briers = [f[1] for f in folds if f[1] is not None]
    losses = [f[2] for f in folds if f[2] is not None]
    return Evaluation(
        auc=float(np.mean(aucs)),
        auc_std=float(np.std(aucs)),
        brier=float(np.mean(briers)) if briers else None,
        log_loss=float(np.mean(losses)) if losses else None,
        lift=tuple(deciles),
        calibration=tuple(calibration),
        by_grade=tuple(by_grade),
        folds=len(folds),
        leads=len(y),
        split=split,
    )


def stratified_folds(y: Any, folds: int, *, random_state: int | None = 0) -> list[Ints]:
    """Each row's test fold, keeping the share of conversions alike in every fold."""
    target = np.asarray(y)
    rng = np.random.default_rng(random_state)
    fold_of = np.empty(len(target), dtype=np.intp)
    offset = 0
    for label in np.unique(target):
        rows = np.flatnonzero(target == label)
        rng.shuffle(rows)
        fold_of[rows] = (np.arange(len(rows)) + offset) % folds
        offset += len(rows)
    return [np.flatnonzero(fold_of == k) for k in range(folds)]


def evaluate(
    scorer: LeadScorer,
    X: Any,
    y: Any,
    *,
    folds: int = 5,
    random_state: int | None = 0,
    order: Sequence[Any] | None = None,
    test_size: float = 0.2,
) -> Evaluation:
    """Cross-validate ``scorer`` on ``X``, ``y``: a fresh copy is fitted on each training part
    and scored on the held-out part.

    By default the split is a stratified ``folds``-fold one. Give ``order`` (one sortable
    time per row, e.g. ``TrainingSet.at``) for a time-ordered split instead: train on the
    oldest leads, test on the newest ``test_size`` share, as the score will be used.

    A field known only after the outcome (a call's duration, a "lost reason") makes the AUC
    look far better than the score can be in use: see :func:`training_set`.
    """
    names, columns, _ = _columns(X)
    n_rows = len(columns[0]) if columns else _height(X)
    if n_rows == 0:
        raise ValidationError("X is empty (0 rows).", value=X, where="X", expected="rows")
    _, target = _labels(y, n_rows)
    if order is not None:
        if len(order) != n_rows:
            msg = f"order has {len(order)} times but X has {n_rows} rows."
            raise ValidationError(msg, value=order, where="order", expected=f"{n_rows} times")
        ranked = np.array(sorted(range(n_rows), key=lambda i: order[i]), dtype=np.intp)
        cut = n_rows - max(1, round(test_size * n_rows))
        tests, split = [ranked[cut:]], "time-ordered"
    else:
        if not isinstance(folds, int) or folds < 2:
            msg = f"folds must be a whole number of at least 2 (got {folds!r})."
            raise ValidationError(msg, value=folds, where="folds", expected="2 or more")
        tests, split = stratified_folds(target, folds, random_state=random_state), "stratified"
    p = np.empty(n_rows)
    grades: list[str] = [""] * n_rows
    per_fold = []
    for test in tests:
        train = np.setdiff1d(np.arange(n_rows), test)
        fitted = type(scorer)(**scorer.get_params()).fit(
            _rows(names, columns, train), target[train]
        )
        part = fitted.predict_proba(_rows(names, columns, test))[:, 1]
        p[test] = part
        for i, value in zip(test.tolist(), part.tolist(), strict=True):
            grades[i] = fitted.model_.grade(value)
        yt = target[test]
        clipped = np.clip(part, 1e-15, 1 - 1e-15)
        per_fold.append(
            (
                roc_auc(yt, part),
                float(np.mean((part - yt) ** 2)),
                float(-np.mean(yt * np.log(clipped) + (1 - yt) * np.log(1 - clipped))),
            )
        )
    scored = np.concatenate(tests)
    return _summary(
        target[scored], p[scored], [grades[i] for i in scored.tolist()], per_fold, split, True
    )


def leak_suspects(X: Any, y: Any, *, threshold: float = 0.95) -> dict[str, float]:
    """Fields that alone rank the outcome almost perfectly, best first: usually facts
    recorded because of the outcome (a budget asked in the sales call, a "lost reason").

    A field's score is the conversion rate of its slot (its quantile bin or level, levels
    seen fewer than 10 times pooled, unknown as its own slot), so a unique value such as an
    e-mail address does not look predictive; it is a suspect when that score's ROC AUC is
    at least ``threshold``.
    """
    names, columns, _ = _columns(X)
    _, target = _labels(y, len(columns[0]) if columns else _height(X))
    out: dict[str, float] = {}
    for name, values in zip(names, columns, strict=True):
        (bins,), (slots,) = _binned([name], [values], [_kind(name, values)], 32, 10, 64)
        counts = np.bincount(slots, minlength=bins.size)
        rates = np.bincount(slots, weights=target, minlength=bins.size) / np.maximum(counts, 1)
        auc = roc_auc(target, rates[slots])
        if auc >= threshold:
            out[name] = auc
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
