"""The compile step for the Python-closure target: a condition becomes a fast callable.

``compile_condition(c)`` turns the tree into nested closures over a mapping of facts, each
answering ``True``, ``False`` or ``None`` exactly as ``c.evaluate`` does (the tree's methods are
the reference semantics and the tests' oracle). The closures look up nothing but the facts at
run time: operators, literals, folded texts and regexes are bound when compiled. Every module
that runs conditions per lead (scoring, personas, lifecycle, profiling through them) compiles
each of its conditions once, when its definition is built, never per lead.

``compile_all(cs)`` compiles several conditions into one :class:`Program` that evaluates each
distinct condition once per call. Conditions are told
apart by their text form: it round-trips exactly, so equal text is equal behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, TypeAlias

from smarketing.conditions._limits import MAX_MATCH_LENGTH
from smarketing.conditions._tree import (
    Always,
    And,
    Between,
    Compare,
    Condition,
    Contains,
    ContainsAny,
    Exists,
    IsIn,
    Matches,
    Missing,
    Never,
    Not,
    Or,
    _kind,
    _text_items,
)

__all__ = ["Compiled", "Program", "Verdict", "compile_all", "compile_condition"]

#: What a condition answers: known true, known false, or ``None`` for undetermined.
Verdict: TypeAlias = bool | None
#: A compiled condition: facts in, verdict out.
Compiled: TypeAlias = Callable[[Mapping[str, object]], Verdict]

_STR, _NUMBER, _BOOL = "s", "n", "b"
#: The family of a value whose type is exactly one of these; others go through `_kind`.
_EXACT: dict[type, str] = {str: _STR, int: _NUMBER, float: _NUMBER, bool: _BOOL}


def compile_condition(condition: Condition) -> Compiled:
    """A callable over facts that answers what ``condition.evaluate(facts)`` answers.

    >>> import smarketing as sm
    >>> holds = compile_condition((sm.field("size") >= 50) & sm.field("country").exists())
    >>> holds({"size": 80, "country": "DE"}), holds({"size": 10}), holds({"country": "DE"})
    (True, False, None)
    """
    build = _BUILDERS.get(type(condition))
    if build is None:  # a node type of its own (a subclass): its tree semantics
        return condition.evaluate
    return build(condition)


class Program(NamedTuple):
    """Several conditions compiled together (see :func:`compile_all`).

    ``run(facts)`` answers each distinct condition once; ``at[i]`` is where the ``i``-th given
    condition's verdict is in that answer. Calling the program answers every given condition,
    in order.
    """

    run: Callable[[Mapping[str, object]], list[Verdict]]
    at: tuple[int, ...]

    def __call__(self, facts: Mapping[str, object]) -> list[Verdict]:
        answers = self.run(facts)
        return [answers[i] for i in self.at]


def compile_all(conditions: Sequence[Condition]) -> Program:
    """The conditions compiled into one :class:`Program`, each distinct one run once per call.

    >>> import smarketing as sm
    >>> big = sm.field("size") >= 50
    >>> program = compile_all([big, sm.parse_condition("size >= 50"), sm.field("vip").exists()])
    >>> program({"size": 80}), program.at
    ([True, True, False], (0, 0, 1))
    """
    index: dict[str, int] = {}
    distinct: list[Compiled] = []
    positions: list[int] = []
    for condition in conditions:
        key = str(condition)
        at = index.get(key)
        if at is None:
            at = index[key] = len(distinct)
            distinct.append(compile_condition(condition))
        positions.append(at)
    runs = tuple(distinct)
    return Program(lambda facts: [run(facts) for run in runs], tuple(positions))


# --- leaves ------------------------------------------------------------------------------------


def _compare(c: Compare) -> Compiled:
    exact = _EXACT.get  # a value's family without a call for the usual types
    name, op, literal, kind = c.name, c.op, c.value, _kind(c.value)
    other_family = op == "!="  # values of another family are never equal, never ordered
    test = c._fn
    # The exact types of the literal's family, whose comparisons answer a bool themselves.
    same = frozenset(t for t, family in _EXACT.items() if family == kind)

    def compare(facts: Mapping[str, object]) -> Verdict:
        v = facts.get(name)
        if v is None:
            return None
        if type(v) in same:
            return test(v, literal)  # type: ignore[no-any-return]
        if (exact(type(v)) or _kind(v)) != kind:
            return other_family
        return bool(test(v, literal))

    return compare


def _is_in(c: IsIn) -> Compiled:
    exact = _EXACT.get  # a value's family without a call for the usual types
    name, keys = c.name, c._keys
    texts = frozenset(v for kind, v in keys if kind == _STR)  # the usual case, without a tuple

    def is_in(facts: Mapping[str, object]) -> Verdict:
        v = facts.get(name)
        if v is None:
            return None
        if type(v) is str:
            return v in texts
        kind = exact(type(v)) or _kind(v)
        return kind is not None and (kind, v) in keys

    return is_in


def _between(c: Between) -> Compiled:
    exact = _EXACT.get  # a value's family without a call for the usual types
    name, low, high, kind = c.name, c.low, c.high, _kind(c.low)

    def between(facts: Mapping[str, object]) -> Verdict:
        v = facts.get(name)
        if v is None:
            return None
        if (exact(type(v)) or _kind(v)) != kind:
            return False
        return bool(low <= v <= high)  # type: ignore[operator]

    return between


def _contains(c: Contains) -> Compiled:
    name, folded = c.name, c._folded

    def contains(facts: Mapping[str, object]) -> Verdict:
        v = facts.get(name)
        if v is None:
            return None
        if type(v) is str:
            return folded in v.casefold()
        items = _text_items(v)
        return items is not None and any(folded in item for item in items)

    return contains


def _contains_any(c: ContainsAny) -> Compiled:
    name, texts = c.name, c._folded

    def contains_any(facts: Mapping[str, object]) -> Verdict:
        v = facts.get(name)
        if v is None:
            return None
        items = _text_items(v)
        return items is not None and any(t in item for item in items for t in texts)

    return contains_any


def _matches(c: Matches) -> Compiled:
    name, search, end = c.name, c._regex.search, MAX_MATCH_LENGTH

    def matches(facts: Mapping[str, object]) -> Verdict:
        v = facts.get(name)
        if v is None:
            return None
        return isinstance(v, str) and search(v, 0, end) is not None

    return matches


def _exists(c: Exists) -> Compiled:
    name = c.name
    return lambda facts: facts.get(name) is not None


def _missing(c: Missing) -> Compiled:
    name = c.name
    return lambda facts: facts.get(name) is None


# --- junctions ---------------------------------------------------------------------------------


def _and(c: And) -> Compiled:
    return _junction(c.parts, decisive=False)


def _or(c: Or) -> Compiled:
    return _junction(c.parts, decisive=True)


def _junction(conditions: tuple[Condition, ...], *, decisive: bool) -> Compiled:
    """Kleene ``and`` (``False`` decides) or ``or`` (``True`` decides): the decisive verdict
    wins, then unknown, then the other; parts after a decisive one are not run."""
    parts = tuple(compile_condition(p) for p in conditions)
    settled = not decisive
    if len(parts) == 2:
        first, second = parts

        def pair(facts: Mapping[str, object]) -> Verdict:
            a = first(facts)
            if a is decisive:
                return decisive
            b = second(facts)
            if b is decisive:
                return decisive
            return None if a is None or b is None else settled

        return pair

    def junction(facts: Mapping[str, object]) -> Verdict:
        result: Verdict = settled
        for part in parts:
            r = part(facts)
            if r is decisive:
                return decisive
            if r is None:
                result = None
        return result

    return junction


def _not(c: Not) -> Compiled:
    part = compile_condition(c.part)

    def negated(facts: Mapping[str, object]) -> Verdict:
        r = part(facts)
        return None if r is None else not r

    return negated


def _always(_c: Always) -> Compiled:
    return lambda facts: True


def _never(_c: Never) -> Compiled:
    return lambda facts: False


_BUILDERS: dict[type, Callable[[Condition], Compiled]] = {
    Always: _always,  # type: ignore[dict-item]
    Never: _never,  # type: ignore[dict-item]
    Compare: _compare,  # type: ignore[dict-item]
    IsIn: _is_in,  # type: ignore[dict-item]
    Between: _between,  # type: ignore[dict-item]
    Contains: _contains,  # type: ignore[dict-item]
    ContainsAny: _contains_any,  # type: ignore[dict-item]
    Matches: _matches,  # type: ignore[dict-item]
    Exists: _exists,  # type: ignore[dict-item]
    Missing: _missing,  # type: ignore[dict-item]
    And: _and,  # type: ignore[dict-item]
    Or: _or,  # type: ignore[dict-item]
    Not: _not,  # type: ignore[dict-item]
}
