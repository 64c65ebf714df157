"""How a file's columns become a lead's facts: the id column, placeholders, names and types.

A :class:`DataSpec` is plain data: the playbook's ``[data]`` section, or built in Python. The
readers in :mod:`smarketing.io` apply it; the core only holds it.

>>> import smarketing as sm
>>> spec = sm.DataSpec(id="Prospect ID", missing=("Select",), rename={"Lead Source": "source"})
>>> spec.fact("Lead Source"), spec.fact("City")
('source', 'City')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn

from smarketing import _convert
from smarketing.errors import ConfigError

__all__ = ["COLUMN_TYPES", "DataSpec"]

#: What ``types`` may say of a column.
COLUMN_TYPES: Final = ("text", "number", "boolean", "datetime")
#: Delimiters a CSV file may use; one is sniffed from the header when none is given.
DELIMITERS: Final = (",", ";", "\t", "|")


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        msg = f"DataSpec.missing must be a list of texts (got {value!r})."
        raise ConfigError(msg, key="data.missing", piece=value)
    out = tuple(value)
    for item in out:
        if not isinstance(item, str):
            msg = f"DataSpec.missing holds texts that mean 'not answered' (got {item!r})."
            raise ConfigError(msg, key="data.missing", piece=item)
    return tuple(dict.fromkeys(out))


def _names(value: object, key: str) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        msg = f"DataSpec.{key} must be a table of column names (got {value!r})."
        raise ConfigError(msg, key=f"data.{key}", piece=value)
    for name, target in value.items():
        if not isinstance(name, str) or not name or not isinstance(target, str) or not target:
            msg = f"DataSpec.{key} maps column names to texts (got {name!r} = {target!r})."
            raise ConfigError(msg, key=f"data.{key}.{name}", piece=target)
    return MappingProxyType(dict(value))


def _rename(value: object) -> Mapping[str, str]:
    return _names(value, "rename")


def _types(value: object) -> Mapping[str, str]:
    return _names(value, "types")


def _check_id(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        msg = f"DataSpec.id must be a column name, or None to number the rows (got {value!r})."
        raise ConfigError(msg, key="data.id", piece=value)


def _check_types(_instance: object, _attribute: object, value: Mapping[str, str]) -> None:
    for name, kind in value.items():
        if kind not in COLUMN_TYPES:
            msg = (
                f"DataSpec.types[{name!r}] is {kind!r}; a column's type is one of "
                f"{', '.join(COLUMN_TYPES)}."
            )
            raise ConfigError(msg, key=f"data.types.{name}", piece=kind)


def _check_delimiter(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None and value not in DELIMITERS:
        shown = ", ".join(repr(d) for d in DELIMITERS)
        msg = f"DataSpec.delimiter must be one of {shown}, or omitted to sniff it (got {value!r})."
        raise ConfigError(msg, key="data.delimiter", piece=value)


def _check_flag(_instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        msg = f"DataSpec.{attribute.name} must be true or false (got {value!r})."
        raise ConfigError(msg, key=f"data.{attribute.name}", piece=value)


def _check_zone(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, str) or not value:
        msg = f"DataSpec.timezone must be a zone name such as 'UTC' (got {value!r})."
        raise ConfigError(msg, key="data.timezone", piece=value)


@attrs.frozen
class DataSpec:
    """How to read a CRM export: which column is the id, what means "not answered", what
    each column is called in the rules, and which columns have a fixed type.

    - ``id``: the id column (``"id"``), or ``None`` to number the rows ``"1"``, ``"2"``, ...
    - ``missing``: cell texts that mean "unknown" besides an empty cell (``"Select"``).
    - ``rename``: file column name to fact name (``{"Lead Source": "source"}``).
    - ``types``: fact name to ``"text"``, ``"number"``, ``"boolean"`` or ``"datetime"``;
      without one, a cell is a number only when the number writes back to the same text.
    - ``dayfirst``: read ``03/04/2026`` as 3 April (never guessed from the data).
    - ``delimiter``: the CSV delimiter; sniffed from the header when ``None``.
    - ``timezone``: the zone of timestamps written without one.
    """

    id: str | None = attrs.field(default="id", validator=_check_id)
    missing: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    rename: Mapping[str, str] = attrs.field(factory=dict, converter=_rename, hash=False)
    types: Mapping[str, str] = attrs.field(
        factory=dict, converter=_types, validator=_check_types, hash=False
    )
    dayfirst: bool = attrs.field(default=False, validator=_check_flag)
    delimiter: str | None = attrs.field(default=None, validator=_check_delimiter)
    timezone: str = attrs.field(default="UTC", validator=_check_zone)

    def fact(self, column: str) -> str:
        """The fact name a file column is read as (renamed, or its own name)."""
        return self.rename.get(column, column)


@_convert.shapes(DataSpec)
def _as_data(conv: cattrs.Converter) -> None:
    # A data spec writes only what differs from reading files plainly.
    conv.register_unstructure_hook(
        DataSpec, make_dict_unstructure_fn(DataSpec, conv, _cattrs_omit_if_default=True)
    )
