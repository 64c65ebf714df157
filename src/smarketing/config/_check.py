"""Checking file data against ``SPEC``: errors that name the file, the key path and the line."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any

from smarketing._durations import parse_duration
from smarketing.conditions import Condition, parse_condition
from smarketing.config._spec import Key
from smarketing.errors import ConfigError, SmarketingError

# --- errors -----------------------------------------------------------------------------------


class Source:
    """Where the data came from, to name it in errors (and find a key's line when we can)."""

    def __init__(self, name: str | None, text: str | None = None) -> None:
        self.name = name
        self.text = text
        self.worded: set[int] = set()  # errors already worded for the file, passed on as is

    def error(
        self,
        path: str,
        problem: str,
        *,
        piece: object = None,
        suggestion: str | None = None,
        expected: str | None = None,
    ) -> ConfigError:
        line = self.line_of(path)
        where = self.name or "playbook"
        at = f":{line}" if line else ""
        key = f" {path}:" if path else ""
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        msg = f"{where}{at}:{key} {problem}{hint}"
        error = ConfigError(
            msg,
            source=self.name,
            key=path or None,
            line=line,
            piece=piece,
            suggestion=suggestion,
            expected=expected,
        )
        self.worded.add(id(error))
        return error

    def reword(self, path: str, exc: SmarketingError, problem: str | None = None) -> ConfigError:
        """``exc``, raised by code that cannot know the file, as the file's error at ``path``.

        The one place a smarketing error is translated for a file: the message gains the file
        name, the line and the key path (``problem`` replaces the original's text when given);
        the original's value and expected carry over, and it stays the ``__cause__``.
        Raise the result ``from exc``.
        """
        value = getattr(exc, "value", None)
        expected = getattr(exc, "expected", None)
        text = str(exc) if problem is None else problem
        return self.error(path, text, piece=value, expected=expected)

    def line_of(self, path: str) -> int | None:
        """The line of the last key of ``path`` in the file, when it can be found."""
        if not self.text or not path:
            return None
        names = [n for n in re.split(r"[.\[\]]", path) if n and not n.isdigit()]
        lines = self.text.splitlines()
        start = 0
        for depth, name in enumerate(names):
            pattern = re.compile(
                rf"^\s*\[\[?\s*{re.escape('.'.join(names[: depth + 1]))}\s*\]\]?"
                rf"|(^|[\s{{,]){re.escape(name)}\s*="
            )
            for number in range(start, len(lines)):
                if pattern.search(lines[number]):
                    start = number
                    break
            else:
                return None
        return start + 1


# --- checking data against the description ------------------------------------------------------


def check(value: object, key: Key, path: str, src: Source) -> Any:
    """``value`` checked against ``key``; errors name the path."""
    kind = key.kind
    if value is False and key.falsy:
        return None
    if kind == "table":
        return _check_table(value, key, path, src)
    if kind == "stage_entry":
        if isinstance(value, str):
            return value
        return _check_table(value, key, path, src)
    if kind == "list":
        if not isinstance(value, list):
            raise src.error(path, f"expected a list, got {_type(value)}", piece=value)
        assert key.items is not None
        return [check(v, key.items, f"{path}[{i}]", src) for i, v in enumerate(value)]
    if kind == "map":
        if not isinstance(value, Mapping):
            raise src.error(path, f"expected a table, got {_type(value)}", piece=value)
        assert key.values is not None
        return {k: check(v, key.values, f"{path}.{k}", src) for k, v in value.items()}
    return _check_leaf(value, key, path, src)


def _check_table(value: object, key: Key, path: str, src: Source) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise src.error(path, f"expected a table, got {_type(value)}", piece=value)
    assert key.keys is not None
    out: dict[str, Any] = {}
    for name, item in value.items():
        sub = f"{path}.{name}" if path else str(name)
        spec = key.keys.get(name)
        if spec is None:
            close = difflib.get_close_matches(str(name), list(key.keys), n=1, cutoff=0.6)
            known = ", ".join(key.keys)
            raise src.error(
                sub,
                f"unknown key {name!r} (known here: {known}).",
                piece=name,
                suggestion=close[0] if close else None,
            )
        out[name] = check(item, spec, sub, src)
    for name, spec in key.keys.items():
        if spec.required and name not in out:
            raise src.error(path, f"{name!r} is required here.", piece=None)
    return out


def _check_leaf(value: object, key: Key, path: str, src: Source) -> Any:
    kind = key.kind
    if kind in ("string", "stage"):
        if not isinstance(value, str) or not value:
            raise src.error(path, f"expected text, got {_type(value)}", piece=value)
        if key.choices and value.lower() not in key.choices:
            raise src.error(path, f"{value!r} is not one of {', '.join(key.choices)}.", piece=value)
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise src.error(path, f"expected text, got {_type(value)}", piece=value)
        return value
    if kind == "string_or_false":
        if value is False:
            return None
        if not isinstance(value, str) or not value:
            raise src.error(
                path, f"expected a column name or false, got {_type(value)}", piece=value
            )
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise src.error(path, f"expected true or false, got {_type(value)}", piece=value)
        return value
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise src.error(path, f"expected a whole number, got {_type(value)}", piece=value)
        return value
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):  # type: ignore[arg-type]
            raise src.error(path, f"expected a number, got {_type(value)}", piece=value)
        return value
    if kind == "data":  # checked by the type it is read as (see _predictive)
        if not isinstance(value, Mapping):
            raise src.error(path, f"expected a table, got {_type(value)}", piece=value)
        return value
    if kind == "condition":
        return _condition(value, path, src)
    if kind == "bool_or_condition":
        return value if isinstance(value, bool) else _condition(value, path, src)
    if kind == "duration":
        try:
            return parse_duration(value)
        except ConfigError as exc:
            raise src.reword(path, exc) from exc
    if kind == "clock":
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise src.error(path, f"{value!r} is not a time like '09:00'", piece=value) from None
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise src.error(
                path, f"{value!r} is not a date like '2026-12-25'", piece=value
            ) from None
    raise AssertionError(kind)  # pragma: no cover - the SPEC uses only the kinds above


def _condition(value: object, path: str, src: Source) -> Condition:
    if not isinstance(value, str):
        raise src.error(path, f"expected a condition as text, got {_type(value)}", piece=value)
    try:
        return parse_condition(value)
    except ConfigError as exc:
        problem = str(exc).removeprefix(f"condition {value!r}: ")
        raise src.reword(path, exc, f"{value!r}: {problem}") from exc


def _type(value: object) -> str:
    names = {str: "text", bool: "a boolean", int: "a number", float: "a number", list: "a list"}
    if isinstance(value, Mapping):
        return "a table"
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"
