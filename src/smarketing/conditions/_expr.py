"""The compile step for the DataFrame target: a condition becomes a narwhals expression.

``to_expr(c, schema)`` answers, row by row, what ``c.evaluate(facts)`` answers for the row's
facts: ``True``, ``False``, or null where the facts leave it open. It is the second target of
the one compile step (:mod:`~smarketing.conditions._compile` is the first) and is checked
against the tree's ``evaluate`` on every backend the ``frames`` tests run.

How the language maps onto columns:

- **Families.** A column's type decides its family, as a value's type does in Python: text
  (string, categorical), numbers (integers, floats, decimals), booleans. Values of different
  families are never equal and never ordered: ``==`` and the orderings are false, ``!=`` true,
  and a null stays null. ``schema`` (column name to narwhals dtype, as ``frame.collect_schema()``
  gives it) tells the families; a column it does not name is taken to be of the family of the
  literal the condition compares it with (``size >= 50``: a number column), which is the common
  case and what ``Condition.to_expr()`` without a schema does. ``smarketing.frames`` always
  passes the frame's schema. A column in ``schema`` whose dtype is unknown (all null) is a fact
  no row knows.
- **Unknown.** A null is an unknown fact, and so is NaN in a float column (as ``Lead.new`` reads
  NaN); the NaN test needs the schema for ``exists``/``missing`` (their column has no literal).
- **Facts that cannot be facts.** A column of dates, durations, structs, lists or binary named by
  a condition is a ``ValidationError`` naming the column, raised by ``to_expr`` before any work.
- **Kleene logic.** Each condition is built as two never-null boolean expressions, "known true"
  and "known false"; ``and``, ``or`` and ``not`` combine those (``not`` swaps them), so the
  result does not depend on how a backend treats nulls in ``&``/``|`` (pandas' NumPy-backed
  booleans cannot hold one). The null-valued answer is made from the pair at the end.
- **Case.** ``contains``/``contains_any`` fold case as ``str.casefold`` does: the column is
  lower-cased by the backend, then the characters whose case fold differs from their lower case
  (``ß`` -> ``ss``, the Greek final sigma, the long s, the ligatures, Cherokee ...) are
  replaced, those that can take part in a match only. One difference is left: ``İ`` (dotted
  capital I) lower-cases to ``i`` on pandas, PyArrow, DuckDB and Dask but to ``i̇`` (``i`` and a
  combining dot, as in Python) on Polars and Spark, so a searched text holding U+0307 may differ.
- **Regular expressions.** ``matches`` runs the backend's own regex engine (Rust ``regex`` in
  Polars, RE2 in PyArrow and DuckDB, Java in Spark, Python ``re`` in pandas and Dask). The
  constructs these engines do not share (look-ahead and look-behind, back-references, atomic
  groups, possessive repeats, conditional groups) are outside the safe subset every
  ``matches`` is built in (:mod:`smarketing.conditions._regex`), so no condition holds one.
  Within what is
  accepted, ``\\d``, ``\\w``, ``\\s`` and ``\\b`` follow each engine's own Unicode rules (RE2 and
  Java read them as ASCII) and ``$`` in Python also matches before a final newline: keep
  patterns to literal text, classes of explicit characters, ``^``, ``$``, groups, alternation
  and repeats for the same answer everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Final, TypeAlias

import narwhals as nw
import narwhals.dtypes as nw_dtypes

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
    Scalar,
    _kind,
    _Leaf,
)
from smarketing.errors import ValidationError

__all__ = [
    "BOOLEAN",
    "NULL",
    "NUMBER",
    "OTHER",
    "TEXT",
    "Schema",
    "family",
    "to_expr",
    "to_rails",
]

#: Column name to narwhals dtype, as ``frame.collect_schema()`` gives it.
Schema: TypeAlias = Mapping[str, Any]
#: A condition as two never-null boolean expressions: known true, known false.
Rails: TypeAlias = tuple[nw.Expr, nw.Expr]

#: The families of column types a fact may have, as the condition language reads them.
TEXT, NUMBER, BOOLEAN, NULL, OTHER = "text", "number", "boolean", "null", "other"
_OF_KIND: Final = {"s": TEXT, "n": NUMBER, "b": BOOLEAN}


def family(dtype: nw_dtypes.DType) -> str:
    """Which kind of fact a column of ``dtype`` holds: text, number, boolean, null or other."""
    if dtype == nw.String or dtype == nw.Categorical or dtype == nw.Enum:
        return TEXT
    if dtype == nw.Boolean:
        return BOOLEAN
    if dtype.is_numeric():
        return NUMBER
    if dtype == nw.Unknown:
        return NULL
    return OTHER


def to_expr(condition: Condition, schema: Schema | None = None) -> nw.Expr:
    """A narwhals expression answering ``condition`` per row: true, false, or null if open.

    ``schema`` maps column names to narwhals dtypes (see the module's notes); without it, each
    column is taken to be of the family of the literal it is compared with.

    >>> import narwhals as nw, polars as pl
    >>> import smarketing as sm
    >>> frame = pl.DataFrame({"size": [80, 10, None]})
    >>> c = sm.field("size") >= 50
    >>> nw.from_native(frame).select(c.to_expr().alias("big")).to_native()["big"].to_list()
    [True, False, None]
    """
    true, false = to_rails(condition, schema)
    return nw.when(true | false).then(true)


def to_rails(condition: Condition, schema: Schema | None = None) -> Rails:
    """``condition`` as (known true, known false): two boolean expressions, never null.

    A row where neither holds is one where the condition is undetermined. Scoring reads the
    first rail (a rule counts only when it is known to hold); letter grades read both.
    """
    _check_columns(condition, schema)
    return _Builder(schema)(condition)


def _check_columns(condition: Condition, schema: Schema | None) -> None:
    """A column of a type that cannot be a fact is an error naming it, before any work."""
    if schema is None:
        return
    for name in sorted(condition.fields):
        dtype = schema.get(name)
        if dtype is not None and family(dtype) == OTHER:
            msg = (
                f"column {name!r} holds {dtype}, which is not a fact a condition can read "
                "(facts are text, numbers or booleans); convert it, or drop the rule."
            )
            raise ValidationError(
                msg, value=str(dtype), where=f"column {name!r}", expected="text, number or boolean"
            )


# --- case folding -----------------------------------------------------------------------------


#: Every character with a case mapping lies below this (the last cased script, Adlam, ends at
#: U+1E95F); the tests check it against the whole of Unicode.
_CASED_BELOW: Final = 0x1F000


@cache
def _folds() -> tuple[tuple[str, str], ...]:
    """Each lower-case character whose case fold differs, with its fold (183 of them)."""
    out: dict[str, str] = {}
    for code in range(_CASED_BELOW):
        if 0xD800 <= code < 0xE000:
            continue
        lower = chr(code).lower()
        folded = lower.casefold()
        if folded != lower:
            out[lower] = folded
    return tuple(sorted(out.items()))


@cache
def _folds_for(needles: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The folds that can change whether a text holds one of ``needles`` (case-folded).

    A fold matters only where a match can run into what it writes: the fold inside the
    needle, the needle inside the fold, or the one's end overlapping the other's start. Sharing
    a letter is not enough: ``'/pricing'`` has the ``i`` of ``ﬁ``'s ``fi`` but no match of it
    can reach into one, and each fold kept is a pass over the column (three for
    ``contains(url, '/pricing')``, 0.35 s of the 1.5 s bench_frames.py spent on 1M activities).
    """

    def touches(fold: str, needle: str) -> bool:
        if fold in needle or needle in fold:
            return True
        return any(
            fold.endswith(needle[:k]) or fold.startswith(needle[-k:])
            for k in range(1, min(len(fold), len(needle)))
        )

    return tuple(f for f in _folds() if any(touches(f[1], n) for n in needles))


def _folded(column: nw.Expr, needles: tuple[str, ...]) -> nw.Expr:
    """``column`` case-folded as far as finding ``needles`` (case-folded) can tell."""
    out = column.str.to_lowercase()
    for lower, folded in _folds_for(needles):
        out = out.str.replace_all(lower, folded, literal=True)
    return out


# --- regular expressions ----------------------------------------------------------------------


def _uncaptured(pattern: str) -> str:
    """``pattern`` with its groups made non-capturing (``(a|b)`` -> ``(?:a|b)``).

    A search does not depend on what groups capture, and pandas warns about every pattern
    with a capturing group it is asked to search with.
    """
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            for lead in ("^", "]"):  # "[]...]" and "[^]...]": a first "]" is a character
                if i < n and pattern[i] == lead:
                    out.append(lead)
                    i += 1
            continue
        elif c == "(" and not pattern.startswith("?", i + 1):
            out.append("(?:")
            i += 1
            continue
        elif c == "(" and pattern.startswith("?P<", i + 1):
            out.append("(?:")
            i = pattern.index(">", i) + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


# --- the builder ------------------------------------------------------------------------------

_FALSE: Final = nw.lit(False)
_TRUE: Final = nw.lit(True)
_NEGATED: Final = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_OPERATORS: Final[dict[str, Callable[[nw.Expr, Any], nw.Expr]]] = {
    "==": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
}
#: ``flag <op> literal`` among known booleans, as Python orders them (False < True): None is
#: the flag itself, "not" its negation, True/False a constant.
_FLAG: Final[dict[tuple[str, bool], object]] = {
    ("==", True): None, ("==", False): "not", ("!=", True): "not", ("!=", False): None,
    ("<", True): "not", ("<", False): False, ("<=", True): True, ("<=", False): "not",
    (">", True): False, (">", False): None, (">=", True): None, (">=", False): True,
}  # fmt: skip


class _Builder:
    """Builds the rails of a condition over columns whose families ``schema`` gives."""

    def __init__(self, schema: Schema | None) -> None:
        self.schema = schema

    def __call__(self, c: Condition) -> Rails:
        build = _NODES.get(type(c))
        if build is None:
            msg = f"a condition of the node type {type(c).__name__} has no frames form."
            raise ValidationError(
                msg, value=c, where="to_expr", expected="a condition of the language's nodes"
            )
        return build(self, c)

    # columns

    def _family(self, name: str, presumed: str | None) -> str | None:
        """The column's family: from the schema, else the presumed one (None: not known)."""
        if self.schema is not None and name in self.schema:
            return family(self.schema[name])
        return presumed

    def _float(self, name: str) -> bool | None:
        """Whether the column is a float column (None when the schema does not say)."""
        if self.schema is None or name not in self.schema:
            return None
        dtype = self.schema[name]
        return bool(dtype.is_float())

    def _known(self, name: str, fam: str | None) -> nw.Expr:
        """The rows where the fact is known: not null, and not NaN in a float column."""
        if fam == NULL:
            return _FALSE
        column = nw.col(name)
        known = ~column.is_null()
        is_float = self._float(name)
        if fam == NUMBER and (is_float or is_float is None):
            known = known & ~column.is_nan()
        return known

    def _leaf(
        self, c: _Leaf, fam: str | None, want: str, test: Callable[[nw.Expr], Rails]
    ) -> Rails:
        """The rails of a leaf: ``test`` on rows of the wanted family, false elsewhere."""
        known = self._known(c.name, fam)
        if fam != want:  # another family (or no row knows it): known and false
            return _FALSE, known
        true, false = test(nw.col(c.name))
        return known & true, known & false

    # leaves

    def compare(self, c: Compare) -> Rails:
        want = _OF_KIND[_kind(c.value) or "s"]
        fam = self._family(c.name, want)
        known = self._known(c.name, fam)
        if fam != want:  # never equal, never ordered: only != holds
            return (known, _FALSE) if c.op == "!=" else (_FALSE, known)
        column = nw.col(c.name)
        if want == BOOLEAN:
            return _flag(column, _FLAG[c.op, bool(c.value)], known)
        return (
            known & _OPERATORS[c.op](column, c.value),
            known & _OPERATORS[_NEGATED[c.op]](column, c.value),
        )

    def is_in(self, c: IsIn) -> Rails:
        kinds = {_OF_KIND[_kind(v) or "s"] for v in c.values}
        presumed = kinds.pop() if len(kinds) == 1 else None
        fam = self._family(c.name, presumed)
        if fam is None and not c.values:  # in (): known and false, whatever the column
            return _FALSE, ~nw.col(c.name).is_null()
        if fam is None:
            msg = (
                f"{c} compares {c.name!r} with values of different types: give the column's "
                "type (to_expr(schema=...)) to tell which of them it can equal."
            )
            raise ValidationError(msg, value=c, where="to_expr", expected="a schema")
        known = self._known(c.name, fam)
        values = [v for v in c.values if _OF_KIND.get(_kind(v) or "") == fam]
        column = nw.col(c.name)
        if not values or fam not in (TEXT, NUMBER, BOOLEAN):
            return _FALSE, known
        if fam == BOOLEAN:
            flags = set(values)
            how = True if len(flags) == 2 else (None if True in flags else "not")
            return _flag(column, how, known)
        if fam == TEXT:
            hit = column.is_in(sorted(str(v) for v in values))
        else:
            hit = self._number_in(c.name, column, values)
        return known & hit, known & ~hit

    def _number_in(self, name: str, column: nw.Expr, values: list[Scalar]) -> nw.Expr:
        is_float = self._float(name)
        if is_float:
            return column.is_in(sorted({float(v) for v in values}))
        if is_float is False:  # an integer column holds only whole numbers
            whole = sorted({int(v) for v in values if float(v).is_integer()})
            return column.is_in(whole) if whole else _FALSE
        hit = column == values[0]  # the column's type is not known: one test per value
        for value in values[1:]:
            hit = hit | (column == value)
        return hit

    def between(self, c: Between) -> Rails:
        want = _OF_KIND[_kind(c.low) or "s"]

        def test(column: nw.Expr) -> Rails:
            return (column >= c.low) & (column <= c.high), (column < c.low) | (column > c.high)

        return self._leaf(c, self._family(c.name, want), want, test)

    def contains(self, c: Contains) -> Rails:
        return self._search(c, (c._folded,))

    def contains_any(self, c: ContainsAny) -> Rails:
        return self._search(c, c._folded)

    def _search(self, c: _Leaf, needles: tuple[str, ...]) -> Rails:
        def test(column: nw.Expr) -> Rails:
            if "" in needles:  # every text contains the empty text
                return _TRUE, _FALSE
            folded = _folded(column, needles)
            hit = folded.str.contains(needles[0], literal=True)
            for needle in needles[1:]:
                hit = hit | folded.str.contains(needle, literal=True)
            return hit, ~hit

        return self._leaf(c, self._family(c.name, TEXT), TEXT, test)

    def matches(self, c: Matches) -> Rails:
        pattern = _uncaptured(c.pattern)  # built in the safe subset: every engine runs it

        def test(column: nw.Expr) -> Rails:
            hit = column.str.contains(pattern)
            return hit, ~hit

        return self._leaf(c, self._family(c.name, TEXT), TEXT, test)

    def exists(self, c: Exists) -> Rails:
        known = self._known(c.name, self._family(c.name, None))
        return known, ~known

    def missing(self, c: Missing) -> Rails:
        known = self._known(c.name, self._family(c.name, None))
        return ~known, known

    # junctions

    def all(self, c: And) -> Rails:
        rails = [self(p) for p in c.parts]
        return _fold_exprs([t for t, _ in rails], "&"), _fold_exprs([f for _, f in rails], "|")

    def any(self, c: Or) -> Rails:
        rails = [self(p) for p in c.parts]
        return _fold_exprs([t for t, _ in rails], "|"), _fold_exprs([f for _, f in rails], "&")

    def negate(self, c: Not) -> Rails:
        true, false = self(c.part)
        return false, true

    def always(self, _c: Always) -> Rails:
        return _TRUE, _FALSE

    def never(self, _c: Never) -> Rails:
        return _FALSE, _TRUE


def _flag(column: nw.Expr, how: object, known: nw.Expr) -> Rails:
    """The rails of a test on a known boolean column (see ``_FLAG``)."""
    if how is True:
        return known, _FALSE
    if how is False:
        return _FALSE, known
    positive = column if how is None else ~column
    return known & positive, known & ~positive


def _fold_exprs(exprs: list[nw.Expr], op: str) -> nw.Expr:
    out = exprs[0]
    for expr in exprs[1:]:
        out = (out & expr) if op == "&" else (out | expr)
    return out


_NODES: Final[dict[type, Callable[[_Builder, Any], Rails]]] = {
    Always: _Builder.always,
    Never: _Builder.never,
    Compare: _Builder.compare,
    IsIn: _Builder.is_in,
    Between: _Builder.between,
    Contains: _Builder.contains,
    ContainsAny: _Builder.contains_any,
    Matches: _Builder.matches,
    Exists: _Builder.exists,
    Missing: _Builder.missing,
    And: _Builder.all,
    Or: _Builder.any,
    Not: _Builder.negate,
}
