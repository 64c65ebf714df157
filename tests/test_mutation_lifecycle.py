"""The lifecycle's promises pinned down for mutation testing: what its errors say and carry,
how replay keeps the high-water mark, its diagram and its hash.

Every library value is built inside a test, never at import: mutmut's workers import the
library (and this module) before they switch a mutant on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone

import pytest

import smarketing as sm
from smarketing.facts import fact_view

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
NAIVE = datetime(2026, 1, 5, 9, 0)


def branching() -> sm.Lifecycle:
    """Stage ``a`` with three ways out: ``x`` (two guards), ``y`` (one) and ``z`` (none);
    ``finish`` (automatic, needing a reason) ends in the terminal ``done``."""
    f = sm.field
    return sm.Lifecycle(
        stages=["a", "b", "c", "d", sm.Stage("done", terminal=True)],
        initial="a",
        transitions=[
            sm.Transition("x", "a", "b", when=(f("p") > 0) & (f("r") > 0)),
            sm.Transition("y", "a", "c", when=f("q") > 0),
            sm.Transition("z", "a", "d"),
            sm.Transition("finish", ["b", "c", "d"], "done", auto=True, requires_reason=True),
        ],
    )


def at_a() -> sm.Lead:
    return sm.Lead.new("L-1", at=T0, stage="a")


# --- _not_a_move: a trigger that does not leave the lead's stage -------------------------------


class TestNotAMove:
    def test_the_allowed_triggers_read_the_callers_facts(self) -> None:
        """The triggers offered instead are those the lead's facts, with the caller's layered
        over them, let through."""
        with pytest.raises(sm.TransitionError) as info:
            branching().fire(at_a(), "finish", at=T0, facts={"q": 1})
        assert str(info.value) == (
            "lead 'L-1' is in stage 'a', where 'finish' does not apply; allowed now: y, z."
        )
        assert info.value.allowed == ("y", "z")
        assert (info.value.lead_id, info.value.stage, info.value.trigger) == ("L-1", "a", "finish")

    def test_an_unknown_trigger_lists_every_trigger(self) -> None:
        """A trigger the lifecycle does not have lists the lifecycle's triggers, sorted."""
        with pytest.raises(sm.TransitionError) as info:
            branching().fire(at_a(), "nope", at=T0, facts={"q": 1})
        assert str(info.value) == (
            "lead 'L-1': 'nope' is not a trigger of this lifecycle "
            "(triggers: finish, x, y, z); allowed now: y, z."
        )
        assert info.value.allowed == ("y", "z")

    def test_nothing_allowed_is_said_so(self) -> None:
        """In a terminal stage nothing is allowed, and the message says "none"."""
        lc = branching()
        done = lc.fire(lc.fire(at_a(), "z", at=T0), "finish", at=T0, reason="closed")
        with pytest.raises(sm.TransitionError) as info:
            lc.fire(done, "x", at=T0)
        assert str(info.value) == (
            "lead 'L-1' is in stage 'done', where 'x' does not apply; allowed now: none."
        )
        assert info.value.allowed == ()


# --- _rejected: a guard that does not hold ------------------------------------------------------


class TestRejected:
    def test_every_failed_condition_and_missing_fact_is_named(self) -> None:
        """The rejection lists each failed condition and each missing fact, and the triggers
        the caller's facts allow; its attributes carry the same."""
        with pytest.raises(sm.GuardRejected) as info:
            branching().fire(at_a(), "x", at=T0, facts={"q": 1})
        error = info.value
        assert str(error) == (
            "lead 'L-1' in stage 'a': 'x' was rejected; not holding: p > 0; r > 0 "
            "(missing facts: p, r); allowed now: y, z."
        )
        assert (error.lead_id, error.stage, error.trigger) == ("L-1", "a", "x")
        assert error.allowed == ("y", "z")
        assert error.failed == ("p > 0", "r > 0")
        assert error.missing == ("p", "r")

    def test_without_missing_facts_none_are_mentioned(self) -> None:
        """Facts that are known but fail leave the missing-facts note out."""
        with pytest.raises(sm.GuardRejected) as info:
            branching().fire(at_a(), "x", at=T0, facts={"p": 0, "r": 0})
        assert str(info.value) == (
            "lead 'L-1' in stage 'a': 'x' was rejected; not holding: p > 0; r > 0; allowed now: z."
        )
        assert info.value.missing == ()
        assert info.value.allowed == ("z",)

    def test_nothing_allowed_is_said_so(self) -> None:
        """A rejected lead with nowhere else to go is told "none"."""
        lc = sm.Lifecycle(
            stages=["a", "b"],
            initial="a",
            transitions=[sm.Transition("x", "a", "b", when=sm.field("p") > 0)],
        )
        with pytest.raises(sm.GuardRejected) as info:
            lc.fire(at_a(), "x", at=T0, facts={"p": 0})
        assert str(info.value) == (
            "lead 'L-1' in stage 'a': 'x' was rejected; not holding: p > 0; allowed now: none."
        )
        assert info.value.allowed == ()


# --- replay ------------------------------------------------------------------------------------


class TestReplay:
    def test_entering_the_main_path_from_a_side_stage_raises_high_water(self) -> None:
        """A lead created in a side stage (its high water off the main path) that replays a
        move onto the main path has that stage as its high water."""
        lc = sm.Lifecycle.default()
        lead = sm.Lead.new("L-1", at=T0, stage="recycled")
        change = sm.StageChange("recycled", "prospect", "reengage", T0 + timedelta(hours=1))
        replayed = lc.replay(lead, [change])
        assert (replayed.stage, replayed.high_water) == ("prospect", "prospect")
        assert replayed == lc.fire(lead, "reengage", at=T0 + timedelta(hours=1))

    def test_entering_the_initial_stage_from_a_side_stage_raises_high_water(self) -> None:
        """Even the first stage of the main path (rank 0) beats a side stage."""
        lc = sm.Lifecycle.default()
        lead = sm.Lead.new("L-1", at=T0, stage="disqualified")
        change = sm.StageChange("disqualified", "suspect", "reopen", T0)
        assert lc.replay(lead, [change]).high_water == "suspect"

    def test_something_else_than_a_change_is_named(self) -> None:
        """A history item that is not a StageChange names the lead and the item's place."""
        lc = sm.Lifecycle.default()
        lead = sm.Lead.new("L-1", at=T0)
        with pytest.raises(sm.ValidationError) as info:
            lc.replay(lead, [("suspect", "prospect")])  # type: ignore[list-item]
        assert str(info.value) == (
            "lead 'L-1', change 1: expected a StageChange (got ('suspect', 'prospect'))."
        )
        assert info.value.value == ("suspect", "prospect")
        assert info.value.where == "lead 'L-1', change 1"
        assert info.value.expected == "StageChange"

    def test_an_impossible_move_is_named(self) -> None:
        """A change the lifecycle has no trigger for carries the change, its place and what
        was expected."""
        lc = sm.Lifecycle.default()
        lead = sm.Lead.new("L-1", at=T0)
        good = sm.StageChange("suspect", "prospect", "engage", T0)
        bad = sm.StageChange("prospect", "customer", "win", T0)
        with pytest.raises(sm.ValidationError) as info:
            lc.replay(lead, [good, bad])
        assert str(info.value) == (
            "lead 'L-1', change 2 (prospect -> customer): 'win' does not lead from "
            "'prospect' to 'customer' in this lifecycle."
        )
        assert info.value.value is bad
        assert info.value.where == "lead 'L-1', change 2"
        assert info.value.expected == "a valid move"


# --- stale, to_mermaid, __hash__ ----------------------------------------------------------------


class TestStale:
    def test_a_naive_time_names_the_lead_and_the_call(self) -> None:
        """stale(at=naive) says which lead and which call it was."""
        lc = sm.Lifecycle.default(max_age={"suspect": timedelta(days=1)})
        with pytest.raises(sm.ValidationError) as info:
            lc.stale(sm.Lead.new("L-3", at=T0), at=NAIVE)
        where = "lead 'L-3': stale(at=...)"
        assert str(info.value).startswith(f"{where} must be timezone-aware")
        assert info.value.where == where


class TestMermaid:
    def test_the_diagram_of_a_small_lifecycle(self) -> None:
        """Each move is a line, its notes (auto, reason) in brackets only when it has some,
        and each terminal stage ends in [*]."""
        assert branching().to_mermaid() == (
            "stateDiagram-v2\n"
            "    [*] --> a\n"
            "    a --> b : x\n"
            "    a --> c : y\n"
            "    a --> d : z\n"
            "    b --> done : finish (auto, reason)\n"
            "    c --> done : finish (auto, reason)\n"
            "    d --> done : finish (auto, reason)\n"
            "    done --> [*]\n"
        )


class TestHash:
    def test_lifecycles_hash_by_their_definition(self) -> None:
        """Equal definitions hash alike and different ones apart, so lifecycles spread over
        a dict's slots."""
        assert hash(branching()) == hash(branching())
        assert hash(sm.Lifecycle.default()) == hash(sm.Lifecycle.default())
        assert hash(branching()) != hash(sm.Lifecycle.default())


# --- stage and _moves: naming a stage, and checking the lead given ------------------------------


class TestStageLookUp:
    def test_an_unknown_name_lists_the_stages(self) -> None:
        """stage(name) of a name the lifecycle lacks lists its stages and carries the name."""
        with pytest.raises(sm.ValidationError) as info:
            branching().stage("e")
        assert str(info.value) == "'e' is not a stage of this lifecycle (stages: a, b, c, d, done)."
        assert info.value.value == "e"
        assert info.value.where == "stage"
        assert info.value.expected == "a stage name"

    def test_a_name_that_is_not_text_is_refused_as_unknown(self) -> None:
        """A list (unhashable) or a number is no stage name: the same ValidationError."""
        for bad in (["a"], 3):
            with pytest.raises(sm.ValidationError) as info:
                branching().stage(bad)  # type: ignore[arg-type]
            assert str(info.value) == (
                f"{bad!r} is not a stage of this lifecycle (stages: a, b, c, d, done)."
            )
            assert info.value.value == bad


class TestTheLeadGiven:
    @pytest.mark.parametrize("method", ["allowed", "advance", "replay", "stale"])
    def test_something_else_than_a_lead_is_named_with_the_call(self, method: str) -> None:
        """Each entry point refuses a non-Lead with a ValidationError naming the call."""
        lc = sm.Lifecycle.default()
        calls: dict[str, Callable[[], object]] = {
            "allowed": lambda: lc.allowed("L-1"),  # type: ignore[arg-type]
            "advance": lambda: lc.advance("L-1", at=T0),  # type: ignore[arg-type]
            "replay": lambda: lc.replay("L-1", []),  # type: ignore[arg-type]
            "stale": lambda: lc.stale("L-1", at=T0),  # type: ignore[arg-type]
        }
        with pytest.raises(sm.ValidationError) as info:
            calls[method]()
        where = f"Lifecycle.{method}(lead)"
        assert str(info.value) == f"{where} must be a Lead (got 'L-1')."
        assert info.value.value == "L-1"
        assert info.value.where == where
        assert info.value.expected == "a Lead"

    def test_a_lead_of_another_lifecycle_is_named_with_its_stage(self) -> None:
        """A lead in a stage the lifecycle lacks names the lead, its stage and the stages."""
        with pytest.raises(sm.ValidationError) as info:
            branching().allowed(sm.Lead.new("L-1", at=T0))
        assert str(info.value) == (
            "lead 'L-1' is in stage 'suspect', which is not a stage of this lifecycle "
            "(stages: a, b, c, d, done)."
        )
        assert info.value.value == "suspect"
        assert info.value.where == "lead 'L-1'.stage"


# --- allowed and fire: what they read and what they check ---------------------------------------


def by_department() -> sm.Lifecycle:
    return sm.Lifecycle(
        stages=["a", "b"],
        initial="a",
        transitions=[sm.Transition("route", "a", "b", when=sm.field("department") == "sales")],
    )


class TestAllowedReadsOwnFacts:
    def test_guards_do_not_derive_facts_from_the_title(self) -> None:
        """allowed() reads the lead's own facts and the caller's, not the department a job
        title implies (as fire does: the two always agree)."""
        lc = by_department()
        lead = sm.Lead.new("L-1", at=T0, stage="a", fields={"job_title": "VP Sales"})
        assert fact_view(lead)["department"] == "sales"  # what deriving would give
        assert lc.allowed(lead) == ()
        with pytest.raises(sm.GuardRejected):
            lc.fire(lead, "route", at=T0)
        assert lc.allowed(lead, {"department": "sales"}) == ("route",)

    def test_the_rejection_reads_the_facts_the_guard_read(self) -> None:
        """The rejection says what the guard saw: no department (none is derived), though
        the title implies one."""
        lead = sm.Lead.new("L-1", at=T0, stage="a", fields={"job_title": "VP Sales"})
        with pytest.raises(sm.GuardRejected) as info:
            by_department().fire(lead, "route", at=T0)
        assert info.value.failed == ("department == 'sales'",)
        assert info.value.missing == ("department",)


class TestFireChecks:
    def test_something_else_than_a_lead_is_named_with_the_call(self) -> None:
        """fire refuses a non-Lead with a ValidationError naming fire."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lifecycle.default().fire("L-1", "engage", at=T0)  # type: ignore[arg-type]
        assert str(info.value) == "Lifecycle.fire(lead) must be a Lead (got 'L-1')."
        assert info.value.where == "Lifecycle.fire(lead)"
        assert info.value.expected == "a Lead"

    def test_a_naive_time_names_the_lead_and_the_call(self) -> None:
        """fire(at=naive) names the lead, the call and the time."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lifecycle.default().fire(sm.Lead.new("L-1", at=T0), "engage", at=NAIVE)
        where = "lead 'L-1': fire(at=...)"
        assert str(info.value).startswith(f"{where} must be timezone-aware (got the naive")
        assert info.value.value == NAIVE
        assert info.value.where == where

    def test_a_time_written_as_text_is_refused(self) -> None:
        """fire(at="...") is a ValidationError, not an AttributeError."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lifecycle.default().fire(
                sm.Lead.new("L-1", at=T0),
                "engage",
                at="2026-01-06",  # type: ignore[arg-type]
            )
        assert str(info.value) == (
            "lead 'L-1': fire(at=...) must be a timezone-aware datetime (got '2026-01-06')."
        )

    def test_a_trigger_that_is_not_text_is_refused(self) -> None:
        """A trigger that is not text is a ValidationError naming the lead, not a
        TransitionError about an unknown trigger."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lifecycle.default().fire(sm.Lead.new("L-1", at=T0), 5, at=T0)  # type: ignore[arg-type]
        where = "lead 'L-1': fire(trigger)"
        assert str(info.value) == f"{where} must be a trigger name (text) (got 5)."
        assert info.value.value == 5
        assert info.value.where == where
        assert info.value.expected == "a trigger name (text)"

    def test_a_time_before_the_last_change_carries_the_time(self) -> None:
        """Firing earlier than the lead's last change names the lead and carries the time."""
        lc = sm.Lifecycle.default()
        lead = lc.fire(sm.Lead.new("L-1", at=T0), "engage", at=T0 + timedelta(hours=2))
        early = T0 + timedelta(hours=1)
        with pytest.raises(sm.ValidationError) as info:
            lc.fire(lead, "disqualify", at=early, reason="spam")
        assert str(info.value) == (
            f"lead 'L-1': 'disqualify' at {early.isoformat()} is earlier than the lead's last "
            f"change at {(T0 + timedelta(hours=2)).isoformat()}; "
            "stage changes are recorded in time order."
        )
        assert info.value.value == early
        assert info.value.where == "lead 'L-1'.fire(at=...)"

    @pytest.mark.parametrize(("reason", "shown"), [(None, None), ("", ""), ("   ", None)])
    def test_a_missing_reason_carries_what_was_given(
        self, reason: str | None, shown: str | None
    ) -> None:
        """A trigger that needs a reason, fired without one, names the trigger and carries the
        reason given; blanks count as none at all."""
        lc = sm.Lifecycle.default()
        with pytest.raises(sm.ValidationError) as info:
            lc.fire(sm.Lead.new("L-1", at=T0), "disqualify", at=T0, reason=reason)
        assert str(info.value) == f"lead 'L-1': 'disqualify' needs a reason (got {shown!r})."
        assert info.value.value == shown
        assert info.value.where == "disqualify(reason=...)"


class TestAdvanceChecks:
    def test_a_naive_time_names_the_lead_and_the_call(self) -> None:
        """advance(at=naive) names the lead and the call."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lifecycle.default().advance(sm.Lead.new("L-4", at=T0), at=NAIVE)
        where = "lead 'L-4': advance(at=...)"
        assert str(info.value).startswith(f"{where} must be timezone-aware (got the naive")
        assert info.value.where == where

    def test_automatic_gates_do_not_derive_facts_from_the_title(self) -> None:
        """advance reads the lead's own facts and the caller's, not the department a job
        title implies."""
        lc = sm.Lifecycle(
            stages=["a", "b"],
            initial="a",
            transitions=[sm.Transition("route", "a", "b", auto=sm.field("department") == "sales")],
        )
        lead = sm.Lead.new("L-1", at=T0, stage="a", fields={"job_title": "VP Sales"})
        assert lc.advance(lead, at=T0) is lead
        moved = lc.advance(lead, at=T0, facts={"department": "sales"})
        assert (moved.stage, [c.trigger for c in moved.history]) == ("b", ["route"])

    def test_a_loop_away_from_the_start_is_left_after_one_turn(self) -> None:
        """No stage is entered twice in one advance, also on a loop that does not pass the
        lead's own stage: a -> b -> c, then c -> b is refused and c -> d taken."""
        go = sm.field("go") == 1
        lc = sm.Lifecycle(
            stages=["a", "b", "c", "d"],
            initial="a",
            transitions=[
                sm.Transition("start", "a", "b", auto=go),
                sm.Transition("on", "b", "c", auto=go),
                sm.Transition("back", "c", "b", auto=go),
                sm.Transition("out", "c", "d", auto=go),
            ],
        )
        facts = CountedFacts({"go": 1}, limit=200)
        moved = lc.advance(sm.Lead.new("L-1", at=T0, stage="a"), at=T0, facts=facts)
        assert [c.trigger for c in moved.history] == ["start", "on", "out"]
        assert moved.stage == "d"


class CountedFacts(Mapping[str, object]):
    """Caller's facts that fail the test once read ``limit`` times (a loop that never ends)."""

    def __init__(self, facts: dict[str, object], *, limit: int) -> None:
        self._facts, self._limit, self.reads = facts, limit, 0

    def __getitem__(self, name: str) -> object:
        self.reads += 1
        if self.reads > self._limit:
            raise AssertionError("advance kept reading the facts: it does not stop")
        return self._facts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)


# --- the parts: stage names, transitions, sources, the automatic condition ---------------------


class TestParts:
    @pytest.mark.parametrize(
        ("build", "where", "piece"),
        [
            (lambda: sm.Stage("1st"), "Stage.name", "1st"),
            (
                lambda: sm.Lifecycle(stages=["a", "b"], initial="9x", transitions=[]),
                "Lifecycle.initial",
                "9x",
            ),
        ],
    )
    def test_a_bad_stage_name_names_its_key_and_piece(
        self, build: Callable[[], object], where: str, piece: str
    ) -> None:
        with pytest.raises(sm.ConfigError) as info:
            build()
        assert str(info.value) == (
            f"{where} must be a stage name (letters, digits, '_' or '-', starting with a "
            f"letter), got {piece!r}."
        )
        assert (info.value.key, info.value.piece) == (where, piece)

    def test_a_transition_that_is_not_one_is_named(self) -> None:
        with pytest.raises(sm.ConfigError) as info:
            sm.Lifecycle(stages=["a", "b"], initial="a", transitions=[1])  # type: ignore[list-item]
        assert str(info.value) == "1 is not a Transition."
        assert (info.value.key, info.value.piece) == ("transitions", 1)

    def test_a_source_that_is_not_a_name_says_where(self) -> None:
        with pytest.raises(sm.ConfigError) as info:
            sm.Transition("go", 5, "b")  # type: ignore[arg-type]
        assert str(info.value) == (
            "Transition.source must be a stage name or a list of stage names (got 5)."
        )
        assert info.value.where == "Transition.source"

    def test_the_automatic_condition_is_the_guard_and_the_gate(self) -> None:
        f = sm.field
        both = sm.Transition("go", "a", "b", when=f("p") > 0, auto=f("q") > 0)
        assert both.auto_condition() == ((f("p") > 0) & (f("q") > 0))
        gate_only = sm.Transition("go", "a", "b", auto=f("q") > 0)
        assert gate_only.auto_condition() == (f("q") > 0)
        guard_only = sm.Transition("go", "a", "b", when=f("p") > 0, auto=True)
        assert guard_only.auto_condition() == (f("p") > 0)


class TestDefinitionErrors:
    def test_unreachable_stages_are_listed_with_their_key(self) -> None:
        with pytest.raises(sm.ConfigError) as many:
            sm.Lifecycle(stages=["a", "b", "c"], initial="a", transitions=[])
        assert str(many.value) == "no trigger leads from 'a' to the stages 'b', 'c'."
        assert (many.value.key, many.value.piece) == ("stages", "b")
        with pytest.raises(sm.ConfigError) as one:
            sm.Lifecycle(
                stages=["a", "b", "c"], initial="a", transitions=[sm.Transition("go", "a", "b")]
            )
        assert str(one.value) == "no trigger leads from 'a' to the stage 'c'."

    def test_an_unknown_max_age_stage_is_named_with_the_stages(self) -> None:
        day = timedelta(days=1)
        with pytest.raises(sm.ConfigError) as info:
            sm.Lifecycle.default(max_age={"zz": day, "aa": day})
        assert str(info.value) == (
            "max_age names the unknown stage 'aa' (stages: suspect, prospect, mql, sql, "
            "customer, recycled, disqualified)."
        )
        assert (info.value.key, info.value.piece) == ("max_age", "aa")

    def test_the_default_closes_customer_and_disqualified_only(self) -> None:
        closed = {s.name for s in sm.Lifecycle.default().stages if s.closed}
        assert closed == {"customer", "disqualified"}

    def test_advance_names_itself_for_what_is_not_a_lead(self) -> None:
        with pytest.raises(sm.ValidationError) as info:
            sm.Lifecycle.default().advance("L-1", at=T0)  # type: ignore[arg-type]
        assert str(info.value) == "Lifecycle.advance(lead) must be a Lead (got 'L-1')."
