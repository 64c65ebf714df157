"""Exact promises of the condition language that mutation testing found unpinned: what a
refused condition's error says (the piece at fault, the text, how both are shortened), how
backquoted names are found beside string literals, why a regex is refused, and what
``bool(condition)`` raises."""

from __future__ import annotations

import math

import pytest

import smarketing as sm
from smarketing import ConfigError, ValidationError
from smarketing.conditions import Compare, Condition, _regex, condition_from, deciding_values


def refused(text: str, *, source: str | None = None) -> ConfigError:
    """The error ``parse_condition`` raises for ``text``."""
    with pytest.raises(ConfigError) as info:
        sm.parse_condition(text, source=source)
    return info.value


# --- _describe: how the parser names a construct it refuses ------------------------------------


@pytest.mark.parametrize(
    ("text", "piece", "described"),
    [
        ("x == y.z", "y.z", "attribute access"),
        ("x == a[0]", "a[0]", "indexing"),
        ("x == [i for i in y]", "[i for i in y]", "a comprehension"),
        ("x == {i for i in y}", "{i for i in y}", "a comprehension"),
        ("x == {i: 1 for i in y}", "{i: 1 for i in y}", "a comprehension"),
        ("x == (i for i in y)", "(i for i in y)", "a comprehension"),
        ("x == a + 1", "a + 1", "arithmetic"),
        ("x == f(1)", "f(1)", "a call"),
        ("x == {1: 2}", "{1: 2}", "a dict"),
        ("x == (a := 1)", "a := 1", "an assignment"),
        ("x == (1 if a else 2)", "1 if a else 2", "an if-expression"),
        ('x == f"a{b}"', 'f"a{b}"', "an f-string"),
        ("x == (await a)", "await a", "await"),
        ("x == (a, b)", "(a, b)", "Tuple"),  # no word of its own: the node's class name
        ("x == [1]", "[1]", "List"),
    ],
)
def test_a_refused_literal_names_what_was_found(text: str, piece: str, described: str) -> None:
    """Where a literal is expected, the error says what stood there instead, in words."""
    error = refused(text)
    assert str(error) == (
        f"condition {text!r}: expected a literal value, found {described}: {piece!r}."
    )
    assert error.piece == piece


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("lambda: 1", "a lambda"),
        ("[x for x in y]", "a comprehension"),
        ("{1: 2}", "a dict"),
        ("a if b else c", "an if-expression"),
        ('f"{a}"', "an f-string"),
        ("await a", "await"),
        ("-a", "UnaryOp"),
        ("(a, b)", "Tuple"),
    ],
)
def test_a_refused_condition_names_what_it_is(text: str, described: str) -> None:
    """A whole condition outside the grammar is named in words (or by its node's class)."""
    assert str(refused(text)) == (
        f"condition {text!r}: {described} is not allowed in a condition: {text!r}."
    )


def test_unpacking_and_a_call_called_are_named() -> None:
    """``*a`` where a fact name goes is 'unpacking'; calling a call is 'a call'."""
    assert str(refused("exists(*a)")) == (
        "condition 'exists(*a)': expected a fact name, found unpacking: '*a'."
    )
    assert str(refused("exists(a)(b)")) == (
        "condition 'exists(a)(b)': a call cannot be called: 'exists(a)'."
    )
    assert str(refused("a.b(1)")) == "condition 'a.b(1)': attribute access cannot be called: 'a.b'."


# --- _Parser.fail: the message, the piece, and how long ones are shortened ---------------------


def test_the_error_quotes_the_piece_at_fault_not_the_whole_text() -> None:
    """The piece named is the node at fault, and ``piece`` is that node's text."""
    error = refused("x == 1 and y == z + 1")
    assert str(error) == (
        "condition 'x == 1 and y == z + 1': expected a literal value, found arithmetic: 'z + 1'."
    )
    assert error.piece == "z + 1"
    assert error.value == "z + 1"
    assert error.source is None


def test_the_piece_names_a_backquoted_name_as_written() -> None:
    """A backquoted name in the piece reads as the user wrote it, not as its placeholder."""
    error = refused("x == `Lead Source` + 1", source="p.yaml")
    assert str(error) == (
        "condition 'x == `Lead Source` + 1' in p.yaml: expected a literal value, found "
        "arithmetic: '`Lead Source` + 1'."
    )
    assert error.piece == "`Lead Source` + 1"
    assert error.source == "p.yaml"


def test_an_error_with_no_node_names_no_piece() -> None:
    """Without a node at fault the message ends at the problem; ``piece`` is the text."""
    error = refused("exists(` `)")
    assert str(error) == (
        "condition 'exists(` `)': backquoted name must be a fact name: printable text of at "
        "most 200 characters, without backquotes and not starting with '__' (got ' ')."
    )
    assert error.piece == "exists(` `)"
    assert error.expected == "a fact name"


def test_a_text_of_120_characters_is_quoted_whole() -> None:
    """The condition's text is quoted whole up to 120 characters."""
    text = "a" * 116 + " + 1"
    assert len(text) == 120
    error = refused(text)
    assert str(error) == (
        f"condition {text!r}: arithmetic is not allowed in a condition: {text[:77]!r}...."
    )


def test_a_text_of_121_characters_is_shortened() -> None:
    """Past 120 characters the text is cut to 117 and marked with '...'."""
    text = "a" * 117 + " + 1"
    error = refused(text)
    short = text[:117] + "..."
    assert str(error) == (
        f"condition {short!r}: arithmetic is not allowed in a condition: {text[:77]!r}...."
    )
    assert error.piece == text


def test_a_piece_of_80_characters_is_quoted_whole() -> None:
    """The piece is quoted whole up to 80 characters."""
    text = "a" * 76 + " + 1"
    assert len(text) == 80
    assert str(refused(text)) == (
        f"condition {text!r}: arithmetic is not allowed in a condition: {text!r}."
    )


def test_a_piece_of_81_characters_is_cut_to_77() -> None:
    """Past 80 characters the piece is cut to its first 77 and marked with '...'."""
    text = "a" * 77 + " + 1"
    error = refused(text)
    assert str(error) == (
        f"condition {text!r}: arithmetic is not allowed in a condition: {'a' * 77!r}...."
    )
    assert error.piece == text  # the attribute keeps it whole


# --- _Parser.reword: a node's own error as the condition's -------------------------------------


def test_a_built_nodes_error_names_its_call_and_keeps_what_was_expected() -> None:
    """A predicate whose node refuses its arguments: the node's message (its final '.'
    dropped once), the call at fault as the piece, its ``expected``, and the node's error
    as the cause."""
    text = "x == 1 and between(score, 1, 'a')"
    error = refused(text)
    assert str(error) == (
        f"condition {text!r}: between(score, ...) needs two numbers or two strings "
        "(got 1 and 'a'): \"between(score, 1, 'a')\"."
    )
    assert error.piece == "between(score, 1, 'a')"
    assert error.expected == "two numbers"
    assert isinstance(error.__cause__, ValidationError)


def test_a_bad_fact_name_is_named_as_the_piece() -> None:
    """A fact name past its length limit: the name is the piece, shortened in the message."""
    name = "y" * 201
    text = f"x == 1 and {name} == 2"
    error = refused(text)
    assert error.piece == name
    assert error.expected == "a fact name"
    assert str(error).endswith(f"(got {name!r}): {'y' * 77!r}....")


# --- _string_end: backquotes inside string literals are text, not names ------------------------


def test_a_backquote_inside_a_triple_quoted_string_is_text() -> None:
    """A triple-quoted string ends at its triple quote, not at a single quote inside it."""
    c = sm.parse_condition("contains(`Job Title`, '''it's `x` ''')")
    assert c == sm.field("Job Title").contains("it's `x` ")


def test_a_triple_quoted_string_is_followed_by_more_names() -> None:
    """After a triple-quoted string, backquoted names are read again."""
    c = sm.parse_condition("contains(`Job Title`, '''a''') and `Lead Source` == 'x'")
    assert c == sm.field("Job Title").contains("a") & (sm.field("Lead Source") == "x")


def test_a_backquote_after_an_escaped_quote_is_text() -> None:
    """An escaped quote does not end a string, so the backquotes after it are text."""
    c = sm.parse_condition("contains(`Job Title`, 'it\\'s `x`')")
    assert c == sm.field("Job Title").contains("it's `x`")


def test_an_escaped_backslash_ends_before_the_quote() -> None:
    """``'a\\\\'`` is a string of one backslash: its quote closes it, and the backquoted
    name after it is a name."""
    c = sm.parse_condition("contains(`Job Title`, 'a\\\\') or `Lead Source` == 'b'")
    assert c == sm.field("Job Title").contains("a\\") | (sm.field("Lead Source") == "b")


# --- _unbounded_inside: why a repeat of a repeat is refused ------------------------------------

_NESTED = (
    "an unbounded repeat of a part that can itself repeat without bound (as in '(a+)+' or '(a*b)*')"
)


@pytest.mark.parametrize("pattern", ["(a+)+", "(a+|b)+", "(?:a|b+)+", "(x(a+))*"])
def test_a_repeat_of_an_unbounded_repeat_is_refused_as_nested(pattern: str) -> None:
    """An unbounded repeat with one anywhere inside it (in a group, in an alternative) is
    refused for that reason, named in the message."""
    with pytest.raises(ValidationError) as info:
        sm.field("x").matches(pattern)
    assert str(info.value) == (
        f"matches(x, {pattern!r}): outside the safe subset of regular expressions: {_NESTED}."
    )
    assert info.value.value == pattern
    assert info.value.where == "matches"


@pytest.mark.parametrize("pattern", ["(a{2}b)+", "(ab{1,3}c)+", "(?:x{3})*y"])
def test_a_repeat_of_a_counted_repeat_is_accepted(pattern: str) -> None:
    """A counted repeat inside an unbounded one is bounded: the pattern is accepted."""
    c = sm.field("x").matches(pattern)
    assert str(c) == f"matches(x, {pattern!r})"


def test_an_accepted_repeat_of_a_counted_repeat_matches() -> None:
    """The accepted pattern runs as the regex it is."""
    c = sm.field("x").matches("^(a{2}b)+$")
    assert c.evaluate({"x": "aabaab"}) is True
    assert c.evaluate({"x": "aaba"}) is False


# --- unquote: backquoted names, and where the errors about them point -------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("x == 1 or `Lead Source == 2", "the backquote at column 11 is never closed"),
        (
            "exists(x) or `a b`c",
            "the backquoted name at column 14 touches 'c': a backquoted name stands on its own, "
            "apart from other names",
        ),
        (
            "x == 1 or `a b`_y == 2",
            "the backquoted name at column 11 touches '_': a backquoted name stands on its own, "
            "apart from other names",
        ),
        ("x == 1 or \uff58 == 2", "'\uff58' at column 11: a name beyond ASCII goes in backquotes"),
        (
            "x == 1 or `a b`",
            "a fact name alone is not a condition; compare it or use exists(): '`a b`'",
        ),
    ],
)
def test_a_backquote_error_names_its_column(text: str, problem: str) -> None:
    """Columns count from 1 where the backquote (or the letter) stands; a backquoted name at
    the very end of the text is read like any other."""
    assert str(refused(text)) == f"condition {text!r}: {problem}."


def test_a_backquoted_name_in_an_error_is_named_as_written() -> None:
    """Not as the placeholder the reader puts in its place."""
    assert str(refused("x == `a b`")) == (
        "condition 'x == `a b`': expected a literal value, found the name 'a b': '`a b`'."
    )
    assert str(refused("x in `a b`")) == (
        "condition 'x in `a b`': expected a list of values in (...), found the name 'a b': '`a b`'."
    )


def test_a_capital_x_outside_strings_is_a_name_beside_backquotes() -> None:
    assert sm.parse_condition("X == 1 and `a b` == 2") == (
        (sm.field("X") == 1) & (sm.field("a b") == 2)
    )


def test_a_name_like_the_placeholder_is_its_own_fact() -> None:
    """A fact named like the reader's placeholder for a backquoted name stays apart."""
    c = sm.parse_condition("`a b` == 1 and _bq0 == 2")
    assert c.fields == frozenset({"a b", "_bq0"})
    assert c.evaluate({"a b": 1, "_bq0": 2}) is True


# --- deciding_values: the values of a fact that reach what conditions tell apart -------------

F = sm.field
BEYOND = 10**15 + 1  # past every number the language admits, on both sides


@pytest.mark.parametrize(
    ("conditions", "name", "values"),
    [
        ([F("size") >= 10, F("x").exists()], "size", (9, 10, 11, -BEYOND, BEYOND, "\x00")),
        (
            [F("s").between(1.5, 2.5), F("s").exists()],
            "s",
            (1.0, 1.5, 2.0, 2.5, 3.0, -BEYOND, BEYOND, "\x00"),
        ),
        (
            [F("t").contains("vp"), F("t").contains_any(("b", "a")), F("t").matches("x")],
            "t",
            (-BEYOND, BEYOND, "vp", "a", "b", "vp a b", "\x00"),
        ),
        (
            [F("t").contains("vp"), F("t").contains("cmo")],
            "t",
            (-BEYOND, BEYOND, "vp", "cmo", "vp cmo", "\x00"),
        ),
        (
            [(F("size") >= 1) & ~(F("c") == "DE"), F("c").is_in(("FR",)) | (F("f") == True)],  # noqa: E712
            "c",
            (-BEYOND, BEYOND, "DE", "FR", "\x00"),
        ),
        ([F("f") == True], "f", (-BEYOND, BEYOND, "\x00", True)),  # noqa: E712
    ],
)
def test_deciding_values_are_exactly_these(
    conditions: list[Condition], name: str, values: tuple[object, ...]
) -> None:
    """Each literal and its neighbours (1 for whole numbers, 0.5 for others), the contained
    texts and all of them together, the booleans, and a number and a text beyond all; only
    the leaves on the fact, inside ``and``, ``or`` and ``not``."""
    assert deciding_values(conditions, name) == values


def test_a_leaf_misses_its_fact_only_when_unknown() -> None:
    c = F("x") == 1
    assert c.missing({"x": 2}) == ()
    assert c.missing({"y": 2}) == ("x",)


# --- _Parser: each refusal's message, the piece at fault and the source ------------------------

_OR = "y == 1 or "  # a first part, so that the piece at fault is not the whole text
_KNOWN = "always, between, contains, contains_any, exists, matches, missing, never"


@pytest.mark.parametrize(
    ("text", "problem", "piece"),
    [
        ("  ", "is empty; write always() for a condition that always holds", None),
        (
            _OR + "not " * 52 + "x == 1",
            "is nested more than 50 levels deep",
            "not not x == 1",
        ),
        (
            _OR + "(a == 1 and (b == 1 or " * 30 + "c == 1" + "))" * 30,
            "is nested more than 50 levels deep",
            "b == 1",
        ),
        (_OR + "x", "a fact name alone is not a condition; compare it or use exists()", "x"),
        (_OR + "__x == 1", "names starting with '__' are not allowed", "__x"),
        (_OR + "x == -'a'", "a sign goes only before a number", "-'a'"),
        (_OR + "x == None", "expected a string, a finite number, True or False", "None"),
        (_OR + "x in y", "expected a list of values in (...), found the name 'y'", "y"),
        (_OR + "1 == 2", "a comparison needs a fact name on one side", "1 == 2"),
        (_OR + "x is 1", "the operator Is is not allowed", "x is 1"),
        (_OR + "nope(x)", f"unknown predicate; the predicates are {_KNOWN}", "nope"),
        (_OR + "exists(x=1)", "exists() takes no keyword arguments", "exists(x=1)"),
        (_OR + "exists(a, b)", "exists() takes 1 argument", "exists(a, b)"),
        (_OR + "between(x, 1)", "between() takes 3 arguments", "between(x, 1)"),
    ],
)
def test_a_refusal_names_its_problem_piece_and_source(
    text: str, problem: str, piece: str | None
) -> None:
    error = refused(text, source="pb.toml")
    shown = text if len(text) <= 120 else text[:117] + "..."
    at = "" if piece is None else f": {piece!r}"
    assert str(error) == f"condition {shown!r} in pb.toml: {problem}{at}."
    assert (error.piece, error.source) == (text if piece is None else piece, "pb.toml")


def test_a_name_too_long_is_refused_as_a_fact_name() -> None:
    name = "a" * 300
    error = refused(_OR + name + " == 1")
    assert "name must be a fact name: printable text of at most 200 characters" in str(error)
    assert "a fact name must" not in str(error)
    assert error.piece == name


def test_what_is_not_text_or_too_long_names_its_source() -> None:
    with pytest.raises(ConfigError) as info:
        sm.parse_condition(5, source="pb.toml")  # type: ignore[arg-type]
    assert str(info.value) == "a condition must be text (got 5)."
    assert (info.value.piece, info.value.source) == (5, "pb.toml")
    long = "x == 1 or " * 2000 + "x == 1"
    error = refused(long, source="pb.toml")
    assert str(error) == "condition text is 20006 characters long; at most 20000 are accepted."
    assert (error.piece, error.source) == (long[:80], "pb.toml")


# --- _finite: how many characters of a class the checker reads one by one -------------------


def test_classes_of_256_characters_side_by_side_are_told_apart() -> None:
    """A class of up to 256 characters is read character by character, so two disjoint ones
    one after the other do not multiply the work (limits.md, "Regular expressions")."""
    c = sm.field("x").matches("[\u0100-\u01ff]+[\u0300-\u03ff]+$")
    assert c.evaluate({"x": "\u0100\u0300"}) is True


def test_classes_of_257_characters_side_by_side_count_as_overlapping() -> None:
    """A larger class is not read one by one: two of them side by side are taken to read the
    same characters, and the pattern is refused as a cube of the text."""
    with pytest.raises(ValidationError, match="cube of the text"):
        sm.field("x").matches("[\u0100-\u0200]+[\u0300-\u0400]+$")


# --- the regex checker's decisions and its cost model ------------------------------------------

_CUBE = (
    "its search can take time growing as the cube of the text (two unbounded repeats that can "
    "read the same characters one after the other)"
)
_WAYS = (
    "an unbounded repeat of a part that can match in more than one way (as in '(a|aa)+' or "
    "'(a?b)+')"
)
_STEPS = "its search can take more than 40,000,000 steps on a text of 1,000 characters"
_DEEP = "groups nested more than 50 levels deep"


@pytest.mark.parametrize(
    "pattern",
    [
        ".*(?m:$)",  # a line end after a repeat
        "(?i:A){2,5}(a?b)*",
        "(?i:A)*(?i:A){2,5}",
        "(?:a*b|c){2}",  # a counted repeat of two ways, each ending apart
        "^(?:a|ab){13}",  # 2**14 - 1 ways from one start: under the work bound
        "\\Aa*a*x",  # one start position (the text's own): a square, not a cube
        "(?:ab|" * 26 + "cd" + ")" * 26,  # alternatives 26 deep
        "(?:" * 26 + "ab" + "){1}" * 26,  # repeats 26 deep
    ],
)
def test_the_regex_checker_accepts(pattern: str) -> None:
    assert sm.field("x").matches(pattern).pattern == pattern


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("a*(?m:$)a*", _CUBE),
        ("(?m)^a*a*x", _CUBE),  # a line start is every line's, not one start
        ("x^a*a*", _CUBE),  # a ^ that is not the pattern's first part
        ("(?i:a+A+x)", _CUBE),  # case folded: a and A are the same characters
        ("(?:a*a|c){2}", _CUBE),
        ("^(?:a*a|c){2}", _CUBE),  # two passes of a part whose ends grow with the text
        ("(?i:A)*(a|aa){2,5}", _STEPS),
        ("(?:a?){40}b", _STEPS),
        ("(a|aa)+", _WAYS),
        ("(?:ab|" * 51 + "cd" + ")" * 51, _DEEP),
        ("(?:" * 51 + "ab" + "){1}" * 51, _DEEP),
    ],
)
def test_the_regex_checker_refuses_and_says_why(pattern: str, problem: str) -> None:
    with pytest.raises(ValidationError) as info:
        sm.field("x").matches(pattern)
    assert str(info.value) == (
        f"matches(x, {pattern!r}): outside the safe subset of regular expressions: {problem}."
    )
    assert (info.value.value, info.value.where) == (pattern, "matches")


def test_an_invalid_regex_is_named_as_one() -> None:
    with pytest.raises(ValidationError) as info:
        sm.field("x").matches("$*")
    assert str(info.value) == (
        "matches(x, '$*'): not a valid regular expression (nothing to repeat at position 1)."
    )
    assert (info.value.value, info.value.where, info.value.expected) == (
        "$*",
        "matches",
        "a regular expression",
    )


def test_the_work_of_a_pattern_is_a_polynomial_in_the_text() -> None:
    """(degree, coefficient) pairs, valued at a text of 1,000 characters (plus the end)."""
    assert (_regex._value((2, 3)), _regex._value((0, 7))) == (3 * 1001**2, 7)
    cases = [
        ("a+b", (2, 3), (1, 1)),
        ("(?:a*b|c){2}", (2, 28), (1, 7)),
        ("\n+(?m:.)x", (2, 4), (1, 1)),  # (?m) is no (?s): '.' reads no line break
    ]
    for pattern, work, exits in cases:
        parsed = _regex._parser.parse(pattern)
        assert _regex._cost(list(parsed), _regex._TEXT, parsed.state.flags, 0) == (work, exits)
    # a group that turns case folding off reads its characters as written
    first = _regex._first(list(_regex._parser.parse("(?-i:b)")), 0)
    assert first is not None and first[1] == frozenset("b")


def test_a_pattern_at_the_work_bound_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = 3 * 1001**2  # a+b
    monkeypatch.setattr(_regex, "MAX_REGEX_WORK", steps)
    assert sm.field("x").matches("a+b").pattern == "a+b"
    monkeypatch.setattr(_regex, "MAX_REGEX_WORK", steps - 1)
    with pytest.raises(ValidationError, match=f"more than {steps - 1:,} steps"):
        sm.field("x").matches("a+b")


# --- the nodes' own checks: a bad part is named with its value, where and what was expected --


def _nodes() -> list[tuple[object, str, object, str, str]]:
    from smarketing.conditions import And, Compare, Not, Or

    x = sm.field("x")
    return [
        (
            lambda: x == [1],
            "compared value must be a string, number or boolean (got [1]).",
            [1],
            "compared value",
            "a str, int, float or bool",
        ),
        (
            lambda: x == "a" * 1001,
            "compared value must be a string of at most 1000 characters (got 1001 characters).",
            "a" * 1001,
            "compared value",
            "a string of at most 1000 characters",
        ),
        (
            lambda: x.is_in([1, [2]]),
            "is_in values item must be a string, number or boolean (got [2]).",
            [2],
            "is_in values item",
            "a str, int, float or bool",
        ),
        (
            lambda: x.is_in("abc"),
            "is_in values must be a collection of strings, numbers or booleans (got 'abc').",
            "abc",
            "is_in values",
            "a set, list or tuple",
        ),
        (
            lambda: x.is_in(range(1001)),
            "is_in values must hold at most 1000 values (got 1001).",
            1001,
            "is_in values",
            "at most 1000 values",
        ),
        (
            lambda: x.contains_any("abc"),
            "contains_any texts must be a collection of strings, numbers or booleans (got 'abc').",
            "abc",
            "contains_any texts",
            "a set, list or tuple",
        ),
        (
            lambda: Compare("x", "=~", 1),
            "comparison operator must be one of ==, !=, <, <=, >, >= (got '=~').",
            "=~",
            "Compare.op",
            "== != < <= > >=",
        ),
        (
            lambda: And((x == 1, "y")),
            "And combines conditions (got 'y').",
            "y",
            "And",
            "a Condition",
        ),
        (
            lambda: And((x == 1,)),
            "And needs at least two conditions (got 1).",
            [x == 1],
            "And",
            "two or more",
        ),
        (lambda: Or((x == 1, 5)), "Or combines conditions (got 5).", 5, "Or", "a Condition"),
        (lambda: Not("x"), "Not negates a condition (got 'x').", "x", "Not", "a Condition"),
        (
            lambda: x == math.inf,
            "compared value must be a finite number (got inf).",
            math.inf,
            "compared value",
            "a finite number",
        ),
        (
            lambda: x == 10**16,
            "compared value must be a number of at most 1000000000000000 either way.",
            10**16,
            "compared value",
            "a number of at most 1000000000000000 either way",
        ),
    ]


@pytest.mark.parametrize("case", range(13))
def test_a_bad_part_of_a_node_is_named_whole(case: int) -> None:
    build, message, value, where, expected = _nodes()[case]
    with pytest.raises(ValidationError) as info:
        build()  # type: ignore[operator]
    assert str(info.value) == message
    assert (info.value.value, info.value.where, info.value.expected) == (value, where, expected)


# --- Condition.__bool__: a condition has no truth of its own -----------------------------------


def test_bool_of_a_condition_is_refused_with_its_context() -> None:
    """``bool(c)`` (``and``/``or``/``not``/``if``) raises, naming the condition, where, and
    what to use instead."""
    c = sm.field("a") == 1
    with pytest.raises(ValidationError) as info:
        bool(c)
    assert str(info.value) == (
        "the truth of the condition a == 1 depends on facts: combine conditions with "
        "'&', '|' and '~' (not 'and', 'or', 'not') and test them with .holds(facts)."
    )
    assert info.value.value is c
    assert info.value.where == "bool(condition)"
    assert info.value.expected == ".holds(facts)"


# --- condition_from and the data shape: a condition is its text --------------------------------


def test_condition_from_keeps_a_condition_as_it_is() -> None:
    """A condition given where its text is expected is that very condition."""
    c = sm.field("x") == 1
    assert condition_from(c, "$") is c


def test_condition_from_reads_text() -> None:
    """Text is read as the text form."""
    assert condition_from("x == 1 and exists(y)", "$") == sm.parse_condition("x == 1 and exists(y)")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("x ==", "condition 'x ==': is not valid syntax (invalid syntax)."),
        (5, "a condition must be text (got 5)."),
    ],
)
def test_condition_from_refuses_bad_text_as_data(data: object, problem: str) -> None:
    """Unreadable data is a ValidationError (runtime input): its message is the parser's,
    without a path when none is given; the data as its value; the parser's error its cause."""
    with pytest.raises(ValidationError) as info:
        condition_from(data, None)
    error = info.value
    assert not isinstance(error, ConfigError)
    assert str(error) == problem
    assert error.value == data
    assert error.where is None
    assert error.expected == "a condition's text"
    assert isinstance(error.__cause__, ConfigError)
    assert str(error.__cause__) == problem


def test_condition_from_names_the_path_of_bad_text() -> None:
    """With a path, the message starts with it and ``where`` is it."""
    with pytest.raises(ValidationError) as info:
        condition_from("x ==", "$.when")
    assert str(info.value) == "$.when: condition 'x ==': is not valid syntax (invalid syntax)."
    assert info.value.where == "$.when"
    assert info.value.value == "x =="


@pytest.mark.parametrize("cls", [Condition, Compare])
def test_from_dict_reads_a_condition_of_any_node_type_from_text(cls: type[Condition]) -> None:
    """``from_dict`` reads the condition type, or any of its node types, from its text."""
    c = sm.from_dict(cls, "x == 1")
    assert isinstance(c, Compare)
    assert c == sm.parse_condition("x == 1")


def test_from_dict_of_bad_condition_text_names_the_root() -> None:
    """Bad text read as a whole condition is at ``$``."""
    with pytest.raises(ValidationError) as info:
        sm.from_dict(Condition, "x ==")
    assert str(info.value) == "$: condition 'x ==': is not valid syntax (invalid syntax)."
    assert info.value.where == "$"


def test_to_dict_writes_a_condition_as_its_text() -> None:
    """A condition's data is its text, alone or inside a definition."""
    c = (sm.field("x") == 1) & sm.field("y").exists()
    assert sm.to_dict(c) == "x == 1 and exists(y)"
    t = sm.Transition("go", source=("a",), dest="b", when=c, auto=sm.field("y").exists())
    assert sm.to_dict(t) == {
        "trigger": "go",
        "source": ["a"],
        "dest": "b",
        "when": "x == 1 and exists(y)",
        "auto": "exists(y)",
        "requires_reason": False,
    }


@pytest.mark.parametrize("auto", [True, False, "exists(y)"])
def test_a_transitions_auto_is_a_boolean_or_a_condition(auto: object) -> None:
    """``auto`` reads back as the boolean it is, or as a condition from its text."""
    data = {"trigger": "go", "source": ["a"], "dest": "b", "when": "x == 1", "auto": auto}
    t = sm.from_dict(sm.Transition, data)
    assert t.when == sm.parse_condition("x == 1")
    if isinstance(auto, bool):
        assert t.auto is auto
    else:
        assert t.auto == sm.field("y").exists()


@pytest.mark.parametrize("key", ["when", "auto"])
def test_bad_condition_text_inside_a_definition_names_its_path(key: str) -> None:
    """Bad condition text inside a definition is reported at its key path."""
    data = {"trigger": "go", "source": ["a"], "dest": "b", "when": "x == 1", "auto": True}
    data[key] = "x =="
    with pytest.raises(ValidationError) as info:
        sm.from_dict(sm.Transition, data)
    assert str(info.value) == (
        "cannot read a Transition: condition 'x ==': is not valid syntax (invalid syntax) "
        f"@ $.{key}."
    )
    assert info.value.where == f"$.{key}"
