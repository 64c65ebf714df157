"""The condition language: predicates, Kleene logic, the text form and its safety."""

from __future__ import annotations

import enum
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import smarketing as sm
from smarketing import testing as sst
from smarketing.conditions import (
    And,
    Between,
    Compare,
    Contains,
    IsIn,
    Not,
    Or,
    all_of,
    any_of,
    compile_condition,
)

F = sm.field


# What isprintable() takes (no control, format, private, unassigned or separator characters
# but the space), without the backquote: drawn so, not filtered (filter_too_much).
PRINTABLE = st.characters(
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"), exclude_characters="`"
) | st.just(" ")


class TestPredicates:
    def test_comparisons_read_the_named_fact(self) -> None:
        """Each comparison operator compares the fact with the literal."""
        facts = {"size": 50}
        assert (F("size") == 50).evaluate(facts) is True
        assert (F("size") != 50).evaluate(facts) is False
        assert (F("size") < 51).evaluate(facts) is True
        assert (F("size") <= 49).evaluate(facts) is False
        assert (F("size") > 49).evaluate(facts) is True
        assert (F("size") >= 51).evaluate(facts) is False

    def test_a_missing_fact_leaves_a_comparison_undetermined(self) -> None:
        """Unknown is neither true nor false."""
        assert (F("size") >= 50).evaluate({}) is None
        assert (F("size") >= 50).evaluate({"size": None}) is None

    def test_mismatched_types_are_false_never_an_error(self) -> None:
        """Text, numbers and booleans never compare with each other."""
        assert (F("size") >= 50).evaluate({"size": "lots"}) is False
        assert (F("size") == 1).evaluate({"size": True}) is False
        assert (F("flag") == True).evaluate({"flag": 1}) is False  # noqa: E712
        assert (F("size") != 1).evaluate({"size": "1"}) is True
        assert (F("size") < 5).evaluate({"size": [1, 2]}) is False

    def test_is_in_and_not_in(self) -> None:
        """Membership keeps types apart, and not in is its negation."""
        c = F("industry").is_in({"saas", "software"})
        assert c.evaluate({"industry": "saas"}) is True
        assert c.evaluate({"industry": "retail"}) is False
        assert c.evaluate({}) is None
        assert F("n").is_in({1}).evaluate({"n": True}) is False
        assert F("n").is_in({1}).evaluate({"n": {"a": 1}}) is False
        assert F("industry").not_in({"saas"}).evaluate({"industry": "retail"}) is True

    def test_between_is_inclusive(self) -> None:
        """Both ends of the range count."""
        c = F("size").between(10, 20)
        assert [c.evaluate({"size": v}) for v in (9, 10, 20, 21)] == [False, True, True, False]
        assert c.evaluate({"size": "15"}) is False

    def test_contains_ignores_case_and_reads_lists(self) -> None:
        """contains is a case-insensitive substring test, of any item of a list fact."""
        assert F("title").contains("vp").evaluate({"title": "SVP Sales"}) is True
        assert F("title").contains("vp").evaluate({"title": "Director"}) is False
        assert F("tags").contains("crm").evaluate({"tags": ("ERP", "CRM tools")}) is True
        assert F("title").contains("vp").evaluate({"title": 3}) is False

    def test_contains_any(self) -> None:
        """Any of the texts will do."""
        c = F("title").contains_any(["vp", "head of"])
        assert c.evaluate({"title": "Head of Growth"}) is True
        assert c.evaluate({"title": "Engineer"}) is False

    def test_matches_searches_a_regular_expression(self) -> None:
        """matches finds the pattern anywhere in text facts only."""
        c = F("email").matches(r"@(gmail|yahoo)\.")
        assert c.evaluate({"email": "ana@gmail.com"}) is True
        assert c.evaluate({"email": "ana@acme.io"}) is False
        assert c.evaluate({"email": 5}) is False

    def test_exists_and_missing_are_never_undetermined(self) -> None:
        """They answer the question of whether the fact is known."""
        assert F("a").exists().evaluate({}) is False
        assert F("a").missing().evaluate({}) is True
        assert F("a").exists().evaluate({"a": 0}) is True

    def test_always_and_never(self) -> None:
        """The constants read no facts."""
        assert sm.always().evaluate({}) is True
        assert sm.never().evaluate({}) is False
        assert sm.always().fields == frozenset()

    def test_subclasses_of_text_and_numbers_keep_their_family(self) -> None:
        """numpy's float64 and str_, or an IntEnum, compare as the number or text they are."""

        class Size(enum.IntEnum):
            LARGE = 500

        numbers = [np.float64(60.0), Size.LARGE]
        for value in numbers:
            assert (F("n") >= 50).evaluate({"n": value}) is True
            assert F("n").is_in({60, 500}).evaluate({"n": value}) is True
            assert F("n").between(50, 600).evaluate({"n": value}) is True
            assert F("n").between(50, 600).holds({"n": value})
            assert (F("n") == "60").evaluate({"n": value}) is False
        assert (F("t") == "vp").evaluate({"t": np.str_("vp")}) is True
        assert F("t").is_in({"vp"}).evaluate({"t": np.str_("vp")}) is True
        assert (F("t") >= 1).evaluate({"t": np.str_("vp")}) is False

    @pytest.mark.parametrize("value", [np.int64(60), np.int32(60), np.uint16(60), Fraction(60)])
    def test_real_numbers_that_are_no_int_or_float_are_numbers(self, value: object) -> None:
        """numpy's integers (not int subclasses) and fractions are numbers, in the tree and
        in its compiled form alike; a numpy bool is no number."""
        for condition, expected in [
            (F("n") >= 50, True),
            (F("n").is_in({60, 500}), True),
            (F("n").between(50, 600), True),
            (F("n") == "60", False),
            (F("n") != "60", True),
        ]:
            assert condition.evaluate({"n": value}) is expected
            assert compile_condition(condition)({"n": value}) is expected
        assert (F("n") >= 0).evaluate({"n": np.bool_(True)}) is False


class TestKleeneLogic:
    def test_and_false_wins_over_unknown(self) -> None:
        """A false part settles an and, even with unknown parts."""
        c = (F("a") == 1) & (F("b") == 1)
        assert c.evaluate({"a": 2}) is False
        assert c.evaluate({"a": 1}) is None
        assert c.evaluate({"a": 1, "b": 1}) is True

    def test_or_true_wins_over_unknown(self) -> None:
        """A true part settles an or, even with unknown parts."""
        c = (F("a") == 1) | (F("b") == 1)
        assert c.evaluate({"a": 1}) is True
        assert c.evaluate({"a": 2}) is None
        assert c.evaluate({"a": 2, "b": 2}) is False

    def test_not_keeps_unknown_unknown(self) -> None:
        """Negating an unknown is still unknown."""
        assert (~(F("a") == 1)).evaluate({}) is None
        assert (~(F("a") == 1)).evaluate({"a": 2}) is True

    @given(sst.conditions(), sst.conditions(), sst.facts())
    def test_de_morgan_laws_hold(self, a: sm.Condition, b: sm.Condition, facts: dict) -> None:
        """not (a and b) == (not a) or (not b), and dually, under three values."""
        assert (~(a & b)).evaluate(facts) == ((~a) | (~b)).evaluate(facts)
        assert (~(a | b)).evaluate(facts) == ((~a) & (~b)).evaluate(facts)

    @given(sst.conditions(), sst.facts())
    def test_evaluation_never_raises_on_json_like_facts(self, c: sm.Condition, facts: dict) -> None:
        """Any JSON-like facts give True, False or None."""
        assert c.evaluate(facts) in (True, False, None)
        assert c.holds(facts) is (c.evaluate(facts) is True)

    @given(sst.conditions(), sst.facts())
    def test_learning_facts_never_unsettles_a_determined_answer_without_missing(
        self, c: sm.Condition, facts: dict
    ) -> None:
        """An undetermined answer always has a missing fact to blame."""
        if c.evaluate(facts) is None:
            assert c.missing(facts)

    @given(sst.conditions(), sst.facts())
    def test_blame_is_empty_exactly_when_the_condition_holds(
        self, c: sm.Condition, facts: dict
    ) -> None:
        """blame names parts only when there is something to blame."""
        assert (c.blame(facts) == ()) == c.holds(facts)


class TestComposition:
    def test_and_or_flatten(self) -> None:
        """Nested ands (and ors) become one flat list of parts."""
        a, b, c = F("a") == 1, F("b") == 1, F("c") == 1
        assert (a & b) & c == a & (b & c)
        assert isinstance((a & b) & c, And)
        assert len(((a | b) | c).parts) == 3  # type: ignore[attr-defined]

    def test_all_of_and_any_of_edge_cases(self) -> None:
        """No parts give the neutral element; one part gives itself."""
        a = F("a") == 1
        assert all_of() == sm.always()
        assert any_of() == sm.never()
        assert all_of(a) is a
        assert any_of(a) is a

    def test_fields_lists_every_fact_read(self) -> None:
        """fields is the union over all parts."""
        c = (F("a") == 1) & ~(F("b").exists() | F("c").contains("x"))
        assert c.fields == {"a", "b", "c"}

    def test_conditions_refuse_python_truthiness(self) -> None:
        """Using and/or/if on a condition is a clear error, not a silent bug."""
        with pytest.raises(sm.ValidationError, match="combine conditions with '&'"):
            bool(F("a") == 1)

    def test_combining_with_a_non_condition_is_a_type_error(self) -> None:
        """& with something else is not supported."""
        with pytest.raises(TypeError):
            (F("a") == 1) & True  # type: ignore[operator]
        with pytest.raises(TypeError, match="unsupported operand"):
            (F("a") == 1) | "b == 2"  # type: ignore[operator]

    def test_conditions_are_hashable_values(self) -> None:
        """Equal conditions hash alike and can key a dict."""
        assert {F("a") == 1: "x"}[F("a") == 1] == "x"
        assert hash(F("a").is_in({1, 2})) == hash(F("a").is_in([2, 1]))

    def test_blame_narrows_to_the_failing_parts(self) -> None:
        """An and blames only the parts that do not hold."""
        c = (F("a") == 1) & (F("b") == 1) & (F("c") == 1)
        assert c.blame({"a": 1, "b": 2}) == (F("b") == 1, F("c") == 1)
        assert (F("a") == 1).blame({"a": 1}) == ()
        assert ((F("a") == 1) | (F("b") == 1)).blame({"a": 2}) == (F("a") == 1, F("b") == 1)
        assert ((F("a") == 1) | (F("b") == 1)).blame({"a": 1}) == ()
        assert c.missing({"a": 1}) == ("b", "c")


class TestConstruction:
    @pytest.mark.parametrize("name", ["", "   ", "__class__", 5, "a`b", "tab\there", "x" * 201])
    def test_bad_fact_names_are_rejected(self, name: object) -> None:
        """A fact name is printable text without backquotes, not a dunder, not too long."""
        with pytest.raises(sm.ValidationError, match="fact name"):
            sm.field(name)  # type: ignore[arg-type]

    @pytest.mark.parametrize("name", ["1abc", "Lead Source", "class", "Straße", "a.b", "x y" * 66])
    def test_column_names_that_are_not_identifiers_are_written_in_backquotes(
        self, name: str
    ) -> None:
        """A CRM column like 'Lead Source' is a fact name; its text form quotes it."""
        c = F(name) == "Google"
        assert str(c) == f"`{name}` == 'Google'"
        assert sm.parse_condition(str(c)) == c
        assert c.evaluate({name: "Google"}) is True

    @pytest.mark.parametrize("value", [None, float("nan"), float("inf"), [1], {"a": 1}, b"x"])
    def test_bad_literals_are_rejected(self, value: object) -> None:
        """Literals are finite numbers, text or booleans."""
        with pytest.raises(sm.ValidationError):
            F("a") == value  # type: ignore[operator]  # noqa: B015

    def test_bad_operator_regex_and_ranges_are_rejected(self) -> None:
        """Each predicate checks its own arguments."""
        with pytest.raises(sm.ValidationError, match="operator"):
            Compare("a", "=~", 1)
        with pytest.raises(sm.ValidationError, match="regular expression"):
            F("a").matches("(")
        with pytest.raises(sm.ValidationError, match="regular expression"):
            F("a").matches(5)  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError, match="two numbers"):
            Between("a", 1, "z")
        with pytest.raises(sm.ValidationError, match="text to look for"):
            F("a").contains(5)  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError, match="texts to look for"):
            F("a").contains_any([5])  # type: ignore[list-item]
        with pytest.raises(sm.ValidationError, match="collection"):
            F("a").is_in("abc")

    def test_combinators_check_their_parts(self) -> None:
        """And/Or need two or more conditions; Not needs a condition."""
        with pytest.raises(sm.ValidationError, match="at least two"):
            And((F("a") == 1,))
        with pytest.raises(sm.ValidationError, match="combines conditions"):
            Or((F("a") == 1, "b == 1"))  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError, match="negates a condition"):
            Not("a == 1")  # type: ignore[arg-type]


class TestTextForm:
    def test_renders_readably(self) -> None:
        """The text is what people write in a playbook."""
        c = (F("company_size") >= 50) & F("industry").is_in({"software", "saas"})
        c = c & ~F("email").matches(r"@(gmail|yahoo)\.")
        assert str(c) == (
            "company_size >= 50 and industry in ('saas', 'software') "
            "and not matches(email, '@(gmail|yahoo)\\\\.')"
        )

    def test_parentheses_follow_precedence(self) -> None:
        """Or inside and, and anything compound inside not, is parenthesised."""
        a, b, c = F("a") == 1, F("b") == 1, F("c") == 1
        assert str(a & (b | c)) == "a == 1 and (b == 1 or c == 1)"
        assert str((a & b) | c) == "a == 1 and b == 1 or c == 1"
        assert str(~(a & b)) == "not (a == 1 and b == 1)"
        assert str(~~a) == "not not a == 1"
        assert str(F("x").not_in({"a"})) == "x not in ('a',)"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("50 <= size", F("size") >= 50),
            ("10 <= size < 100", (F("size") >= 10) & (F("size") < 100)),
            ("size > -5", F("size") > -5),
            ("size > +5", F("size") > 5),
            ("x in ['a', 'b']", F("x").is_in({"a", "b"})),
            ("x in {'a'}", F("x").is_in({"a"})),
            ("not x in ('a',)", F("x").not_in({"a"})),
            ("flag == True", F("flag") == True),  # noqa: E712
            ("contains(job_title, 'VP')", F("job_title").contains("VP")),
            ("contains_any(t, ('a', 'b'))", F("t").contains_any({"a", "b"})),
            ("between(size, 1, 9.5)", F("size").between(1, 9.5)),
            ("exists(a) and missing(b)", F("a").exists() & F("b").missing()),
            ("always()", sm.always()),
            ("  never()  ", sm.never()),
        ],
    )
    def test_parses_the_grammar(self, text: str, expected: sm.Condition) -> None:
        """Every construct of the grammar reads back to the same condition."""
        assert sm.parse_condition(text) == expected

    @given(sst.conditions())
    def test_text_round_trips_exactly(self, c: sm.Condition) -> None:
        """parse_condition(str(c)) == c for every condition."""
        assert sm.parse_condition(str(c)) == c

    def test_repr_is_the_parse_call(self) -> None:
        """repr shows how to build the condition again."""
        assert repr(F("a") == 1) == "parse_condition('a == 1')"
        assert repr(sm.always()) == "always()"
        assert repr(sm.never()) == "never()"
        assert repr((F("a") == 1) | (F("b") == 2)) == "parse_condition('a == 1 or b == 2')"
        assert repr(~(F("a") == 1)) == "parse_condition('not a == 1')"

    def test_regex_escapes_parse_without_warnings(self) -> None:
        """A regex written the natural way ('\\.') parses quietly and means what it says."""
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            c = sm.parse_condition("matches(email, '@acme\\.io$')")
        assert c.evaluate({"email": "jo@acme.io"}) is True
        assert c.evaluate({"email": "jo@acmexio"}) is False

    @given(st.text(PRINTABLE, min_size=1, max_size=30).filter(str.strip), st.text(max_size=10))
    def test_any_printable_column_name_round_trips_in_backquotes(self, name: str, v: str) -> None:
        """Names with spaces, quotes, unicode: the text form reads back to the same condition."""
        assume(not name.startswith("__") and "`" not in name and name.isprintable())
        c = F(name).contains_any({v or "x"}) & F(name).exists()
        assert sm.parse_condition(str(c)) == c

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("`Lead Source == 1", "never closed"),
            ("`` == 1", "fact name"),
            ("\uff58 == 1", "beyond ASCII"),
            ("`__x` == 1", "fact name"),
            ("`a``b` == 1", "touches '`'"),
            ("`a`b == 1", "touches 'b'"),
            ("x`a` == 1", "touches 'x'"),
            ("`a`_1 == 1", "touches '_'"),
        ],
    )
    def test_bad_backquotes_and_look_alike_letters_are_config_errors(
        self, text: str, problem: str
    ) -> None:
        """An unclosed backquote, an empty name, a full-width x (never folded into 'x'), a
        backquoted name run into another name (never read as one made-up name)."""
        with pytest.raises(sm.ConfigError, match=problem):
            sm.parse_condition(text)

    def test_backquotes_inside_strings_are_text(self) -> None:
        """A backquote inside a string literal is part of the string, not a name."""
        c = sm.parse_condition("contains(`Job Title`, 'a`b') or x == \"`\"")
        assert c.fields == frozenset({"Job Title", "x"})
        assert c.evaluate({"Job Title": "xa`by"}) is True

    def test_errors_show_the_name_as_written(self) -> None:
        """An error about a backquoted name quotes it as the user wrote it."""
        with pytest.raises(sm.ConfigError, match="`Lead Source`"):
            sm.parse_condition("`Lead Source` + 1 == 2")

    def test_string_values_with_quotes_round_trip(self) -> None:
        """Quotes and backslashes inside literals survive the text form."""
        c = F("name") == 'O\'Brien "the" \\ one'
        assert sm.parse_condition(str(c)) == c


class TestSafeParsing:
    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("__import__('os').system('x')", "cannot be called"),
            ("__import__('os')", "unknown predicate"),
            ("a.b == 1", "fact name"),
            ("a[0] == 1", "fact name"),
            ("[x for x in y]", "comprehension"),
            ("lambda: 1", "lambda"),
            ("a + 1 > 2", "fact name"),
            ("open('f')", "unknown predicate"),
            ("__class__ == 1", "'__'"),
            ("a", "fact name alone"),
            ("a == b", "literal value"),
            ("1 == 2", "fact name on one side"),
            ("a is None", "operator"),
            ("a == None", "string, a finite number"),
            ("a == 1e400", "finite number"),
            ("a == " + "9" * 30, "larger than"),
            ("a == '" + "x" * 2000 + "'", "longer than"),
            ("a in " + str(tuple(range(1001))), "more than 1000"),
            ("a in 'abc'", "list of values"),
            ("a == -'x'", "sign goes only"),
            ("exists(a.b)", "fact name"),
            ("exists(a, b)", "takes 1 argument"),
            ("exists(a=1)", "keyword"),
            ("always(1)", "takes 0 arguments"),
            ("matches(a, '(')", "regular expression"),
            ("a == 1 and", "not valid syntax"),
            ("", "empty"),
            ("   ", "empty"),
            ("x = 1", "not valid syntax"),
            ("f'{a}' == 1", "fact name"),
            ("a == {'k': 1}", "literal"),
            ("not " * 60 + "a == 1", "nested"),
        ],
    )
    def test_rejects_anything_outside_the_grammar(self, text: str, problem: str) -> None:
        """Everything else is a ConfigError that names the problem and the piece."""
        with pytest.raises(sm.ConfigError, match=problem) as info:
            sm.parse_condition(text)
        assert info.value.piece is not None

    @pytest.mark.parametrize(
        ("text", "value", "expected"),
        [("matches(a, '(')", "(", "a regular expression"), ("`__x` == 1", "__x", "a fact name")],
    )
    def test_a_nodes_own_error_is_kept_as_the_cause(
        self, text: str, value: str, expected: str
    ) -> None:
        """The parser adds the condition's text to a node's error, keeping what was expected and
        the node's error (with its value) as the cause."""
        with pytest.raises(sm.ConfigError) as info:
            sm.parse_condition(text)
        cause = info.value.__cause__
        assert isinstance(cause, sm.ValidationError)
        assert (cause.value, cause.expected, info.value.expected) == (value, expected, expected)
        assert str(cause).rstrip(".") in str(info.value)

    def test_rejects_huge_texts_before_parsing(self) -> None:
        """A huge text is refused without being parsed."""
        with pytest.raises(sm.ConfigError, match="at most"):
            sm.parse_condition("a == 1 and " * 5000 + "a == 1")

    def test_rejects_deeply_nested_parentheses_gracefully(self) -> None:
        """Deep nesting is an error, not a crash of the parser."""
        with pytest.raises(sm.ConfigError):
            sm.parse_condition("(" * 5000 + "a == 1" + ")" * 5000)

    def test_rejects_non_text(self) -> None:
        """Only text can be parsed."""
        with pytest.raises(sm.ConfigError, match="must be text"):
            sm.parse_condition(5)  # type: ignore[arg-type]

    def test_names_the_source_in_the_message(self) -> None:
        """Where the text came from appears in the message and on the error."""
        with pytest.raises(sm.ConfigError, match=r"in playbook.toml:scoring.fit\[0\]") as info:
            sm.parse_condition("a ==", source="playbook.toml:scoring.fit[0]")
        assert info.value.source == "playbook.toml:scoring.fit[0]"

    @given(st.text(max_size=60))
    def test_arbitrary_text_parses_or_is_a_config_error(self, text: str) -> None:
        """No other exception ever escapes the parser."""
        try:
            c = sm.parse_condition(text)
        except sm.ConfigError:
            return
        assert sm.parse_condition(str(c)) == c


class TestEquality:
    def test_leaves_compare_structurally(self) -> None:
        """Two conditions built the same way are equal."""
        assert IsIn("a", [1, 2]) == IsIn("a", (2, 1))
        assert Contains("a", "x") != Contains("a", "X")
        assert (F("a") == 1) != (F("a") == 1.5)
