"""The safe subset of regular expressions that ``matches(name, 'regex')`` accepts.

Python's :mod:`re` is a backtracking engine: ``(a+)+$`` against ``"a" * 30 + "!"`` tries every
way of splitting the a's, and runs for minutes. The core takes no linear-time engine (RE2) as a
dependency, so a pattern is checked when its condition is built, with the stdlib's own parser
(``re._parser``), and the work its search can take is bounded before it ever runs:

- it holds at most :data:`MAX_PATTERN_LENGTH` characters, and groups nest at most
  :data:`~smarketing.conditions.MAX_DEPTH` deep;
- a counted repeat (``{m,n}``) counts to at most :data:`MAX_REPEAT_COUNT`;
- no backreference (``\\1``, ``(?P=name)``), no conditional group (``(?(1)a|b)``), and no
  lookahead or lookbehind (``(?=``, ``(?!``, ``(?<=``, ``(?<!``): each can take time the rest
  of the check cannot bound; write ``matches(x, 'a') and not matches(x, 'b')`` instead; and no
  atomic group or possessive repeat (``(?>a)``, ``a++``), which the DataFrame engines lack, so
  that every accepted pattern runs the same in Python and on frames;
- no repeat without bound of a part that can itself match in more than one way: ``(a+)+``,
  ``(a*)*``, ``(a|aa)+`` (a nested unbounded repeat, or an ambiguous one);
- and the work of a search, counted by :func:`_cost` as a polynomial in the length of the text
  read (every way each part can be entered, times what it reads there), stays within
  :data:`MAX_REGEX_WORK` for a text of :data:`MAX_MATCH_LENGTH` characters. Two unbounded
  repeats that can read the same characters one after the other (``a*a*x``, ``.*.*=``) grow as
  the cube of the text and are refused; one (``.*@acme``), or several kept apart by what follows
  them (``^[^@]+@[^@]+\\.[a-z]{2,}$``), grow at most as its square and pass.

A search reads the first :data:`MAX_MATCH_LENGTH` characters of a fact, as if the text ended
there; with the bound above, that caps the time of any accepted pattern on any text.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from typing import Any, Final

from smarketing.conditions._limits import (
    MAX_DEPTH,
    MAX_MATCH_LENGTH,
    MAX_PATTERN_LENGTH,
    MAX_REGEX_WORK,
    MAX_REPEAT_COUNT,
)
from smarketing.errors import ValidationError

# The stdlib's own parser of regular expressions (sre_parse, deprecated, is its old name).
_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

__all__ = ["safe_regex"]

_EXPECTED: Final = "a regular expression of the safe subset (see 'Security and limits')"

#: A bound c * (L + 1) ** d on a count, as (d, c), for a text of L characters.
_Poly = tuple[int, int]
_ONE: Final[_Poly] = (0, 1)
_TEXT: Final[_Poly] = (1, 1)


def _mul(a: _Poly, b: _Poly) -> _Poly:
    return (a[0] + b[0], a[1] * b[1])


def _add(a: _Poly, b: _Poly) -> _Poly:
    return (max(a[0], b[0]), a[1] + b[1])


def _value(p: _Poly, length: int = MAX_MATCH_LENGTH) -> int:
    """The bound at a text of ``length`` characters."""
    return int(p[1] * (length + 1) ** p[0])


class _UnsafeError(Exception):
    """A pattern outside the safe subset; the message says why."""


_SINGLE: Final = frozenset({_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN})
_REPEATS: Final = frozenset({_c.MAX_REPEAT, _c.MIN_REPEAT})
_REFUSED: Final = {
    _c.GROUPREF: "a backreference",
    _c.GROUPREF_EXISTS: "a conditional group",
    _c.ASSERT: "a lookahead or lookbehind",
    _c.ASSERT_NOT: "a negative lookahead or lookbehind",
    # Bounded in time, but not in the engines the DataFrame target runs patterns in (Rust
    # regex, RE2, Java, DuckDB's RE2): refused so that a condition means the same everywhere.
    _c.ATOMIC_GROUP: "an atomic group",
    _c.POSSESSIVE_REPEAT: "a possessive repeat",
}
_CATEGORIES: Final = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}


# --- which characters a part reads ---------------------------------------------------------------

#: Tests whether one character is read by a part (a literal, a class, '.').
_Reads = Callable[[str], bool]


def _any_char(ch: str) -> bool:
    return True


def _not_newline(ch: str) -> bool:
    return ch != "\n"


def _reads(op: Any, arg: Any, flags: int) -> _Reads:
    """The membership test of one single-character part, as the engine reads it (no case
    folding: callers do not refine under IGNORECASE)."""
    if op is _c.LITERAL:
        return lambda ch: ord(ch) == arg
    if op is _c.NOT_LITERAL:
        return lambda ch: ord(ch) != arg
    if op is _c.ANY:
        return _any_char if flags & re.DOTALL else _not_newline
    negate = bool(arg) and arg[0][0] is _c.NEGATE
    items = arg[negate:]
    # A category (\d, \w, \s and their negations) as the engine reads it, with the flags.
    probes = [re.compile(_CATEGORIES[i], flags & re.ASCII) for o, i in items if o is _c.CATEGORY]

    def reads(ch: str) -> bool:
        code = ord(ch)
        hit = any(
            (o is _c.LITERAL and code == i) or (o is _c.RANGE and i[0] <= code <= i[1])
            for o, i in items
        ) or any(p.fullmatch(ch) is not None for p in probes)
        return hit != negate

    return reads


def _finite(op: Any, arg: Any) -> frozenset[str] | None:
    """The characters a part reads when they are few (a literal, a small class), else None."""
    if op is _c.LITERAL:
        return frozenset(chr(arg))
    if op is not _c.IN or (arg and arg[0][0] is _c.NEGATE):
        return None
    chars: set[str] = set()
    for item_op, item in arg:
        if item_op is _c.LITERAL:
            chars.add(chr(item))
        elif item_op is _c.RANGE and item[1] - item[0] < 256:
            chars.update(chr(i) for i in range(item[0], item[1] + 1))
        else:
            return None
    return frozenset(chars)


def _first(items: Sequence[Any], flags: int) -> tuple[_Reads, frozenset[str] | None] | None:
    """What the first character a sequence reads can be, when it must read one there (it
    cannot match empty at its start), else None. ``$`` and ``\\Z`` count: backed off from
    the end of the text they fail at once (``$`` reads a final line break)."""
    if not items:
        return None
    op, arg = items[0]
    if op in _SINGLE:
        return _reads(op, arg, flags), _finite(op, arg)
    if op is _c.AT and arg is _c.AT_END_STRING:
        return (lambda ch: False), frozenset()
    if op is _c.AT and arg is _c.AT_END and not flags & re.MULTILINE:
        return (lambda ch: ch == "\n"), frozenset("\n")
    if op in _REPEATS and arg[0] >= 1 and len(arg[2]) == 1 and arg[2][0][0] in _SINGLE:
        return _first(arg[2], flags)
    if op is _c.SUBPATTERN and not arg[1] & re.IGNORECASE:
        return _first(list(arg[3]), (flags | arg[1]) & ~arg[2])
    return None


def _disjoint(
    part: tuple[_Reads, frozenset[str] | None], after: tuple[_Reads, frozenset[str] | None]
) -> bool:
    """Whether no character is read by both (decided when either reads few characters)."""
    (reads_a, few_a), (reads_b, few_b) = part, after
    if few_b is not None:
        return not any(reads_a(ch) for ch in few_b)
    if few_a is not None:
        return not any(reads_b(ch) for ch in few_a)
    return False


# --- the work a search takes ---------------------------------------------------------------------


def _cost(items: Sequence[Any], entries: _Poly, flags: int, depth: int) -> tuple[_Poly, _Poly]:
    """(work, exits) of a sequence entered ``entries`` times: every part entered, every
    character read, and how many times the rest of the pattern is entered after it."""
    if depth > MAX_DEPTH:
        raise _UnsafeError(f"groups nested more than {MAX_DEPTH} levels deep")
    work: _Poly = (0, 0)
    for i, (op, arg) in enumerate(items):
        if op in _REFUSED:
            raise _UnsafeError(f"{_REFUSED[op]} is not accepted")
        if op in _SINGLE:
            work = _add(work, entries)
        elif op is _c.AT:
            work = _add(work, entries)
            starts = arg is _c.AT_BEGINNING_STRING or (
                arg is _c.AT_BEGINNING and not flags & re.MULTILINE
            )
            if starts and depth == 0 and i == 0:
                entries = _ONE  # of the search's start positions, only the first passes
        elif op is _c.SUBPATTERN:
            w, entries = _cost(list(arg[3]), entries, (flags | arg[1]) & ~arg[2], depth + 1)
            work = _add(work, w)
        elif op is _c.BRANCH:
            exits: _Poly = (0, 0)
            for alternative in arg[1]:
                w, x = _cost(list(alternative), entries, flags, depth + 1)
                work, exits = _add(work, w), _add(exits, x)
            entries = exits
        elif op in _REPEATS:
            w, entries = _repeat(arg, entries, list(items[i + 1 :]), flags, depth)
            work = _add(work, w)
        else:  # pragma: no cover - the parser makes no other node in a pattern
            raise _UnsafeError(f"the construct {op} is not accepted")
        if work[0] > 2:
            raise _UnsafeError(
                "its search can take time growing as the cube of the text (two unbounded "
                "repeats that can read the same characters one after the other)"
            )
    return work, entries


def _repeat(
    arg: Any, entries: _Poly, rest: list[Any], flags: int, depth: int
) -> tuple[_Poly, _Poly]:
    low, high, body = arg[0], arg[1], list(arg[2])
    unbounded = high is _c.MAXREPEAT
    if low > MAX_REPEAT_COUNT or (not unbounded and high > MAX_REPEAT_COUNT):
        raise _UnsafeError(f"a repeat counts to at most {MAX_REPEAT_COUNT}")
    # What one pass of the body costs, and how many ways it can end, entered once.
    body_work, body_exits = _cost(body, _ONE, flags, depth + 1)
    span = _TEXT if unbounded else (0, high - low + 1)
    if len(body) == 1 and body[0][0] in _SINGLE:
        scan = _TEXT if unbounded else (0, high)  # one character read per pass
        work = _mul(entries, scan)
        after = _first(rest, flags)
        if after is not None and not flags & re.IGNORECASE:
            op, single = body[0]
            if _disjoint((_reads(op, single, flags), _finite(op, single)), after):
                # Backed off, the next part fails at its first character: one way on.
                return _add(work, _mul(entries, span)), entries
        return work, _mul(entries, span)
    if unbounded and _unbounded_inside(body):
        raise _UnsafeError(
            "an unbounded repeat of a part that can itself repeat without bound "
            "(as in '(a+)+' or '(a*b)*')"
        )
    if body_exits == _ONE:  # one way through the body: each count is one way on
        passes = _TEXT if unbounded else (0, high)
        return _mul(entries, _mul(passes, body_work)), _mul(entries, span)
    if unbounded:
        raise _UnsafeError(
            "an unbounded repeat of a part that can match in more than one way "
            "(as in '(a|aa)+' or '(a?b)+')"
        )
    # A counted repeat of a part with several ways through: the ways multiply per pass.
    degree, ways = body_exits
    total = (degree * high, sum(ways**k for k in range(high + 1)))
    return _mul(entries, _mul(total, body_work)), _mul(entries, total)


def _unbounded_inside(items: Sequence[Any]) -> bool:
    """Whether an unbounded repeat (``*``, ``+``, ``{m,}``) is anywhere in ``items``."""
    for op, arg in items:
        if op in _REPEATS:
            if arg[1] is _c.MAXREPEAT or _unbounded_inside(arg[2]):
                return True
        elif (op is _c.SUBPATTERN and _unbounded_inside(arg[3])) or (
            op is _c.BRANCH and any(_unbounded_inside(a) for a in arg[1])
        ):
            return True
    return False


def safe_regex(pattern: str, where: str) -> re.Pattern[str]:
    """``pattern`` compiled, once it is known to be in the safe subset (see the module).

    A pattern outside it is a :class:`~smarketing.ValidationError` naming the pattern and why.
    """
    problem: str | None = None
    if len(pattern) > MAX_PATTERN_LENGTH:
        problem = f"is {len(pattern)} characters long; at most {MAX_PATTERN_LENGTH} are accepted"
    else:
        try:
            regex = re.compile(pattern)
            parsed = _parser.parse(pattern)
            work, _ = _cost(list(parsed), _TEXT, parsed.state.flags, 0)
            if _value(work) > MAX_REGEX_WORK:
                raise _UnsafeError(
                    f"its search can take more than {MAX_REGEX_WORK:,} steps on a text of "
                    f"{MAX_MATCH_LENGTH:,} characters"
                )
        except re.error as exc:
            msg = f"{where}: not a valid regular expression ({exc})."
            raise ValidationError(
                msg, value=pattern, where="matches", expected="a regular expression"
            ) from None
        except _UnsafeError as exc:
            problem = f"outside the safe subset of regular expressions: {exc}"
        except RecursionError:  # the stack ran out while compiling or measuring it
            problem = "is nested too deeply"
    if problem is not None:
        msg = f"{where}: {problem}."
        raise ValidationError(msg, value=pattern, where="matches", expected=_EXPECTED)
    return regex
