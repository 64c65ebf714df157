"""Checking file data against ``SPEC``: errors that name the file, the key path and the line."""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from smarketing._durations import parse_duration
from smarketing._validate import is_utf8
from smarketing.conditions import Condition, field, parse_condition
from smarketing.config._locate import key_lines, line_of
from smarketing.config._spec import STAGE, Key, Rule
from smarketing.errors import ConfigError, SmarketingError, ValidationError

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
        """The line of ``path`` in the file (or of the nearest key above it), when known.

        Found when an error is worded: a load stops at its first error, so once per file.
        """
        if not self.text or not path:
            return None
        return line_of(key_lines(self.text), path)


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
            return _check_leaf(value, STAGE, path, src)
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
        if key.names is not None:
            for k in value:
                check(k, key.names, f"{path}.{k}", src)
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
    """A leaf checked against its kind's rule (``RULES``, which the JSON Schema is made of),
    then read as the library holds it (a duration, a condition, a time, a date)."""
    kind = key.kind
    rule = key.rule
    if kind == "clock" and isinstance(value, time):  # a TOML local time: already read
        return value
    if kind == "date" and isinstance(value, date) and not isinstance(value, datetime):
        return value
    if kind == "duration" and not isinstance(value, str):  # a timedelta given in data
        return _duration(value, path, src)
    value = _of_type(value, rule, path, src, falsy=key.falsy)
    if isinstance(value, str):
        _text(value, rule, path, src)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _bounded(value, rule, path, src)
    if kind == "duration":
        return _duration(value, path, src)
    if kind in ("condition", "bool_or_condition") and isinstance(value, str):
        return _condition(value, path, src)
    if kind == "fact":
        try:
            field(str(value))  # a fact name as conditions read it: printable text
        except ValidationError as exc:
            problem = f"{value!r} is not a fact name (printable text, no backquotes, no '__' first)"
            raise src.reword(path, exc, problem) from exc
    if kind == "clock":
        return _parsed(time.fromisoformat, value, rule, path, src)
    if kind == "date":
        return _parsed(date.fromisoformat, value, rule, path, src)
    return value


def _of_type(value: object, rule: Rule, path: str, src: Source, *, falsy: bool) -> object:
    """``value`` if it is one of the rule's JSON types (a whole float is an integer, as in
    JSON Schema: ``3.0`` is read as ``3``)."""
    for kind in rule.types:
        if kind == "string" and isinstance(value, str):
            return value
        if kind == "boolean" and isinstance(value, bool):
            return value
        if kind == "object" and isinstance(value, Mapping):
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if kind == "number" and (isinstance(value, int) or math.isfinite(value)):
            return value
        if kind == "integer" and isinstance(value, int):
            return value
        if kind == "integer" and isinstance(value, float) and value.is_integer():
            return int(value)
    expected = f"{rule.expected} or false" if falsy else rule.expected
    raise src.error(path, f"expected {expected}, got {_type(value)}", piece=value)


def _text(value: str, rule: Rule, path: str, src: Source) -> None:
    if len(value) < rule.min_length:  # the rules' least length is 1: empty text
        raise src.error(path, f"expected {rule.expected}, got {_type(value)}", piece=value)
    if rule.max_length is not None and len(value) > rule.max_length:
        shown = value[: rule.max_length] + "..."
        problem = f"{shown!r} is longer than {rule.max_length} characters"
        raise src.error(path, problem, piece=value)
    if not is_utf8(value):
        problem = f"{value!r} cannot be written as UTF-8 (it holds a lone surrogate)"
        raise src.error(path, problem, piece=value)
    if rule.choices and value not in rule.choices:
        close = difflib.get_close_matches(value.lower(), rule.choices, n=1, cutoff=0.6)
        raise src.error(
            path,
            f"{value!r} is not one of {', '.join(rule.choices)}.",
            piece=value,
            suggestion=close[0] if close else None,
        )
    if rule.pattern is not None and rule.like is not None and not whole_match(rule, value):
        raise src.error(path, f"{value!r} is not {rule.like}", piece=value)


def whole_match(rule: Rule, value: str) -> bool:
    """Whether ``value`` matches the rule's pattern whole (the pattern the schema holds)."""
    assert rule.pattern is not None
    return _compiled(rule.pattern).fullmatch(value) is not None


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _bounded(value: float, rule: Rule, path: str, src: Source) -> None:
    low, high = rule.low, rule.high
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            bound = f"from {_bound(low)} to {_bound(high)}"
        elif low is not None:
            bound = f"of at least {_bound(low)}"
        else:
            bound = f"of at most {_bound(high)}"
        raise src.error(path, f"expected {rule.expected} {bound}, got {_type(value)}", piece=value)


def _bound(number: float | None) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)


def _duration(value: object, path: str, src: Source) -> Any:
    try:
        return parse_duration(value)
    except ConfigError as exc:
        raise src.reword(path, exc) from exc


def _parsed(read: Any, value: object, rule: Rule, path: str, src: Source) -> Any:
    try:
        return read(value)
    except ValueError:
        raise src.error(path, f"{value!r} is not {rule.like}", piece=value) from None


def _condition(value: str, path: str, src: Source) -> Condition:
    try:
        return parse_condition(value)
    except ConfigError as exc:
        problem = str(exc).removeprefix(f"condition {value!r}: ")
        raise src.reword(path, exc, f"{value!r}: {problem}") from exc


def _type(value: object) -> str:
    names = {str: "text", bool: "a boolean", int: "a number", float: "a number", list: "a list"}
    if isinstance(value, Mapping):
        return "a table"
    if value == "":
        return "empty text"
    if type(value) is int and value.bit_length() > 64:  # too long to show (or to write)
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"
