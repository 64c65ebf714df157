"""Learned lead scores: train, explain and evaluate them, and check the hand-set rules.

``pip install "smarketing[predict]"`` (numpy). The fitted model, ``scorer.model_``, is a
:class:`~smarketing.PredictiveModel`: plain frozen data that the pure core applies without
numpy, that round-trips through :func:`~smarketing.to_dict` and that a playbook's
``predictive`` section carries.

>>> import random
>>> from smarketing.predict import LeadScorer
>>> rng = random.Random(0)
>>> X = [{"size": rng.randint(1, 500), "industry": rng.choice(["saas", "retail"])} for _ in range(400)]
>>> y = [int(rng.random() < (0.6 if x["industry"] == "saas" else 0.1)) for x in X]
>>> scorer = LeadScorer(random_state=0).fit(X, y)
>>> p = scorer.model_.predict({"size": 40, "industry": "saas"})
>>> p.contributions["industry"] > 0
True
"""

from __future__ import annotations

import inspect
import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt

from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, check_aware, group_by_lead
from smarketing.predictive import (
    DEFAULT_PREDICTIVE_GRADES,
    Bins,
    Pair,
    Prediction,
    PredictiveModel,
    Shape,
    is_missing,
    level_of,
)
from smarketing.scoring import ScoringModel

__all__ = [
    "DataConversionWarning",
    "Evaluation",
    "LeadScorer",
    "RuleAudit",
    "TrainingSet",
    "audit",
    "evaluate",
    "training_set",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


class DataConversionWarning(UserWarning):
    """``y`` was given as a column (n, 1) and read as a flat vector, as scikit-learn warns."""


# --- reading X and y ---------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)


def _columns(X: object, where: str = "X") -> tuple[list[str], list[list[object]], bool]:
    """Column names, each column's values, and whether the names are only positions.

    ``X`` is a DataFrame (pandas, Polars: anything with ``columns`` and ``to_dict``), a
    sequence of fact mappings (or leads), or a 2-D array.
    """
    if hasattr(X, "columns") and hasattr(X, "to_dict"):
        names = [str(c) for c in X.columns]
        module = type(X).__module__
        data = X.to_dict(as_series=False) if module.startswith("polars") else X.to_dict("list")
        return names, [list(data[c]) for c in X.columns], False
    if isinstance(X, Sequence) and not isinstance(X, str | bytes) and X and all(
        isinstance(row, Mapping | Lead) for row in X
    ):
        rows = [_row_facts(row) for row in X]
        order: dict[str, None] = {}
        for row in rows:
            order.update(dict.fromkeys(row))
        names = list(order)
        return names, [[row.get(n) for row in rows] for n in names], False
    try:
        array = np.asarray(X)
    except (TypeError, ValueError) as exc:
        msg = f"{where} must be a DataFrame, a list of fact mappings or a 2-D array ({exc})."
        raise ValidationError(msg, value=X, where=where, expected="a table") from None
    if array.ndim != 2:
        msg = (
            f"{where} must be 2-D: a DataFrame, a list of fact mappings or a 2-D array "
            f"(got an array of shape {array.shape}); reshape a single feature with "
            "X.reshape(-1, 1)."
        )
        raise ValidationError(msg, value=X, where=where, expected="a 2-D table")
    if array.dtype.kind == "c":
        msg = f"{where} holds complex numbers; a lead's facts are text or real numbers."
        raise ValidationError(msg, value=X, where=where, expected="real numbers or text")
    names = [f"x{i}" for i in range(array.shape[1])]
    return names, [array[:, i].tolist() for i in range(array.shape[1])], True


def _row_facts(row: Mapping[str, object] | Lead) -> Mapping[str, object]:
    if isinstance(row, Lead):
        return {k: fv.value for k, fv in row.fields.items()}
    return row


def _kind(name: str, values: list[object]) -> Literal["number", "category"]:
    """A column's kind, from its known values; text mixed with numbers is an error."""
    first_number = first_text = None
    for i, value in enumerate(values):
        if is_missing(value):
            continue
        if _is_number(value):
            if not math.isfinite(float(value)):  # type: ignore[arg-type]
                msg = f"column {name!r}, row {i}: {value!r} is not a finite number."
                raise ValidationError(msg, value=value, where=f"{name}[{i}]", expected="finite")
            first_number = i if first_number is None else first_number
        elif isinstance(value, str | bool | np.bool_):
            first_text = i if first_text is None else first_text
        else:
            msg = (
                f"column {name!r}, row {i}: {value!r} is neither text nor a number "
                "(argument must be a string or a number)."
            )
            raise ValidationError(msg, value=value, where=f"{name}[{i}]", expected="text")
    if first_number is not None and first_text is not None:
        msg = (
            f"column {name!r} mixes numbers (row {first_number}: {values[first_number]!r}) and "
            f"text (row {first_text}: {values[first_text]!r}); make it one type, or mark "
            "placeholders such as 'unknown' as missing."
        )
        raise ValidationError(msg, value=name, where=name, expected="one type per column")
    return "number" if first_text is None else "category"


def _labels(y: object, n_rows: int | None = None) -> tuple[npt.NDArray[Any], Ints]:
    """The two class labels, and y as 0/1 (the second label is the positive outcome)."""
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; it is read as one.",
            DataConversionWarning,
            stacklevel=3,
        )
        array = array.ravel()
    if array.ndim != 1:
        msg = f"y must be one outcome per row (got shape {array.shape})."
        raise ValidationError(msg, value=y, where="y", expected="a 1-D sequence of 0/1")
    if n_rows is not None and len(array) != n_rows:
        msg = f"y has {len(array)} outcomes but X has {n_rows} rows."
        raise ValidationError(msg, value=y, where="y", expected=f"{n_rows} outcomes")
    for i, value in enumerate(array.tolist()):
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            msg = f"y, row {i}: the outcome is {value!r}; every row needs a known 0/1 outcome."
            raise ValidationError(msg, value=value, where=f"y[{i}]", expected="0 or 1")
    if array.dtype.kind == "f" and np.any(array != np.round(array)):
        msg = "Unknown label type: y holds continuous values; an outcome is one of two labels."
        raise ValidationError(msg, value=y, where="y", expected="0 or 1")
    if array.dtype.kind == "O":
        kinds = {type(v) for v in array.tolist()}
        if len(kinds) > 1 or not kinds <= {str, int, bool}:
            msg = f"Unknown label type: y mixes {sorted(k.__name__ for k in kinds)}."
            raise ValidationError(msg, value=y, where="y", expected="0 or 1")
    classes, encoded = np.unique(array, return_inverse=True)
    if len(classes) < 2:
        shown = classes.tolist() if len(classes) else []
        msg = (
            f"y has {len(classes)} class ({shown}); a learned score needs both outcomes, "
            "leads that converted and leads that did not."
        )
        raise ValidationError(msg, value=shown, where="y", expected="two classes")
    if len(classes) > 2:
        msg = (
            f"y has {len(classes)} classes ({classes.tolist()[:5]}); a lead's outcome is "
            "binary (converted or not)."
        )
        raise ValidationError(msg, value=classes.tolist(), where="y", expected="two classes")
    return classes, encoded.astype(np.intp)


# --- bins and slots ----------------------------------------------------------------------------


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
    for value in values:
        if not is_missing(value):
            level = level_of(value.item() if isinstance(value, np.generic) else value)
            counts[level] = counts.get(level, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Bins(name, levels=tuple(k for k, c in ranked[:max_levels] if c >= min_count))


def _slots(bins: Bins, values: list[object]) -> Ints:
    """Every value's slot, exactly as :meth:`Bins.slot` puts it (vectorised for numbers)."""
    if bins.levels:
        index = {level: i + 2 for i, level in enumerate(bins.levels)}
        out = [
            0
            if is_missing(v)
            else index.get(level_of(v.item() if isinstance(v, np.generic) else v), 1)
            for v in values
        ]
        return np.array(out, dtype=np.intp)
    numbers = np.array([float(v) if _is_number(v) else np.nan for v in values], dtype=float)
    slots = 2 + np.searchsorted(np.array(bins.edges, dtype=float), numbers, side="right")
    missing = np.array([is_missing(v) for v in values], dtype=bool)
    slots[np.isnan(numbers)] = 1
    slots[missing] = 0
    return slots.astype(np.intp)


def _sigmoid(z: Floats) -> Floats:
    out: Floats = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def _log_loss(y: Ints, z: Floats) -> float:
    # log(1 + e^z) - y z, computed stably
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


# --- the estimator ----------------------------------------------------------------------------


class _Params:
    """``get_params``/``set_params`` read from ``__init__``'s signature, as scikit-learn's."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(p.name for p in signature.parameters.values() if p.name != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> _Params:
        """Change parameters; an unknown name is a ``ValidationError``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                msg = f"{type(self).__name__} has no parameter {name!r} (it has {valid})."
                raise ValidationError(msg, value=name, where="set_params", expected=str(valid))
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        signature = inspect.signature(type(self).__init__)
        changed = [
            f"{p.name}={getattr(self, p.name)!r}"
            for p in signature.parameters.values()
            if p.name != "self" and getattr(self, p.name) is not p.default
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


_KINDS: Final = ("additive", "naive_bayes")


class LeadScorer(_Params):
    """A learned lead score, as a scikit-learn classifier: ``fit``, ``predict_proba``, ``explain``.

    ``kind="additive"`` learns one shape per field (and ``interactions`` pairwise terms) by
    cyclic gradient boosting: numbers binned by quantiles (``max_bins``), category levels seen
    fewer than ``min_level_count`` times pooled as "other", missing values as their own
    level; each round updates every field's shape in turn by a Newton step of size
    ``learning_rate`` (ridge ``l2``); ``bags`` models, each stopped early on its own
    held-out ``validation_fraction``, are averaged. ``kind="naive_bayes"`` is Odoo CRM's
    predictive lead scoring: per field, each value's frequency among won and lost leads,
    started at 0.1; unknown and unseen values are skipped; the probability is
    ``Sw / (Sw + Sl)``.

    ``X`` is a DataFrame or a list of fact mappings (text, numbers, ``None``/NaN as
    unknown); ``y`` holds two labels, the larger one (``1``) being "converted".
    """

    def __init__(
        self,
        kind: str = "additive",
        *,
        learning_rate: float = 0.05,
        max_rounds: int = 3000,
        early_stopping_rounds: int = 50,
        validation_fraction: float = 0.15,
        bags: int = 4,
        max_bins: int = 32,
        min_level_count: int = 10,
        max_levels: int = 64,
        interactions: int = 8,
        interaction_bins: int = 8,
        l2: float = 1.0,
        random_state: int | None = None,
    ) -> None:
        self.kind = kind
        self.learning_rate = learning_rate
        self.max_rounds = max_rounds
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.bags = bags
        self.max_bins = max_bins
        self.min_level_count = min_level_count
        self.max_levels = max_levels
        self.interactions = interactions
        self.interaction_bins = interaction_bins
        self.l2 = l2
        self.random_state = random_state

    # --- scikit-learn protocol ----------------------------------------------------------------

    def __sklearn_tags__(self) -> Any:
        """Tags for scikit-learn's checks (only scikit-learn calls this, so it imports it)."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(multi_class=False),
            input_tags=InputTags(allow_nan=True, string=True, categorical=True),
        )

    def _check_params(self) -> None:
        if self.kind not in _KINDS:
            msg = f"LeadScorer: kind must be one of {_KINDS} (got {self.kind!r})."
            raise ValidationError(msg, value=self.kind, where="kind", expected=str(_KINDS))
        checks: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
            ("learning_rate", lambda v: 0 < v <= 1, "a number in (0, 1]"),
            ("max_rounds", lambda v: v >= 1, "a whole number of at least 1"),
            ("early_stopping_rounds", lambda v: v >= 1, "a whole number of at least 1"),
            ("validation_fraction", lambda v: 0 < v < 1, "a number in (0, 1)"),
            ("bags", lambda v: v >= 1, "a whole number of at least 1"),
            ("max_bins", lambda v: v >= 2, "a whole number of at least 2"),
            ("min_level_count", lambda v: v >= 1, "a whole number of at least 1"),
            ("max_levels", lambda v: v >= 1, "a whole number of at least 1"),
            ("interactions", lambda v: v >= 0, "a whole number of at least 0"),
            ("interaction_bins", lambda v: v >= 2, "a whole number of at least 2"),
            ("l2", lambda v: v >= 0, "a number of at least 0"),
        )
        for name, ok, expected in checks:
            value = getattr(self, name)
            if isinstance(value, bool) or not _is_number(value) or not ok(value):
                msg = f"LeadScorer: {name} must be {expected} (got {value!r})."
                raise ValidationError(msg, value=value, where=name, expected=expected)

    def fit(self, X: Any, y: Any) -> LeadScorer:
        """Learn the score from rows ``X`` and outcomes ``y``; returns ``self``."""
        self._check_params()
        names, columns, positional = _columns(X)
        n_rows = len(columns[0]) if columns else _height(X)
        if n_rows == 0:
            msg = "X is empty (0 rows): there is nothing to learn from."
            raise ValidationError(msg, value=X, where="X", expected="at least one row")
        if not columns:
            msg = f"X has 0 feature(s) (shape=({n_rows}, 0)) while a minimum of 1 is required."
            raise ValidationError(msg, value=X, where="X", expected="at least one column")
        classes, target = _labels(y, n_rows)
        kinds = [_kind(n, c) for n, c in zip(names, columns, strict=True)]
        if self.kind == "naive_bayes":
            model = _fit_naive_bayes(names, columns, kinds, target, self.max_bins)
        else:
            model = _Booster(self).fit(names, columns, kinds, target)
        self.classes_ = classes
        self.n_features_in_ = len(names)
        if not positional:
            self.feature_names_in_ = np.array(names, dtype=object)
        self.model_ = model
        return self

    def _check_fitted(self) -> PredictiveModel:
        model: PredictiveModel | None = getattr(self, "model_", None)
        if model is None:
            msg = "This LeadScorer is not fitted yet: call fit(X, y) first."
            raise _NotFittedError(msg)
        return model

    def decision_function(self, X: Any) -> Floats:
        """The log-odds of conversion per row: the base plus every contribution."""
        return self._terms(X)[1].sum(axis=1) + self._check_fitted().base

    def predict_proba(self, X: Any) -> Floats:
        """Per row, the probabilities of ``classes_[0]`` and ``classes_[1]`` (converted)."""
        p = _sigmoid(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """The more likely label per row."""
        labels: npt.NDArray[Any] = self.classes_[(self.decision_function(X) > 0).astype(int)]
        return labels

    def explain(self, X: Any) -> list[Prediction]:
        """Per row, a :class:`~smarketing.Prediction`: contributions that sum, with the base, to
        the log-odds."""
        model = self._check_fitted()
        names, terms = self._terms(X)
        z = terms.sum(axis=1) + model.base
        p = _sigmoid(z)
        return [
            Prediction(float(p[i]), dict(zip(names, row.tolist(), strict=True)), model.base,
                       model.grade(float(p[i])))
            for i, row in enumerate(terms)
        ]

    def _terms(self, X: Any) -> tuple[list[str], Floats]:
        model = self._check_fitted()
        names, columns, positional = _columns(X)
        if positional and len(names) != self.n_features_in_:
            msg = (
                f"X has {len(names)} features, but LeadScorer is expecting "
                f"{self.n_features_in_} features as input."
            )
            raise ValidationError(msg, value=X, where="X", expected=f"{self.n_features_in_}")
        n_rows = len(columns[0]) if columns else _height(X)
        terms = _apply(model, dict(zip(names, columns, strict=True)), n_rows)
        return [t.name for t in (*model.shapes, *model.pairs)], terms


class _NotFittedError(ValidationError, AttributeError):
    """Used before ``fit``: a ``ValidationError`` that scikit-learn recognises as not fitted."""


def _height(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    return len(X) if isinstance(X, Sequence) else 0


# --- naive Bayes (Odoo CRM) ------------------------------------------------------------------


def _fit_naive_bayes(
    names: list[str], columns: list[list[object]], kinds: list[str], y: Ints, max_bins: int
) -> PredictiveModel:
    won, lost = int(y.sum()), int(len(y) - y.sum())
    shapes = []
    for name, values, kind in zip(names, columns, kinds, strict=True):
        if kind == "number":
            bins = _number_bins(name, values, max_bins)
        else:
            bins = _category_bins(name, values, 1, 10**9)
        slots = _slots(bins, values)
        # Odoo: each value's won and lost counts start at 0.1; the field's totals are their sums
        # over the values seen; unknown values (slot 0) count for nothing.
        w = np.bincount(slots, weights=y, minlength=bins.size)[2:] + 0.1
        lo = np.bincount(slots, weights=1 - y, minlength=bins.size)[2:] + 0.1
        seen = np.bincount(slots, minlength=bins.size)[2:] > 0
        scores = np.zeros(bins.size)
        scores[2:] = np.where(
            seen, np.log(w / w[seen].sum()) - np.log(lo / lo[seen].sum()), 0.0
        )
        shapes.append(Shape(bins, tuple(scores.tolist())))
    base = math.log(won / lost)
    return _graded(PredictiveModel(base=base, shapes=shapes, kind="naive_bayes"), names, columns)


def _graded(model: PredictiveModel, names: list[str], columns: list[list[object]]) -> PredictiveModel:
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
    if len(grades) == 1:
        grades = dict(DEFAULT_PREDICTIVE_GRADES)
    return attrs.evolve(model, grades=dict(sorted(grades.items())))


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


# --- the additive model (cyclic boosting of one shape per field) ----------------------------


class _Booster:
    def __init__(self, params: LeadScorer) -> None:
        self.p = params

    def fit(
        self, names: list[str], columns: list[list[object]], kinds: list[str], y: Ints
    ) -> PredictiveModel:
        p = self.p
        bins = [
            _number_bins(n, c, p.max_bins)
            if k == "number"
            else _category_bins(n, c, p.min_level_count, p.max_levels)
            for n, c, k in zip(names, columns, kinds, strict=True)
        ]
        slots = [_slots(b, c) for b, c in zip(bins, columns, strict=True)]
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
        kinds: list[str],
        bins: list[Bins],
        slots: list[Ints],
        base: float,
        mains: list[Floats],
        y: Ints,
        splits: list[tuple[Ints, Ints]],
        bags: list[tuple[float, list[Floats], Floats, Floats]],
    ) -> list[Pair]:
        p = self.p
        coarse = [
            _number_bins(n, c, p.interaction_bins)
            if k == "number"
            else _category_bins(n, c, p.min_level_count, p.interaction_bins)
            for n, c, k in zip(names, columns, kinds, strict=True)
        ]
        cslots = [_slots(b, c) for b, c in zip(coarse, columns, strict=True)]
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
        n_valid = int(round(fraction * len(rows)))
        n_valid = min(max(n_valid, 1), len(rows) - 1) if len(rows) > 1 else 0
        valid.append(rows[:n_valid])
        train.append(rows[n_valid:])
    train_rows, valid_rows = np.sort(np.concatenate(train)), np.sort(np.concatenate(valid))
    if len(valid_rows) == 0:  # too few rows to hold any out: stop on the training loss
        return train_rows, train_rows
    return train_rows, valid_rows
