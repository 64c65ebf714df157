"""The condition tree: the node types and their three-valued (Kleene) semantics.

Each node is a frozen value. Its ``evaluate`` is the reference semantics, written as plainly as
the rules read: a leaf is ``None`` when its fact is unknown, ``and`` lets ``False`` win over
unknown and unknown over ``True``, ``or`` the other way round, ``not`` keeps unknown. The fast
path that modules run per lead is :mod:`smarketing.conditions._compile`, checked against these
methods as its oracle. Each node also renders its text form (``str(condition)``), which
:mod:`smarketing.conditions._parse` reads back.
"""

from __future__ import annotations

import keyword
import math
import numbers
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Final, TypeAlias

import attrs

from smarketing.conditions._limits import (
    MAX_DEPTH,
    MAX_INT,
    MAX_MATCH_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SET_SIZE,
    MAX_STRING_LENGTH,
    MAX_TEXT_LENGTH,
)
from smarketing.conditions._regex import safe_regex
from smarketing.errors import ValidationError

#: A literal a condition may compare a fact with.
Scalar: TypeAlias = str | int | float | bool

_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
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
    # bool cannot be subclassed: what is left are subclasses of str, int and float.
    if isinstance(value, str):
        return "s"
    if isinstance(value, int | float):
        return "n"
    # Other real numbers: numpy's integers (np.int64 is no int, but registers as Integral),
    # fractions. Known without importing numpy; a numpy bool_ is none of these.
    if isinstance(value, numbers.Real):
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
    if kind == "n" and abs(value) > MAX_INT:  # type: ignore[arg-type]
        expected = f"a number of at most {MAX_INT} either way"
        raise ValidationError(
            f"{where} must be {expected}.", value=value, where=where, expected=expected
        )
    if kind == "s":
        _check_length(value, where)  # type: ignore[arg-type]
    return value  # type: ignore[return-value]


def _check_length(text: str, where: str) -> str:
    if len(text) > MAX_STRING_LENGTH:
        expected = f"a string of at most {MAX_STRING_LENGTH} characters"
        msg = f"{where} must be {expected} (got {len(text)} characters)."
        raise ValidationError(msg, value=text, where=where, expected=expected)
    return text


def _scalar_key(value: Scalar) -> tuple[str, Scalar]:
    return (_kind(value) or "?", value)


def _render_value(value: Scalar) -> str:
    return repr(value)


def _render_set(values: Iterable[Scalar]) -> str:
    items = sorted(values, key=_scalar_key)  # an IsIn's values are in this order already
    if len(items) == 1:
        return f"({_render_value(items[0])},)"
    return "(" + ", ".join(_render_value(v) for v in items) + ")"


def _to_values(values: object, where: str) -> tuple[Scalar, ...]:
    """The distinct values of a collection, in the text form's order.

    Values are told apart by family as well as by value: ``1``, ``True`` and ``1.0`` are
    equal in Python (a ``frozenset`` would keep one of them), but ``True`` is no number here,
    so ``(1, True)`` keeps both; ``1`` and ``1.0`` are the same number and kept once.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        msg = f"{where} must be a collection of strings, numbers or booleans (got {values!r})."
        raise ValidationError(msg, value=values, where=where, expected="a set, list or tuple")
    items = tuple(values)
    if len(items) > MAX_SET_SIZE:
        expected = f"at most {MAX_SET_SIZE} values"
        msg = f"{where} must hold {expected} (got {len(items)})."
        raise ValidationError(msg, value=len(items), where=where, expected=expected)
    distinct: dict[tuple[str, Scalar], Scalar] = {}
    for v in items:
        distinct.setdefault(_scalar_key(_check_scalar(v, f"{where} item")), v)
    return tuple(distinct[k] for k in sorted(distinct))


def _keys_of(values: Iterable[Scalar]) -> tuple[tuple[str, Scalar], ...]:
    """What tells a node's values apart (their eq key): family and value, in order."""
    return tuple(_scalar_key(v) for v in values)


def _fact_name(name: str) -> str:
    """A node's ``name``, checked as it is set (a converter), so derived values can read it."""
    return _check_name(name, "field name")


def _is_in_values(values: Iterable[Scalar]) -> tuple[Scalar, ...]:
    return _to_values(values, "is_in values")


def _contains_any_texts(values: Iterable[str]) -> frozenset[str]:
    return frozenset(_to_values(values, "contains_any texts"))  # type: ignore[arg-type]


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

    def to_expr(self, schema: Mapping[str, Any] | None = None) -> Any:
        """The condition as a narwhals expression: true, false, or null where undetermined.

        ``schema`` (column name to narwhals dtype) gives each column's type, and with it the
        family its values compare in; without it a column is taken to be of the family of
        the literal it is compared with. Needs the ``frames`` extra (narwhals); see
        :mod:`smarketing.conditions._expr`.
        """
        from smarketing.conditions._expr import to_expr  # narwhals only when asked for

        return to_expr(self, schema)

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


def _checked_text(node: Condition, text: str) -> str:
    """A node's text form, once it is known to be short enough to be read back."""
    if len(text) > MAX_TEXT_LENGTH:
        kind = type(node).__name__
        expected = f"a condition whose text is at most {MAX_TEXT_LENGTH} characters long"
        msg = f"{kind}: the condition's text would be {len(text)} characters long; {expected}."
        raise ValidationError(msg, value=text, where=kind, expected=expected)
    return text


def _depth(condition: Condition) -> int:
    """How many ``and``/``or``/``not`` nest above the deepest predicate (0 for one)."""
    return condition._nesting if isinstance(condition, _Junction | Not) else 0


def _nested(node: Condition, depth: int) -> int:
    if depth > MAX_DEPTH:
        kind = type(node).__name__
        expected = f"a condition nested at most {MAX_DEPTH} levels deep"
        msg = f"{kind}: the condition would be nested {depth} levels deep; {expected}."
        raise ValidationError(msg, value=depth, where=kind, expected=expected)
    return depth


class _Leaf(Condition):
    """A predicate on one fact."""

    __slots__ = ()
    name: str

    def __attrs_post_init__(self) -> None:
        _checked_text(self, self._render())

    @property
    def fields(self) -> frozenset[str]:
        """The one fact this predicate reads."""
        return frozenset((self.name,))

    def missing(self, facts: Mapping[str, object]) -> tuple[str, ...]:
        """The fact, when it is not known (the general rule for one fact, without building
        its set: a third of the planner's fit stakes, line_profiler)."""
        return () if facts.get(self.name) is not None else (self.name,)


_COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _operator(op: str) -> str:
    if op not in _OPS:
        msg = f"comparison operator must be one of {', '.join(_OPS)} (got {op!r})."
        raise ValidationError(msg, value=op, where="Compare.op", expected=" ".join(_OPS))
    return op


def _compared_value(value: Scalar) -> Scalar:
    return _check_scalar(value, "compared value")


@attrs.frozen(repr=False)
class Compare(_Leaf):
    """``name <op> value`` for ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``.

    Values of different families (text, numbers, booleans) are never equal and never ordered:
    ``==`` and the orderings are ``False``, ``!=`` is ``True``.
    """

    name: str = attrs.field(converter=_fact_name)
    op: str = attrs.field(converter=_operator)
    # Told apart by family too: ``x == 1`` and ``x == True`` answer differently.
    value: Scalar = attrs.field(converter=_compared_value, eq=_scalar_key)
    _fn: Callable[[Any, Any], Any] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _kind: str | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_fn.default
    def _operation(self) -> Callable[[Any, Any], Any]:
        return _COMPARE[self.op]

    @_kind.default
    def _value_kind(self) -> str | None:
        return _kind(self.value)

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
    """``name in (a, b, ...)``: the fact equals one of the values.

    ``values`` holds each distinct value once, in the text form's order; ``True`` and ``1``
    are distinct (a boolean is no number), ``1`` and ``1.0`` are not.
    """

    name: str = attrs.field(converter=_fact_name)
    values: tuple[Scalar, ...] = attrs.field(converter=_is_in_values, eq=_keys_of)
    _keys: frozenset[tuple[str, Scalar]] = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_keys.default
    def _typed_values(self) -> frozenset[tuple[str, Scalar]]:
        return frozenset(_scalar_key(v) for v in self.values)

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

    name: str = attrs.field(converter=_fact_name)
    low: Scalar = attrs.field(validator=lambda _s, _a, v: _check_scalar(v, "between low"))
    high: Scalar = attrs.field(validator=lambda _s, _a, v: _check_scalar(v, "between high"))

    @high.validator
    def _check_range(self, _attribute: object, _high: object) -> None:
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
        return bool(self.low <= v <= self.high)  # type: ignore[operator]

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

    name: str = attrs.field(converter=_fact_name)
    text: str = attrs.field()
    _folded: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_folded.default
    def _fold(self) -> str:
        text: object = self.text
        if not isinstance(text, str):
            msg = f"contains({_render_name(self.name)}, ...) needs text to look for (got {text!r})."
            raise ValidationError(msg, value=text, where="contains", expected="a string")
        return _check_length(text, "contains text").casefold()

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

    name: str = attrs.field(converter=_fact_name)
    texts: frozenset[str] = attrs.field(converter=_contains_any_texts)
    _folded: tuple[str, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_folded.default
    def _fold(self) -> tuple[str, ...]:
        bad = [t for t in self.texts if not isinstance(t, str)]
        if bad:
            name = _render_name(self.name)
            msg = f"contains_any({name}, ...) needs texts to look for (got {bad[0]!r})."
            raise ValidationError(msg, value=bad[0], where="contains_any", expected="strings")
        return tuple(sorted({t.casefold() for t in self.texts}))

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
    """``matches(name, 'regex')``: the regular expression is found in the text fact.

    The pattern must be in the safe subset (:mod:`smarketing.conditions._regex`), and a search
    reads the fact's first :data:`MAX_MATCH_LENGTH` characters, so its time is bounded.
    """

    name: str = attrs.field(converter=_fact_name)
    pattern: str = attrs.field()
    _regex: re.Pattern[str] = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_regex.default
    def _compile(self) -> re.Pattern[str]:
        pattern: object = self.pattern
        if not isinstance(pattern, str):
            name = _render_name(self.name)
            msg = f"matches({name}, ...) needs a regular expression (got {pattern!r})."
            raise ValidationError(msg, value=self.pattern, where="matches", expected="a string")
        return safe_regex(pattern, f"matches({_render_name(self.name)}, {pattern!r})")

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the pattern is found in the first :data:`MAX_MATCH_LENGTH` characters of
        the text fact; ``None`` when it is unknown."""
        v = facts.get(self.name)
        if v is None:
            return None
        return isinstance(v, str) and self._regex.search(v, 0, MAX_MATCH_LENGTH) is not None

    def _render(self) -> str:
        return f"matches({_render_name(self.name)}, {_render_value(self.pattern)})"


@attrs.frozen(repr=False)
class Exists(_Leaf):
    """``exists(name)``: the fact is known. Never undetermined."""

    name: str = attrs.field(converter=_fact_name)

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """Whether the fact is known."""
        return facts.get(self.name) is not None

    def _render(self) -> str:
        return f"exists({_render_name(self.name)})"


@attrs.frozen(repr=False)
class Missing(_Leaf):
    """``missing(name)``: the fact is not known. Never undetermined."""

    name: str = attrs.field(converter=_fact_name)

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


def _joined(parts: Iterable[Condition], self: Any) -> tuple[Condition, ...]:
    """A junction's parts, flattened (a converter: it needs the junction's kind)."""
    return _flatten(parts, type(self))


@attrs.frozen(repr=False)
class _Junction(Condition):
    """Parts joined by ``and`` or ``or``; nested joins of the same kind are flattened."""

    _word: ClassVar[str]
    # mypy's attrs plugin does not read attrs.Converter yet: it types the argument as Any.
    parts: tuple[Condition, ...] = attrs.field(
        converter=attrs.Converter(_joined, takes_self=True)  # type: ignore[misc]
    )
    _fields: frozenset[str] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _nesting: int = attrs.field(init=False, eq=False, hash=False, repr=False)
    _text: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_fields.default
    def _read(self) -> frozenset[str]:
        return frozenset().union(*(p.fields for p in self.parts))

    @_nesting.default
    def _nest(self) -> int:
        return _nested(self, 1 + max(_depth(p) for p in self.parts))

    @_text.default
    def _write(self) -> str:
        parts = (p._wrapped(self._precedence + 1) for p in self.parts)
        return _checked_text(self, f" {self._word} ".join(parts))

    @property
    def fields(self) -> frozenset[str]:
        """The facts any part reads."""
        return self._fields

    def _render(self) -> str:
        return self._text


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


def _negated(part: object) -> Condition:
    """Not's part, checked as it is set (a converter), so its derived values can read it."""
    if not isinstance(part, Condition):
        msg = f"Not negates a condition (got {part!r})."
        raise ValidationError(msg, value=part, where="Not", expected="a Condition")
    return part


@attrs.frozen(repr=False)
class Not(Condition):
    """The part does not hold; unknown stays unknown."""

    _precedence: ClassVar[int] = _P_NOT
    part: Condition = attrs.field(converter=_negated)
    _nesting: int = attrs.field(init=False, eq=False, hash=False, repr=False)
    _text: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_nesting.default
    def _nest(self) -> int:
        return _nested(self, 1 + _depth(self.part))

    @_text.default
    def _write(self) -> str:
        part = self.part
        if isinstance(part, IsIn):
            text = f"{_render_name(part.name)} not in {_render_set(part.values)}"
        else:
            text = "not " + part._wrapped(_P_NOT)
        return _checked_text(self, text)

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
        return self._text


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

    name: str = attrs.field(converter=_fact_name)

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
                literals = leaf.values
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
