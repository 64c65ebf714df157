"""The one fact view of a lead, and every module reading facts through it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smarketing as sm
import smarketing.facts as facts_module
from smarketing import testing as sst
from smarketing.conditions import Condition
from smarketing.facts import DERIVED_FACTS, Facts, fact_view
from smarketing.personas import derive_facts
from smarketing.scoring import LETTER_GRADES

F = sm.field
NAMES = (*sst.FIELD_NAMES, "seniority", "department")
TITLES = st.sampled_from(("VP Marketing", "Head of Sales", "Software Engineer", "CFO", "Cook"))
LEADS = st.builds(
    lambda lead, title: lead.learn({"job_title": title}, at=lead.created_at) if title else lead,
    sst.leads(),
    st.none() | TITLES,
)
GIVEN = st.dictionaries(st.sampled_from(NAMES), st.none() | sst.fact_values(), max_size=4)


@pytest.fixture
def count_titles(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The titles parsed while a test runs."""
    calls: list[object] = []
    parse = facts_module.parse_title

    def counting(text: object) -> sm.JobTitle:
        calls.append(text)
        return parse(text)

    monkeypatch.setattr(facts_module, "parse_title", counting)
    return calls


class TestFactView:
    def test_the_callers_facts_are_layered_over_the_leads(self, t0: datetime) -> None:
        """The facts view layers the caller's facts over the lead's, None meaning unknown."""
        lead = sm.Lead.new("L-1", at=t0, fields={"a": 1, "b": 2}, source="ads")
        view = fact_view(lead, {"b": 3, "c": None, "d": 4})
        assert dict(view) == {
            "a": 1,
            "b": 3,
            "d": 4,
            "id": "L-1",
            "stage": "suspect",
            "source": "ads",
        }
        assert len(view) == 6
        assert view["b"] == 3
        with pytest.raises(KeyError):
            view["c"]
        assert view.get("c", "x") == "x"
        assert "source" not in fact_view(sm.Lead.new("L-2", at=t0), None)

    def test_a_caller_none_hides_a_known_field(self, t0: datetime) -> None:
        """A caller's None makes even a known profile field unknown."""
        lead = sm.Lead.new("L-1", at=t0, fields={"budget": "40k"})
        assert "budget" not in fact_view(lead, {"budget": None})

    def test_the_title_fills_unknown_seniority_and_department(self, t0: datetime) -> None:
        """A job title decides seniority and department, never over given ones."""
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing"})
        view = fact_view(lead)
        assert (view["seniority"], view["department"]) == ("vp", "marketing")
        assert view.derived == {"seniority": "vp", "department": "marketing"}
        given = fact_view(lead, {"department": "sales"})
        assert (given["seniority"], given["department"]) == ("vp", "sales")
        assert fact_view(lead, {"job_title": "Head of Sales"})["department"] == "sales"
        assert "seniority" not in fact_view(lead, derive=False)
        assert fact_view(lead, derive=False).derived is None

    def test_a_title_that_does_not_say_is_left_unsaid(self, t0: datetime) -> None:
        """Nothing is guessed: a title without a rank or a department adds nothing."""
        view = fact_view({"job_title": "Cook"})
        assert view == {"job_title": "Cook"}
        assert view.derived == {}
        given = {"job_title": "CFO", "seniority": "vp", "department": "sales"}
        assert fact_view(given) == given
        assert fact_view(given).derived == {}

    def test_a_view_handed_on_is_reused_as_it_is(
        self, t0: datetime, count_titles: list[object]
    ) -> None:
        """Built once, a view passed to another call is not built (nor its title read) again."""
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "CFO"})
        view = fact_view(lead, {"score": 10})
        assert count_titles == []  # read when a derived fact is first asked for
        assert view["seniority"] == "c-level"
        assert fact_view(lead, view) is view
        assert fact_view(view) is view
        assert fact_view(lead, view, derive=False) is view
        assert count_titles == ["CFO"]

    def test_a_view_of_an_earlier_stage_lends_its_derivation(
        self, t0: datetime, count_titles: list[object]
    ) -> None:
        """After a stage change the profile is the same: the title is not read again."""
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "CFO"})
        view = fact_view(lead, {"score": 10})
        moved = sm.Lifecycle.default().fire(lead, "engage", at=t0 + timedelta(hours=1))
        again = fact_view(moved, view)
        assert again["stage"] == "prospect"
        assert (again["score"], again["seniority"]) == (10, "c-level")
        assert count_titles == ["CFO"]
        learned = moved.learn({"job_title": "Head of Sales"}, at=t0 + timedelta(hours=2))
        assert fact_view(learned, view)["department"] == "sales"  # a new profile: read again
        assert count_titles == ["CFO", "Head of Sales"]

    def test_guards_after_a_stage_change_still_read_the_derived_facts(self, t0: datetime) -> None:
        """advance's second step reads the view it was handed as its first step did."""
        lc = sm.Lifecycle.default(mql=sm.parse_condition("department == 'marketing'"))
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing"})
        view = fact_view(lead, {"engagement": 5})
        moved = lc.fire(lead, "engage", at=t0, facts=view)
        assert fact_view(moved, view, derive=False)["department"] == "marketing"
        assert lc.advance(lead, at=t0, facts=view).stage == "mql"
        assert "department" not in fact_view(moved, {"engagement": 5}, derive=False)

    def test_layering_more_facts_keeps_the_derivation(
        self, t0: datetime, count_titles: list[object]
    ) -> None:
        """A view with a score on top is what fact_view would give, without reading again."""
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Sales", "budget": "1k"})
        view = fact_view(lead, {"x": 1})
        more = view.layered({"score": 70, "budget": None})
        assert more == fact_view(lead, {"x": 1, "score": 70, "budget": None})
        assert fact_view(lead, more) is more
        assert view.layered({"job_title": "CFO"})["seniority"] == "c-level"
        assert fact_view(lead, derive=False).layered({"a": 1}).derived is None
        assert count_titles == ["VP Sales", "VP Sales", "CFO"]

    def test_views_of_plain_facts_layer_like_any_mapping(self) -> None:
        """A view of a mapping, or one layered over a mapping, reads as the layers say."""
        base = fact_view({"job_title": "CFO", "a": None})
        assert repr(base) == "{'job_title': 'CFO', 'seniority': 'c-level', 'department': 'finance'}"
        assert dict(fact_view(base, {"a": 1, "job_title": None})) == {"a": 1}
        assert dict(fact_view({"b": 2}, base, derive=False)) == {"b": 2, **base}

    def test_something_else_than_a_lead_or_mapping_is_rejected(self) -> None:
        """A fact view is read from a Lead or a mapping; anything else is a ValidationError."""
        with pytest.raises(sm.ValidationError, match="a Lead or a mapping"):
            fact_view(["job_title"])  # type: ignore[arg-type]

    def test_derived_facts_are_seniority_and_department_from_the_title(self) -> None:
        """DERIVED_FACTS names each derived fact and the fact it is read from."""
        assert dict(DERIVED_FACTS) == {"seniority": "job_title", "department": "job_title"}

    @given(LEADS, GIVEN)
    def test_the_view_is_the_layers_it_promises(
        self, lead: sm.Lead, extra: dict[str, object]
    ) -> None:
        """Own facts, then the caller's (None unknown), then derived facts filling the gaps."""
        layered = {**lead.facts(), **extra}
        expected = {k: v for k, v in derive_facts(layered).items() if v is not None}
        assert fact_view(lead, extra) == expected
        assert isinstance(fact_view(lead, extra), Facts)


def _verdicts_oracle(conditions: list[Condition], facts: dict[str, object]) -> list[bool | None]:
    return [c.evaluate(facts) for c in conditions]


class TestEveryModuleReadsTheOneView:
    @given(LEADS, st.lists(sst.conditions(NAMES, max_leaves=4), min_size=1, max_size=5))
    @settings(max_examples=100)
    def test_fit_rules_hold_as_their_conditions_do_on_the_view(
        self, lead: sm.Lead, conditions: list[Condition]
    ) -> None:
        """A fit rule's points count exactly when its condition holds for the lead's view."""
        model = sm.ScoringModel(
            fit=[sm.FitRule(f"r{i}", c, points=i + 1) for i, c in enumerate(conditions)]
        )
        view = fact_view(lead, derive=False)  # scoring on its own reads no derived fact
        score = model.score(lead, at=lead.created_at)
        counted = {c.rule for c in score.contributions if c.kind == "fit"}
        assert counted == {f"r{i}" for i, c in enumerate(conditions) if c.evaluate(view) is True}
        open_rules = {r.name for r in model.open_fit(lead)}
        assert open_rules == {f"r{i}" for i, c in enumerate(conditions) if c.evaluate(view) is None}

    @given(LEADS, st.lists(sst.conditions(NAMES, max_leaves=4), min_size=1, max_size=5))
    @settings(max_examples=100)
    def test_grading_criteria_read_the_view(
        self, lead: sm.Lead, conditions: list[Condition]
    ) -> None:
        """A letter grade moves by the criteria that hold and fail on the lead's view."""
        grading = sm.LetterGrading(
            [sm.GradeCriterion(f"c{i}", c) for i, c in enumerate(conditions)]
        )
        verdicts = _verdicts_oracle(conditions, fact_view(lead, derive=False))
        step = 2 + verdicts.count(True) - verdicts.count(False)  # D is the third grade up
        assert grading.grade(lead) == LETTER_GRADES[min(max(step, 0), 12)]

    @given(LEADS, st.lists(sst.conditions(NAMES, max_leaves=4), min_size=1, max_size=4))
    @settings(max_examples=100)
    def test_persona_traits_are_judged_on_the_view(
        self, lead: sm.Lead, conditions: list[Condition]
    ) -> None:
        """Matched, unmatched and unknown traits are the conditions' verdicts on the view."""
        traits = [sm.Trait(c) for c in conditions]
        match = sm.PersonaMatcher([sm.Persona("p", traits)]).rank(lead)[0]
        verdicts = _verdicts_oracle(conditions, fact_view(lead))
        assert not match.ruled_out  # no trait here is required
        assert match.matched == tuple(t for t, v in zip(traits, verdicts, strict=True) if v)
        assert match.unknown == tuple(t for t, v in zip(traits, verdicts, strict=True) if v is None)

    @given(LEADS, GIVEN, st.lists(sst.conditions(NAMES, max_leaves=4), min_size=2, max_size=2))
    @settings(max_examples=100)
    def test_guards_are_judged_on_the_view(
        self, lead: sm.Lead, extra: dict[str, object], guards: list[Condition]
    ) -> None:
        """allowed() lists the triggers whose guard holds for the lead's view with the facts."""
        lc = sm.Lifecycle(
            stages=["suspect", "a", "b"],
            initial="suspect",
            transitions=[
                sm.Transition("to_a", source="suspect", dest="a", when=guards[0]),
                sm.Transition("to_b", source="suspect", dest="b", when=guards[1], auto=True),
            ],
        )
        view = fact_view(lead, extra, derive=False)  # guards on their own derive nothing
        expected = [t for t, g in zip(("to_a", "to_b"), guards, strict=True) if g.holds(view)]
        assert list(lc.allowed(lead, extra)) == expected
        advanced = lc.advance(lead, at=lead.created_at, facts=extra)
        assert advanced.stage == ("b" if guards[1].holds(view) else "suspect")


class TestDerivedOncePerLead:
    def test_assess_reads_the_title_once(self, t0: datetime, count_titles: list[object]) -> None:
        """Scoring, personas, guards and the planner share one view: one title read."""
        pb = sm.Playbook.default()
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing"})
        a = pb.assess(lead, [sm.Activity("L-1", "demo_request", t0)], at=t0)
        assert a.persona is not None and a.persona.persona.name == "Marketing leader"
        assert count_titles == ["VP Marketing"]

    def test_advance_reads_the_title_once(self, t0: datetime, count_titles: list[object]) -> None:
        """However many stages advance moves through, the title is read once."""
        pb = sm.Playbook.default()
        lead = sm.Lead.new(
            "L-1", at=t0, fields={"job_title": "VP Marketing", "industry": "software"}
        )
        acts = [sm.Activity("L-1", "demo_request", t0 - timedelta(hours=i)) for i in range(3)]
        moved = pb.advance(lead, acts, at=t0)
        assert moved.stage != lead.stage
        assert count_titles == ["VP Marketing"]

    def test_the_many_forms_read_each_title_once(
        self, t0: datetime, count_titles: list[object]
    ) -> None:
        """assess_many and advance_many read each lead's title once."""
        pb = sm.Playbook.default()
        leads = [
            sm.Lead.new(f"L-{i}", at=t0, fields={"job_title": title})
            for i, title in enumerate(("CFO", "Head of Sales", "Cook"))
        ]
        assessed = list(pb.assess_many(leads, [], at=t0))
        assert [a.lead_id for a in assessed] == ["L-0", "L-1", "L-2"]
        assert count_titles == ["CFO", "Head of Sales", "Cook"]
        count_titles.clear()
        pb.advance_many(leads, [], at=t0)
        assert count_titles == ["CFO", "Head of Sales", "Cook"]

    def test_scoring_and_guards_on_their_own_read_no_title(
        self, t0: datetime, count_titles: list[object]
    ) -> None:
        """Called directly, scoring and guards read the lead's own facts; a view adds derived."""
        model = sm.ScoringModel(fit=[sm.FitRule("vp", F("seniority") == "vp", 10)])
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Sales"})
        assert model.score(lead, at=t0).fit == 0
        assert [r.name for r in model.open_fit(lead)] == ["vp"]
        lc = sm.Lifecycle(
            stages=["suspect", "vp"],
            initial="suspect",
            transitions=[
                sm.Transition("promote", source="suspect", dest="vp", when=F("seniority") == "vp")
            ],
        )
        assert lc.allowed(lead) == ()
        assert count_titles == []
        view = fact_view(lead)
        assert model.score(lead, at=t0, facts=view).fit == 10
        assert model.score_many([lead], [], at=t0, facts=[view])[0].fit == 10
        assert lc.allowed(lead, view) == ("promote",)
        assert count_titles == ["VP Sales"]
