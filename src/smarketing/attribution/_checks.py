"""Checking attribution's inputs: model and stage names, channels, amounts, paths."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Final, TypeAlias

from smarketing.errors import ValidationError
from smarketing.lifecycle import Lifecycle

#: The attribution models, in the order the guide presents them.
MODELS: Final = (
    "first_touch",
    "last_touch",
    "lead_creation",
    "linear",
    "u_shaped",
    "w_shaped",
    "full_path",
    "time_decay",
    "markov",
    "shapley",
)

Paths: TypeAlias = Mapping[tuple[str, ...], tuple[float, float]]


def _check_channel(value: object, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        msg = f"{where}: a channel must be non-empty text (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a channel name")
    return value


def _check_amount(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{where} must be a finite number (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a number >= 0")
    if value < 0:
        msg = f"{where} must not be negative (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a number >= 0")
    return float(value)


def check_model(name: object) -> None:
    if isinstance(name, str) and name in MODELS:
        return
    close = difflib.get_close_matches(str(name), MODELS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    msg = f"{name!r} is not an attribution model (models: {', '.join(MODELS)}){hint}"
    raise ValidationError(msg, value=name, where="model", expected=", ".join(MODELS))


def check_stage(lc: Lifecycle, stage: object, option: str) -> None:
    if isinstance(stage, str) and stage in lc.stage_names:
        return
    names = ", ".join(lc.stage_names)
    msg = f"{option}={stage!r} is not a stage of the lifecycle (stages: {names})."
    raise ValidationError(msg, value=stage, where=option, expected=names)


def _check_order(order: object) -> None:
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        msg = f"'order' must be a whole number >= 1 (got {order!r})."
        raise ValidationError(msg, value=order, where="order", expected="an int >= 1")


def _check_paths(paths: object, where: str) -> Mapping[tuple[str, ...], tuple[float, float]]:
    """`paths` when it is well formed (counts other than whole numbers become floats)."""
    if not isinstance(paths, Mapping):
        msg = (
            f"{where} must map paths (tuples of channels) to "
            f"(conversions, non-conversions) (got {paths!r})."
        )
        raise ValidationError(msg, value=paths, where=where, expected="a mapping")
    fixed: dict[tuple[str, ...], tuple[float, float]] = {}
    good: set[object] = set()  # channel names already checked
    for path, counts in paths.items():
        if type(path) is not tuple or not path:
            msg = f"{where}: a path must be a non-empty tuple of channels (got {path!r})."
            raise ValidationError(msg, value=path, where=where, expected="a tuple of channels")
        for step in () if good.issuperset(path) else path:
            if step not in good:
                if not isinstance(step, str):
                    msg = f"{where}[{path!r}]: a channel must be text (got {step!r})."
                    raise ValidationError(msg, value=step, where=where, expected="text")
                good.add(_check_channel(step, f"{where}[{path!r}]"))
        if type(counts) not in (tuple, list) or len(counts) != 2:
            msg = f"{where}[{path!r}] must be (conversions, non_conversions) (got {counts!r})."
            raise ValidationError(msg, value=counts, where=where, expected="a pair of numbers")
        conversions, nulls = counts
        if type(conversions) is not int or type(nulls) is not int or conversions < 0 or nulls < 0:
            fixed[path] = (
                _check_amount(conversions, f"{where}[{path!r}] conversions"),
                _check_amount(nulls, f"{where}[{path!r}] non-conversions"),
            )
    return {**paths, **fixed} if fixed else paths
