"""`LeadScorer`: the scikit-learn estimator that learns a `PredictiveModel`."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from smarketing.errors import ValidationError
from smarketing.predict._additive import _Booster
from smarketing.predict._inputs import Floats, _columns, _height, _is_number, _kind, _labels
from smarketing.predict._naive_bayes import _fit_naive_bayes
from smarketing.predict._terms import _apply, _sigmoid
from smarketing.predictive import Prediction, PredictiveModel


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

    # Named where users import the estimator from (tracebacks, ``except`` by module name).
    __module__ = "smarketing.predict"


def _not_fitted() -> type[_NotFittedError]:
    """The not-fitted error; also scikit-learn's ``NotFittedError`` when it is in use."""
    sklearn = sys.modules.get("sklearn.exceptions")
    if sklearn is None:
        return _NotFittedError
    cls: type[_NotFittedError] = type(
        "NotFittedError",
        (_NotFittedError, sklearn.NotFittedError),
        {"__module__": _NotFittedError.__module__},
    )
    return cls
