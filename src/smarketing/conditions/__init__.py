"""The condition language shared by every module: lifecycle guards, MQL/SQL definitions,
fit rules, persona traits and form gates.

A condition reads a mapping of facts (``{"company_size": 250, "industry": "software"}``) and
answers with three-valued (Kleene) logic: ``True``, ``False``, or ``None`` when the facts it
needs are missing, so that "we don't know yet" is never confused with "no".

>>> import smarketing as sm
>>> c = (sm.field("company_size") >= 50) & sm.field("industry").is_in({"software", "saas"})
>>> c.evaluate({"company_size": 250, "industry": "saas"})
True
>>> c.evaluate({"industry": "saas"}) is None
True
>>> str(c)
"company_size >= 50 and industry in ('saas', 'software')"
>>> sm.parse_condition(str(c)) == c
True
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Final, TypeAlias

import attrs

from smarketing.errors import ConfigError, ValidationError

__all__ = [
    "Always",
    "And",
    "Between",
    "Compare",
    "Condition",
    "Contains",
    "ContainsAny",
    "Exists",
    "Field",
    "IsIn",
    "Matches",
    "Missing",
    "Never",
    "Not",
    "Or",
    "Scalar",
    "all_of",
    "always",
    "any_of",
    "deciding_values",
    "field",
    "never",
    "parse_condition",
]

#: A literal a condition may compare a fact with.
Scalar: TypeAlias = str | int | float | bool

#: Limits that keep the text form safe to parse from untrusted files.
MAX_TEXT_LENGTH: Final = 20_000
MAX_STRING_LENGTH: Final = 1_000
MAX_SET_SIZE: Final = 1_000
MAX_INT: Final = 10**15
MAX_DEPTH: Final = 50

_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MAX_NAME_LENGTH: Final = 200
_OPS: Final = ("==", "!=", "<", "<=", ">", ">=")
_FLIPPED: Final = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


# --- values ---------------------------------------------------------------------------------


def _kind(value: object) -> str | None:
    """The comparison family of a value: booleans, numbers and text never mix."""
    t = type(value)
    if t is str:
        return "s"
    if t is bool:
        return "b"
    if t is int or t is float:
        return "n"
    if isinstance(value, bool):
        return "b"
    if isinstance(value, str):
        return "s"
    if isinstance(value, int | float):
        return "n"
    return None


def _check_name(name: object, where: str) -> str:
    if (
        not isinstance(name, str)
        or not name.strip()
        or len(name) > MAX_NAME_LENGTH
        or name.startswith("__")
        or any(c == "`" or not c.isprintable() for c in name)
    ):
        msg = (
            f"{where} must be a fact name: printable text of at most {MAX_NAME_LENGTH} "
            f"characters, without backquotes and not starting with '__' (got {name!r})."
        )
        raise ValidationError(msg, value=name, where=where, expected="a fact name")
    return name


def _render_name(name: str) -> str:
    """A fact name as the text form writes it: bare when it can be, else in backquotes."""
    if _NAME_RE.match(name) and not keyword.iskeyword(name):
        return name
    return f"`{name}`"


def _check_scalar(value: object, where: str) -> Scalar:
    kind = _kind(value)
    if kind is None:
        msg = f"{where} must be a string, number or boolean (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a str, int, float or bool")
    if kind == "n" and isinstance(value, float) and not math.isfinite(value):
        msg = f"{where} must be a finite number (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a finite number")
    return value  # type: ignore[return-value]


def _scalar_key(value: Scalar) -> tuple[str, Scalar]:
    return (_kind(value) or "?", value)


def _render_value(value: Scalar) -> str:
    return repr(value)


def _render_set(values: Iterable[Scalar]) -> str:
    items = sorted(values, key=_scalar_key)
    if len(items) == 1:
        return f"({_render_value(items[0])},)"
    return "(" + ", ".join(_render_value(v) for v in items) + ")"


def _to_values(values: object, where: str) -> frozenset[Scalar]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        msg = f"{where} must be a collection of strings, numbers or booleans (got {values!r})."
        raise ValidationError(msg, value=values, where=where, expected="a set, list or tuple")
    return frozenset(_check_scalar(v, f"{where} item") for v in values)


def _is_in_values(values: Iterable[Scalar]) -> frozenset[Scalar]:
    return _to_values(values, "is_in values")


def _contains_any_texts(values: Iterable[str]) -> frozenset[str]:
    return _to_values(values, "contains_any texts")  # type: ignore[return-value]


# --- the condition tree ---------------------------------------------------------------------

# Precedence of the text form, loosest first: or < and < not < atoms.
_P_OR: Final = 1
_P_AND: Final = 2
_P_NOT: Final = 3
_P_ATOM: Final = 4


class Condition:
    """A predicate over a mapping of facts, with three-valued (Kleene) results.

    Build conditions with :func:`field`, combine them with ``&``, ``|`` and ``~``, and write
    them as text with ``str(condition)`` / :func:`parse_condition`.
    """

    __slots__ = ()
    _precedence: ClassVar[int] = _P_ATOM

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """``True`` or ``False``, or ``None`` when missing facts leave the answer open."""
        raise NotImplementedError

    def holds(self, facts: Mapping[str, object]) -> bool:
        """Whether the condition is known to be true for these facts."""
        return self.evaluate(facts) is True

    @property
    def fields(self) -> frozenset[str]:
        """The names of the facts the condition reads."""
        raise NotImplementedError

    def missing(self, facts: Mapping[str, object]) -> tuple[str, ...]:
        """The facts the condition reads that ``facts`` lacks, sorted."""
        return tuple(sorted(n for n in self.fields if facts.get(n) is None))

    def blame(self, facts: Mapping[str, object]) -> tuple[Condition, ...]:
        """The smallest parts of the condition that keep it from holding for ``facts``.

        Empty when the condition holds.
        """
        return () if self.evaluate(facts) is True else (self,)

    def _render(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self._render()

    def __repr__(self) -> str:
        return f"parse_condition({self._render()!r})"

    def _wrapped(self, precedence: int) -> str:
        text = self._render()
        return f"({text})" if self._precedence < precedence else text

    def __and__(self, other: Condition) -> Condition:
        if not isinstance(other, Condition):
            return NotImplemented
        return all_of(self, other)

    def __or__(self, other: Condition) -> Condition:
        if not isinstance(other, Condition):
            return NotImplemented
        return any_of(self, other)

    def __invert__(self) -> Condition:
        return Not(self)

    def __bool__(self) -> bool:
        msg = (
            f"the truth of the condition {self} depends on facts: combine conditions with "
            "'&', '|' and '~' (not 'and', 'or', 'not') and test them with .holds(facts)."
        )
        raise ValidationError(msg, value=self, where="bool(condition)", expected=".holds(facts)")


@attrs.frozen(repr=False)
class Always(Condition):
    """The condition that always holds: ``always()``."""

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Always ``True``."""
        return True

    @property
    def fields(self) -> frozenset[str]:
        """Reads no facts."""
        return frozenset()

    def _render(self) -> str:
        return "always()"

    def __repr__(self) -> str:
        return "always()"


@attrs.frozen(repr=False)
class Never(Condition):
    """The condition that never holds: ``never()``."""

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Always ``False``."""
        return False

    @property
    def fields(self) -> frozenset[str]:
        """Reads no facts."""
        return frozenset()

    def _render(self) -> str:
        return "never()"

    def __repr__(self) -> str:
        return "never()"


_ALWAYS: Final = Always()
_NEVER: Final = Never()


def always() -> Condition:
    """The condition that always holds."""
    return _ALWAYS


def never() -> Condition:
    """The condition that never holds."""
    return _NEVER


class _Leaf(Condition):
    """A predicate on one fact."""

    __slots__ = ()
    name: str

    @property
    def fields(self) -> frozenset[str]:
        """The one fact this predicate reads."""
        return frozenset((self.name,))


_COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@attrs.frozen(repr=False)
class Compare(_Leaf):
    """``name <op> value`` for ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``.

    Values of different families (text, numbers, booleans) are never equal and never ordered:
    ``==`` and the orderings are ``False``, ``!=`` is ``True``.
    """

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))
    op: str = attrs.field()
    value: Scalar = attrs.field(validator=lambda _s, _a, v: _check_scalar(v, "compared value"))
    _fn: Callable[[Any, Any], Any] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _kind: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    @op.validator
    def _check_op(self, _attribute: object, op: object) -> None:
        if op not in _OPS:
            msg = f"comparison operator must be one of {', '.join(_OPS)} (got {op!r})."
            raise ValidationError(msg, value=op, where="Compare.op", expected=" ".join(_OPS))

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_fn", _COMPARE[self.op])
        object.__setattr__(self, "_kind", _kind(self.value))

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Compare the fact with the value; ``None`` when the fact is unknown."""
        v = facts.get(self.name)
        if v is None:
            return None
        if _kind(v) != self._kind:
            return self.op == "!="
        return bool(self._fn(v, self.value))

    def _render(self) -> str:
        return f"{_render_name(self.name)} {self.op} {_render_value(self.value)}"


@attrs.frozen(repr=False)
class IsIn(_Leaf):
    """``name in (a, b, ...)``: the fact equals one of the values."""

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))
    values: frozenset[Scalar] = attrs.field(converter=_is_in_values)
    _keys: frozenset[tuple[str, Scalar]] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_keys", frozenset(_scalar_key(v) for v in self.values))

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the fact is one of the values; ``None`` when it is unknown."""
        v = facts.get(self.name)
        if v is None:
            return None
        kind = _kind(v)
        return kind is not None and (kind, v) in self._keys

    def _render(self) -> str:
        return f"{_render_name(self.name)} in {_render_set(self.values)}"


@attrs.frozen(repr=False)
class Between(_Leaf):
    """``between(name, low, high)``: ``low <= fact <= high`` (inclusive)."""

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))
    low: Scalar = attrs.field(validator=lambda _s, _a, v: _check_scalar(v, "between low"))
    high: Scalar = attrs.field(validator=lambda _s, _a, v: _check_scalar(v, "between high"))

    def __attrs_post_init__(self) -> None:
        if _kind(self.low) != _kind(self.high) or _kind(self.low) == "b":
            msg = (
                f"between({_render_name(self.name)}, ...) needs two numbers or two strings "
                f"(got {self.low!r} and {self.high!r})."
            )
            raise ValidationError(
                msg, value=(self.low, self.high), where="between", expected="two numbers"
            )

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the fact lies in the closed range; ``None`` when it is unknown."""
        v = facts.get(self.name)
        if v is None:
            return None
        if _kind(v) != _kind(self.low):
            return False
        return self.low <= v <= self.high  # type: ignore[operator]

    def _render(self) -> str:
        low, high = _render_value(self.low), _render_value(self.high)
        return f"between({_render_name(self.name)}, {low}, {high})"


def _text_items(v: object) -> tuple[str, ...] | None:
    """The text a fact holds: a string, or the strings of a list-like value."""
    if isinstance(v, str):
        return (v.casefold(),)
    if isinstance(v, list | tuple | frozenset | set):
        return tuple(x.casefold() for x in v if isinstance(x, str))
    return None


@attrs.frozen(repr=False)
class Contains(_Leaf):
    """``contains(name, 'text')``: case-insensitive substring (of any item of a list fact)."""

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))
    text: str = attrs.field()
    _folded: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    @text.validator
    def _check_text(self, _attribute: object, text: object) -> None:
        if not isinstance(text, str):
            msg = f"contains({_render_name(self.name)}, ...) needs text to look for (got {text!r})."
            raise ValidationError(msg, value=text, where="contains", expected="a string")

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_folded", self.text.casefold())

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the fact contains the text, ignoring case; ``None`` when unknown."""
        v = facts.get(self.name)
        if v is None:
            return None
        items = _text_items(v)
        return items is not None and any(self._folded in item for item in items)

    def _render(self) -> str:
        return f"contains({_render_name(self.name)}, {_render_value(self.text)})"


@attrs.frozen(repr=False)
class ContainsAny(_Leaf):
    """``contains_any(name, ('a', 'b'))``: the fact contains any of the texts, ignoring case."""

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))
    texts: frozenset[str] = attrs.field(converter=_contains_any_texts)
    _folded: tuple[str, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        bad = [t for t in self.texts if not isinstance(t, str)]
        if bad:
            name = _render_name(self.name)
            msg = f"contains_any({name}, ...) needs texts to look for (got {bad[0]!r})."
            raise ValidationError(msg, value=bad[0], where="contains_any", expected="strings")
        folded = tuple(sorted({t.casefold() for t in self.texts}))
        object.__setattr__(self, "_folded", folded)

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the fact contains one of the texts, ignoring case; ``None`` when unknown."""
        v = facts.get(self.name)
        if v is None:
            return None
        items = _text_items(v)
        return items is not None and any(t in item for item in items for t in self._folded)

    def _render(self) -> str:
        return f"contains_any({_render_name(self.name)}, {_render_set(self.texts)})"


@attrs.frozen(repr=False)
class Matches(_Leaf):
    """``matches(name, 'regex')``: the regular expression is found in the text fact."""

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))
    pattern: str = attrs.field()
    _regex: re.Pattern[str] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        pattern: object = self.pattern
        if not isinstance(pattern, str):
            name = _render_name(self.name)
            msg = f"matches({name}, ...) needs a regular expression (got {pattern!r})."
            raise ValidationError(msg, value=self.pattern, where="matches", expected="a string")
        try:
            regex = re.compile(self.pattern)
        except re.error as exc:
            name = _render_name(self.name)
            msg = f"matches({name}, {self.pattern!r}): not a valid regular expression ({exc})."
            raise ValidationError(
                msg, value=self.pattern, where="matches", expected="a regular expression"
            ) from None
        object.__setattr__(self, "_regex", regex)

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the pattern is found in the text fact; ``None`` when it is unknown."""
        v = facts.get(self.name)
        if v is None:
            return None
        return isinstance(v, str) and self._regex.search(v) is not None

    def _render(self) -> str:
        return f"matches({_render_name(self.name)}, {_render_value(self.pattern)})"


@attrs.frozen(repr=False)
class Exists(_Leaf):
    """``exists(name)``: the fact is known. Never undetermined."""

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the fact is known."""
        return facts.get(self.name) is not None

    def missing(self, facts: Mapping[str, object]) -> tuple[str, ...]:
        """The fact, when it is not known."""
        return () if facts.get(self.name) is not None else (self.name,)

    def _render(self) -> str:
        return f"exists({_render_name(self.name)})"


@attrs.frozen(repr=False)
class Missing(_Leaf):
    """``missing(name)``: the fact is not known. Never undetermined."""

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the fact is unknown."""
        return facts.get(self.name) is None

    def missing(self, facts: Mapping[str, object]) -> tuple[str, ...]:
        """Nothing: a missing fact is what this predicate asks for."""
        return ()

    def _render(self) -> str:
        return f"missing({_render_name(self.name)})"


def _flatten(parts: Iterable[object], kind: type[_Junction]) -> tuple[Condition, ...]:
    out: list[Condition] = []
    for part in parts:
        if not isinstance(part, Condition):
            msg = f"{kind.__name__} combines conditions (got {part!r})."
            raise ValidationError(msg, value=part, where=kind.__name__, expected="a Condition")
        if isinstance(part, kind):
            out.extend(part.parts)
        else:
            out.append(part)
    if len(out) < 2:
        msg = f"{kind.__name__} needs at least two conditions (got {len(out)})."
        raise ValidationError(msg, value=out, where=kind.__name__, expected="two or more")
    return tuple(out)


@attrs.frozen(repr=False)
class _Junction(Condition):
    """Parts joined by ``and`` or ``or``; nested joins of the same kind are flattened."""

    _word: ClassVar[str]
    parts: tuple[Condition, ...] = attrs.field()
    _fields: frozenset[str] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        parts = _flatten(self.parts, type(self))
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "_fields", frozenset().union(*(p.fields for p in parts)))

    @property
    def fields(self) -> frozenset[str]:
        """The facts any part reads."""
        return self._fields

    def _render(self) -> str:
        return f" {self._word} ".join(p._wrapped(self._precedence + 1) for p in self.parts)


@attrs.frozen(repr=False)
class And(_Junction):
    """All parts hold. Kleene: ``False`` wins over unknown, unknown over ``True``."""

    _precedence: ClassVar[int] = _P_AND
    _word: ClassVar[str] = "and"

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """``False`` if a part is false, else ``None`` if a part is unknown, else ``True``."""
        result: bool | None = True
        for part in self.parts:
            r = part.evaluate(facts)
            if r is False:
                return False
            if r is None:
                result = None
        return result

    def blame(self, facts: Mapping[str, object]) -> tuple[Condition, ...]:
        """The parts that are false or unknown, each narrowed down."""
        return tuple(c for p in self.parts for c in p.blame(facts))


@attrs.frozen(repr=False)
class Or(_Junction):
    """At least one part holds. Kleene: ``True`` wins over unknown, unknown over ``False``."""

    _precedence: ClassVar[int] = _P_OR
    _word: ClassVar[str] = "or"

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """``True`` if a part is true, else ``None`` if a part is unknown, else ``False``."""
        result: bool | None = False
        for part in self.parts:
            r = part.evaluate(facts)
            if r is True:
                return True
            if r is None:
                result = None
        return result

    def blame(self, facts: Mapping[str, object]) -> tuple[Condition, ...]:
        """Every part, since none holds (empty when one does)."""
        if self.evaluate(facts) is True:
            return ()
        return tuple(c for p in self.parts for c in p.blame(facts))


@attrs.frozen(repr=False)
class Not(Condition):
    """The part does not hold; unknown stays unknown."""

    _precedence: ClassVar[int] = _P_NOT
    part: Condition = attrs.field()

    @part.validator
    def _check_part(self, _attribute: object, part: object) -> None:
        if not isinstance(part, Condition):
            msg = f"Not negates a condition (got {part!r})."
            raise ValidationError(msg, value=part, where="Not", expected="a Condition")

    @property
    def fields(self) -> frozenset[str]:
        """The facts the negated part reads."""
        return self.part.fields

    def missing(self, facts: Mapping[str, object]) -> tuple[str, ...]:
        """The facts the negated part misses."""
        return self.part.missing(facts)

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """The negation of the part, ``None`` when the part is unknown."""
        r = self.part.evaluate(facts)
        return None if r is None else not r

    def _render(self) -> str:
        part = self.part
        if isinstance(part, IsIn):
            return f"{_render_name(part.name)} not in {_render_set(part.values)}"
        return "not " + part._wrapped(_P_NOT)


def all_of(*conditions: Condition) -> Condition:
    """All the conditions hold (``always()`` for none, the condition itself for one)."""
    if not conditions:
        return _ALWAYS
    if len(conditions) == 1:
        return conditions[0]
    return And(conditions)


def any_of(*conditions: Condition) -> Condition:
    """At least one of the conditions holds (``never()`` for none, itself for one)."""
    if not conditions:
        return _NEVER
    if len(conditions) == 1:
        return conditions[0]
    return Or(conditions)


# --- building conditions in Python ----------------------------------------------------------


@attrs.frozen(eq=False)
class Field:
    """A fact name, from which predicates are built: ``field("company_size") >= 50``."""

    name: str = attrs.field(validator=lambda _s, _a, v: _check_name(v, "field name"))

    def __eq__(self, value: Scalar) -> Condition:  # type: ignore[override]
        return Compare(self.name, "==", value)

    def __ne__(self, value: Scalar) -> Condition:  # type: ignore[override]
        return Compare(self.name, "!=", value)

    def __lt__(self, value: Scalar) -> Condition:
        return Compare(self.name, "<", value)

    def __le__(self, value: Scalar) -> Condition:
        return Compare(self.name, "<=", value)

    def __gt__(self, value: Scalar) -> Condition:
        return Compare(self.name, ">", value)

    def __ge__(self, value: Scalar) -> Condition:
        return Compare(self.name, ">=", value)

    __hash__ = None  # type: ignore[assignment]

    def is_in(self, values: Iterable[Scalar]) -> Condition:
        """The fact is one of ``values``."""
        return IsIn(self.name, values)

    def not_in(self, values: Iterable[Scalar]) -> Condition:
        """The fact is known and none of ``values``."""
        return Not(IsIn(self.name, values))

    def between(self, low: Scalar, high: Scalar) -> Condition:
        """``low <= fact <= high``."""
        return Between(self.name, low, high)

    def contains(self, text: str) -> Condition:
        """The text fact contains ``text``, ignoring case."""
        return Contains(self.name, text)

    def contains_any(self, texts: Iterable[str]) -> Condition:
        """The text fact contains any of ``texts``, ignoring case."""
        return ContainsAny(self.name, texts)

    def matches(self, pattern: str) -> Condition:
        """The regular expression ``pattern`` is found in the text fact."""
        return Matches(self.name, pattern)

    def exists(self) -> Condition:
        """The fact is known."""
        return Exists(self.name)

    def missing(self) -> Condition:
        """The fact is unknown."""
        return Missing(self.name)


def _leaves_on(condition: Condition, name: str) -> Iterable[_Leaf]:
    if isinstance(condition, _Junction):
        for part in condition.parts:
            yield from _leaves_on(part, name)
    elif isinstance(condition, Not):
        yield from _leaves_on(condition.part, name)
    elif isinstance(condition, _Leaf) and condition.name == name:
        yield condition


def deciding_values(conditions: Iterable[Condition], name: str) -> tuple[Scalar, ...]:
    """Values of the fact ``name`` that between them reach what the conditions can tell apart.

    For every literal a predicate on ``name`` compares with: the literal, and for numbers the
    values just below and above it; for text, every literal and all ``contains`` texts
    together; the booleans compared with; then a number and a text that match no literal.
    Regular expressions give no value of their own. What a form could win by asking ``name``
    is read by evaluating the conditions at these values, instead of adding up rules that
    exclude each other.

    >>> import smarketing as sm
    >>> bands = [sm.field("size") >= 1000, sm.field("size").between(200, 999)]
    >>> deciding_values(bands, "size")
    (199, 200, 201, 998, 999, 1000, 1001, -1000000000000001, 1000000000000001, '\\x00')
    """
    numbers: set[int | float] = set()
    texts: dict[str, None] = {}
    contained: dict[str, None] = {}
    flags: set[bool] = set()
    for condition in conditions:
        for leaf in _leaves_on(condition, name):
            if isinstance(leaf, Compare):
                literals: Iterable[Scalar] = (leaf.value,)
            elif isinstance(leaf, IsIn):
                literals = sorted(leaf.values, key=_scalar_key)
            elif isinstance(leaf, Between):
                literals = (leaf.low, leaf.high)
            elif isinstance(leaf, Contains):
                literals = ()
                contained[leaf.text] = None
            elif isinstance(leaf, ContainsAny):
                literals = ()
                contained.update(dict.fromkeys(sorted(leaf.texts)))
            else:
                literals = ()
            for value in literals:
                if isinstance(value, bool):
                    flags.add(value)
                elif isinstance(value, int | float):
                    step = 1 if isinstance(value, int) else 0.5
                    numbers.update((value - step, value, value + step))
                else:
                    texts[value] = None
    texts.update(contained)
    if len(contained) > 1:
        texts[" ".join(contained)] = None
    beyond = MAX_INT + 1  # past every literal the language admits
    return (*sorted(numbers), -beyond, beyond, *texts, "\x00", *sorted(flags))


def field(name: str) -> Field:
    """Start a condition on the fact ``name``.

    >>> import smarketing as sm
    >>> str(sm.field("industry").is_in({"saas", "software"}) & ~sm.field("email").exists())
    "industry in ('saas', 'software') and not exists(email)"
    """
    return Field(name)


# --- the text form --------------------------------------------------------------------------

_CMP_NODES: Final[dict[type, str]] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


class _Parser:
    """Turns a whitelisted subset of Python expression syntax into conditions."""

    def __init__(self, text: str, source: str | None) -> None:
        self.text = text
        self.source = source
        #: The text handed to ``ast``: backquoted names replaced by placeholder identifiers.
        self.code = text
        self.quoted: dict[str, str] = {}

    def fail(self, node: ast.AST | None, problem: str) -> ConfigError:
        piece = ast.get_source_segment(self.code, node) if node is not None else None
        if piece is not None:
            for placeholder, name in self.quoted.items():
                piece = piece.replace(placeholder, f"`{name}`")
        where = f" in {self.source}" if self.source else ""
        at = f" {piece!r}" if piece else ""
        text = self.text if len(self.text) <= 120 else self.text[:117] + "..."
        if piece and len(piece) > 80:
            at = f" {piece[:77]!r}..."
        msg = f"condition {text!r}{where}: {problem}{at and ':'}{at}."
        return ConfigError(msg, source=self.source, piece=piece or self.text)

    def parse(self) -> Condition:
        text: object = self.text
        if not isinstance(text, str):
            msg = f"a condition must be text (got {text!r})."
            raise ConfigError(msg, source=self.source, piece=self.text)
        if len(self.text) > MAX_TEXT_LENGTH:
            msg = (
                f"condition text is {len(self.text)} characters long; "
                f"at most {MAX_TEXT_LENGTH} are accepted."
            )
            raise ConfigError(msg, source=self.source, piece=self.text[:80])
        if not self.text.strip():
            raise self.fail(None, "is empty; write always() for a condition that always holds")
        self.text = self.text.strip()
        self.code = self.unquote(self.text)
        try:
            with warnings.catch_warnings():
                # '\.' in a regex is what people write; Python would warn about the escape.
                warnings.simplefilter("ignore", category=SyntaxWarning)
                warnings.simplefilter("ignore", category=DeprecationWarning)
                tree = ast.parse(self.code, mode="eval")
        except SyntaxError as exc:
            col = f" at column {exc.offset}" if exc.offset else ""
            raise self.fail(None, f"is not valid syntax{col} ({exc.msg})") from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise self.fail(None, f"cannot be read ({type(exc).__name__})") from None
        try:
            return self.condition(tree.body, 0)
        except RecursionError:
            raise self.fail(None, "is nested too deeply") from None

    def condition(self, node: ast.expr, depth: int) -> Condition:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(v, depth + 1) for v in node.values]
            return all_of(*parts) if isinstance(node.op, ast.And) else any_of(*parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self.condition(node.operand, depth + 1))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Name):
            raise self.fail(
                node, "a fact name alone is not a condition; compare it or use exists()"
            )
        raise self.fail(node, f"{_describe(node)} is not allowed in a condition")

    def unquote(self, text: str) -> str:
        """``text`` with each backquoted name (`` `Lead Source` ``) outside string literals
        replaced by a placeholder identifier that :meth:`name` maps back.

        Outside strings and backquotes the text must be ASCII: Python folds look-alike letters
        (NFKC: a full-width x would be read as 'x'), and a fact name is read exactly as written.
        """
        if "`" not in text and text.isascii():
            return text
        prefix = "_bq"
        while prefix in text:
            prefix += "_"
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c in "'\"":
                end = _string_end(text, i)
                out.append(text[i:end])
                i = end
            elif c == "`":
                close = text.find("`", i + 1)
                if close < 0:
                    raise self.fail(None, f"the backquote at column {i + 1} is never closed")
                name = text[i + 1 : close]
                try:
                    _check_name(name, "a backquoted name")
                except ValidationError as exc:
                    raise self.fail(None, str(exc).rstrip(".")) from None
                placeholder = f"{prefix}{len(self.quoted)}"
                self.quoted[placeholder] = name
                out.append(placeholder)
                i = close + 1
            elif not c.isascii():
                problem = f"{c!r} at column {i + 1}: a name beyond ASCII goes in backquotes"
                raise self.fail(None, problem)
            else:
                out.append(c)
                i += 1
        return "".join(out)

    def name(self, node: ast.expr) -> str:
        if not isinstance(node, ast.Name):
            raise self.fail(node, f"expected a fact name, found {_describe(node)}")
        quoted = self.quoted.get(node.id)
        if quoted is not None:
            return quoted
        if node.id.startswith("__"):
            raise self.fail(node, "names starting with '__' are not allowed")
        return node.id

    def literal(self, node: ast.expr) -> Scalar:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            number = self.literal(node.operand)
            if not isinstance(number, int | float) or isinstance(number, bool):
                raise self.fail(node, "a sign goes only before a number")
            return -number if isinstance(node.op, ast.USub) else number
        if not isinstance(node, ast.Constant):
            raise self.fail(node, f"expected a literal value, found {_describe(node)}")
        value: object = node.value
        if isinstance(value, str):
            if len(value) > MAX_STRING_LENGTH:
                raise self.fail(None, f"a string longer than {MAX_STRING_LENGTH} characters")
            return value
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                raise self.fail(None, f"a number larger than {MAX_INT}")
            return value
        if isinstance(value, float) and math.isfinite(value) and abs(value) <= MAX_INT:
            return value
        raise self.fail(node, "expected a string, a finite number, True or False")

    def literals(self, node: ast.expr) -> list[Scalar]:
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            raise self.fail(node, f"expected a list of values in (...), found {_describe(node)}")
        if len(node.elts) > MAX_SET_SIZE:
            raise self.fail(None, f"a list of more than {MAX_SET_SIZE} values")
        return [self.literal(e) for e in node.elts]

    def compare(self, node: ast.Compare) -> Condition:
        operands = [node.left, *node.comparators]
        parts: list[Condition] = []
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            parts.append(self.comparison(node, op, left, right))
        return all_of(*parts)

    def comparison(
        self, node: ast.expr, op: ast.cmpop, left: ast.expr, right: ast.expr
    ) -> Condition:
        if isinstance(op, ast.In | ast.NotIn):
            test = IsIn(self.name(left), self.literals(right))
            return test if isinstance(op, ast.In) else Not(test)
        symbol = _CMP_NODES.get(type(op))
        if symbol is None:
            raise self.fail(node, f"the operator {type(op).__name__} is not allowed")
        if isinstance(left, ast.Name):
            return Compare(self.name(left), symbol, self.literal(right))
        if isinstance(right, ast.Name):
            return Compare(self.name(right), _FLIPPED[symbol], self.literal(left))
        raise self.fail(node, "a comparison needs a fact name on one side")

    def call(self, node: ast.Call) -> Condition:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, f"{_describe(node.func)} cannot be called")
        fn = node.func.id
        spec = _PREDICATES.get(fn)
        if spec is None:
            known = ", ".join(sorted(_PREDICATES))
            raise self.fail(node.func, f"unknown predicate; the predicates are {known}")
        if node.keywords:
            raise self.fail(node, f"{fn}() takes no keyword arguments")
        arity, build = spec
        if len(node.args) != arity:
            raise self.fail(node, f"{fn}() takes {arity} argument{'s' * (arity != 1)}")
        try:
            return build(self, node.args)
        except ValidationError as exc:
            raise self.fail(node, str(exc).rstrip(".")) from None


def _string_end(text: str, start: int) -> int:
    """The index just past the string literal that opens at ``start`` (or the text's end)."""
    quote = text[start]
    delimiter = quote * 3 if text.startswith(quote * 3, start) else quote
    i = start + len(delimiter)
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(delimiter, i):
            return i + len(delimiter)
        else:
            i += 1
    return len(text)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access",
        ast.Subscript: "indexing",
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.BinOp: "arithmetic",
        ast.Call: "a call",
        ast.Dict: "a dict",
        ast.NamedExpr: "an assignment",
        ast.IfExp: "an if-expression",
        ast.JoinedStr: "an f-string",
        ast.Starred: "unpacking",
        ast.Await: "await",
    }
    if isinstance(node, ast.Constant):
        return f"the value {node.value!r}"
    if isinstance(node, ast.Name):
        return f"the name {node.id!r}"
    return names.get(type(node), type(node).__name__)


_Build = Callable[[_Parser, list[ast.expr]], Condition]
_PREDICATES: Final[dict[str, tuple[int, _Build]]] = {
    "always": (0, lambda p, a: _ALWAYS),
    "never": (0, lambda p, a: _NEVER),
    "exists": (1, lambda p, a: Exists(p.name(a[0]))),
    "missing": (1, lambda p, a: Missing(p.name(a[0]))),
    "contains": (2, lambda p, a: Contains(p.name(a[0]), p.literal(a[1]))),  # type: ignore[arg-type]
    "contains_any": (2, lambda p, a: ContainsAny(p.name(a[0]), p.literals(a[1]))),  # type: ignore[arg-type]
    "matches": (2, lambda p, a: Matches(p.name(a[0]), p.literal(a[1]))),  # type: ignore[arg-type]
    "between": (3, lambda p, a: Between(p.name(a[0]), p.literal(a[1]), p.literal(a[2]))),
}


def parse_condition(text: str, *, source: str | None = None) -> Condition:
    """Read a condition from its text form.

    The text is parsed, never executed: comparisons, ``in``/``not in``, ``and``, ``or``,
    ``not``, parentheses and the predicates ``exists``, ``missing``, ``contains``,
    ``contains_any``, ``matches``, ``between``, ``always`` and ``never``. Anything else is a
    :class:`~smarketing.ConfigError` naming the offending piece; ``source`` (a file name, a key
    path) is named in the message.

    >>> import smarketing as sm
    >>> sm.parse_condition("company_size >= 50 and contains(job_title, 'vp')")
    parse_condition("company_size >= 50 and contains(job_title, 'vp')")
    """
    return _Parser(text, source).parse()
