"""Reading ``X`` (a DataFrame, fact mappings or leads, a 2-D array) as named columns, and ``y`` as
0/1 outcomes, with scikit-learn's messages for bad input.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from smarketing.errors import ValidationError
from smarketing.leads import Lead
from smarketing.predictive import is_missing

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


class DataConversionWarning(UserWarning):
    """``y`` was given as a column (n, 1) and read as a flat vector, as scikit-learn warns."""


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


def _height(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    return len(X) if isinstance(X, Sequence) else 0


def _rows(names: list[str], columns: list[list[object]], rows: Ints) -> list[dict[str, object]]:
    return [{n: c[i] for n, c in zip(names, columns, strict=True)} for i in rows.tolist()]
