"""TOML text for playbook data: what a person would write."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

# --- TOML text ----------------------------------------------------------------------------------

_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+\Z")


def to_toml(data: Mapping[str, Any]) -> str:
    """Playbook data (``pb.to_dict()``) as TOML text that reads back to the same data.

    Scalars and lists of scalars first, then one ``[table]`` per table; lists of tables are
    written as arrays of inline tables, one per line, as a person writes rules.
    """
    lines: list[str] = []
    _toml_table(data, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml_table(data: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping) and _has_table(v)}
    if path and (len(tables) < len(data) or not data):
        lines += ["", f"[{'.'.join(_toml_key(p) for p in path)}]"]
    for key, value in data.items():
        if key in tables:
            continue
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            lines.append(f"{_toml_key(key)} = [")
            lines += [f"  {_toml_value(v)}," for v in value]
            lines.append("]")
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in tables.items():
        _toml_table(value, [*path, key], lines)


def _has_table(value: Mapping[str, Any]) -> bool:
    """Whether a table is written as a [section] (it holds more than a few plain values)."""
    return any(isinstance(v, Mapping | list) for v in value.values()) or len(value) > 3


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    msg = f"cannot write {value!r} as TOML"  # pragma: no cover - to_dict gives only the above
    raise TypeError(msg)  # pragma: no cover
