"""The checks every constructor and entry point shares, and the one error rule they follow.

A bad *definition* (a rule, a stage, a trait, a form field, a persona, a lifecycle, a scoring
model, a data spec, built with bad arguments) is a :class:`~smarketing.ConfigError`; bad
*runtime input* (a lead, an activity, an ``at=``, facts) is a
:class:`~smarketing.ValidationError`. Each check takes the error to raise as ``error``
(:func:`definition` or :func:`runtime`), ``where`` (what names the value in the message and on
the error) and returns the value as the library holds it, so a check also serves as the
body of an attrs converter or validator.

>>> from datetime import timedelta
>>> finite(3, "points", error=definition)
3.0
>>> positive_duration(timedelta(days=-1), "half_life", error=definition)
Traceback (most recent call last):
...
smarketing.errors.ConfigError: half_life must be a positive timedelta (got -1 day).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final, Protocol, TypeAlias, TypeVar

import attrs

from smarketing._format import shown
from smarketing.errors import ConfigError, SmarketingError, ValidationError

__all__ = [
    "MAX_DURATION",
    "MAX_DURATION_TEXT",
    "MAX_POINTS",
    "MAX_POINTS_TEXT",
    "ErrorKind",
    "Validator",
    "argument_key",
    "aware",
    "checked",
    "definition",
    "finite",
    "flag",
    "instance",
    "is_name",
    "is_number",
    "is_utf8",
    "iterable",
    "listed",
    "name",
    "one_or_many",
    "points",
    "positive_duration",
    "runtime",
    "text",
    "to_float",
    "unique",
    "utf8",
    "whole",
]

_T = TypeVar("_T")
_MAX_FLOAT = 1.7976931348623157e308  # sys.float_info.max: the largest float

#: The longest duration the library accepts (a half-life, a window, an SLA, a refresh time):
#: 100 years of 365.25 days. Written as text (``_durations``) or given as a ``timedelta``, a
#: longer one is an error; so adding one to any time of year 1 to 9899 stays in the calendar.
MAX_DURATION: Final = timedelta(days=36525)
#: :data:`MAX_DURATION` as the messages name it.
MAX_DURATION_TEXT: Final = "100 years"
#: The most points, either way, a scoring definition may hold (a rule's points, a cap, the
#: floor, a grade threshold): 1e18. Far above any playbook's (and past the exact float range,
#: where caps still hold), and so far below the largest float (1.8e308) that no sum of
#: contributions, of any number of rules and activities, can overflow.
MAX_POINTS: Final = 1e18
#: :data:`MAX_POINTS` as the messages name it.
MAX_POINTS_TEXT: Final = "1e18"

#: What ``attrs.field(validator=...)`` takes.
Validator: TypeAlias = "Callable[[Any, attrs.Attribute[Any], Any], None]"


class ErrorKind(Protocol):
    """Builds the error for a bad value: :func:`definition` or :func:`runtime`."""

    def __call__(
        self, msg: str, *, value: object, where: str, expected: str
    ) -> SmarketingError: ...


def definition(msg: str, *, value: object, where: str, expected: str) -> ConfigError:
    """The error for a bad definition argument: a ``ConfigError``."""
    return ConfigError(msg, key=_key(where), piece=value, where=where, expected=expected)


def _key(where: str) -> str:
    """The argument's key path: ``half_life`` for ``EngagementRule('demo').half_life``."""
    _, called, rest = where.partition(").")
    if called:
        return rest
    head, dot, rest = where.partition(".")
    return rest if dot and head.isidentifier() and head[:1].isupper() else where


def argument_key(where: str) -> str:
    """``where`` without the definition it is inside: ``half_life`` for
    ``EngagementRule('demo').half_life`` or ``EngagementRule.half_life``."""
    return _key(where)


def runtime(msg: str, *, value: object, where: str, expected: str) -> ValidationError:
    """The error for bad runtime input: a ``ValidationError``."""
    return ValidationError(msg, value=value, where=where, expected=expected)


def _fail(
    error: ErrorKind, where: str, value: object, expected: str, label: str | None
) -> SmarketingError:
    head = f"{label}: {_key(where)!r}" if label else where
    return error(
        f"{head} must be {expected} (got {shown(value)}).",
        value=value,
        where=where,
        expected=expected,
    )


# --- predicates --------------------------------------------------------------------------------


def is_number(value: object) -> bool:
    """A finite float, or an int (never a bool) that a float can hold."""
    if isinstance(value, float):
        return math.isfinite(value)
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and -_MAX_FLOAT <= value <= _MAX_FLOAT
    )


def is_name(value: object) -> bool:
    """Non-empty text without line breaks or surrounding spaces."""
    return isinstance(value, str) and bool(value) and value == value.strip() and value.isprintable()


def is_utf8(value: str) -> bool:
    """Text that can be written as UTF-8: it holds no lone surrogate (``"\\ud800"``, which
    only an escape, as in JSON, can make)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- checks ------------------------------------------------------------------------------------

_UTF8: Final = "text that can be written as UTF-8 (without a lone surrogate such as '\\ud800')"


def aware(value: object, where: str, *, error: ErrorKind = runtime) -> datetime:
    """``value`` if it is a timezone-aware datetime."""
    if not isinstance(value, datetime):
        msg = f"{where} must be a timezone-aware datetime (got {value!r})."
        raise error(msg, value=value, where=where, expected="an aware datetime")
    if value.utcoffset() is None:
        msg = (
            f"{where} must be timezone-aware (got the naive datetime {value.isoformat()}); "
            "attach a zone, e.g. datetime(..., tzinfo=timezone.utc)."
        )
        raise error(msg, value=value, where=where, expected="an aware datetime")
    return value


def text(
    value: object,
    where: str,
    *,
    error: ErrorKind,
    optional: bool = False,
    label: str | None = None,
) -> str | None:
    """Non-empty text (or ``None`` when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        expected = "a non-empty string" + (" or None" if optional else "")
        raise _fail(error, where, value, expected, label)
    return utf8(value, where, error=error, label=label)


#: Python writes an integer as text only up to 4,300 digits (``sys.get_int_max_str_digits``'s
#: default): past it no ``repr``, message or output file could show the value.
MAX_INT_DIGITS: Final = 4300
_WRITABLE_INT: Final = 10**MAX_INT_DIGITS
_WRITABLE: Final = f"a whole number of at most {MAX_INT_DIGITS:,} digits"


def writable_int(value: int, where: str, *, error: ErrorKind, label: str | None = None) -> int:
    """An integer Python can write as text, as :func:`utf8` is for text."""
    if not -_WRITABLE_INT < value < _WRITABLE_INT:
        raise _fail(error, where, value, _WRITABLE, label)
    return value


def utf8(value: str, where: str, *, error: ErrorKind, label: str | None = None) -> str:
    """Text that can be written as UTF-8 (:func:`is_utf8`): a file or a terminal takes it."""
    if not is_utf8(value):
        raise _fail(error, where, value, _UTF8, label)
    return value


def name(
    value: object,
    where: str,
    *,
    error: ErrorKind,
    expected: str = "non-empty text without line breaks or surrounding spaces",
    optional: bool = False,
    label: str | None = None,
) -> str | None:
    """A name: non-empty text without line breaks or surrounding spaces (:func:`is_name`)."""
    if value is None and optional:
        return None
    if not is_name(value):
        raise _fail(error, where, value, expected, label)
    return value  # type: ignore[return-value]


def finite(
    value: object,
    where: str,
    *,
    error: ErrorKind,
    label: str | None = None,
    expected: str = "a finite number",
) -> float:
    """A finite number, as a float."""
    if not is_number(value):
        raise _fail(error, where, value, expected, label)
    return float(value)  # type: ignore[arg-type]


def points(
    value: object,
    where: str,
    *,
    error: ErrorKind,
    label: str | None = None,
    expected: str = "a finite number",
) -> float:
    """A number of points, as a float: finite, and at most :data:`MAX_POINTS` either way.
    ``expected`` says what is wanted when it is not a number."""
    number: float | int = (
        value
        if isinstance(value, int) and not isinstance(value, bool)  # past a float's range too
        else finite(value, where, error=error, label=label, expected=expected)
    )
    if abs(number) > MAX_POINTS:
        bound = f"a number of at most {MAX_POINTS_TEXT} points either way"
        raise _fail(error, where, value, bound, label)
    return float(number)


def whole(
    value: object,
    where: str,
    *,
    error: ErrorKind,
    low: int = 0,
    high: int | None = None,
    optional: bool = False,
    label: str | None = None,
) -> int | None:
    """A whole number (never a bool) of at least ``low`` (and at most ``high``)."""
    if value is None and optional:
        return None
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise _fail(error, where, value, f"a whole number {bound}", label)
    return value


def flag(value: object, where: str, *, error: ErrorKind, label: str | None = None) -> bool:
    """``True`` or ``False`` itself: ``"no"``, ``0`` or ``None`` would read as one by truth."""
    if not isinstance(value, bool):
        raise _fail(error, where, value, "True or False", label)
    return value


def positive_duration(
    value: object,
    where: str,
    *,
    error: ErrorKind,
    optional: bool = False,
    label: str | None = None,
) -> timedelta | None:
    """A ``timedelta`` longer than zero and at most :data:`MAX_DURATION` (or ``None`` when
    ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise _fail(error, where, value, "a positive timedelta", label)
    if value > MAX_DURATION:
        expected = f"a timedelta of at most {MAX_DURATION_TEXT} ({MAX_DURATION.days} days)"
        raise _fail(error, where, value, expected, label)
    return value


def instance(
    value: object,
    where: str,
    *,
    cls: type[_T],
    error: ErrorKind,
    expected: str,
    optional: bool = False,
    label: str | None = None,
) -> _T | None:
    """``value`` if it is a ``cls`` (or ``None`` when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, cls):
        raise _fail(error, where, value, expected, label)
    return value


def iterable(value: object, where: str, *, error: ErrorKind = runtime) -> Iterable[object]:
    """``value`` itself, once it is known to be a collection (text is not one), for reading
    one item at a time."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise error(
            f"{where} must be a collection (got {value!r}).",
            value=value,
            where=where,
            expected="an iterable",
        )
    return value


def one_or_many(
    value: object, where: str, *, what: str, error: ErrorKind = definition
) -> tuple[object, ...]:
    """A name given alone or as a list of them, as a tuple (the caller checks each name)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return tuple(value)
    raise error(
        f"{where} must be a {what} or a list of {what}s (got {value!r}).",
        value=value,
        where=where,
        expected=f"a list of {what}s",
    )


def to_float(value: object) -> object:
    """A number as a float, for a converter; anything else (an int too large for a float
    too) is left as given, for the validator to name."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return value
    return value


def listed(
    value: object, cls: type[_T], where: str, *, error: ErrorKind, label: str | None = None
) -> tuple[_T, ...]:
    """A list (any iterable but text or a mapping) of ``cls`` values, as a tuple."""
    head = f"{label}: {_key(where)!r}" if label else where
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        msg = f"{head} must be a list of {cls.__name__} values (got {value!r})."
        raise error(msg, value=value, where=where, expected="a list")
    items = tuple(value)
    for item in items:
        if not isinstance(item, cls):
            msg = f"{head} must list {cls.__name__} values (got {item!r})."
            raise error(msg, value=item, where=where, expected=cls.__name__)
    return items


def unique(names: Iterable[str], where: str, what: str, *, error: ErrorKind) -> None:
    """Every name once: two things called alike could not be told apart."""
    seen: set[str] = set()
    for one in names:
        if one in seen:
            msg = f"{where}: two {what} are called {one!r}; names must be unique."
            raise error(msg, value=one, where=where, expected="unique names")
        seen.add(one)


def checked(check: Callable[..., object], where: str, **options: Any) -> Validator:
    """An attrs validator running ``check(value, where, **options)``."""

    def validate(_instance: object, _attribute: object, value: object) -> None:
        check(value, where, **options)

    return validate
