"""Tests for personas: traits, personas, the matcher, derived facts and explanations."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import smarketing as sm
import smarketing.facts as facts_module
from smarketing import testing as sst
from smarketing.conditions import And, Condition, Exists, Missing, Not, Or
from smarketing.personas import DEPARTMENTS, DERIVED_FACTS, SENIORITIES, derive_facts

F = sm.field

MARKETING_LEADER = sm.Persona(
    "Marketing leader",
    traits=[
        sm.Trait(F("department") == "marketing", weight=3, required=True),
        sm.Trait(F("seniority").is_in({"vp", "c-level", "director"}), weight=2),
        sm.Trait(F("company_size") >= 50),
    ],
    description="Owns the marketing budget.",
)
SALES_LEADER = sm.Persona(
    "Sales leader",
    traits=[
        sm.Trait(F("department") == "sales", weight=3, required=True),
        sm.Trait(F("seniority").is_in({"vp", "c-level", "director"}), weight=2),
        sm.Trait(F("company_size") >= 50),
    ],
)
PRACTITIONER = sm.Persona(
    "Marketing practitioner",
    traits=[
        sm.Trait(F("department") == "marketing", weight=3),
        sm.Trait(F("seniority").is_in({"manager", "individual", "entry"}), weight=2),
    ],
)
FOUNDER = sm.Persona(
    "Founder",
    traits=[sm.Trait(F("seniority") == "owner", weight=2), sm.Trait(F("company_size") < 50)],
)


@pytest.fixture
def matcher() -> sm.PersonaMatcher:
    return sm.PersonaMatcher([MARKETING_LEADER, SALES_LEADER, PRACTITIONER, FOUNDER])


def by_name(matches: tuple[sm.PersonaMatch, ...]) -> dict[str, sm.PersonaMatch]:
    return {m.persona.name: m for m in matches}


# --- strategies --------------------------------------------------------------------------------

NAMES = ("department", "seniority", "job_title", "company_size", "industry")
TITLES = (
    "VP of Mktg & Demand Gen",
    "Head of Sales EMEA",
    "CEO & Co-Founder",
    "Senior Software Engineer",
    "Marketing Intern",
    "Jefe de Ventas",
    "Leiterin Marketing",
    "Directeur Commercial",
    "Dr. Anna Schmidt",
    "",
)
VOCABULARY = (*SENIORITIES, *DEPARTMENTS)

fact_values = st.one_of(
    st.sampled_from(VOCABULARY),
    st.sampled_from(TITLES),
    st.integers(0, 500),
    st.none(),
    sst.scalars(),
)
facts = st.dictionaries(st.sampled_from(NAMES), fact_values, max_size=len(NAMES))

vocabulary_conditions = st.one_of(
    st.sampled_from(DEPARTMENTS).map(lambda d: F("department") == d),
    st.frozensets(st.sampled_from(SENIORITIES), min_size=1, max_size=3).map(
        lambda s: F("seniority").is_in(s)
    ),
    st.integers(0, 500).map(lambda n: F("company_size") >= n),
    st.sampled_from(("saas", "software", "retail")).map(lambda i: F("industry") == i),
)
trait_conditions = st.one_of(vocabulary_conditions, sst.conditions(NAMES, max_leaves=3))
matchers = sst.persona_matchers(
    NAMES, persona=sst.personas(NAMES, trait=sst.traits(NAMES, condition=trait_conditions))
)


def is_monotone(c: Condition) -> bool:
    """Kleene-monotone: learning a fact never turns a known verdict around.

    exists() and missing() read the absence of a fact as a fact, so they are the exceptions.
    """
    if isinstance(c, Exists | Missing):
        return False
    if isinstance(c, And | Or):
        return all(is_monotone(p) for p in c.parts)
    if isinstance(c, Not):
        return is_monotone(c.part)
    return True


monotone_matchers = sst.persona_matchers(
    NAMES,
    persona=sst.personas(
        NAMES,
        trait=sst.traits(
            NAMES,
            condition=st.one_of(
                vocabulary_conditions, sst.conditions(NAMES, max_leaves=3).filter(is_monotone)
            ),
        ),
    ),
)


# --- definitions -------------------------------------------------------------------------------


class TestTrait:
    def test_defaults_to_weight_one_and_not_required(self) -> None:
        """A trait counts once and does not rule anything out unless told to."""
        trait = sm.Trait(F("department") == "marketing")
        assert (trait.weight, trait.required) == (1.0, False)

    def test_integer_weights_are_kept_as_floats(self) -> None:
        """weight=3 reads as 3.0, so that a trait has one representation."""
        trait = sm.Trait(F("department") == "marketing", weight=3)
        assert trait.weight == 3.0
        assert type(trait.weight) is float

    @pytest.mark.parametrize("weight", [0, -1, -0.5, math.nan, math.inf, 10**400])
    def test_rejects_weights_that_are_not_positive_and_finite(self, weight: object) -> None:
        """A trait of no, negative or infinite weight is a definition error naming it."""
        with pytest.raises(sm.ConfigError, match=r"department == 'marketing'.*weight") as info:
            sm.Trait(F("department") == "marketing", weight=weight)  # type: ignore[arg-type]
        assert info.value.key == "weight"

    @pytest.mark.parametrize("weight", ["3", True, None])
    def test_rejects_weights_that_are_not_numbers(self, weight: object) -> None:
        """Text, booleans and None are not weights."""
        with pytest.raises(sm.ConfigError, match="weight must be a positive, finite number"):
            sm.Trait(F("department") == "marketing", weight=weight)  # type: ignore[arg-type]

    @pytest.mark.parametrize("condition", ["department == 'marketing'", None, F("department")])
    def test_rejects_anything_but_a_condition(self, condition: object) -> None:
        """The condition must be a Condition; the message shows how to write one."""
        with pytest.raises(sm.ConfigError, match=r"Trait\.condition must be a Condition"):
            sm.Trait(condition)  # type: ignore[arg-type]

    def test_rejects_a_required_flag_that_is_not_a_boolean(self) -> None:
        """required is True or False, not a truthy value."""
        with pytest.raises(sm.ConfigError, match="required must be True or False"):
            sm.Trait(F("department") == "marketing", required="yes")  # type: ignore[arg-type]


class TestPersona:
    def test_keeps_its_traits_as_a_tuple_and_adds_up_their_weights(self) -> None:
        """Traits given as a list are kept as a tuple; total_weight is their sum."""
        assert isinstance(MARKETING_LEADER.traits, tuple)
        assert MARKETING_LEADER.total_weight == 6.0
        assert MARKETING_LEADER.description == "Owns the marketing budget."

    def test_an_empty_trait_list_names_the_persona(self) -> None:
        """A persona with nothing to match on is a definition error."""
        with pytest.raises(sm.ConfigError, match=r"persona 'Nobody': traits .*at least one"):
            sm.Persona("Nobody", traits=[])

    def test_a_bare_condition_among_the_traits_names_persona_and_position(self) -> None:
        """Conditions go inside Trait(...); the message says which one and how."""
        with pytest.raises(sm.ConfigError, match=r"persona 'P': traits\[1\].*Trait\(") as info:
            sm.Persona("P", traits=[sm.Trait(sm.always()), F("a") == 1])  # type: ignore[list-item]
        assert info.value.key == "traits[1]"

    @pytest.mark.parametrize("traits", [None, sm.Trait(sm.always()), "a == 1"])
    def test_traits_must_be_a_list(self, traits: object) -> None:
        """A single trait, text or None is not a list of traits."""
        with pytest.raises(sm.ConfigError, match="persona 'P': traits must be a list of Trait"):
            sm.Persona("P", traits=traits)  # type: ignore[arg-type]

    @pytest.mark.parametrize("name", ["", "   ", None, 7])
    def test_needs_a_name(self, name: object) -> None:
        """Every persona has a non-blank name."""
        with pytest.raises(sm.ConfigError, match="persona name must be a non-blank string"):
            sm.Persona(name, traits=[sm.Trait(sm.always())])  # type: ignore[arg-type]

    def test_description_is_text(self) -> None:
        """The description is a string."""
        with pytest.raises(sm.ConfigError, match="persona 'P': description must be a string"):
            sm.Persona("P", traits=[sm.Trait(sm.always())], description=None)  # type: ignore[arg-type]

    def test_weights_that_add_up_past_the_largest_float_are_rejected(self) -> None:
        """Each weight is finite, and so must their sum be."""
        huge = [sm.Trait(sm.always(), weight=1e308), sm.Trait(sm.never(), weight=1e308)]
        with pytest.raises(sm.ConfigError, match="persona 'P': the trait weights add up"):
            sm.Persona("P", traits=huge)


class TestMatcherDefinition:
    def test_keeps_personas_in_the_order_given(self, matcher: sm.PersonaMatcher) -> None:
        """The order personas are given in is the tie-break, so it is kept."""
        assert [p.name for p in matcher.personas] == [
            "Marketing leader",
            "Sales leader",
            "Marketing practitioner",
            "Founder",
        ]
        assert matcher.min_confidence == 0.0

    def test_duplicate_names_are_a_definition_error(self) -> None:
        """Two personas may not share a name: a match must say which one it is."""
        twin = sm.Persona("Founder", traits=[sm.Trait(sm.always())])
        with pytest.raises(sm.ConfigError, match="persona 'Founder' is defined twice"):
            sm.PersonaMatcher([FOUNDER, twin])

    @pytest.mark.parametrize("personas", [[FOUNDER, "Founder"], None, FOUNDER])
    def test_takes_only_a_list_of_personas(self, personas: object) -> None:
        """Anything else among the personas is named."""
        with pytest.raises(sm.ConfigError, match="personas"):
            sm.PersonaMatcher(personas)  # type: ignore[arg-type]

    @pytest.mark.parametrize("value", [-0.1, 1.5, math.nan, True, "0.5", None])
    def test_min_confidence_is_a_share_between_zero_and_one(self, value: object) -> None:
        """min_confidence outside [0, 1] is named with the value."""
        with pytest.raises(sm.ConfigError, match="min_confidence must be a number from 0 to 1"):
            sm.PersonaMatcher([FOUNDER], min_confidence=value)  # type: ignore[arg-type]

    def test_a_matcher_without_personas_matches_nothing(self) -> None:
        """No personas defined: no match, and an empty ranking."""
        empty = sm.PersonaMatcher([], min_confidence=1)
        assert empty.match({"department": "marketing"}) is None
        assert empty.rank({}) == ()
        assert empty.min_confidence == 1.0

    def test_matchers_with_the_same_definition_are_equal(self) -> None:
        """Equality is by definition, not by identity."""
        assert sm.PersonaMatcher([FOUNDER], 0.5) == sm.PersonaMatcher((FOUNDER,), 0.5)
        assert sm.PersonaMatcher([FOUNDER], 0.5) != sm.PersonaMatcher([FOUNDER], 0.6)


# --- matching ----------------------------------------------------------------------------------


class TestConfidence:
    def test_is_the_share_of_weight_matched(self, matcher: sm.PersonaMatcher) -> None:
        """3 + 2 of 6: five sixths, and every trait settled."""
        facts = {"department": "marketing", "seniority": "vp", "company_size": 20}
        m = by_name(matcher.rank(facts))["Marketing leader"]
        assert m.confidence == 5 / 6
        assert m.upper == 5 / 6
        assert [t.weight for t in m.matched] == [3.0, 2.0]
        assert [t.weight for t in m.unmatched] == [1.0]
        assert m.unknown == ()

    def test_counts_an_unknown_trait_as_not_matched(self, matcher: sm.PersonaMatcher) -> None:
        """What we do not know yet adds nothing now, but could: upper says how much."""
        m = by_name(matcher.rank({"department": "marketing"}))["Marketing leader"]
        assert m.confidence == 0.5
        assert m.upper == 1.0
        assert [str(t.condition) for t in m.unknown] == [
            "seniority in ('c-level', 'director', 'vp')",
            "company_size >= 50",
        ]

    def test_every_trait_matched_is_full_confidence(self, matcher: sm.PersonaMatcher) -> None:
        """All weight matched is exactly 1.0."""
        facts = {"department": "sales", "seniority": "director", "company_size": 500}
        assert by_name(matcher.rank(facts))["Sales leader"].confidence == 1.0

    def test_traits_keep_the_persona_order_within_each_group(self) -> None:
        """matched, unmatched and unknown each list traits in the persona's order."""
        traits = [sm.Trait(F(n) == 1) for n in "abcdef"]
        matcher = sm.PersonaMatcher([sm.Persona("P", traits=traits)])
        (m,) = matcher.rank({"a": 1, "b": 2, "c": 1, "e": 2})
        assert m.matched == (traits[0], traits[2])
        assert m.unmatched == (traits[1], traits[4])
        assert m.unknown == (traits[3], traits[5])

    def test_learning_a_matching_fact_adds_its_weight_share(
        self, matcher: sm.PersonaMatcher
    ) -> None:
        """company_size >= 50 is worth 1 of 6: learning it moves confidence by exactly that."""
        before = by_name(matcher.rank({"department": "marketing"}))["Marketing leader"]
        after = by_name(matcher.rank({"department": "marketing", "company_size": 80}))
        assert after["Marketing leader"].confidence == pytest.approx(before.confidence + 1 / 6)
        assert after["Marketing leader"].upper == before.upper

    def test_a_condition_shared_by_personas_reads_the_same_for_each(self) -> None:
        """The same condition in two personas gives the same verdict in both."""
        a = sm.Persona("A", traits=[sm.Trait(F("x") == 1), sm.Trait(F("y") == 2)])
        b = sm.Persona("B", traits=[sm.Trait(F("x") == 1, weight=2)])
        ranked = by_name(sm.PersonaMatcher([a, b]).rank({"x": 1}))
        assert ranked["A"].confidence == 0.5
        assert ranked["B"].confidence == 1.0

    def test_true_and_one_are_different_values(self) -> None:
        """x == True and x == 1 look alike to Python's ==, but not to the condition language."""
        one = sm.Persona("One", traits=[sm.Trait(F("x") == 1)])
        true = sm.Persona("True", traits=[sm.Trait(F("x") == True)])  # noqa: E712
        ranked = by_name(sm.PersonaMatcher([one, true]).rank({"x": True}))
        assert (ranked["One"].confidence, ranked["True"].confidence) == (0.0, 1.0)


class TestRequiredTraits:
    def test_a_failed_required_trait_rules_the_persona_out(
        self, matcher: sm.PersonaMatcher
    ) -> None:
        """Wrong department: a sales leader is out, whatever else matches."""
        facts = {"department": "marketing", "seniority": "vp", "company_size": 500}
        ranked = matcher.rank(facts)
        sales = by_name(ranked)["Sales leader"]
        assert sales.ruled_out
        assert (sales.confidence, sales.upper) == (0.0, 0.0)
        assert ranked[-1] is sales
        assert [str(t.condition) for t in sales.matched] == [
            "seniority in ('c-level', 'director', 'vp')",
            "company_size >= 50",
        ]

    def test_match_never_returns_a_ruled_out_persona(self) -> None:
        """Even when it would otherwise be the best, or the only, candidate."""
        only = sm.Persona(
            "Only",
            traits=[sm.Trait(F("a") == 1, required=True), sm.Trait(F("b") == 1, weight=9)],
        )
        matcher = sm.PersonaMatcher([only])
        assert matcher.match({"a": 2, "b": 1}) is None
        assert matcher.rank({"a": 2, "b": 1})[0].ruled_out

    def test_an_unknown_required_trait_does_not_rule_out(self, matcher: sm.PersonaMatcher) -> None:
        """We do not know the department yet, so both leaders are still in the running."""
        ranked = by_name(matcher.rank({"seniority": "vp", "company_size": 500}))
        for name in ("Marketing leader", "Sales leader"):
            assert not ranked[name].ruled_out
            assert ranked[name].confidence == 0.5
            assert ranked[name].upper == 1.0

    def test_ruled_out_personas_keep_the_given_order_among_themselves(self) -> None:
        """The tie-break is the definition order, for the ruled-out too."""
        out = [sm.Persona(name, traits=[sm.Trait(F("a") == 1, required=True)]) for name in "ZYX"]
        alive = sm.Persona("W", traits=[sm.Trait(F("b") == 1)])
        ranked = sm.PersonaMatcher([*out, alive]).rank({"a": 0})
        assert [m.persona.name for m in ranked] == ["W", "Z", "Y", "X"]


class TestRankAndMatch:
    def test_rank_lists_every_persona_best_first(self, matcher: sm.PersonaMatcher) -> None:
        """A marketing VP: leader first, practitioner next, then the others."""
        ranked = matcher.rank({"department": "marketing", "seniority": "vp", "company_size": 90})
        assert [(m.persona.name, round(m.confidence, 3)) for m in ranked] == [
            ("Marketing leader", 1.0),
            ("Marketing practitioner", 0.6),
            ("Founder", 0.0),
            ("Sales leader", 0.0),
        ]

    def test_ties_go_to_the_persona_given_first(self) -> None:
        """Equal confidence: definition order decides, whichever persona is defined first."""
        a = sm.Persona("A", traits=[sm.Trait(F("x") == 1), sm.Trait(F("y") == 1)])
        b = sm.Persona("B", traits=[sm.Trait(F("x") == 1, weight=5), sm.Trait(F("z") == 1, 5)])
        facts = {"x": 1}
        assert sm.PersonaMatcher([a, b]).match(facts).persona is a  # type: ignore[union-attr]
        assert sm.PersonaMatcher([b, a]).match(facts).persona is b  # type: ignore[union-attr]
        assert [m.persona.name for m in sm.PersonaMatcher([b, a]).rank(facts)] == ["B", "A"]

    def test_match_is_the_best_ranked(self, matcher: sm.PersonaMatcher) -> None:
        """match answers rank's first entry."""
        facts = {"department": "sales", "seniority": "manager"}
        assert matcher.match(facts) == matcher.rank(facts)[0]

    def test_match_needs_min_confidence(self) -> None:
        """Below min_confidence there is no match; exactly at it there is."""
        persona = sm.Persona("P", traits=[sm.Trait(F("a") == 1), sm.Trait(F("b") == 1)])
        assert sm.PersonaMatcher([persona], min_confidence=0.6).match({"a": 1}) is None
        found = sm.PersonaMatcher([persona], min_confidence=0.5).match({"a": 1})
        assert found is not None
        assert found.confidence == 0.5

    def test_match_never_answers_with_zero_confidence(self, matcher: sm.PersonaMatcher) -> None:
        """Nothing known, nothing matched: no persona, even with min_confidence 0."""
        assert matcher.min_confidence == 0
        assert matcher.match({}) is None
        assert matcher.rank({})[0].confidence == 0.0

    def test_a_lead_is_matched_on_its_facts(self, matcher: sm.PersonaMatcher, t0: datetime) -> None:
        """A Lead is read through lead.facts(), stage and source included."""
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing"}, source="webinar")
        m = matcher.match(lead)
        assert m is not None
        assert m.persona is MARKETING_LEADER
        by_stage = sm.Persona("Fresh", traits=[sm.Trait(F("stage") == "suspect")])
        assert sm.PersonaMatcher([by_stage]).match(lead) is not None

    @pytest.mark.parametrize("facts", [None, ["department"], "marketing"])
    def test_anything_but_facts_or_a_lead_is_a_validation_error(
        self, matcher: sm.PersonaMatcher, facts: object
    ) -> None:
        """The message names what was given and what is expected."""
        with pytest.raises(sm.ValidationError, match="a Lead or a mapping of facts"):
            matcher.rank(facts)  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError, match="a Lead or a mapping of facts"):
            matcher.match(facts)  # type: ignore[arg-type]

    def test_the_callers_facts_are_left_untouched(self, matcher: sm.PersonaMatcher) -> None:
        """Derived facts go into a copy, never into the caller's mapping."""
        facts = {"job_title": "VP Marketing"}
        matcher.rank(facts)
        matcher.match(facts)
        assert facts == {"job_title": "VP Marketing"}

    def test_a_fact_of_none_is_unknown(self, matcher: sm.PersonaMatcher) -> None:
        """None means "not known", as everywhere in the condition language."""
        m = by_name(matcher.rank({"department": None}))["Marketing leader"]
        assert not m.ruled_out
        assert len(m.unknown) == 3


class TestDerivedFacts:
    def test_job_title_decides_seniority_and_department(self) -> None:
        """The planner reads this to know that asking the title settles both."""
        assert dict(DERIVED_FACTS) == {"seniority": "job_title", "department": "job_title"}
        assert "DERIVED_FACTS" not in sm.__all__  # a helper for tools, not the public API
        with pytest.raises(TypeError):
            DERIVED_FACTS["country"] = "email"  # type: ignore[index]

    def test_a_messy_title_matches_the_marketing_leader(self, matcher: sm.PersonaMatcher) -> None:
        """'VP of Mktg & Demand Gen' is a VP in marketing: the department and seniority traits."""
        m = matcher.match({"job_title": "VP of Mktg & Demand Gen"})
        assert m is not None
        assert m.persona is MARKETING_LEADER
        assert [str(t.condition) for t in m.matched] == [
            "department == 'marketing'",
            "seniority in ('c-level', 'director', 'vp')",
        ]
        assert m.confidence == 5 / 6

    def test_derive_facts_fills_seniority_and_department(self) -> None:
        """A copy of the facts with the two filled in; the title stays."""
        facts = {"job_title": "Head of Sales EMEA", "company_size": 40}
        derived = derive_facts(facts)
        assert derived == {**facts, "seniority": "director", "department": "sales"}
        assert derived is not facts
        assert "derive_facts" not in sm.__all__

    def test_given_facts_are_never_overwritten(self) -> None:
        """A seniority the lead gave wins over what the title says."""
        derived = derive_facts({"job_title": "Head of Sales", "seniority": "manager"})
        assert derived["seniority"] == "manager"
        assert derived["department"] == "sales"

    def test_none_counts_as_unknown_and_is_filled(self) -> None:
        """A department of None is not a department."""
        assert derive_facts({"job_title": "CTO", "department": None})["department"] == (
            "engineering"
        )

    def test_a_title_that_says_nothing_adds_nothing(self) -> None:
        """No guessing: 'Dr. Anna Schmidt' has no rank or department."""
        facts = {"job_title": "Dr. Anna Schmidt"}
        assert derive_facts(facts) == facts
        assert derive_facts({"job_title": 42}) == {"job_title": 42}

    def test_a_lead_gives_its_facts(self, t0: datetime) -> None:
        """derive_facts reads a Lead through lead.facts()."""
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "Jefe de Ventas"})
        assert derive_facts(lead) == {**lead.facts(), "seniority": "manager", "department": "sales"}

    @pytest.mark.parametrize(
        ("title", "persona"),
        [
            ("Leiterin Marketing", "Marketing leader"),
            ("Directeur Commercial", "Sales leader"),
            ("Jefe de Ventas", "Sales leader"),
            ("Responsable Marketing", "Marketing practitioner"),
            ("CEO & Co-Founder", "Founder"),
        ],
    )
    def test_titles_in_other_languages_find_their_persona(
        self, matcher: sm.PersonaMatcher, title: str, persona: str
    ) -> None:
        """German, French and Spanish titles are understood too."""
        m = matcher.match({"job_title": title})
        assert m is not None
        assert m.persona.name == persona

    def test_the_title_is_read_once_per_call(
        self, matcher: sm.PersonaMatcher, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """However many personas read seniority and department, the title is parsed once."""
        calls: list[object] = []
        parse = facts_module.parse_title

        def counting(text: object) -> sm.JobTitle:
            calls.append(text)
            return parse(text)

        monkeypatch.setattr(facts_module, "parse_title", counting)
        matcher.rank({"job_title": "VP Sales"})
        matcher.match({"job_title": "VP Sales"})
        assert calls == ["VP Sales", "VP Sales"]

    def test_a_title_is_not_read_when_nothing_is_missing(
        self, matcher: sm.PersonaMatcher, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Both facts given: the title is not parsed at all."""
        monkeypatch.setattr(facts_module, "parse_title", None)
        facts = {"job_title": "VP Sales", "seniority": "vp", "department": "sales"}
        assert derive_facts(facts) == facts

    def test_parse_title_and_job_title_are_public(self) -> None:
        """The title parser is part of the API, as the design says."""
        title = sm.parse_title("VP of Mktg & Demand Gen")
        assert title == sm.JobTitle(
            "vp", "marketing", "VP of Mktg & Demand Gen", "demand generation"
        )


class TestUnknownFields:
    def test_name_the_missing_facts_the_unknown_traits_read(
        self, matcher: sm.PersonaMatcher
    ) -> None:
        """Nothing known: the leader needs its department, seniority and size, or the title."""
        m = by_name(matcher.rank({}))["Marketing leader"]
        assert m.unknown_fields == ("company_size", "department", "job_title", "seniority")

    def test_a_known_title_that_says_nothing_is_not_asked_again(
        self, matcher: sm.PersonaMatcher
    ) -> None:
        """The title gave no department: ask for the department itself, not the title."""
        m = by_name(matcher.rank({"job_title": "Dr. Anna Schmidt", "company_size": 10}))
        assert m["Marketing leader"].unknown_fields == ("department", "seniority")

    def test_known_facts_in_an_unknown_trait_are_not_named(self) -> None:
        """Only what is missing: the size is known, the industry is not."""
        trait = sm.Trait((F("company_size") >= 50) & (F("industry") == "saas"))
        (m,) = sm.PersonaMatcher([sm.Persona("P", traits=[trait])]).rank({"company_size": 90})
        assert m.unknown == (trait,)
        assert m.unknown_fields == ("industry",)

    def test_settled_personas_need_nothing(self, matcher: sm.PersonaMatcher) -> None:
        """Every trait known: nothing left to ask."""
        facts = {"department": "sales", "seniority": "vp", "company_size": 9}
        assert all(m.unknown_fields == () for m in matcher.rank(facts))


class TestExplain:
    def test_a_partial_match_says_what_matched_and_what_would_settle_it(
        self, matcher: sm.PersonaMatcher
    ) -> None:
        """One line per trait in the persona's order, then the facts worth asking."""
        m = matcher.match({"job_title": "Marketing Manager"})
        assert m is not None
        assert m.explain() == (
            "Marketing practitioner: 100%\n"
            "  matched    department == 'marketing' (weight 3)\n"
            "  matched    seniority in ('entry', 'individual', 'manager') (weight 2)"
        )
        leader = by_name(matcher.rank({"job_title": "Marketing Manager"}))["Marketing leader"]
        assert leader.explain() == (
            "Marketing leader: 50%, up to 67% if the unknown traits match\n"
            "  matched    department == 'marketing' (weight 3, required)\n"
            "  unmatched  seniority in ('c-level', 'director', 'vp') (weight 2)\n"
            "  unknown    company_size >= 50 (weight 1)\n"
            "  unknown facts: company_size"
        )

    def test_a_ruled_out_persona_says_so(self, matcher: sm.PersonaMatcher) -> None:
        """The first line names the required trait that failed."""
        m = by_name(matcher.rank({"department": "hr", "seniority": "vp"}))["Sales leader"]
        assert m.explain() == (
            "Sales leader: ruled out by a required trait: department == 'sales'\n"
            "  unmatched  department == 'sales' (weight 3, required)\n"
            "  matched    seniority in ('c-level', 'director', 'vp') (weight 2)\n"
            "  unknown    company_size >= 50 (weight 1)"
        )
        assert m.unknown_fields == ()

    def test_several_failed_required_traits_are_all_named(self) -> None:
        """Each failed requirement is listed."""
        p = sm.Persona(
            "P", traits=[sm.Trait(F("a") == 1, required=True), sm.Trait(F("b") == 1, required=True)]
        )
        (m,) = sm.PersonaMatcher([p]).rank({"a": 0, "b": 0})
        assert m.explain().splitlines()[0] == "P: ruled out by required traits: a == 1; b == 1"

    def test_fractional_weights_are_shown_as_given(self) -> None:
        """0.5 stays 0.5 and 2.0 reads as 2."""
        p = sm.Persona("P", traits=[sm.Trait(F("a") == 1, 0.5), sm.Trait(F("b") == 1, 2.0)])
        (m,) = sm.PersonaMatcher([p]).rank({"a": 1, "b": 1})
        assert "(weight 0.5)" in m.explain()
        assert "(weight 2)" in m.explain()


class TestPersonaMatchValues:
    def test_rejects_a_confidence_outside_zero_to_one(self) -> None:
        """A match built by hand (or read from data) is checked like anything else."""
        with pytest.raises(sm.ValidationError, match=r"PersonaMatch\.confidence"):
            sm.PersonaMatch(FOUNDER, 1.5, (), (), FOUNDER.traits)
        with pytest.raises(sm.ValidationError, match=r"PersonaMatch\.confidence"):
            sm.PersonaMatch(FOUNDER, "high", (), (), FOUNDER.traits)  # type: ignore[arg-type]

    def test_rejects_a_persona_that_is_not_one(self) -> None:
        """persona must be a Persona."""
        with pytest.raises(sm.ValidationError, match=r"PersonaMatch\.persona"):
            sm.PersonaMatch("Founder", 0.0, (), (), ())  # type: ignore[arg-type]

    def test_rejects_traits_that_are_not_traits(self) -> None:
        """matched, unmatched and unknown hold Trait values."""
        with pytest.raises(sm.ValidationError, match=r"PersonaMatch\.matched"):
            sm.PersonaMatch(FOUNDER, 0.0, [F("a") == 1], (), ())  # type: ignore[list-item]
        with pytest.raises(sm.ValidationError, match=r"PersonaMatch\.unknown"):
            sm.PersonaMatch(FOUNDER, 0.0, (), (), None)  # type: ignore[arg-type]

    def test_rejects_unknown_fields_that_are_not_names(self) -> None:
        """unknown_fields holds fact names."""
        with pytest.raises(sm.ValidationError, match=r"PersonaMatch\.unknown_fields"):
            sm.PersonaMatch(FOUNDER, 0.0, (), (), (), unknown_fields=(1,))  # type: ignore[arg-type]

    def test_lists_are_kept_as_tuples(self) -> None:
        """A hand-built match with lists reads like one from the matcher."""
        m = sm.PersonaMatch(FOUNDER, 0.0, [], [], list(FOUNDER.traits), unknown_fields=["x"])
        assert m.unknown == FOUNDER.traits
        assert m.unknown_fields == ("x",)
        assert m.upper == 1.0


# --- properties --------------------------------------------------------------------------------


class TestProperties:
    @given(matchers, facts)
    def test_confidence_and_upper_are_shares_with_upper_on_top(
        self, matcher: sm.PersonaMatcher, f: dict[str, object]
    ) -> None:
        """0 <= confidence <= upper <= 1 for every persona."""
        for m in matcher.rank(f):
            assert 0.0 <= m.confidence <= m.upper <= 1.0

    @given(matchers, facts)
    def test_every_trait_lands_in_exactly_one_group(
        self, matcher: sm.PersonaMatcher, f: dict[str, object]
    ) -> None:
        """matched, unmatched and unknown split the persona's traits, each in order."""
        for m in matcher.rank(f):
            traits = list(m.persona.traits)
            groups = (m.matched, m.unmatched, m.unknown)
            assert sorted(map(id, (t for g in groups for t in g))) == sorted(map(id, traits))
            for group in groups:
                positions = [next(i for i, t in enumerate(traits) if t is g) for g in group]
                assert positions == sorted(positions)

    @given(matchers, facts, st.randoms(use_true_random=False))
    def test_rank_does_not_depend_on_the_order_of_the_facts(
        self, matcher: sm.PersonaMatcher, f: dict[str, object], rnd: Any
    ) -> None:
        """The same facts in another insertion order give the same ranking."""
        items = list(f.items())
        rnd.shuffle(items)
        assert matcher.rank(dict(items)) == matcher.rank(f)

    @given(matchers, facts)
    def test_match_is_the_first_ranked_when_confident_enough(
        self, matcher: sm.PersonaMatcher, f: dict[str, object]
    ) -> None:
        """match == rank[0] exactly when its confidence is positive and at least the minimum."""
        ranked = matcher.rank(f)
        expected = None
        if ranked and ranked[0].confidence > 0 and ranked[0].confidence >= matcher.min_confidence:
            expected = ranked[0]
        assert matcher.match(f) == expected

    @given(matchers, facts)
    def test_the_planners_standing_is_rank_without_the_ruled_out(
        self, matcher: sm.PersonaMatcher, f: dict[str, object]
    ) -> None:
        """The planner's fast read of the ranking says what rank says, in rank's order."""
        plain = facts_module.fact_view(f).plain()
        expected = [
            (m.persona, m.confidence, m.upper, m.unknown)
            for m in matcher.rank(f)
            if not m.ruled_out
        ]
        assert matcher._standing(plain) == expected

    @given(matchers, facts)
    def test_ruled_out_personas_come_last_with_nothing(
        self, matcher: sm.PersonaMatcher, f: dict[str, object]
    ) -> None:
        """Ruled out: confidence and upper 0, after every persona still in the running."""
        ranked = matcher.rank(f)
        flags = [m.ruled_out for m in ranked]
        assert flags == sorted(flags)
        for m in ranked:
            assert m.ruled_out == any(t.required for t in m.unmatched)
            if m.ruled_out:
                assert (m.confidence, m.upper) == (0.0, 0.0)
        alive = [m.confidence for m in ranked if not m.ruled_out]
        assert alive == sorted(alive, reverse=True)

    @given(monotone_matchers, facts, st.data())
    def test_learning_unknown_facts_only_narrows_the_range(
        self, matcher: sm.PersonaMatcher, f: dict[str, object], data: st.DataObject
    ) -> None:
        """Learning facts that were unknown: confidence never drops, upper never rises.

        Precisely: for traits whose conditions do not use exists() or missing() (those read an
        absent fact as a fact), and for facts that were unknown before (after derivation, so a
        department the title already decided is not "learned" again), every verdict already
        known stays as it was. So confidence can only grow and upper only shrink, unless the new
        facts fail a required trait: then the persona is ruled out and both drop to 0.
        """
        before = derive_facts(f)
        unknown = [name for name in NAMES if before.get(name) is None]
        assume(unknown)
        new = data.draw(st.dictionaries(st.sampled_from(unknown), fact_values, min_size=1))
        after = {**f, **new}
        assert all(derive_facts(after).get(k) == v for k, v in before.items() if v is not None)
        old_by_name, new_by_name = by_name(matcher.rank(f)), by_name(matcher.rank(after))
        for name, old in old_by_name.items():
            now = new_by_name[name]
            assert now.upper <= old.upper
            if old.ruled_out:
                assert now.ruled_out
            if not now.ruled_out:
                assert now.confidence >= old.confidence
                assert set(map(id, old.matched)) <= set(map(id, now.matched))
                assert set(map(id, old.unmatched)) <= set(map(id, now.unmatched))

    @given(matchers, sst.facts(NAMES))
    def test_any_facts_at_all_are_matched_without_an_error(
        self, matcher: sm.PersonaMatcher, f: dict[str, object]
    ) -> None:
        """Odd values (lists, dicts, NaN, huge titles) never make matching raise."""
        ranked = matcher.rank(f)
        assert len(ranked) == len(matcher.personas)
        assert matcher.match(f) in (None, *ranked[:1])
        for m in ranked:
            assert m.explain().startswith(m.persona.name + ":")

    @given(facts)
    def test_derive_facts_only_adds_the_derived_facts(self, f: dict[str, object]) -> None:
        """Known facts keep their values; only an unknown seniority or department is filled."""
        derived = derive_facts(f)
        known = {k: v for k, v in f.items() if v is not None}
        assert {k: v for k, v in derived.items() if k in known} == known
        filled = {k for k, v in derived.items() if v is not None} - set(known)
        assert filled <= set(DERIVED_FACTS)
        for name in filled:
            assert derived[name] in (*SENIORITIES, *DEPARTMENTS)


# --- the guide's vocabulary tables ------------------------------------------------------------

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guides" / "personas.md"


def guide_examples(column: str) -> list[tuple[str, str]]:
    """(value, example title) for every example in the guide's table headed ``column``."""
    rows: list[tuple[str, str]] = []
    inside = False
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| {column} |"):
            inside = True
        elif not line.startswith("|"):
            inside = False
        elif inside and not line.startswith("|---"):
            value, _, examples = (cell.strip() for cell in line.strip("|").split("|"))
            rows += [(value.strip("`"), title) for title in re.findall(r"`([^`]+)`", examples)]
    return rows


class TestGuide:
    @pytest.mark.parametrize("column", ["seniority", "department"])
    def test_every_vocabulary_value_has_examples_that_read_as_documented(self, column: str) -> None:
        """The guide's tables cover the whole vocabulary, and each example parses as shown."""
        examples = guide_examples(column)
        vocabulary = SENIORITIES if column == "seniority" else DEPARTMENTS
        assert {value for value, _ in examples} == set(vocabulary)
        wrong = [
            (value, title, getattr(sm.parse_title(title), column))
            for value, title in examples
            if getattr(sm.parse_title(title), column) != value
        ]
        assert wrong == []


# --- serialisation -----------------------------------------------------------------------------


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


class TestSerialisation:
    def test_a_persona_writes_its_conditions_as_text(self) -> None:
        """The data form is what a playbook file would say."""
        assert sm.to_dict(FOUNDER) == {
            "name": "Founder",
            "traits": [
                {"when": "seniority == 'owner'", "weight": 2.0, "required": False},
                {"when": "company_size < 50", "weight": 1.0, "required": False},
            ],
            "description": "",
        }

    @given(sst.persona_matchers(NAMES))
    def test_matchers_personas_and_traits_round_trip_through_json(
        self, matcher: sm.PersonaMatcher
    ) -> None:
        """from_dict(type, json(to_dict(x))) == x for matchers, personas and traits."""
        assert sm.from_dict(sm.PersonaMatcher, through_json(sm.to_dict(matcher))) == matcher
        for persona in matcher.personas:
            assert sm.from_dict(sm.Persona, through_json(sm.to_dict(persona))) == persona
            for trait in persona.traits:
                assert sm.from_dict(sm.Trait, through_json(sm.to_dict(trait))) == trait

    @given(matchers, facts)
    def test_matches_round_trip_through_json(
        self, matcher: sm.PersonaMatcher, f: dict[str, object]
    ) -> None:
        """A match, with its confidence and unknown fields, survives JSON exactly."""
        for m in matcher.rank(f):
            back = sm.from_dict(sm.PersonaMatch, through_json(sm.to_dict(m)))
            assert back == m
            assert back.upper == m.upper
            assert back.explain() == m.explain()

    @pytest.mark.parametrize("title", ["VP of Mktg & Demand Gen", "Jefe de Ventas", "", "x"])
    def test_job_titles_round_trip(self, title: str) -> None:
        """A parsed title is plain data."""
        parsed = sm.parse_title(title)
        assert sm.from_dict(sm.JobTitle, through_json(sm.to_dict(parsed))) == parsed

    @pytest.mark.parametrize(
        ("cls", "data", "problem"),
        [
            (sm.Trait, {"when": "a ==", "weight": 1.0, "required": False}, "not valid syntax"),
            (sm.Trait, {"when": "a == 1", "weight": "3", "required": False}, "weight"),
            (sm.Trait, {"when": "a == 1", "weight": 1.0, "required": "no"}, "required"),
            (sm.Persona, {"name": "P", "traits": [], "description": ""}, "at least one"),
            (sm.JobTitle, {"seniority": "boss", "department": None, "raw": ""}, "seniority"),
            (sm.PersonaMatcher, {"personas": [], "min_confidence": "high"}, "min_confidence"),
        ],
    )
    def test_malformed_data_is_a_validation_error(
        self, cls: type, data: Mapping[str, object], problem: str
    ) -> None:
        """Bad persona data names the problem instead of being coerced."""
        with pytest.raises(sm.ValidationError, match=problem):
            sm.from_dict(cls, data)


@given(
    weights=st.lists(
        st.one_of(
            st.integers(1, 10**6).map(lambda n: n / 2**20),  # on the grid: plain addition
            st.floats(1e-9, 1e9, allow_nan=False),  # anywhere: fsum
        ),
        min_size=1,
        max_size=10,
    ),
    known=st.data(),
)
def test_confidence_is_the_exact_share_whichever_way_it_is_added(
    weights: list[float], known: st.DataObject
) -> None:
    """The matcher's confidence is fsum(matched weights) / fsum(all weights), whether its
    persona's weights let it add them plainly (on the grid) or not."""
    traits = [sm.Trait(sm.field(f"f{i}") == 1, weight=w) for i, w in enumerate(weights)]
    persona = sm.Persona("P", traits=traits)
    holds = known.draw(st.lists(st.booleans(), min_size=len(weights), max_size=len(weights)))
    facts = {f"f{i}": 1 if h else 0 for i, h in enumerate(holds)}
    (match,) = sm.PersonaMatcher([persona]).rank(facts)
    matched = math.fsum(w for w, h in zip(weights, holds, strict=True) if h)
    assert match.confidence == matched / math.fsum(weights)
