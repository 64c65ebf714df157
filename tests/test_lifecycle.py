"""The lifecycle state machine: the default lifecycle, custom ones, firing and advancing."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import smarketing as sm
from smarketing import testing as sst

F = sm.field
QUALIFIED = {"score": 80, "grade": "A"}
ACCEPTED = {"budget": "50k", "timeline": "Q3"}


@pytest.fixture
def lc() -> sm.Lifecycle:
    return sm.Lifecycle.default()


@pytest.fixture
def lead(t0: datetime) -> sm.Lead:
    return sm.Lead.new("L-1", at=t0, fields={"email": "ana@acme.io"})


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


class TestDefaultLifecycle:
    def test_stages_and_main_path(self, lc: sm.Lifecycle) -> None:
        """The default stages, the main path, and the open stages."""
        assert lc.stage_names == (
            "suspect",
            "prospect",
            "mql",
            "sql",
            "customer",
            "recycled",
            "disqualified",
        )
        assert lc.main_path == ("suspect", "prospect", "mql", "sql", "customer")
        assert lc.open_stages == ("suspect", "prospect", "mql", "sql", "recycled")
        assert lc.initial == "suspect"
        assert lc.rank("mql") == 2
        assert lc.rank("recycled") is None
        assert "reopen" in lc.triggers

    def test_triggers_go_where_the_design_says(self, lc: sm.Lifecycle) -> None:
        """Every default trigger, its sources and destination."""
        table = {(t.trigger, s): t.dest for t in lc.transitions for s in t.source}
        assert table == {
            ("engage", "suspect"): "prospect",
            ("qualify", "prospect"): "mql",
            ("accept", "mql"): "sql",
            ("win", "sql"): "customer",
            ("recycle", "mql"): "recycled",
            ("recycle", "sql"): "recycled",
            ("reengage", "recycled"): "prospect",
            **{("disqualify", s): "disqualified" for s in lc.open_stages},
            ("reopen", "disqualified"): "suspect",
        }

    def test_only_engage_and_qualify_are_automatic(self, lc: sm.Lifecycle) -> None:
        """Every other trigger is a person's decision."""
        assert {t.trigger for t in lc.transitions if t.is_auto} == {"engage", "qualify"}
        assert {t.trigger for t in lc.transitions if t.requires_reason} == {
            "recycle",
            "disqualify",
        }

    def test_the_mql_and_sql_definitions_guard_qualify_and_accept(self) -> None:
        """Lifecycle.default takes the MQL and SQL definitions as conditions."""
        mql, sql = F("score") >= 50, F("budget").exists()
        lc = sm.Lifecycle.default(mql=mql, sql=sql)
        when = {t.trigger: t.when for t in lc.transitions}
        assert when["qualify"] == mql
        assert when["accept"] == sql
        assert when["engage"] == sm.always()

    def test_a_lead_walks_the_main_path(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """suspect → prospect → mql → sql → customer, recording each change."""
        t = lead.created_at
        lead = lc.fire(lead, "engage", at=t + hours(1), actor="marketing:auto")
        lead = lc.fire(lead, "qualify", at=t + hours(2), facts=QUALIFIED)
        lead = lc.fire(lead, "accept", at=t + hours(3), facts=ACCEPTED, actor="sales:jo")
        lead = lc.fire(lead, "win", at=t + hours(4), actor="sales:jo")
        assert lead.stage == lead.high_water == "customer"
        assert [c.to_stage for c in lead.history] == ["prospect", "mql", "sql", "customer"]
        assert lead.history[2] == sm.StageChange("mql", "sql", "accept", t + hours(3), "sales:jo")

    def test_guards_read_the_leads_own_fields(self, lc: sm.Lifecycle, t0: datetime) -> None:
        """Facts come from the lead, with the caller's facts layered on top."""
        lead = sm.Lead.new("L-2", at=t0, fields={"budget": "10k", "timeline": "now"}, stage="mql")
        assert lc.fire(lead, "accept", at=t0).stage == "sql"
        with pytest.raises(sm.GuardRejected):
            lc.fire(lead, "accept", at=t0, facts={"budget": None})

    def test_high_water_survives_recycling(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """A recycled lead keeps the furthest stage it reached."""
        t = lead.created_at
        lead = lc.fire(lead, "engage", at=t)
        lead = lc.fire(lead, "qualify", at=t, facts=QUALIFIED)
        lead = lc.fire(lead, "accept", at=t, facts=ACCEPTED)
        lead = lc.fire(lead, "recycle", at=t + hours(1), reason="no budget this year")
        assert (lead.stage, lead.high_water) == ("recycled", "sql")
        assert lead.history[-1].reason == "no budget this year"
        lead = lc.fire(lead, "reengage", at=t + hours(2))
        assert (lead.stage, lead.high_water) == ("prospect", "sql")

    def test_fire_leaves_the_input_untouched(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """The old lead is still a suspect after firing."""
        moved = lc.fire(lead, "engage", at=lead.created_at)
        assert lead.stage == "suspect"
        assert lead.history == ()
        assert moved is not lead


class TestFiringErrors:
    def test_a_trigger_from_the_wrong_stage_names_the_allowed_ones(
        self, lc: sm.Lifecycle, lead: sm.Lead
    ) -> None:
        """TransitionError names lead, stage, trigger and the triggers allowed now."""
        with pytest.raises(sm.TransitionError, match="does not apply") as info:
            lc.fire(lead, "win", at=lead.created_at)
        err = info.value
        assert (err.lead_id, err.stage, err.trigger) == ("L-1", "suspect", "win")
        assert err.allowed == ("engage", "disqualify")
        assert "allowed now: engage, disqualify" in str(err)

    def test_an_unknown_trigger_lists_the_lifecycles_triggers(
        self, lc: sm.Lifecycle, lead: sm.Lead
    ) -> None:
        """A typo in a trigger is named as such."""
        with pytest.raises(sm.TransitionError, match="not a trigger of this lifecycle"):
            lc.fire(lead, "engag", at=lead.created_at)

    def test_a_failed_guard_names_conditions_and_missing_facts(
        self, lc: sm.Lifecycle, lead: sm.Lead
    ) -> None:
        """GuardRejected carries the failed conditions and the missing facts."""
        lead = lc.fire(lead, "engage", at=lead.created_at)
        with pytest.raises(sm.GuardRejected) as info:
            lc.fire(lead, "qualify", at=lead.created_at, facts={"score": 30})
        err = info.value
        assert isinstance(err, sm.TransitionError)
        assert err.failed == ("score >= 60", "grade in ('A', 'B')")
        assert err.missing == ("grade",)
        assert err.allowed == ("disqualify",)
        assert "missing facts: grade" in str(err)

    def test_a_required_reason_is_required(self, lc: sm.Lifecycle, t0: datetime) -> None:
        """recycle and disqualify need a reason."""
        lead = sm.Lead.new("L-1", at=t0, stage="mql")
        for reason in (None, ""):
            with pytest.raises(sm.ValidationError, match="needs a reason"):
                lc.fire(lead, "recycle", at=t0, reason=reason)

    def test_time_cannot_run_backwards(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """A change earlier than the last one is rejected."""
        moved = lc.fire(lead, "engage", at=lead.created_at + hours(5))
        with pytest.raises(sm.ValidationError, match="earlier than the lead's last change"):
            lc.fire(moved, "disqualify", at=lead.created_at + hours(4), reason="spam")
        with pytest.raises(sm.ValidationError, match="earlier"):
            lc.fire(lead, "engage", at=lead.created_at - hours(1))

    def test_a_naive_time_is_rejected(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """fire, advance and stale need aware times."""
        naive = datetime(2026, 1, 6)
        for call in (
            lambda: lc.fire(lead, "engage", at=naive),
            lambda: lc.advance(lead, at=naive),
            lambda: lc.stale(lead, at=naive),
        ):
            with pytest.raises(sm.ValidationError, match="timezone-aware"):
                call()

    def test_a_lead_in_a_foreign_stage_is_a_clear_error(
        self, lc: sm.Lifecycle, t0: datetime
    ) -> None:
        """A stage the lifecycle does not know is named."""
        lead = sm.Lead.new("W-1", at=t0, stage="inquiry")
        with pytest.raises(sm.ValidationError, match="'inquiry', which is not a stage"):
            lc.fire(lead, "engage", at=t0)
        with pytest.raises(sm.ValidationError, match="not a stage"):
            lc.allowed(lead)
        with pytest.raises(sm.ValidationError, match="not a stage"):
            lc.stage("inquiry")

    def test_transitions_own_errors_never_leak(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """Only smarketing errors come out of the API."""
        import transitions

        for trigger in ("win", "to_customer", "trigger", ""):
            with pytest.raises(sm.SmarketingError) as info:
                lc.fire(lead, trigger, at=lead.created_at)
            assert not isinstance(info.value, transitions.MachineError)


class TestAllowedAndAdvance:
    def test_allowed_respects_guards(self, lc: sm.Lifecycle, t0: datetime) -> None:
        """Triggers whose guard does not hold are not allowed."""
        lead = sm.Lead.new("L-1", at=t0, stage="prospect")
        assert lc.allowed(lead) == ("disqualify",)
        assert lc.allowed(lead, QUALIFIED) == ("qualify", "disqualify")

    def test_advance_engages_and_qualifies(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """A lead that engaged and meets the MQL definition becomes an MQL in one call."""
        t = lead.created_at + hours(1)
        moved = lc.advance(lead, at=t, facts={"engagement": 12, **QUALIFIED})
        assert [c.trigger for c in moved.history] == ["engage", "qualify"]
        assert all(c.actor == "auto" for c in moved.history)
        assert moved.stage == "mql"

    def test_advance_stops_where_conditions_stop(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """Engaged but not qualified stays a prospect; no engagement stays a suspect."""
        t = lead.created_at
        assert lc.advance(lead, at=t, facts={"engagement": 0}) is lead
        assert lc.advance(lead, at=t, facts={"engagement": 5}).stage == "prospect"

    def test_engage_has_no_guard_when_fired_by_hand(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """The engagement gate applies only to advance."""
        assert lc.fire(lead, "engage", at=lead.created_at).stage == "prospect"

    def test_advance_never_loops(self, t0: datetime) -> None:
        """Automatic transitions in a cycle stop after visiting each stage once."""
        lc = sm.Lifecycle(
            stages=["a", "b"],
            initial="a",
            transitions=[
                sm.Transition("go", "a", "b", auto=True),
                sm.Transition("back", "b", "a", auto=True),
            ],
        )
        moved = lc.advance(sm.Lead.new("L", at=t0, stage="a"), at=t0)
        assert [c.trigger for c in moved.history] == ["go"]

    def test_advance_and_recycled_leads(self, lc: sm.Lifecycle, t0: datetime) -> None:
        """A recycled lead waits for a person to re-engage it."""
        lead = sm.Lead.new("L", at=t0, stage="recycled")
        assert lc.advance(lead, at=t0, facts={"engagement": 50, **QUALIFIED}) is lead


class TestStale:
    def test_a_lead_past_its_stages_max_age_is_stale(self, t0: datetime) -> None:
        """SLA stages have a maximum age."""
        lc = sm.Lifecycle.default(max_age={"mql": timedelta(days=2)})
        lead = sm.Lead.new("L", at=t0, stage="prospect")
        lead = lc.fire(lead, "qualify", at=t0 + hours(1), facts=QUALIFIED)
        assert not lc.stale(lead, at=t0 + hours(1) + timedelta(days=2))
        assert lc.stale(lead, at=t0 + hours(2) + timedelta(days=2))
        assert lc.stage("mql").max_age == timedelta(days=2)

    def test_stages_without_max_age_are_never_stale(self, lc: sm.Lifecycle, t0: datetime) -> None:
        """No SLA, no staleness."""
        assert not lc.stale(sm.Lead.new("L", at=t0), at=t0 + timedelta(days=999))

    def test_max_age_for_an_unknown_stage_is_rejected(self) -> None:
        """A typo in the SLA map is a ConfigError."""
        with pytest.raises(sm.ConfigError, match="unknown stage 'mlq'"):
            sm.Lifecycle.default(max_age={"mlq": timedelta(days=1)})


def waterfall(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "stages": ["inquiry", "mql", "sal", "sql", sm.Stage("won", terminal=True), "lost"],
        "initial": "inquiry",
        "transitions": [
            sm.Transition("qualify", "inquiry", "mql", when=F("score") >= 50, auto=True),
            sm.Transition("accept", "mql", "sal"),
            sm.Transition("convert", "sal", "sql"),
            sm.Transition("win", "sql", "won"),
            sm.Transition("lose", ["sal", "sql"], "lost", requires_reason=True),
        ],
    }
    spec.update(changes)
    return spec


class TestCustomLifecycles:
    def test_a_demand_waterfall(self, t0: datetime) -> None:
        """A custom lifecycle with SAL and won/lost stages works like the default."""
        lc = sm.Lifecycle(**waterfall())
        assert lc.main_path == ("inquiry", "mql", "sal", "sql", "won")
        lead = sm.Lead.new("W-1", at=t0, stage=lc.initial)
        lead = lc.advance(lead, at=t0, facts={"score": 70})
        lead = lc.fire(lead, "accept", at=t0)
        lead = lc.fire(lead, "lose", at=t0, reason="went with a competitor")
        assert (lead.stage, lead.high_water) == ("lost", "sal")

    @pytest.mark.parametrize(
        ("changes", "problem"),
        [
            ({"initial": "lead"}, "initial stage 'lead' is not one of the stages"),
            ({"stages": []}, "at least one stage"),
            ({"stages": ["inquiry", "inquiry"]}, "listed twice"),
            ({"stages": ["inquiry", "mql", "sal", "sql", "won"]}, "unknown stage 'lost'"),
            (
                {"stages": ["inquiry", "mql", "sal", "sql", "won", "lost", "nurture"]},
                "no trigger leads from 'inquiry' to the stage 'nurture'",
            ),
            (
                {
                    "transitions": [
                        sm.Transition("qualify", "inquiry", "mql"),
                        sm.Transition("qualify", "inquiry", "sal"),
                    ]
                },
                "defined twice",
            ),
            (
                {
                    "transitions": [
                        *waterfall()["transitions"],
                        sm.Transition("reopen", "won", "mql"),
                    ]
                },
                "leaves the terminal stage 'won'",
            ),
            ({"stages": ["in quiry"]}, "stage name"),
            ({"transitions": ["qualify"]}, "is not a Transition"),
        ],
    )
    def test_bad_definitions_fail_when_built(self, changes: dict[str, Any], problem: str) -> None:
        """Definition errors are ConfigErrors at build time, not at 3 a.m."""
        with pytest.raises(sm.ConfigError, match=problem):
            sm.Lifecycle(**waterfall(**changes))

    @pytest.mark.parametrize(
        ("kwargs", "problem"),
        [
            ({"trigger": "go on"}, "trigger must be a name"),
            ({"source": []}, "at least one source"),
            ({"source": 5}, "a list of stage names"),
            ({"dest": ""}, "stage name"),
            ({"when": "score > 5"}, "must be a Condition"),
            ({"auto": "yes"}, "True, False or a Condition"),
        ],
    )
    def test_bad_transitions_are_config_errors(self, kwargs: dict[str, Any], problem: str) -> None:
        """Each Transition argument is checked."""
        args: dict[str, Any] = {"trigger": "go", "source": "a", "dest": "b", **kwargs}
        with pytest.raises(sm.ConfigError, match=problem):
            sm.Transition(**args)

    def test_bad_max_age_is_a_config_error(self) -> None:
        """max_age must be a positive timedelta."""
        with pytest.raises(sm.ConfigError, match="positive timedelta"):
            sm.Stage("mql", max_age=timedelta(0))

    def test_lifecycles_compare_by_definition(self) -> None:
        """Two lifecycles built alike are equal and hash alike."""
        assert sm.Lifecycle.default() == sm.Lifecycle.default()
        assert hash(sm.Lifecycle.default()) == hash(sm.Lifecycle.default())
        assert sm.Lifecycle.default() != sm.Lifecycle(**waterfall())
        assert sm.Lifecycle.default() != "default"
        assert "triggers=" in repr(sm.Lifecycle.default())

    def test_transitions_from_lists_moves_in_definition_order(self, lc: sm.Lifecycle) -> None:
        """The triggers that leave a stage."""
        assert [t.trigger for t in lc.transitions_from("mql")] == [
            "accept",
            "recycle",
            "disqualify",
        ]


class TestMermaid:
    def test_diagram_lists_every_move(self) -> None:
        """to_mermaid gives a state diagram with auto and reason markers."""
        text = sm.Lifecycle.default().to_mermaid()
        assert text.startswith("stateDiagram-v2\n    [*] --> suspect\n")
        assert "    suspect --> prospect : engage (auto)\n" in text
        assert "    mql --> recycled : recycle (reason)\n" in text
        assert "    customer --> [*]\n" in text


# --- a model-based test against a plain-dict oracle --------------------------------------------

ORACLE: dict[tuple[str, str], str] = {
    ("suspect", "engage"): "prospect",
    ("prospect", "qualify"): "mql",
    ("mql", "accept"): "sql",
    ("sql", "win"): "customer",
    ("mql", "recycle"): "recycled",
    ("sql", "recycle"): "recycled",
    ("recycled", "reengage"): "prospect",
    ("disqualified", "reopen"): "suspect",
    **{
        (s, "disqualify"): "disqualified" for s in ("suspect", "prospect", "mql", "sql", "recycled")
    },
}
RANK = {"suspect": 0, "prospect": 1, "mql": 2, "sql": 3, "customer": 4}
TRIGGERS = sorted({t for _, t in ORACLE})


class LifecycleAgainstOracle(RuleBasedStateMachine):
    """Random trigger sequences, random facts; the lifecycle must agree with a plain dict."""

    def __init__(self) -> None:
        super().__init__()
        self.lc = sm.Lifecycle.default()
        self.t = datetime(2026, 1, 1, tzinfo=sst._ZONES[0])
        self.lead = sm.Lead.new("L-1", at=self.t)
        self.stage, self.high, self.changes = "suspect", "suspect", 0

    @rule(
        trigger=st.sampled_from(TRIGGERS),
        score=st.none() | st.integers(0, 100),
        grade=st.none() | st.sampled_from("ABCD"),
        budget=st.none() | st.just("10k"),
        timeline=st.none() | st.just("Q3"),
        reason=st.none() | st.just("not now"),
        minutes=st.integers(0, 10_000),
    )
    def fire(
        self,
        trigger: str,
        score: int | None,
        grade: str | None,
        budget: str | None,
        timeline: str | None,
        reason: str | None,
        minutes: int,
    ) -> None:
        facts = {"score": score, "grade": grade, "budget": budget, "timeline": timeline}
        self.t += timedelta(minutes=minutes)
        dest = ORACLE.get((self.stage, trigger))
        guard = {
            "qualify": score is not None and score >= 60 and grade in ("A", "B"),
            "accept": budget is not None and timeline is not None,
        }.get(trigger, True)
        needs_reason = trigger in ("recycle", "disqualify")
        before = self.lead
        try:
            self.lead = self.lc.fire(self.lead, trigger, at=self.t, reason=reason, facts=facts)
        except sm.GuardRejected:
            assert dest is not None and not guard
        except sm.TransitionError:
            assert dest is None
        except sm.ValidationError:
            assert dest is not None and needs_reason and reason is None
        else:
            assert dest is not None and guard and not (needs_reason and reason is None)
            self.stage = dest
            self.changes += 1
            if dest in RANK and RANK[dest] > RANK[self.high]:
                self.high = dest
        if self.lead is before:
            assert before.stage == self.stage

    @precondition(lambda self: self.stage in ("suspect", "prospect"))
    @rule(engagement=st.integers(0, 3))
    def advance(self, engagement: int) -> None:
        facts = {"engagement": engagement, **QUALIFIED}
        self.lead = self.lc.advance(self.lead, at=self.t, facts=facts)
        if engagement > 0 and self.stage == "suspect":
            self.stage = "prospect"
            self.changes += 1
        if self.stage == "prospect":
            self.stage = "mql"
            self.changes += 1
        self.high = max(self.high, self.stage, key=RANK.__getitem__)

    @invariant()
    def agrees_with_the_oracle(self) -> None:
        assert self.lead.stage == self.stage
        assert self.lead.high_water == self.high
        assert len(self.lead.history) == self.changes
        assert set(self.lc.allowed(self.lead, {**QUALIFIED, **ACCEPTED})) == {
            t for (s, t) in ORACLE if s == self.stage
        }


TestLifecycleAgainstOracle = LifecycleAgainstOracle.TestCase


class TestReplay:
    def test_replaying_a_history_rebuilds_the_same_lead(self, lc: sm.Lifecycle) -> None:
        """Changes recorded elsewhere give the lead that firing them would have given."""
        t = datetime(2026, 1, 5, tzinfo=sst._ZONES[0])
        fired = sm.Lead.new("L", at=t)
        fired = lc.fire(fired, "engage", at=t + hours(1))
        fired = lc.fire(fired, "qualify", at=t + hours(2), facts=QUALIFIED)
        fired = lc.fire(fired, "recycle", at=t + hours(3), reason="no budget", actor="sales:jo")
        replayed = lc.replay(sm.Lead.new("L", at=t), fired.history)
        assert replayed == fired
        assert replayed.high_water == "mql"

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            (
                ("prospect", "mql", "qualify", 1),
                "starts in 'prospect' but the lead is in 'suspect'",
            ),
            (("suspect", "mql", "engage", 1), "'engage' does not lead from 'suspect' to 'mql'"),
            (("suspect", "prospect", "win", 1), "'win' does not lead"),
            (("suspect", "prospect", "engage", -1), "earlier than the change before it"),
        ],
    )
    def test_impossible_histories_are_named(
        self, lc: sm.Lifecycle, t0: datetime, change: tuple[str, str, str, int], problem: str
    ) -> None:
        """A change that could not have happened is a ValidationError naming it."""
        src, dest, trigger, offset = change
        bad = sm.StageChange(src, dest, trigger, t0 + hours(offset))
        with pytest.raises(sm.ValidationError, match=problem) as info:
            lc.replay(sm.Lead.new("L-4", at=t0), [bad])
        assert "lead 'L-4', change 1" in str(info.value)

    def test_only_stage_changes_replay(self, lc: sm.Lifecycle, t0: datetime) -> None:
        """Anything else in the list is named."""
        with pytest.raises(sm.ValidationError, match="expected a StageChange"):
            lc.replay(sm.Lead.new("L", at=t0), ["engage"])  # type: ignore[list-item]

    @given(sst.histories())
    def test_any_generated_history_replays_to_itself(self, lead: sm.Lead) -> None:
        """replay(fresh lead, lead.history) == lead for every valid history."""
        fresh = sm.Lead.new(
            lead.id, at=lead.created_at, source=lead.source, stage=lead.initial_stage
        )
        fresh = attrs.evolve(fresh, fields=lead.fields)
        assert sm.Lifecycle.default().replay(fresh, lead.history) == lead


class TestTheMovedLead:
    """fire builds the moved lead from checked parts; it is the lead the constructors give."""

    @given(
        actor=st.one_of(st.none(), st.text(max_size=8)),
        reason=st.one_of(st.none(), st.text(max_size=8)),
    )
    def test_it_equals_the_lead_built_by_the_constructors(
        self, actor: str | None, reason: str | None
    ) -> None:
        t = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
        lead = sm.Lead.new("L-1", at=t, fields={"email": "a@b.io"})
        kept = None if reason is None or not reason.strip() else reason  # blank: no reason
        try:
            change = sm.StageChange("suspect", "prospect", "engage", t + hours(1), actor, kept)
        except sm.ValidationError:
            with pytest.raises(sm.ValidationError):
                sm.Lifecycle.default().fire(
                    lead, "engage", at=t + hours(1), actor=actor, reason=reason
                )
            return
        moved = sm.Lifecycle.default().fire(
            lead, "engage", at=t + hours(1), actor=actor, reason=reason
        )
        assert moved == sm.Lead("L-1", "prospect", t, None, lead.fields, (change,), "prospect")

    def test_a_subclass_of_lead_moves_as_a_lead(self, lc: sm.Lifecycle, lead: sm.Lead) -> None:
        """A CRM's own subclass of Lead fires; the moved lead is a Lead with the change."""

        @attrs.frozen
        class CrmLead(sm.Lead):
            pass

        own = CrmLead(lead.id, lead.stage, lead.created_at, lead.source, lead.fields)
        moved = lc.fire(own, "engage", at=lead.created_at + hours(1), actor="sales:jo")
        assert moved == lc.fire(lead, "engage", at=lead.created_at + hours(1), actor="sales:jo")
        assert type(moved) is sm.Lead
        with pytest.raises(sm.ValidationError, match="'won', which is not a stage"):
            lc.fire(attrs.evolve(own, stage="won"), "engage", at=lead.created_at + hours(1))

    @pytest.mark.parametrize(
        ("arg", "bad"), [("actor", ""), ("actor", 5), ("reason", 5), ("reason", b"no budget")]
    )
    def test_a_bad_actor_or_reason_is_refused_and_the_lead_kept(
        self, lc: sm.Lifecycle, lead: sm.Lead, t0: datetime, arg: str, bad: object
    ) -> None:
        before = attrs.evolve(lead)
        with pytest.raises(sm.ValidationError, match=f"StageChange.{arg}"):
            lc.fire(lead, "engage", at=t0 + hours(1), **{arg: bad})  # type: ignore[arg-type]
        assert lead == before


class TestGuardsOnTheFactsGiven:
    """A guard reading only facts given in a dict is answered by them, as the view would."""

    facts = st.dictionaries(
        st.sampled_from(["score", "grade", "budget", "timeline", "other"]),
        st.one_of(st.none(), st.integers(0, 100), st.sampled_from(["A", "B", "C", "40k"])),
        max_size=5,
    )

    @given(given_facts=facts, fields=facts)
    def test_a_dict_and_a_read_only_mapping_give_the_same_move(
        self, given_facts: dict[str, object], fields: dict[str, object]
    ) -> None:
        """The same facts as a dict (the direct answer when they hold what the guard reads)
        or as another mapping (always through the lead's view): the same lead, or the same
        rejection."""
        t = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
        known = {k: v for k, v in fields.items() if v is not None}
        lc = sm.Lifecycle.default()
        lead = lc.fire(sm.Lead.new("L-1", at=t, fields=known), "engage", at=t + hours(1))
        outcomes = []
        for facts in (given_facts, MappingProxyType(given_facts)):
            try:
                outcomes.append(lc.fire(lead, "qualify", at=t + hours(2), facts=facts))
            except sm.GuardRejected as exc:
                outcomes.append((exc.failed, exc.missing, exc.allowed))
        assert outcomes[0] == outcomes[1]

    def test_a_guard_reading_a_fact_not_given_reads_the_lead(self, t0: datetime) -> None:
        """The SQL guard reads budget and timeline: given only the score, the lead's own
        fields answer it."""
        lc = sm.Lifecycle.default()
        lead = sm.Lead.new("L-1", at=t0, fields={"budget": "40k", "timeline": "Q3"})
        for trigger, at in (("engage", 1), ("qualify", 2)):
            lead = lc.fire(lead, trigger, at=t0 + hours(at), facts={"score": 80, "grade": "A"})
        assert lc.fire(lead, "accept", at=t0 + hours(3), facts={"score": 80}).stage == "sql"
        with pytest.raises(sm.GuardRejected, match="missing facts: timeline"):
            lc.fire(
                sm.Lead.new("L-2", at=t0, fields={"budget": "40k"}, stage="mql"),
                "accept",
                at=t0 + hours(3),
                facts={"budget": "40k"},
            )
