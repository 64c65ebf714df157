"""Learned lead scores: train, explain and evaluate them, and check the hand-set rules.

``pip install "smarketing[predict]"`` (numpy). The fitted model, ``scorer.model_``, is a
:class:`~smarketing.PredictiveModel`: plain frozen data that the pure core applies without
numpy, that round-trips through :func:`~smarketing.to_dict` and that a playbook's
``predictive`` section carries.

>>> import random
>>> from smarketing.predict import LeadScorer
>>> rng = random.Random(0)
>>> X = [{"size": rng.randint(1, 500), "industry": rng.choice(["saas", "retail"])}
...      for _ in range(400)]
>>> y = [int(rng.random() < (0.6 if x["industry"] == "saas" else 0.1)) for x in X]
>>> scorer = LeadScorer(random_state=0).fit(X, y)
>>> p = scorer.model_.predict({"size": 40, "industry": "saas"})
>>> p.contributions["industry"] > 0
True
"""

from __future__ import annotations

import inspect
import math
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt

from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, check_aware, group_by_lead
from smarketing.predictive import (
    Bins,
    Pair,
    Prediction,
    PredictiveModel,
    Shape,
    facts_at,
    is_missing,
    level_of,
)
from smarketing.scoring import ScoringModel

__all__ = [
    "Audit",
    "CalibrationBin",
    "DataConversionWarning",
    "Decile",
    "Evaluation",
    "GradeRow",
    "LeadScorer",
    "RuleAudit",
    "TrainingSet",
    "audit",
    "evaluate",
    "leak_suspects",
    "roc_auc",
    "stratified_folds",
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
    if type(X).__module__.startswith("scipy.sparse"):
        msg = f"{where}: sparse matrices are not supported; pass a dense array or a DataFrame."
        raise ValidationError(msg, value=X, where=where, expected="a dense table")
    if hasattr(X, "columns") and hasattr(X, "to_dict"):
        names = [str(c) for c in X.columns]
        module = type(X).__module__
        data = X.to_dict(as_series=False) if module.startswith("polars") else X.to_dict("list")
        return names, [list(data[c]) for c in X.columns], False
    if isinstance(X, Sequence) and not isinstance(X, str | bytes) and not X:
        return [], [], False
    if (
        isinstance(X, Sequence)
        and not isinstance(X, str | bytes)
        and all(isinstance(row, Mapping | Lead) for row in X)
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
            f"(got an array of shape {array.shape}). Reshape your data: a single feature "
            "with X.reshape(-1, 1), a single row with X.reshape(1, -1)."
        )
        raise ValidationError(msg, value=X, where=where, expected="a 2-D table")
    if array.dtype.kind == "c":
        msg = f"{where}: Complex data not supported; a lead's facts are text or real numbers."
        raise ValidationError(msg, value=X, where=where, expected="real numbers or text")
    names = [f"x{i}" for i in range(array.shape[1])]
    return names, [array[:, i].tolist() for i in range(array.shape[1])], True


def _row_facts(row: Mapping[str, object] | Lead) -> Mapping[str, object]:
    if isinstance(row, Lead):
        return {k: fv.value for k, fv in row.fields.items()}
    return row


_NUMBER_TYPES: Final = frozenset({int, float, type(None)})
_TEXT_TYPES: Final = frozenset({str, bool, type(None)})


def _kind(name: str, values: list[object]) -> Literal["number", "category"]:
    """A column's kind, from its known values; text mixed with numbers is an error."""
    types = set(map(type, values))
    if types <= _NUMBER_TYPES:  # the common cases, checked at C speed
        numbers = np.array(values, dtype=float)
        if np.isfinite(numbers[~np.isnan(numbers)]).all() and not (
            float in types and np.isinf(numbers).any()
        ):
            return "number"
    elif types <= _TEXT_TYPES:
        return "category"
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
    if y is None:
        msg = "LeadScorer requires y to be passed, but the target y is None."
        raise ValidationError(msg, value=y, where="y", expected="a 1-D sequence of 0/1")
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
            f"y has {len(classes)} classes ({classes.tolist()[:5]}). Only binary "
            "classification is supported.: a lead's outcome is converted or not."
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
        learning_rate: float = 0.1,
        max_rounds: int = 3000,
        early_stopping_rounds: int = 50,
        validation_fraction: float = 0.15,
        bags: int = 2,
        max_bins: int = 32,
        min_level_count: int = 10,
        max_levels: int = 64,
        interactions: int = 8,
        interaction_bins: int = 8,
        l2: float = 10.0,
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
        from sklearn.utils import (  # type: ignore[import-untyped]
            ClassifierTags,
            InputTags,
            Tags,
            TargetTags,
        )

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
            raise _not_fitted()(msg, value=self, where="LeadScorer", expected="fit(X, y) first")
        return model

    def decision_function(self, X: Any) -> Floats:
        """The log-odds of conversion per row: the base plus every contribution."""
        z: Floats = self._terms(X)[1].sum(axis=1) + self._check_fitted().base
        return z

    def predict_proba(self, X: Any) -> Floats:
        """Per row, the probabilities of ``classes_[0]`` and ``classes_[1]`` (converted)."""
        p = _sigmoid(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """The more likely label per row."""
        positive = self.decision_function(X) > 0
        labels: npt.NDArray[Any] = self.classes_[positive.astype(int)]
        return labels

    def explain(self, X: Any) -> list[Prediction]:
        """Per row, a :class:`~smarketing.Prediction`: contributions that sum, with the base, to
        the log-odds."""
        model = self._check_fitted()
        names, terms = self._terms(X)
        z = terms.sum(axis=1) + model.base
        p = _sigmoid(z)
        return [
            Prediction(
                float(p[i]),
                dict(zip(names, row.tolist(), strict=True)),
                model.base,
                model.grade(float(p[i])),
            )
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
        names = [s.name for s in model.shapes] + [p.name for p in model.pairs]
        return names, terms


class _NotFittedError(ValidationError, AttributeError):
    """Used before ``fit``: a ``ValidationError``, and an ``AttributeError`` as in scikit-learn."""


def _not_fitted() -> type[_NotFittedError]:
    """The not-fitted error; also scikit-learn's ``NotFittedError`` when it is in use."""
    sklearn = sys.modules.get("sklearn.exceptions")
    if sklearn is None:
        return _NotFittedError
    cls: type[_NotFittedError] = type(
        "NotFittedError", (_NotFittedError, sklearn.NotFittedError), {"__module__": __name__}
    )
    return cls


def _height(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    return len(X) if isinstance(X, Sequence) else 0


# --- naive Bayes (Odoo CRM) ------------------------------------------------------------------


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


# --- evaluation --------------------------------------------------------------------------------


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


def _rows(names: list[str], columns: list[list[object]], rows: Ints) -> list[dict[str, object]]:
    return [{n: c[i] for n, c in zip(names, columns, strict=True)} for i in rows.tolist()]


# --- point-in-time training sets ---------------------------------------------------------------


@attrs.frozen
class TrainingSet:
    """One row per lead, as it was known at its decision time, and what became of it.

    ``X`` holds each lead's facts (fields learned by then, its ``source``) and engagement
    (``<kind>_count``: activities of each kind by then); ``y`` the outcome (1: it reached
    the outcome stage after the decision time); ``at`` the decision times (for a
    time-ordered :func:`evaluate`); ``leaks`` the fields whose values were mostly learned
    after the outcome, with the share; ``skipped`` the leads left out (never reached the
    decision point, or already past the outcome).
    """

    X: tuple[Mapping[str, object], ...]
    y: tuple[int, ...]
    lead_ids: tuple[str, ...]
    at: tuple[datetime, ...]
    leaks: Mapping[str, float]
    skipped: int

    @classmethod
    def from_rows(cls, X: Iterable[Mapping[str, object]], y: Iterable[int]) -> TrainingSet:
        """A training set of rows you already hold (a labelled export): ids ``"1"``, ``"2"``,
        ... in order, no decision times, no leak flags."""
        rows, outcomes = tuple(X), tuple(int(v) for v in y)
        if len(rows) != len(outcomes):
            msg = f"{len(outcomes)} outcomes for {len(rows)} rows."
            raise ValidationError(msg, value=len(outcomes), where="y", expected=f"{len(rows)}")
        return cls(rows, outcomes, tuple(str(i + 1) for i in range(len(rows))), (), {}, 0)


def _decision_time(lead: Lead, at: str | datetime) -> datetime | None:
    if isinstance(at, datetime):
        return at if lead.created_at <= at else None
    if at == "created":
        return lead.created_at
    for change in lead.history:
        if change.to_stage == at:
            return change.at
    return lead.created_at if lead.initial_stage == at else None


def _outcome_time(lead: Lead, outcome: str) -> datetime | None:
    for change in lead.history:
        if change.to_stage == outcome:
            return change.at
    return None


def training_set(
    leads: Iterable[Lead],
    activities: Iterable[Activity] = (),
    *,
    outcome: str = "customer",
    at: str | datetime = "mql",
) -> TrainingSet:
    """The point-in-time training set: each lead as it was known when the decision was made.

    ``at`` is ``"mql"`` (when the lead first entered that stage; any stage name works),
    ``"created"``, or a fixed aware datetime. A fact learned after that time, or an activity
    after it, is not in the lead's row, so nothing the outcome revealed leaks into the model.
    ``outcome`` is the stage that counts as converted (``"customer"``, ``"sql"``). A lead
    that already reached the outcome by the decision time is skipped.

    Fields whose values were mostly learned after the outcome (more than half of the
    converted leads that have them) are listed in ``leaks``: a model trained on current
    values of such a field, as a CRM's nightly job does, looks far better than it can be.
    """
    if isinstance(at, datetime):
        check_aware(at, "training_set(at=...)")
    elif not isinstance(at, str) or not at:
        msg = f"training_set: at must be 'mql', 'created', a stage or a datetime (got {at!r})."
        raise ValidationError(msg, value=at, where="at", expected="a stage or a datetime")
    by_lead = group_by_lead(activities)
    rows: list[dict[str, object]] = []
    ys: list[int] = []
    ids: list[str] = []
    times: list[datetime] = []
    skipped = 0
    after: dict[str, int] = {}
    known: dict[str, int] = {}
    for lead in leads:
        done = _outcome_time(lead, outcome)
        if done is not None:
            for name, fv in lead.fields.items():
                known[name] = known.get(name, 0) + 1
                after[name] = after.get(name, 0) + (fv.learned_at > done)
        t = _decision_time(lead, at)
        if t is None or (done is not None and done <= t):
            skipped += 1
            continue
        row = facts_at(lead, by_lead.get(lead.id, ()), t)
        rows.append(row)
        ys.append(int(done is not None))
        ids.append(lead.id)
        times.append(t)
    kinds = sorted({f"{a.kind}_count" for group in by_lead.values() for a in group})
    for row in rows:  # no activity of a kind by then is a count of 0, not unknown
        for key in kinds:
            row.setdefault(key, 0)
    leaks = {n: after[n] / known[n] for n in sorted(known) if after[n] / known[n] > 0.5}
    return TrainingSet(tuple(rows), tuple(ys), tuple(ids), tuple(times), leaks, skipped)


# --- auditing the hand-set rules ---------------------------------------------------------------


@attrs.frozen
class RuleAudit:
    """One hand-set fit rule against the outcomes: how many leads it matched, their
    conversion against the others', the lift, and the points the data suggests."""

    rule: str
    points: float
    matched: int
    conversion_matched: float | None
    conversion_unmatched: float | None
    lift: float | None
    suggested_points: float | None


@attrs.frozen
class Audit:
    """Every fit rule of a scoring model, checked on a training set."""

    rules: tuple[RuleAudit, ...]
    leads: int
    conversion: float

    def to_markdown(self) -> str:
        """The audit as a Markdown table."""

        def pct(v: float | None) -> str:
            return "-" if v is None else f"{v:.1%}"

        def num(v: float | None, fmt: str) -> str:
            return "-" if v is None else format(v, fmt)

        lines = [
            f"{self.leads} leads, {self.conversion:.1%} converted",
            "",
            "| rule | points | matched | conversion if matched | if not | lift | suggested |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r.rule} | {r.points:g} | {r.matched} | {pct(r.conversion_matched)} | "
            f"{pct(r.conversion_unmatched)} | {num(r.lift, '.2f')} | "
            f"{num(r.suggested_points, '+.0f')} |"
            for r in self.rules
        ]
        return "\n".join(lines) + "\n"


def audit(scoring_model: ScoringModel, ds: TrainingSet) -> Audit:
    """Each fit rule of ``scoring_model`` on the leads of ``ds``.

    A rule's suggested points are its log-odds ratio (matched against not, with half a lead
    added to each cell), scaled so that the suggestions weigh as much in total as the
    hand-set points do: the same scale, re-weighed by the data.
    """
    given: object = scoring_model
    if not isinstance(given, ScoringModel):
        msg = f"audit() needs a ScoringModel (got {scoring_model!r})."
        raise ValidationError(msg, value=scoring_model, where="scoring_model")
    if not ds.y:
        raise ValidationError("audit(): the training set is empty.", value=ds, where="ds")
    from smarketing.personas import derive_facts

    facts = [derive_facts(row) for row in ds.X]
    y = np.asarray(ds.y, dtype=float)
    raw: list[tuple[Any, int, float | None, float | None, float | None, float | None]] = []
    for rule in scoring_model.fit:
        hit = np.array([rule.condition.holds(f) for f in facts], dtype=bool)
        a, b = float(y[hit].sum()), float((1 - y[hit]).sum())
        c, d = float(y[~hit].sum()), float((1 - y[~hit]).sum())
        rate_in = a / (a + b) if hit.any() else None
        rate_out = c / (c + d) if (~hit).any() else None
        lift = rate_in / float(y.mean()) if rate_in is not None and y.mean() > 0 else None
        ratio = math.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))) if hit.any() else None
        raw.append((rule, int(hit.sum()), rate_in, rate_out, lift, ratio))
    ratios = [abs(r[5]) for r in raw if r[5] is not None]
    weight = sum(abs(r[0].points) for r in raw if r[5] is not None)
    scale = weight / sum(ratios) if ratios and sum(ratios) > 0 else 0.0
    rules = tuple(
        RuleAudit(
            rule.name, rule.points, n, rin, rout, lift, None if ratio is None else ratio * scale
        )
        for rule, n, rin, rout, lift, ratio in raw
    )
    return Audit(rules, len(ds.y), float(y.mean()))
