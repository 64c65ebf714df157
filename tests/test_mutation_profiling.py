"""The progressive-profiling planner's promises pinned down for mutation testing: what its
errors say and carry, where a refresh falls due, which stage a lead is gated by, how the three
kinds of worth weigh against each other and against friction, how a prerequisite inherits
what it unlocks, and the reasons each chosen field gives.

Every library value is built inside a test (or a helper a test calls), never at import:
mutmut's workers import the library (and this module) before they switch a mutant on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import smarketing as sm

T0 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def form(*names: str, **options: dict[str, Any]) -> list[sm.FormField]:
    """Form fields labelled after their names (``company_size`` is "Company Size")."""
    return [sm.FormField(n, label=n.replace("_", " ").title(), **options.get(n, {})) for n in names]


def lead(stage: str = "suspect", **fields: object) -> sm.Lead:
    return sm.Lead.new("L-1", at=T0, fields=fields, stage=stage)


def fit(**points: float) -> sm.ScoringModel:
    """A scoring model with one fit rule per fact (``fact == "yes"``), worth ``points``."""
    rules = [
        sm.FitRule(f"{name} rule", sm.field(name) == "yes", points=p) for name, p in points.items()
    ]
    return sm.ScoringModel(fit=rules, engagement=[])


def persona(name: str, **weights: float) -> sm.Persona:
    """A persona with one trait per fact (``fact == "<name>"``), weighing ``weights``."""
    return sm.Persona(
        name, traits=[sm.Trait(sm.field(f) == name, weight=w) for f, w in weights.items()]
    )


def config_error(make: Callable[[], object]) -> sm.ConfigError:
    """The ConfigError ``make()`` raises."""
    with pytest.raises(sm.ConfigError) as info:
        make()
    return info.value


def validation_error(make: Callable[[], object]) -> sm.ValidationError:
    """The ValidationError ``make()`` raises."""
    with pytest.raises(sm.ValidationError) as info:
        make()
    return info.value


# --- errors: FormField and the catalog ----------------------------------------------------------


class TestFieldErrors:
    def test_a_bad_field_name_names_the_argument_and_the_name(self) -> None:
        """A name with a space: the message, the key and the offending name."""
        error = config_error(lambda: sm.FormField("company size"))
        assert str(error) == (
            "FormField.name must be a field name of letters, digits and '_' (got 'company size')."
        )
        assert error.key == "FormField.name"
        assert error.piece == "company size"

    def test_requires_must_be_names(self) -> None:
        """requires that is neither a name nor a list of them says so, under requires."""
        error = config_error(lambda: sm.FormField("a", requires=5))
        assert str(error) == (
            "FormField.requires must be a field name or a list of field names (got 5)."
        )
        assert error.where == "FormField.requires"
        assert error.key == "requires"
        assert error.piece == 5
        assert error.expected == "a list of field names"


class TestCatalogErrors:
    def test_an_item_that_is_not_a_field_is_named_by_its_index(self) -> None:
        """The catalog's second item, a string: its index in the message and the key."""
        error = config_error(lambda: sm.ProfilePlanner([sm.FormField("a"), "b"]))
        assert str(error) == "catalog item 1 is not a FormField (got 'b')."
        assert error.key == "fields[1]"
        assert error.piece == "b"

    def test_a_cycle_is_reported_from_the_first_field_in_catalog_order(self) -> None:
        """Fields that require each other: the cycle starts at the catalog's first field (not
        the alphabet's), and the error carries that field's requires key and the cycle."""
        fields = form("b", "a", b={"requires": ("a",)}, a={"requires": ("b",)})
        error = config_error(lambda: sm.ProfilePlanner(fields))
        assert str(error) == "fields require each other in a cycle: b -> a -> b."
        assert error.key == "b.requires"
        assert error.piece == "b -> a -> b"


# --- errors: plan's arguments --------------------------------------------------------------------


class TestPlanArguments:
    def test_a_naive_at_names_the_lead_and_the_argument(self) -> None:
        """A naive datetime: the message and where name the lead's plan(at=...)."""
        planner = sm.ProfilePlanner(form("a"))
        naive = datetime(2026, 1, 1)
        error = validation_error(lambda: planner.plan(lead(), at=naive))
        assert str(error) == (
            "lead 'L-1': plan(at=...) must be timezone-aware (got the naive datetime "
            "2026-01-01T00:00:00); attach a zone, e.g. datetime(..., tzinfo=timezone.utc)."
        )
        assert error.where == "lead 'L-1': plan(at=...)"

    @pytest.mark.parametrize("submissions", [-1, True, 1.5])
    def test_submissions_must_be_a_whole_number(self, submissions: object) -> None:
        """A negative count, a bool or a float: a ValidationError carrying the value."""
        planner = sm.ProfilePlanner(form("a"))
        error = validation_error(
            lambda: planner.plan(lead(), at=T0, submissions=submissions)  # type: ignore[arg-type]
        )
        assert str(error) == (
            f"plan(submissions=...) must be a whole number >= 0 (got {submissions!r})."
        )
        assert error.value is submissions
        assert error.where == "submissions"
        assert error.expected == "int >= 0"

    def test_submissions_default_to_none_sent(self) -> None:
        """Without submissions, a field waiting for the first form is not asked yet."""
        planner = sm.ProfilePlanner(form("company", "budget", budget={"after_submissions": 1}))
        assert planner.plan(lead(), at=T0).names == ("company",)
        assert planner.plan(lead(), at=T0, submissions=1).names == ("company", "budget")


# --- which fields the form may show ---------------------------------------------------------------


class TestRefresh:
    def test_an_answer_is_due_the_moment_it_is_refresh_after_old(self) -> None:
        """Fresh strictly before learned_at + refresh_after; asked again at that instant."""
        planner = sm.ProfilePlanner(form("country", country={"refresh_after": timedelta(days=30)}))
        known = lead(country="DE")
        assert planner.plan(known, at=T0 + timedelta(days=30, seconds=-1)).names == ()
        assert planner.plan(known, at=T0 + timedelta(days=30)).names == ("country",)


class TestStageGates:
    def test_until_stage_includes_that_stage(self) -> None:
        """A field asked until prospect is still asked of a prospect, not of an MQL."""
        planner = sm.ProfilePlanner(form("newsletter", newsletter={"until_stage": "prospect"}))
        assert planner.plan(lead("prospect"), at=T0).names == ("newsletter",)
        assert planner.plan(lead("mql"), at=T0).names == ()

    def test_a_lead_back_on_the_main_path_is_gated_by_where_it_is(self) -> None:
        """A recycled MQL that re-engaged is a prospect again: asked what a prospect is asked,
        not what its high-water mark (mql) would allow."""
        lc = sm.Lifecycle.default()
        recycled = lc.fire(lead("mql"), "recycle", at=T0, reason="no budget")
        back = lc.fire(recycled, "reengage", at=T0)
        assert (back.stage, back.high_water) == ("prospect", "mql")
        planner = sm.ProfilePlanner(
            form(
                "budget",
                "newsletter",
                budget={"from_stage": "mql"},
                newsletter={"until_stage": "prospect"},
            )
        )
        assert planner.plan(back, at=T0).names == ("newsletter",)


class TestAlwaysFields:
    def test_an_always_field_cannot_require_another(self) -> None:
        """A field shown first on every form could never wait for its prerequisite: the
        combination is a ConfigError naming the field and what it requires."""
        error = config_error(lambda: sm.FormField("industry", always=True, requires="company"))
        assert str(error) == (
            "field 'industry' is shown on every form (always), so it cannot wait for "
            "'company' (requires); drop one of the two."
        )
        assert error.key == "industry.always"
        assert error.piece == ("company",)

    def test_an_always_field_is_shown_pre_filled_and_counts_towards_the_form(self) -> None:
        """Known or not, an always field is planned first, with its value; the rest of the
        form follows the queue."""
        fields = form("phone", "company", "email", email={"always": True})
        planner = sm.ProfilePlanner(fields, max_fields=2)
        plan = planner.plan(lead(email="a@b.io"), at=T0)
        assert plan.names == ("email", "phone")
        assert plan.fields[0].reason == "shown on every form"
        assert plan.fields[0].value == "a@b.io"


# --- how worth is weighed ----------------------------------------------------------------------


class TestWeights:
    def test_fields_worth_nothing_keep_catalog_order_whatever_their_friction(self) -> None:
        """With no parts given nothing is worth anything, and zero per unit of friction is
        zero: the costlier field listed first still comes first."""
        fields = form("budget", "phone", budget={"friction": 2.0})
        planner = sm.ProfilePlanner(fields, max_fields=1)
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("budget",)
        assert plan.fields[0].reason == "next in the queue"

    def test_a_stage_need_weighs_as_much_as_all_fit_points(self) -> None:
        """A field the next stage needs and one carrying every fit point tie; catalog order
        breaks the tie."""
        planner = sm.ProfilePlanner(
            form("industry", "timeline"), max_fields=2, scoring=fit(industry=10)
        )
        plan = planner.plan(lead("mql"), at=T0)
        assert plan.names == ("industry", "timeline")
        assert [f.reason for f in plan.fields] == [
            "worth up to 10 fit points",
            "needed for the SQL definition",
        ]

    def test_a_whole_persona_weighs_as_much_as_all_fit_points(self) -> None:
        """A field deciding all of a persona's weight and one carrying every fit point tie,
        however heavy the trait; catalog order breaks the tie."""
        planner = sm.ProfilePlanner(
            form("industry", "country"),
            max_fields=2,
            scoring=fit(industry=10),
            personas=sm.PersonaMatcher([persona("Exporter", country=2)]),
        )
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("industry", "country")
        assert plan.fields[1].reason == "decides persona Exporter"

    def test_a_persona_share_counts_against_fit_points(self) -> None:
        """Half a persona's weight is worth less than every fit point."""
        planner = sm.ProfilePlanner(
            form("country", "industry"),
            max_fields=1,
            scoring=fit(industry=10),
            personas=sm.PersonaMatcher([persona("Exporter", country=1, budget=1)]),
        )
        assert planner.plan(lead(), at=T0).names == ("industry",)


# --- fit points ----------------------------------------------------------------------------------


class TestFitPoints:
    def test_points_on_a_derived_fact_make_job_title_worth_asking(self) -> None:
        """A fit rule on department is settled by asking the job title."""
        model = sm.ScoringModel(
            fit=[sm.FitRule("marketer", sm.field("department") == "marketing", points=10)],
            engagement=[],
        )
        planner = sm.ProfilePlanner(form("country", "job_title"), max_fields=1, scoring=model)
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("job_title",)
        assert plan.fields[0].reason == "worth up to 10 fit points"

    def test_points_of_several_facts_add_up_on_their_field(self) -> None:
        """Department and seniority both come from the job title: their stakes add up."""
        model = sm.ScoringModel(
            fit=[
                sm.FitRule("marketer", sm.field("department") == "marketing", points=10),
                sm.FitRule("vp", sm.field("seniority") == "vp", points=5),
            ],
            engagement=[],
        )
        planner = sm.ProfilePlanner(form("job_title"), scoring=model)
        assert planner.plan(lead(), at=T0).fields[0].reason == "worth up to 15 fit points"

    def test_points_are_written_to_one_decimal(self) -> None:
        """The stake in a reason is rounded to one decimal."""
        planner = sm.ProfilePlanner(form("industry"), scoring=fit(industry=12.34))
        assert planner.plan(lead(), at=T0).fields[0].reason == "worth up to 12.3 fit points"


# --- personas ------------------------------------------------------------------------------------


class TestPersonas:
    def test_an_empty_matcher_adds_no_worth(self) -> None:
        """A matcher without personas decides nothing; the queue order stands."""
        planner = sm.ProfilePlanner(form("a", "b"), personas=sm.PersonaMatcher([]))
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("a", "b")
        assert {f.reason for f in plan.fields} == {"next in the queue"}

    def test_a_trait_on_a_plain_field_makes_it_worth_asking(self) -> None:
        """A trait reading the field itself (no derivation) gives it persona worth."""
        planner = sm.ProfilePlanner(
            form("phone", "country"),
            max_fields=1,
            personas=sm.PersonaMatcher([persona("Exporter", country=1)]),
        )
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("country",)
        assert plan.fields[0].reason == "decides persona Exporter"

    def test_a_persona_that_can_tie_the_leader_is_a_contender(self) -> None:
        """The leader is fully matched; a persona that could still reach the same confidence
        contends, so the field deciding it is worth asking, against the leader."""
        matcher = sm.PersonaMatcher(
            [persona("US", country=1), persona("engineering", department=1)]
        )
        planner = sm.ProfilePlanner(form("phone", "job_title"), max_fields=1, personas=matcher)
        plan = planner.plan(lead(country="US"), at=T0)
        assert plan.names == ("job_title",)
        assert plan.fields[0].reason == "decides persona US vs engineering"

    def test_a_persona_that_cannot_catch_up_is_no_contender(self) -> None:
        """The leader is fully matched; a persona whose best reach is below that is out of
        the race, so the field only it reads decides nothing."""
        matcher = sm.PersonaMatcher([persona("US", country=1), persona("X", country=3, team=1)])
        planner = sm.ProfilePlanner(form("team"), personas=matcher)
        assert planner.plan(lead(country="US"), at=T0).fields[0].reason == "next in the queue"

    def test_a_persona_that_can_reach_the_leaders_confidence_contends(self) -> None:
        """The race is against the leader's confidence (here a half), not against what the
        leader could still reach: a persona that can get to a half contends."""
        matcher = sm.PersonaMatcher(
            [persona("L", country=1, industry=1), persona("M", country=1, team=1)]
        )
        planner = sm.ProfilePlanner(form("team"), personas=matcher)
        plan = planner.plan(lead(country="L"), at=T0)
        assert plan.fields[0].reason == "decides persona L vs M"

    def test_at_most_three_contenders(self) -> None:
        """Four personas open on one field: the reason names the first three."""
        matcher = sm.PersonaMatcher(
            [persona(d, department=1) for d in ("marketing", "engineering", "sales", "finance")]
        )
        planner = sm.ProfilePlanner(form("job_title"), personas=matcher)
        assert planner.plan(lead(), at=T0).fields[0].reason == (
            "decides persona marketing vs engineering vs sales"
        )

    def test_a_field_adds_up_its_share_of_every_contender(self) -> None:
        """The job title decides half of each of two personas: worth a whole one, more than
        the half each other field decides."""
        matcher = sm.PersonaMatcher(
            [
                persona("marketing", department=1, country=1),
                persona("engineering", department=1, industry=1),
            ]
        )
        planner = sm.ProfilePlanner(
            form("country", "industry", "job_title"), max_fields=1, personas=matcher
        )
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("job_title",)
        assert plan.fields[0].reason == "decides persona marketing vs engineering"


# --- stage definitions ---------------------------------------------------------------------------


class TestStageNeeds:
    def test_a_move_the_callers_facts_allow_needs_nothing(self) -> None:
        """The caller's facts (a score) already open the move: the other branch of its guard
        is not worth asking."""
        lc = sm.Lifecycle(
            stages=["a", "b"],
            initial="a",
            transitions=[
                sm.Transition(
                    "go", "a", "b", when=(sm.field("score") >= 50) | (sm.field("budget") == "yes")
                )
            ],
        )
        planner = sm.ProfilePlanner(form("phone", "budget"), max_fields=1, lifecycle=lc)
        current = lead("a")
        assert planner.plan(current, at=T0).fields[0].reason == "needed for the B definition"
        plan = planner.plan(current, at=T0, facts={"score": 60})
        assert plan.names == ("phone",)
        assert plan.fields[0].reason == "next in the queue"

    def test_every_move_not_yet_allowed_is_read(self) -> None:
        """An open move listed first does not hide a later move's needs."""
        lc = sm.Lifecycle(
            stages=["a", "b", "c"],
            initial="a",
            transitions=[
                sm.Transition("skip", "a", "c"),
                sm.Transition("go", "a", "b", when=sm.field("budget") == "yes"),
            ],
        )
        planner = sm.ProfilePlanner(form("phone", "budget"), max_fields=1, lifecycle=lc)
        plan = planner.plan(lead("a"), at=T0)
        assert plan.names == ("budget",)
        assert plan.fields[0].reason == "needed for the B definition"

    def test_a_guard_on_a_derived_fact_needs_the_job_title(self) -> None:
        """A move reading department is opened by asking the job title."""
        lc = sm.Lifecycle(
            stages=["a", "b"],
            initial="a",
            transitions=[sm.Transition("go", "a", "b", when=sm.field("department") == "marketing")],
        )
        planner = sm.ProfilePlanner(form("phone", "job_title"), max_fields=1, lifecycle=lc)
        plan = planner.plan(lead("a"), at=T0)
        assert plan.names == ("job_title",)
        assert plan.fields[0].reason == "needed for the B definition"


# --- reasons and prerequisites -------------------------------------------------------------------


class TestReasons:
    def test_several_reasons_are_joined_by_semicolons(self) -> None:
        """A field with fit points that the next stage also needs gives both reasons."""
        planner = sm.ProfilePlanner(form("budget"), scoring=fit(budget=10))
        plan = planner.plan(lead("mql"), at=T0)
        assert plan.fields[0].reason == "worth up to 10 fit points; needed for the SQL definition"
        assert plan.fields[0].value is None

    def test_worth_is_inherited_down_a_whole_chain(self) -> None:
        """c needs b, b needs a: c's worth reaches a two steps away, ahead of a field worth
        nothing listed earlier, and each link says what it comes before."""
        fields = form("phone", "a", "b", "c", b={"requires": "a"}, c={"requires": "b"})
        planner = sm.ProfilePlanner(fields, max_fields=1, scoring=fit(c=10))
        plan = planner.plan(lead(), at=T0)
        assert plan.names == ("a",)
        assert plan.fields[0].reason == "needed before B"
        whole = sm.ProfilePlanner(fields, max_fields=3, scoring=fit(c=10)).plan(lead(), at=T0)
        assert [(f.name, f.reason) for f in whole.fields] == [
            ("a", "needed before B"),
            ("b", "needed before C"),
            ("c", "worth up to 10 fit points"),
        ]
