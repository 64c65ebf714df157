"""The one cattrs converter: the vocabulary every value is written in, and the entry points.

This module holds the generic part: the converter, the hooks of the playbook file's
vocabulary (times as ISO 8601 text, durations as ``"4h"``, flags as true or false, text as
text), and `to_dict` / `from_dict`. It sits below every domain type. Each type places its
own shape beside it, with `shapes`, so a domain module calls down into the converter and
never up:

    @_convert.shapes(Rule)
    def _as_data(conv: cattrs.Converter) -> None:
        conv.register_unstructure_hook(Rule, make_dict_unstructure_fn(Rule, conv, condition=WHEN))

Importing a type registers its shape, and a type's module imports the types its fields
hold, so their shapes are in place before its own hooks are made from them.
``smarketing.serialisation`` is the public face (``sm.to_dict`` / ``sm.from_dict``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Final, SupportsIndex, TypeVar

import attrs
import cattrs
from cattrs.errors import BaseValidationError
from cattrs.gen import make_dict_structure_fn, override
from dateutil.relativedelta import relativedelta

from smarketing import _validate as _v
from smarketing._durations import Duration, format_duration, parse_duration
from smarketing.errors import ConfigError, SmarketingError, ValidationError

__all__ = [
    "CONVERTER",
    "RAW",
    "WHEN",
    "a_list",
    "figures",
    "flag",
    "from_dict",
    "json_safe",
    "mapping",
    "number",
    "pair",
    "plain",
    "shapes",
    "structure_mapping",
    "structure_optional_text",
    "structure_time",
    "structure_timedelta",
    "texts",
    "to_dict",
    "unreadable",
    "whole",
]

T = TypeVar("T")
Hooks = Callable[[cattrs.Converter], None]
Reader = Callable[[object], Any]

CONVERTER: Final = cattrs.Converter(forbid_extra_keys=True)

#: Each type `to_dict` knows, in the order registered: how `from_dict` reads it (the
#: converter: ``None``; a reader of its own; or ``False``: written only, never read back).
_KNOWN: Final[dict[type, Reader | bool | None]] = {}
#: Whether `to_dict` knows a value's type, by type (a cache of `_KNOWN`, cleared as it grows).
_WRITES: Final[dict[type, bool]] = {}


def shapes(
    *types: type, written_only: bool = False, read: Reader | None = None
) -> Callable[[Hooks], Hooks]:
    """Make ``types`` data for `to_dict` and `from_dict`; the decorated function registers
    their shape (hooks, with the converter it is given) now.

    ``written_only``: `to_dict` writes them, `from_dict` refuses them (a report whose methods
    need what its data does not hold). ``read``: `from_dict` reads the type with this
    function instead of the converter (a condition from its text; the playbook from its file).
    """
    how: Reader | bool | None = False if written_only else read

    def register(hooks: Hooks) -> Hooks:
        hooks(CONVERTER)
        for cls in types:
            _KNOWN[cls] = how
            if how is not False:
                setattr(cls, "__reduce_ex__", _reduce_ex)  # noqa: B010  (a dunder of the class)
        _WRITES.clear()
        return hooks

    return register


def _reduce_ex(self: object, protocol: SupportsIndex) -> str | tuple[Any, ...]:
    """How ``pickle`` and ``copy`` take a value of a type `from_dict` reads apart: as its data
    (:func:`to_dict`), which :func:`from_dict` reads back equal. Its compiled conditions and
    read-only mappings, which ``pickle`` cannot take, are built again from it. A subclass of
    such a type is taken apart as Python would."""
    cls = type(self)
    if _KNOWN.get(cls, False) is False:
        return object.__reduce_ex__(self, protocol)
    return from_dict, (cls, to_dict(self))


def _writes(cls: type) -> bool:
    """Whether `to_dict` knows values of ``cls`` (a known type, or a condition's node)."""
    known = _WRITES.get(cls)
    if known is None:
        known = _WRITES[cls] = issubclass(cls, tuple(_KNOWN))
    return known


def plain(*types: type) -> None:
    """Make ``types`` data written as their attrs fields are, with the vocabulary's hooks."""
    shapes(*types)(lambda _conv: None)


def _known(*, read: bool = False) -> str:
    """The types `to_dict` knows (``read``: that `from_dict` reads back), by name."""
    return ", ".join(t.__name__ for t, how in _KNOWN.items() if not read or how is not False)


def to_dict(obj: object) -> Any:
    """A JSON-safe form of a public value (a dict; a condition becomes its text).

    ``from_dict(type(obj), to_dict(obj)) == obj`` holds for every value that is not written
    only.
    """
    if not _writes(type(obj)):
        known = _known()
        msg = f"to_dict() does not know {type(obj).__name__} values (it knows {known})."
        raise ValidationError(msg, value=obj, where="to_dict", expected=known)
    return CONVERTER.unstructure(obj)


def from_dict(cls: type[T], data: object) -> T:
    """Rebuild a value of ``cls`` from :func:`to_dict`'s output.

    Malformed data is a :class:`~smarketing.ValidationError` whose message names the path inside
    the data (``$.history[0].at``) and the problem.
    """
    how: Reader | bool | None = False
    if isinstance(cls, type):
        how = _KNOWN.get(cls, False)
        for base in cls.__mro__[1:] if how is False else ():
            if callable(reader := _KNOWN.get(base)):  # a condition's node: read from text
                how = reader
                break
    if how is False:
        name = getattr(cls, "__name__", cls)
        known = _known(read=True)
        written_only = isinstance(cls, type) and cls in _KNOWN
        written = " (it is written only: its data is not read back)" if written_only else ""
        msg = f"from_dict() does not know {name!r}{written}; it knows {known}."
        raise ValidationError(msg, value=cls, where="from_dict", expected=known)
    if callable(how):
        value = how(data)
        if not isinstance(value, cls):  # read as its base (a condition's text): another kind
            msg = f"$: {data!r} reads as {type(value).__name__}, not {cls.__name__}."
            raise ValidationError(msg, value=data, where="$", expected=cls.__name__)
        return value
    mapping(data, cls.__name__)
    try:
        return CONVERTER.structure(data, cls)
    except BaseValidationError as exc:
        problems = cattrs.transform_error(exc, path="$", format_exception=_describe)
        msg = f"cannot read a {cls.__name__}: " + "; ".join(problems) + "."
        raise unreadable(exc, data, msg, _first_path(problems), cls.__name__) from exc


def mapping(data: object, name: str) -> Mapping[str, Any]:
    """``data`` if it is a mapping, the whole of what `from_dict` reads as a ``name``."""
    if not isinstance(data, Mapping):
        msg = f"$: expected a mapping for {name} (got {data!r})."
        raise ValidationError(msg, value=data, where="$", expected="a mapping")
    return data


def unreadable(
    exc: Exception, data: object, msg: str, where: str | None, expected: str | None
) -> ValidationError:
    """The one place an error met while reading data becomes the converter's error.

    Data given to the converter is runtime input, so what the readers raise (a definition's
    ``ConfigError`` from the duration or condition parser, cattrs' collected errors) is a
    ``ValidationError``; ``msg`` and ``where`` name the path inside the data when known. Raise
    it ``from exc``: the original, with its own value and expected, stays the cause.
    """
    return ValidationError(msg, value=data, where=where, expected=expected)


def _describe(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, SmarketingError):
        return str(exc).rstrip(".")
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown keys {sorted(exc.extra_fields)}"
    name = getattr(type_, "__name__", str(type_))
    if name in ("Mapping", "dict"):
        return "expected a mapping"
    return f"invalid value for {name} ({exc})"


def _first_path(problems: list[str]) -> str:
    # transform_error ends every problem with "@ <path>".
    return problems[0].rsplit(" @ ", 1)[-1] if problems else "$"


# --- the vocabulary ----------------------------------------------------------------------------

#: A field that reaches its class as it is in the data, so that "3" or "no" is reported there
#: instead of being coerced by float() or bool().
RAW: Final = override(struct_hook=lambda value, _type: value)
#: A condition is written ``when``, as in the playbook file.
WHEN: Final = override(rename="when")


def exactly(expected: str, accepts: Callable[[object], bool]) -> Callable[[object, object], Any]:
    """A hook that takes a value as it is in the data, or says what was expected instead."""

    def structure(value: object, _type: object) -> Any:
        if not accepts(value):
            msg = f"expected {expected} (got {value!r})"
            raise ValidationError(msg, value=value, expected=expected)
        return value

    return structure


whole: Final = exactly("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool))
flag: Final = exactly("true or false", lambda v: isinstance(v, bool))
number: Final = exactly(
    "a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool)
)
a_list: Final = exactly("a list", lambda v: isinstance(v, list))


def _optional_number(value: object, _type: object) -> float | None:
    return None if value is None else number(value, float)


#: The hook for each kind of figure in a report: whole numbers, numbers, numbers or null.
_FIGURES: Final[dict[object, Any]] = {
    int: override(struct_hook=whole),
    float: override(struct_hook=number),
    float | None: override(struct_hook=_optional_number),
}


def figures(cls: type, conv: cattrs.Converter, **more: Any) -> Any:
    """A structure hook for the attrs class ``cls`` that reads each of its figures (``int``,
    ``float``, ``float | None`` fields) as written, so that "3" or true is reported."""
    hints = typing.get_type_hints(cls)
    found = {
        a.name: _FIGURES[hints[a.name]] for a in attrs.fields(cls) if hints[a.name] in _FIGURES
    }
    return make_dict_structure_fn(cls, conv, **found, **more)


def structure_datetime(value: object, _type: object) -> datetime:
    if isinstance(value, datetime):
        return _v.aware(value, "datetime")
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 timestamp with a zone (got {value!r})"
        raise ValidationError(msg, value=value, expected="an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not an ISO 8601 timestamp"
        raise ValidationError(msg, value=value, expected="an ISO 8601 string") from None
    if parsed.utcoffset() is None:
        msg = f"{value!r} has no time zone (add one, e.g. '+00:00')"
        raise ValidationError(msg, value=value, expected="an aware timestamp")
    return parsed


def _structure_iso(cls: type[T], expected: str, example: str) -> Callable[[object, object], T]:
    """A hook reading ``cls`` (a date or a time of day) from its ISO 8601 text."""

    def structure(value: object, _type: object) -> T:
        if isinstance(value, cls) and not isinstance(value, datetime):
            return value
        try:
            return cls.fromisoformat(value)  # type: ignore[attr-defined, no-any-return]
        except (TypeError, ValueError):
            msg = f"expected {expected} such as {example!r} (got {value!r})"
            raise ValidationError(msg, value=value, expected=expected) from None

    return structure


structure_date = _structure_iso(date, "an ISO 8601 date", "2026-01-31")
structure_time = _structure_iso(time, "a time of day", "09:00")


def structure_duration(value: object, _type: object) -> Duration:
    try:
        return parse_duration(value)
    except ConfigError as exc:
        raise unreadable(exc, value, str(exc), None, "a duration") from exc


def structure_timedelta(value: object, _type: object) -> timedelta:
    duration = structure_duration(value, timedelta)
    if not isinstance(duration, timedelta):
        msg = f"{value!r} is a calendar length (months or years); a fixed length is needed here"
        raise ValidationError(msg, value=value, expected="a fixed duration")
    return duration


def _structure_optional_duration(value: object, _type: object) -> Duration | None:
    return None if value is None else structure_duration(value, Duration)


def structure_text(value: object, _type: object) -> str:
    if not isinstance(value, str):
        msg = f"expected text (got {value!r})"
        raise ValidationError(msg, value=value, expected="a string")
    return value


def structure_optional_text(value: object, _type: object) -> str | None:
    return None if value is None else structure_text(value, str)


def structure_mapping(value: object, _type: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        msg = f"expected a mapping (got {value!r})"
        raise ValidationError(msg, value=value, expected="a mapping")
    return value


StructureHook = Callable[[object, object], Any]


def pair(expected: str, first: StructureHook, second: StructureHook) -> StructureHook:
    """A hook reading a pair the data writes as a two-item list (``[reason, count]``)."""

    def structure(value: object, _type: object) -> tuple[Any, Any]:
        if not isinstance(value, list) or len(value) != 2:
            msg = f"expected {expected} (got {value!r})"
            raise ValidationError(msg, value=value, expected=expected)
        return (first(value[0], object), second(value[1], object))

    return structure


def texts(value: object, _type: object) -> list[str]:
    """A list of text as written, never text read as its letters."""
    return CONVERTER.structure(a_list(value, list), list[str])


def json_safe(value: object) -> object:
    """Free-form data (an activity's properties) as JSON holds it: text keys, lists, times."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _vocabulary(conv: cattrs.Converter) -> None:
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_structure_hook(datetime, structure_datetime)
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    conv.register_structure_hook(date, structure_date)
    # Durations are written as in a playbook file ("4h", "30d", "12mo").
    conv.register_unstructure_hook(timedelta, format_duration)
    conv.register_structure_hook(timedelta, structure_timedelta)
    conv.register_unstructure_hook(relativedelta, format_duration)
    conv.register_structure_hook(relativedelta, structure_duration)
    conv.register_structure_hook(timedelta | relativedelta | None, _structure_optional_duration)
    conv.register_structure_hook(str, structure_text)
    conv.register_structure_hook(str | None, structure_optional_text)
    # A flag is true or false as written: bool("no") is True, which would invert it.
    conv.register_structure_hook(bool, flag)
    conv.register_unstructure_hook(MappingProxyType, lambda m: conv.unstructure(dict(m)))
    conv.register_structure_hook_func(lambda t: t == Mapping[str, object], structure_mapping)


_vocabulary(CONVERTER)
