# ruff: noqa: RUF001, RUF003  (Greek letters and folds are the point of the case-folding tests)
"""`Condition.to_expr`: the narwhals compile target answers, row by row on every backend, what
the tree's `evaluate` (the reference semantics) answers for the row's facts."""

from __future__ import annotations

import math
import string
import subprocess
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smarketing as sm
import smarketing.testing as sst
from smarketing.conditions import Condition

sys.path.insert(0, str(Path(__file__).parent))
from backends import BACKENDS, collect, need, to_backend

nw = pytest.importorskip("narwhals")
pa = pytest.importorskip("pyarrow")

from smarketing.conditions._expr import (  # noqa: E402
    _folds,
    _folds_for,
    family,
    to_expr,
    to_rails,
)

# narwhals warns that Dask support moves to a plugin; the built-in one is what we test.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

NON_SPARK = tuple(b for b in BACKENDS if b != "pyspark")

#: The columns of the generated frames: one per family, a float column with NaN, and one that
#: no row knows (its schema type is null).
TYPES = {
    "n": pa.int64(),
    "f": pa.float64(),
    "s": pa.string(),
    "b": pa.bool_(),
    "z": pa.null(),
}
NAMES = tuple(TYPES)
ALPHABET = "aAbBsSß-/é.@'ΣσςﬁFI0 "
TEXTS = st.text(ALPHABET, max_size=6)
VALUES: dict[str, st.SearchStrategy[object]] = {
    "n": st.none() | st.integers(-1000, 1000) | st.sampled_from((0, 1, 5, 50, 100)),
    "f": st.none()
    | st.just(math.nan)
    | st.floats(-1e6, 1e6, allow_nan=False)
    | st.sampled_from((0.0, 0.5, 1.0, 5.0)),
    "s": st.none() | TEXTS | st.text(string.ascii_letters + string.digits + " '\"\\é-", max_size=8),
    "b": st.none() | st.booleans(),
    "z": st.none(),
}
ROWS = st.fixed_dictionaries({name: VALUES[name] for name in NAMES})

_text_leaves = st.one_of(
    st.builds(lambda a, b: sm.field("s").between(min(a, b), max(a, b)), TEXTS, TEXTS),
    st.builds(lambda t: sm.field("s").contains(t), TEXTS),
    st.builds(
        lambda ts: sm.field("s").contains_any(ts), st.frozensets(TEXTS, min_size=1, max_size=3)
    ),
    st.builds(lambda v: sm.field("s") < v, TEXTS),
    st.builds(
        lambda p: sm.field("s").matches(p), st.sampled_from(("^a", "ß$", "[ab]+s", "(?i)fi", "é|@"))
    ),
)
CONDITIONS = sst.conditions(NAMES, max_leaves=5) | st.recursive(
    _text_leaves,
    lambda inner: st.lists(inner, min_size=2, max_size=3).map(lambda ps: sm.conditions.any_of(*ps)),
    max_leaves=3,
)


def facts_of(row: Mapping[str, object]) -> dict[str, object]:
    """A row as a lead's facts: a null or NaN is an unknown fact, left out."""
    return {
        k: v
        for k, v in row.items()
        if v is not None and not (isinstance(v, float) and math.isnan(v))
    }


def frame(backend: str, rows: Sequence[Mapping[str, object]]) -> Any:
    columns = {name: [row[name] for row in rows] for name in NAMES}
    columns["row"] = list(range(len(rows)))
    return to_backend(backend, columns, schema={**TYPES, "row": pa.int64()})


def answers(native: Any, conditions: Sequence[Condition]) -> list[list[object]]:
    """Each condition's answers on the frame's rows, in row order."""
    wrapped = nw.from_native(native)
    schema = dict(wrapped.collect_schema())
    exprs = [to_expr(c, schema).alias(f"c{i}") for i, c in enumerate(conditions)]
    out = collect(wrapped.select(nw.col("row"), *exprs))
    order = sorted(range(len(out["row"])), key=lambda i: out["row"][i])  # type: ignore[arg-type, return-value]
    return [[out[f"c{i}"][j] for j in order] for i in range(len(conditions))]


def check(backend: str, conditions: list[Condition], rows: list[dict[str, object]]) -> None:
    got = answers(frame(backend, rows), conditions)
    for condition, column in zip(conditions, got, strict=True):
        expected = [condition.evaluate(facts_of(row)) for row in rows]
        assert column == expected, f"{backend}: {condition}"


#: Examples per backend: Dask computes each expression through pandas partitions (slow).
EXAMPLES = {"dask": 6, "pandas": 12}


class TestToExprEqualsEvaluate:
    @pytest.mark.parametrize("backend", NON_SPARK)
    def test_every_row_answers_as_evaluate(self, backend: str) -> None:
        @settings(
            max_examples=EXAMPLES.get(backend, 25),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            conditions=st.lists(CONDITIONS, min_size=1, max_size=8),
            rows=st.lists(ROWS, min_size=1, max_size=40),
        )
        def run(conditions: list[Condition], rows: list[dict[str, object]]) -> None:
            check(backend, conditions, rows)

        run()


@pytest.mark.xdist_group("spark")
class TestToExprOnSpark:
    @settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        conditions=st.lists(CONDITIONS, min_size=4, max_size=8),
        rows=st.lists(ROWS, min_size=5, max_size=30),
    )
    def test_every_row_answers_as_evaluate(
        self, conditions: list[Condition], rows: list[dict[str, object]]
    ) -> None:
        need("pyspark")
        check("pyspark", conditions, rows)


def fixed_rows() -> list[dict[str, object]]:
    return [
        {"n": 50, "f": 1.5, "s": "Straße", "b": True, "z": None},
        {"n": None, "f": math.nan, "s": "STRASSE", "b": False, "z": None},
        {"n": 3, "f": None, "s": None, "b": None, "z": None},
        {"n": -7, "f": 100.0, "s": "ὈΔΥΣΣΕΎΣ", "b": True, "z": None},
        {"n": 0, "f": -0.0, "s": "ﬁnance Émile", "b": False, "z": None},
    ]


#: Every node, every operator, every family pairing, once each.
EVERY_NODE = [
    sm.parse_condition(text)
    for text in (
        *(f"n {op} 5" for op in ("==", "!=", "<", "<=", ">", ">=")),
        *(f"s {op} 'Straße'" for op in ("==", "!=", "<", "<=", ">", ">=")),
        *(f"b {op} {v}" for op in ("==", "!=", "<", "<=", ">", ">=") for v in ("True", "False")),
        *(f"{c} {op} {v}" for c in "nfsb" for op in ("==", "!=", "<") for v in ("5", "'x'", "1")),
        *(f"{c} {op} True" for c in "nfsb" for op in ("==", "!=", "<")),
        "f > 1", "f == 1.5", "z == 1", "z != 1", "exists(z)", "missing(z)",
        "n in (50, 3.0, 'x', True)", "n in (2.5,)", "f in (1.5, 100, 'x')", "s in ('Straße', 1)",
        "b in (True,)", "b in (False,)", "b in (True, False)", "s not in ('STRASSE',)",
        "between(n, 0, 50)", "between(f, 1, 2)", "between(s, 'A', 'T')", "between(b, 0, 1)",
        "not between(n, 0, 50)", "not between(n, -7, 3)", "not between(f, 1.5, 100)",
        "contains(s, 'ss')", "contains(s, 'STRASS')", "contains(s, 'σσ')", "contains(s, 'fin')",
        "contains(s, '')", "contains(n, '5')", "contains_any(s, ('ύσ', 'emile', 'émile'))",
        "matches(s, '^St')", "matches(s, 'ß$')", "matches(n, '5')", "matches(s, '(?i)strasse')",
        "exists(n)", "missing(n)", "exists(f)", "missing(f)", "exists(s)",
        "always()", "never()", "not always()",
        "n > 0 and f > 0", "n > 0 or f > 0", "not (n > 0 and missing(s))",
        "(n > 0 or s == 'x') and not (b == True or f < 0)",
    )
]  # fmt: skip


@pytest.mark.parametrize("backend", NON_SPARK)
def test_every_node_on_fixed_rows(backend: str) -> None:
    check(backend, EVERY_NODE, fixed_rows())


@pytest.mark.xdist_group("spark")
def test_every_node_on_fixed_rows_on_spark() -> None:
    check("pyspark", EVERY_NODE, fixed_rows())


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_kleene_and_or_not_give_null_where_python_does(backend: str) -> None:
    """The nine pairs of two three-valued parts, through and / or / not."""
    values = [True, False, None]
    rows = [{"b": a, "n": None if b is None else (1 if b else 0)} for a in values for b in values]
    facts = [{k: v for k, v in r.items() if v is not None} for r in rows]
    conditions = [
        sm.parse_condition(t)
        for t in (
            "b == True and n == 1",
            "b == True or n == 1",
            "not (b == True)",
            "not (b == True and n == 1)",
        )
    ]
    native = to_backend(
        backend, {"b": [r["b"] for r in rows], "n": [r["n"] for r in rows], "row": list(range(9))}
    )
    got = answers(native, conditions)
    for condition, column in zip(conditions, got, strict=True):
        assert column == [condition.evaluate(f) for f in facts]
    assert got[0].count(None) == 3 and got[1].count(None) == 3


def test_to_expr_works_without_a_schema_for_the_common_case() -> None:
    pl = pytest.importorskip("polars")
    native = pl.DataFrame(
        {"size": [80, 10, None], "industry": ["saas", "SaaS", None], "score": [1.0, math.nan, 2.0]}
    )
    condition = (sm.field("size") >= 50) & sm.field("industry").contains("saas") | (
        sm.field("score") > 1.5
    )
    got = nw.from_native(native).select(condition.to_expr().alias("c")).to_native()["c"].to_list()
    assert got == [True, None, True]
    assert got == [
        condition.evaluate(f)
        for f in (
            {"size": 80, "industry": "saas", "score": 1.0},
            {"size": 10, "industry": "SaaS"},
            {"score": 2.0},
        )
    ]


def test_a_mixed_in_without_a_schema_asks_for_one() -> None:
    condition = sm.parse_condition("x in (1, 'a')")
    with pytest.raises(sm.ValidationError) as info:
        condition.to_expr()
    assert str(info.value) == (
        "x in (1, 'a') compares 'x' with values of different types: give the column's type "
        "(to_expr(schema=...)) to tell which of them it can equal."
    )
    assert (info.value.value, info.value.where, info.value.expected) == (
        condition,
        "to_expr",
        "a schema",
    )
    # with the schema, the column's type picks the values it can equal
    pl = pytest.importorskip("polars")
    native = nw.from_native(pl.DataFrame({"x": ["a", "b"]}))
    expr = sm.parse_condition("x in (1, 'a')").to_expr(dict(native.collect_schema()))
    assert native.select(expr.alias("c")).to_native()["c"].to_list() == [True, False]


@pytest.mark.parametrize(
    "text",
    ["between(n, 2, 5)", "not between(n, 2, 5)", "matches(s, '^a')", "not matches(s, 'b$')"],
)
def test_a_leaf_without_a_schema_takes_the_column_to_be_of_its_literals_type(text: str) -> None:
    """Without a schema, ``between`` reads a number column and ``matches`` a text column:
    each row's answer is the tree's."""
    pl = pytest.importorskip("polars")
    rows = {"n": [1, 3, 9, None], "s": ["ab", "xb", None, "b"]}
    condition = sm.parse_condition(text)
    native = nw.from_native(pl.DataFrame(rows))
    got = native.select(condition.to_expr().alias("c")).to_native()["c"].to_list()
    facts = [{k: v[i] for k, v in rows.items() if v[i] is not None} for i in range(4)]
    assert got == [condition.evaluate(f) for f in facts]
    assert None not in got[:2]


def test_an_empty_in_is_false_where_the_fact_is_known() -> None:
    pl = pytest.importorskip("polars")
    condition = sm.conditions.IsIn("x", ())
    native = nw.from_native(pl.DataFrame({"x": [1, None]}))
    assert native.select(condition.to_expr().alias("c")).to_native()["c"].to_list() == [False, None]


@pytest.mark.parametrize(
    "dtype",
    [
        pa.date32(),
        pa.timestamp("us", tz="UTC"),
        pa.binary(),
        pa.struct([("a", pa.int64())]),
        pa.list_(pa.string()),
    ],
)
def test_a_column_that_cannot_be_a_fact_is_an_error_naming_it(dtype: Any) -> None:
    pl = pytest.importorskip("polars")
    table = pa.table({"when": pa.array([None], type=dtype)})
    schema = dict(nw.from_native(pl.from_arrow(table)).collect_schema())
    with pytest.raises(sm.ValidationError) as info:
        to_expr(sm.parse_condition("exists(when) or x == 1"), schema)
    shown = str(schema["when"])
    assert str(info.value) == (
        f"column 'when' holds {shown}, which is not a fact a condition can read (facts are "
        "text, numbers or booleans); convert it, or drop the rule."
    )
    assert (info.value.value, info.value.where, info.value.expected) == (
        shown,
        "column 'when'",
        "text, number or boolean",
    )
    to_expr(sm.parse_condition("x == 1"), schema)  # a rule not reading it is fine


def test_a_node_type_of_its_own_has_no_frames_form() -> None:
    """A node type of its own, or a subclass of a node (its own semantics), is refused by
    name, not read as its base."""

    class Odd(Condition):
        @property
        def fields(self) -> frozenset[str]:
            return frozenset()

    with pytest.raises(sm.ValidationError, match="node type Odd has no frames form"):
        to_expr(Odd())

    class Loud(sm.conditions.Exists):
        pass

    condition = Loud("x")
    with pytest.raises(sm.ValidationError) as info:
        to_expr(condition)
    assert str(info.value) == "a condition of the node type Loud has no frames form."
    assert (info.value.value, info.value.where, info.value.expected) == (
        condition,
        "to_expr",
        "a condition of the language's nodes",
    )


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        ("a(?=b)", "lookahead"), ("a(?!b)", "lookahead"), ("(?<=a)b", "lookbehind"),
        ("(?<!a)b", "lookbehind"), (r"(a)\1", "backreference"),
        ("(?P<x>a)(?P=x)", "backreference"),
        ("(a)?(?(1)b|c)", "conditional"), ("(?>ab)", "atomic"), ("a++", "possessive"),
        ("(x|(?=y))", "lookahead"), ("[ab]*(c(?!d))", "lookahead"),
    ],
)  # fmt: skip
def test_a_regex_not_every_backend_runs_is_refused_when_built(pattern: str, what: str) -> None:
    """What the frame engines do not share with Python is outside the one safe subset, so no
    condition that could be compiled to an expression holds it."""
    with pytest.raises(sm.ValidationError, match=what):
        sm.field("email").matches(pattern)


def test_portable_regexes_are_accepted() -> None:
    for pattern in ("@(gmail|yahoo)\\.", "^[a-z0-9]+$", "(?i)vp|director", "a{2,3}b*?", r"\(?=x"):
        sm.field("email").matches(pattern).to_expr()


class TestCaseFolding:
    """contains/contains_any fold as str.casefold: on ASCII, and on the common non-ASCII cases."""

    TEXTS: ClassVar = [
        "Straße",
        "STRASSE",
        "ὈΔΥΣΣΕΎΣ",
        "ﬁnance",
        "ÉMILE",
        "Ærø",
        "İstanbul",
        "ǅemal",
        "Hello",
    ]
    NEEDLES: ClassVar = [
        "ss",
        "strasse",
        "straße",
        "σσ",
        "υσ",
        "fi",
        "fin",
        "émile",
        "ærø",
        "hello",
        "dž",
        "HELLO",
    ]

    @pytest.mark.parametrize("backend", NON_SPARK)
    def test_contains_folds_as_casefold(self, backend: str) -> None:
        conditions = [sm.field("s").contains(n) for n in self.NEEDLES]
        rows = [{"n": None, "f": None, "s": t, "b": None, "z": None} for t in self.TEXTS]
        check(backend, conditions, rows)

    @pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow", "duckdb"])
    def test_the_dotted_capital_i_is_the_one_documented_difference(self, backend: str) -> None:
        # "İ".casefold() is "i" + U+0307: Polars and Spark agree; the others lower it to "i".
        condition = sm.field("s").contains("i\u0307")
        rows = [{"n": None, "f": None, "s": "İstanbul", "b": None, "z": None}]
        got = answers(frame(backend, rows), [condition])[0]
        assert got == ([True] if backend == "polars" else [False])
        assert condition.evaluate({"s": "İstanbul"}) is True
        # and so "ist" is not in it for Python and Polars, but is for the others
        found = sm.field("s").contains("ist")
        assert found.evaluate({"s": "İstanbul"}) is False
        assert answers(frame(backend, rows), [found])[0] == [backend != "polars"]

    def test_the_fold_table_is_what_casefold_adds_to_lower(self) -> None:
        table = dict(_folds())
        assert table["ß"] == "ss" and table["ς"] == "σ" and table["ﬁ"] == "fi"
        assert all(k.casefold() == v and k.lower() == k for k, v in table.items())
        beyond = (chr(c) for c in range(0x1F000, sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
        assert all(c.lower() == c == c.casefold() for c in beyond)

    #: Characters whose case fold differs from their lower case, what they fold to, and ASCII.
    FOLDING: ClassVar = "".join(sorted({c for k, v in _folds() for c in k + v} | set("aSs/ ")))

    @settings(max_examples=300, deadline=None)
    @given(text=st.text(FOLDING, min_size=1, max_size=8), data=st.data())
    def test_only_the_folds_a_match_can_touch_are_made(self, text: str, data: Any) -> None:
        """Folding with the chosen folds finds a needle wherever casefold finds it."""
        whole = text.casefold()
        start = data.draw(st.integers(0, len(whole) - 1))
        stop = data.draw(st.integers(start + 1, len(whole)))
        anything = st.text(self.FOLDING, min_size=1).map(str.casefold)
        needle = data.draw(st.just(whole[start:stop]) | anything)
        folded = text.lower()
        for lower, fold in _folds_for((needle,)):
            folded = folded.replace(lower, fold)
        assert (needle in folded) == (needle in whole)

    def test_a_needle_no_fold_can_touch_makes_none(self) -> None:
        """'/pricing' shares letters with 'ﬁ' (fi), but no match can run into its fold."""
        assert _folds_for(("/pricing",)) == ()
        # ss, s, st, st: each can end "as" or hold part of it; "aʾ" (from ẚ) cannot
        assert {lower for lower, _ in _folds_for(("as",))} == {"ß", "ſ", "ﬅ", "ﬆ"}


def test_to_rails_are_never_null() -> None:
    pl = pytest.importorskip("polars")
    native = nw.from_native(pl.DataFrame({"x": [1, None, 3], "s": ["a", None, "b"]}))
    schema = dict(native.collect_schema())
    true, false = to_rails(sm.parse_condition("x > 1 or s == 'a'"), schema)
    out = native.select(true.alias("t"), false.alias("f")).to_native()
    assert out["t"].to_list() == [True, False, True]
    assert out["f"].to_list() == [False, False, False]


def test_family_of_each_dtype() -> None:
    assert family(nw.String()) == "text" and family(nw.Int8()) == "number"
    assert family(nw.Boolean()) == "boolean" and family(nw.Unknown()) == "null"
    assert family(nw.Date()) == "other"


def test_import_smarketing_does_not_import_narwhals() -> None:
    code = (
        "import sys, smarketing; c = smarketing.field('x') == 1; print('narwhals' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert isinstance((sm.field("x") == 1).to_expr(), nw.Expr)


@pytest.mark.parametrize(
    "pattern",
    [
        r"@(gmail|yahoo)\.", r"\(x\)", "[(]a", "[]()]", "[^](]x(y)", "(?P<n>a)b", "(?i)(a)",
        "(?:a)(b)", r"a\\(b)", "((a)|b)+c", "[a-c(]+", r"\[(a)\]", "x[(]a", "a>(?P<n>b)",
        "(?P<n>a)>b",
    ],
)  # fmt: skip
def test_groups_become_non_capturing_and_search_alike(pattern: str) -> None:
    """pandas warns about capturing groups: the patterns it is given have none, same answers."""
    import re

    from smarketing.conditions._expr import _uncaptured

    rewritten = _uncaptured(pattern)
    assert re.compile(rewritten).groups == 0
    texts = ["a@gmail.com", "(x)", "(a", "]", "x(y", "ab", "A", "b", "a\\b", "aabc", "c(", "[a]"]
    texts += ["?a", ":a", "a>b", "x(a", "xa", "](x", "?x", "x[a", "?xy"]  # a class read wrongly
    for text in texts:
        assert (re.search(pattern, text) is None) == (re.search(rewritten, text) is None)


def test_a_numeric_in_without_a_schema_and_with_one() -> None:
    """Without the column's type each value is its own test; with it, one is_in of its type."""
    pl = pytest.importorskip("polars")
    native = nw.from_native(pl.DataFrame({"i": [1, 2, None], "f": [1.0, 2.5, math.nan]}))
    schema = dict(native.collect_schema())
    conditions = {
        "i in (1, 2.5)": [True, False, None],
        "i in (2.5,)": [False, False, None],
        "f in (1, 2.5)": [True, True, None],
    }
    for text, expected in conditions.items():
        condition = sm.parse_condition(text)
        for types in (None, schema):
            got = native.select(condition.to_expr(types).alias("c")).to_native()["c"].to_list()
            # without a schema NaN is still unknown in a number column (is_nan on every type)
            assert got == expected, (text, types)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e == 'a'", [True, False, None]),
        ("contains(t, 'a.c')", [False, True, None]),
        ("contains_any(t, ('zz', 'a.c'))", [False, True, None]),
        ("contains_any(t, ('!', 'a.c'))", [False, True, None]),  # '!' sorts first
        ("contains(t, '(')", [False, False, None]),
    ],
)
def test_an_enum_is_text_and_contains_reads_its_text_literally(
    text: str, expected: list[object]
) -> None:
    """An Enum column is a text column; '.' and '(' in a contains text are characters."""
    pl = pytest.importorskip("polars")
    columns = {
        "e": pl.Series(["a", "b", None], dtype=pl.Enum(["a", "b"])),
        "t": ["abc", "a.c", None],
    }
    native = nw.from_native(pl.DataFrame(columns))
    condition = sm.parse_condition(text)
    expr = condition.to_expr(dict(native.collect_schema()))
    assert native.select(expr.alias("c")).to_native()["c"].to_list() == expected
