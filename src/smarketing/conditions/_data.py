"""A condition as data: its text, as the playbook file writes it, and back."""

from __future__ import annotations

import cattrs

from smarketing import _convert
from smarketing.conditions._parse import parse_condition
from smarketing.conditions._tree import Condition
from smarketing.errors import ConfigError

__all__ = ["condition_from"]


def condition_from(value: object, where: str | None) -> Condition:
    """A condition from its text; ``where`` (``"$"`` for the whole data) prefixes the error."""
    if isinstance(value, Condition):
        return value
    try:
        return parse_condition(value)  # type: ignore[arg-type]
    except ConfigError as exc:
        msg = str(exc) if where is None else f"{where}: {exc}"
        raise _convert.unreadable(exc, value, msg, where, "a condition's text") from exc


def _structure(value: object, _type: object) -> Condition:
    return condition_from(value, None)


def _is_condition(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, Condition)


@_convert.shapes(Condition, read=lambda data: condition_from(data, "$"))
def _as_data(conv: cattrs.Converter) -> None:
    conv.register_unstructure_hook_func(_is_condition, str)
    conv.register_structure_hook_func(_is_condition, _structure)
    # A transition's `auto`: true, false, or a condition's text.
    conv.register_structure_hook(
        bool | Condition, lambda v, _t: v if isinstance(v, bool) else _structure(v, Condition)
    )
