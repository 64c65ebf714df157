"""Progressive profiling: the planner that decides which fields to ask each lead next."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm

F = sm.field
T0 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def catalog(*names: str, **options: dict[str, Any]) -> list[sm.FormField]:
    return [sm.FormField(n, label=n.replace("_", " ").title(), **options.get(n, {})) for n in names]


def lead(stage: str = "suspect", at: datetime = T0, **fields: object) -> sm.Lead:
    return sm.Lead.new("L-1", at=at, fields=fields, stage=stage)


MARKETING = sm.Persona(
    "Marketing leader",
    traits=[
        sm.Trait(F("department") == "marketing", weight=3),
        sm.Trait(F("seniority").is_in({"vp", "director", "c-level"}), weight=2),
    ],
)
TECHNICAL = sm.Persona(
    "Technical evaluator",
    traits=[
        sm.Trait(F("department") == "engineering", weight=3),
        sm.Trait(F("uses_api") == True, weight=1),  # noqa: E712
    ],
)
MATCHER = sm.PersonaMatcher([MARKETING, TECHNICAL])
MODEL = sm.ScoringModel(
    fit=[
        sm.FitRule("software company", F("industry") == "software", points=20),
        sm.FitRule("mid-size", F("company_size").between(50, 5000), points=15),
        sm.FitRule("in a target country", F("country").is_in({"US", "DE"}), points=5),
    ],
    engagement=[],
)


class TestRules:
    def test_never_asks_a_known_and_fresh_field(self) -> None:
        """Known fields are left off the form."""
        planner = sm.ProfilePlanner(catalog("email", "company", "country"), max_fields=3)
        plan = planner.plan(lead(email="a@b.io", company="Acme"), at=T0)
        assert plan.names == ("country",)

    def test_never_exceeds_max_fields(self) -> None:
        """At most max_fields, in queue order when nothing else tells them apart."""
        planner = sm.ProfilePlanner(catalog("a", "b", "c", "d"), max_fields=2)
        assert planner.plan(lead(), at=T0).names == ("a", "b")

    def test_a_stale_field_is_asked_again(self) -> None:
        """refresh_after makes an old answer worth asking again."""
        fields = catalog("country", country={"refresh_after": relativedelta(months=12)})
        planner = sm.ProfilePlanner(fields)
        known = lead(country="DE")
        assert planner.plan(known, at=T0 + relativedelta(months=11)).names == ()
        assert planner.plan(known, at=T0 + relativedelta(months=12, days=1)).names == ("country",)

    def test_always_fields_come_first_with_their_value(self) -> None:
        """Fields shown on every form take their slots first, pre-filled when known."""
        fields = catalog("email", "company", "country", email={"always": True})
        planner = sm.ProfilePlanner(fields, max_fields=2)
        plan = planner.plan(lead(email="a@b.io"), at=T0)
        assert plan.fields[0] == sm.PlannedField("email", "Email", "shown on every form", "a@b.io")
        assert plan.names == ("email", "company")

    def test_fields_wait_for_their_number_of_submissions(self) -> None:
        """after_submissions holds a field back until the lead has sent that many forms."""
        fields = catalog("company", "budget", budget={"after_submissions": 2})
        planner = sm.ProfilePlanner(fields, max_fields=3)
        assert planner.plan(lead(), at=T0, submissions=1).names == ("company",)
        assert planner.plan(lead(), at=T0, submissions=2).names == ("company", "budget")

    def test_requires_is_honoured_within_one_form(self) -> None:
        """A dependent field comes only after what it requires, on the same form or before."""
        fields = catalog("company_size", "company", company_size={"requires": ("company",)})
        planner = sm.ProfilePlanner(fields, max_fields=1)
        assert planner.plan(lead(), at=T0).names == ("company",)
        two = sm.ProfilePlanner(fields, max_fields=2)
        assert two.plan(lead(), at=T0).names == ("company", "company_size")
        assert planner.plan(lead(company="Acme"), at=T0).names == ("company_size",)

    def test_stage_gates_follow_the_lifecycle_order(self) -> None:
        """from_stage and until_stage bound the stages a field is asked in."""
        fields = catalog(
            "budget",
            "newsletter",
            budget={"from_stage": "mql"},
            newsletter={"until_stage": "prospect"},
        )
        planner = sm.ProfilePlanner(fields)
        assert planner.plan(lead("suspect"), at=T0).names == ("newsletter",)
        assert planner.plan(lead("mql"), at=T0).names == ("budget",)
        assert planner.plan(lead("customer"), at=T0).names == ("budget",)

    def test_a_side_stage_is_gated_by_its_high_water_mark(self) -> None:
        """A recycled MQL is asked what an MQL would be asked."""
        lc = sm.Lifecycle.default()
        recycled = lc.fire(lead("mql"), "recycle", at=T0, reason="no budget")
        planner = sm.ProfilePlanner(catalog("budget", budget={"from_stage": "mql"}))
        assert planner.plan(recycled, at=T0).names == ("budget",)

    def test_a_plan_is_deterministic(self) -> None:
        """The same lead gives the same plan."""
        planner = sm.ProfilePlanner(
            catalog("job_title", "industry", "company_size", "country"),
            personas=MATCHER,
            scoring=MODEL,
        )
        plans = {planner.plan(lead(), at=T0) for _ in range(3)}
        assert len(plans) == 1


class TestRanking:
    def test_job_title_decides_personas_through_derived_facts(self) -> None:
        """A trait on department makes job_title worth asking."""
        planner = sm.ProfilePlanner(
            catalog("country", "phone", "job_title"), max_fields=1, personas=MATCHER
        )
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("job_title",)
        assert plan.fields[0].reason == "decides persona Marketing leader vs Technical evaluator"

    def test_fit_points_at_stake_rank_fields(self) -> None:
        """The field carrying the most undetermined fit points comes first."""
        planner = sm.ProfilePlanner(
            catalog("country", "company_size", "industry"), max_fields=3, scoring=MODEL
        )
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("industry", "company_size", "country")
        assert plan.fields[0].reason == "worth up to 20 fit points"

    def test_determined_fit_rules_are_worth_nothing(self) -> None:
        """Once the answer is known, the points are no longer at stake."""
        planner = sm.ProfilePlanner(catalog("country", "industry"), max_fields=1, scoring=MODEL)
        assert planner.plan(lead(industry="retail"), at=T0).names == ("country",)

    def test_the_next_stage_definition_needs_its_fields(self) -> None:
        """An MQL is asked what the SQL definition reads."""
        planner = sm.ProfilePlanner(catalog("phone", "timeline", "budget"), max_fields=2)
        plan = planner.plan(lead("mql"), at=T0)
        assert plan.names == ("timeline", "budget")
        assert plan.fields[0].reason == "needed for the SQL definition"

    def test_friction_divides_the_value(self) -> None:
        """A costly question must be worth more to come first."""
        fields = catalog("industry", "company_size", industry={"friction": 3.0})
        planner = sm.ProfilePlanner(fields, max_fields=1, scoring=MODEL)
        assert planner.plan(lead(), at=T0).names == ("company_size",)

    def test_a_prerequisite_inherits_what_it_unlocks(self) -> None:
        """A field needed before a valuable one is asked first, and says why."""
        fields = catalog(
            "phone", "company", "company_size", company_size={"requires": ("company",)}
        )
        planner = sm.ProfilePlanner(fields, max_fields=1, scoring=MODEL)
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("company",)
        assert plan.fields[0].reason == "needed before Company Size"

    def test_fields_worth_nothing_follow_the_queue(self) -> None:
        """With no reason to prefer one, catalog order decides and says so."""
        planner = sm.ProfilePlanner(catalog("b", "a"), max_fields=2, scoring=MODEL)
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("b", "a")
        assert {f.reason for f in plan.fields} == {"next in the queue"}

    def test_explain_lists_each_field_and_its_reason(self) -> None:
        """explain() is one line per field."""
        planner = sm.ProfilePlanner(catalog("industry", "timeline"), max_fields=2, scoring=MODEL)
        text = planner.plan(lead("mql"), at=T0).explain()
        assert text.splitlines() == [
            "Timeline  needed for the SQL definition",
            "Industry  worth up to 20 fit points",
        ]
        assert "Nothing to ask" in sm.FormPlan(()).explain()


class TestValidation:
    @pytest.mark.parametrize(
        ("fields", "kwargs", "problem"),
        [
            (catalog("a", "a"), {}, "listed twice"),
            (catalog("a", a={"requires": ("b",)}), {}, "requires 'b', which is not in the catalog"),
            (
                catalog(
                    "a",
                    "b",
                    "c",
                    a={"requires": ("b",)},
                    b={"requires": ("c",)},
                    c={"requires": ("a",)},
                ),
                {},
                "cycle: a -> b -> c -> a",
            ),
            (catalog("a", a={"from_stage": "lead"}), {}, "from_stage 'lead' is not a stage"),
            (
                catalog("a", "b", a={"always": True}, b={"always": True}),
                {"max_fields": 1},
                "at most max_fields=1",
            ),
            (catalog("a"), {"max_fields": 0}, "max_fields"),
            (["a"], {}, "not a FormField"),
        ],
    )
    def test_bad_catalogs_fail_when_the_planner_is_built(
        self, fields: list[Any], kwargs: dict[str, Any], problem: str
    ) -> None:
        """Catalog problems are ConfigErrors naming the field."""
        with pytest.raises(sm.ConfigError, match=problem):
            sm.ProfilePlanner(fields, **kwargs)

    @pytest.mark.parametrize(
        ("kwargs", "problem"),
        [
            ({"name": "company size"}, "field name"),
            ({"name": "a", "label": 5}, "label must be text"),
            ({"name": "a", "friction": 0}, "friction"),
            ({"name": "a", "friction": math.nan}, "friction"),
            ({"name": "a", "requires": ("a",)}, "requires itself"),
            ({"name": "a", "requires": 5}, "list of field names"),
            ({"name": "a", "refresh_after": timedelta(0)}, "refresh_after"),
            ({"name": "a", "refresh_after": relativedelta(months=-1)}, "refresh_after"),
            ({"name": "a", "refresh_after": relativedelta(day=1)}, "not a date"),
            ({"name": "a", "refresh_after": "12mo"}, "timedelta or a relativedelta"),
            ({"name": "a", "after_submissions": -1}, "after_submissions"),
        ],
    )
    def test_bad_fields_are_config_errors(self, kwargs: dict[str, Any], problem: str) -> None:
        """Each FormField argument is checked."""
        with pytest.raises(sm.ConfigError, match=problem):
            sm.FormField(**kwargs)

    def test_bad_plan_arguments_are_validation_errors(self) -> None:
        """at must be aware; submissions a whole number."""
        planner = sm.ProfilePlanner(catalog("a"))
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            planner.plan(lead(), at=datetime(2026, 1, 1))
        with pytest.raises(sm.ValidationError, match="submissions"):
            planner.plan(lead(), at=T0, submissions=-1)


# --- properties ------------------------------------------------------------------------------

NAMES = (
    "company",
    "company_size",
    "industry",
    "country",
    "job_title",
    "budget",
    "timeline",
    "phone",
)


@st.composite
def catalogs(draw: st.DrawFn) -> list[sm.FormField]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True))
    fields = []
    for i, name in enumerate(names):
        earlier = names[:i]
        requires = (
            draw(st.lists(st.sampled_from(earlier), max_size=1, unique=True)) if earlier else []
        )
        fields.append(
            sm.FormField(
                name,
                friction=draw(st.sampled_from((0.5, 1.0, 2.0))),
                requires=tuple(requires),
                from_stage=draw(st.sampled_from((None, None, "prospect", "mql"))),
            )
        )
    return fields


stages = st.sampled_from(("suspect", "prospect", "mql", "sql"))
known = st.dictionaries(
    st.sampled_from(NAMES), st.sampled_from(("x", 120, "software", "VP Marketing")), max_size=4
)


class TestProperties:
    @given(catalogs(), st.integers(1, 4), stages, known)
    def test_plans_follow_every_rule(
        self, fields: list[sm.FormField], max_fields: int, stage: str, values: dict[str, object]
    ) -> None:
        """Never known-and-fresh, never over the limit, requires honoured, gates kept."""
        planner = sm.ProfilePlanner(fields, max_fields=max_fields, personas=MATCHER, scoring=MODEL)
        current = lead(stage, **values)
        plan = planner.plan(current, at=T0)
        lc = sm.Lifecycle.default()
        by_name = {f.name: f for f in fields}
        assert len(plan.fields) <= max_fields
        assert len(set(plan.names)) == len(plan.names)
        for i, planned in enumerate(plan.fields):
            f = by_name[planned.name]
            assert planned.name not in current.fields
            assert all(r in current.fields or r in plan.names[:i] for r in f.requires)
            if f.from_stage is not None:
                assert lc.rank(stage) >= lc.rank(f.from_stage)  # type: ignore[operator]
        assert plan == planner.plan(current, at=T0)

    @given(catalogs(), st.integers(1, 4), stages)
    def test_answering_every_plan_completes_the_profile(
        self, fields: list[sm.FormField], max_fields: int, stage: str
    ) -> None:
        """A lead that answers every form knows every askable field within ceil(n / max) forms."""
        planner = sm.ProfilePlanner(fields, max_fields=max_fields, personas=MATCHER, scoring=MODEL)
        lc = sm.Lifecycle.default()
        askable: list[str] = []
        for f in fields:  # requirements come earlier in generated catalogs
            gate = f.from_stage is None or lc.rank(stage) >= lc.rank(f.from_stage)  # type: ignore[operator]
            if gate and all(r in askable for r in f.requires):
                askable.append(f.name)
        current = lead(stage)
        forms = 0
        while True:
            plan = planner.plan(current, at=T0, submissions=forms)
            if not plan.fields:
                break
            current = current.learn(dict.fromkeys(plan.names, "answer"), at=T0, source="form")
            forms += 1
        assert set(askable) <= set(current.fields)
        assert forms <= math.ceil(len(askable) / max_fields)

    @given(catalogs(), stages, known)
    def test_a_plan_never_changes_its_lead(
        self, fields: list[sm.FormField], stage: str, values: dict[str, object]
    ) -> None:
        """Planning is pure: the lead is untouched."""
        current = lead(stage, **values)
        before = attrs.evolve(current)
        sm.ProfilePlanner(fields, personas=MATCHER, scoring=MODEL).plan(current, at=T0)
        assert current == before
