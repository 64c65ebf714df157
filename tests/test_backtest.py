"""Backtests: recorded leads replayed exactly under a baseline and a candidate playbook."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import cache

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smarketing as sm
from smarketing.demo import DEFAULT_START, Simulation, population, simulate

T0 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
KINDS = (
    "demo_request",
    "page_view",
    "webinar",
    "event_visit",
    "content_download",
    "email_click",
    "email_open",
    "unsubscribe",
)


@cache
def playbook(threshold: int = 50) -> sm.Playbook:
    """The default playbook with its MQL threshold on the score set to ``threshold``."""
    if threshold == 50:
        return sm.Playbook.default()
    mql = f"score >= {threshold} and grade in ('A', 'B')"
    return sm.Playbook.from_dict({"lifecycle": {"mql": mql}})


@pytest.fixture(scope="module")
def sim() -> Simulation:
    """A small demo: 600 leads over 120 days, run by the default playbook."""
    return simulate(population(600, seed=5, start=DEFAULT_START, days=120), seed=5)


def against(sim: Simulation, candidate: sm.Playbook) -> sm.Backtest:
    """The demo's default playbook (the baseline) against ``candidate`` over the demo."""
    return sm.backtest(
        sim.leads,
        sim.activities,
        baseline=sim.playbook,
        candidate=candidate,
        start=sim.start,
        end=sim.end,
    )


def _few(sim: Simulation, candidate: sm.Playbook) -> sm.Backtest:
    """The default playbook against ``candidate`` over the demo's first 150 leads."""
    leads = sim.leads[:150]
    ids = {lead.id for lead in leads}
    acts = [a for a in sim.activities if a.lead_id in ids]
    return sm.backtest(
        leads, acts, baseline=sim.playbook, candidate=candidate, start=sim.start, end=sim.end
    )


@pytest.fixture(scope="module")
def stricter(sim: Simulation) -> sm.Backtest:
    return against(sim, playbook(65))


@pytest.fixture(scope="module")
def itself(sim: Simulation) -> sm.Backtest:
    return against(sim, sim.playbook)


def _automatic_mql(lead: sm.Lead) -> datetime | None:
    first = next((c for c in lead.history if c.to_stage == "mql"), None)
    assert first is None or first.actor == "auto"
    return None if first is None else first.at


class TestFaithfulReplay:
    def test_the_default_playbook_reproduces_the_demos_mqls(
        self, sim: Simulation, itself: sm.Backtest
    ) -> None:
        """Replaying the playbook that made the history gives every automatic MQL, exactly."""
        bt = itself
        assert len(bt.leads) == len(sim.leads)
        recorded = {lead.id: _automatic_mql(lead) for lead in sim.leads}
        assert sum(t is not None for t in recorded.values()) > 50
        assert {r.lead_id: r.baseline for r in bt.leads} == recorded
        assert {r.lead_id: r.candidate for r in bt.leads} == recorded
        assert bt.changed == ()
        assert bt.baseline == bt.candidate
        assert bt.baseline.median_days_gained == 0
        assert bt.mqls.baseline == sum(1 for t in recorded.values() if t is not None)

    def test_every_recorded_sql_was_an_mql_first(self, itself: sm.Backtest) -> None:
        """Against itself the baseline captures every recorded SQL: recall is 1."""
        bt = itself
        assert bt.sqls > 0
        assert bt.recall.baseline == 1.0
        assert bt.baseline.customer_recall == 1.0
        assert bt.precision.baseline == bt.captured.baseline / bt.mqls.baseline


class TestStricterDefinition:
    def test_fewer_mqls_with_a_higher_sql_rate(self, stricter: sm.Backtest) -> None:
        """A higher threshold makes fewer MQLs, and more of them become SQLs."""
        assert stricter.mqls.candidate < stricter.mqls.baseline
        assert stricter.precision.candidate is not None
        assert stricter.precision.baseline is not None
        assert stricter.precision.candidate > stricter.precision.baseline
        assert stricter.recall.candidate is not None
        assert stricter.recall.candidate < 1.0

    def test_it_names_what_was_lost(self, stricter: sm.Backtest) -> None:
        """The lost MQLs are listed, with the recorded SQLs among them counted."""
        lost = stricter.lost
        assert lost and stricter.gained == ()
        assert len(lost) == stricter.mqls.baseline - stricter.mqls.candidate
        assert sum(x.sql for x in lost) == stricter.captured.baseline - stricter.captured.candidate
        by_id = {r.lead_id: r for r in stricter.leads}
        for x in lost:
            assert x.baseline == by_id[x.lead_id].baseline is not None
            assert x.candidate is None and x.days is None
        for x in stricter.changed:
            # A stricter threshold can only qualify a lead later, never earlier.
            assert x.days is None or x.days <= 0
        text = stricter.to_markdown(limit=3)
        assert f"{len(lost):,} lost" in text and lost[0].lead_id in text

    def test_scores_at_the_recorded_mql_date(self, stricter: sm.Backtest) -> None:
        """Both playbooks score the same leads at the recorded date; the scores agree here."""
        for r in stricter.leads:
            assert (r.baseline_score is None) == (r.recorded is None)
            assert r.baseline_score == r.candidate_score
        assert stricter.baseline.median_score_at_recorded is not None

    def test_by_source_adds_up(self, stricter: sm.Backtest) -> None:
        """Sub-backtests per source, persona and grade add up to the whole."""
        for dimension in ("source", "persona", "grade"):
            parts = stricter.by(dimension)  # type: ignore[arg-type]
            assert sum(p.mqls.candidate for p in parts.values()) == stricter.mqls.candidate
            assert sum(len(p.leads) for p in parts.values()) == len(stricter.leads)
        with pytest.raises(sm.ValidationError, match="'persona', 'source' or 'grade'"):
            stricter.by("colour")  # type: ignore[arg-type]

    def test_to_dict_is_json_data(self, stricter: sm.Backtest) -> None:
        """The result is plain data: times as text, figures as numbers."""
        data = stricter.to_dict()
        again = json.loads(json.dumps(data))
        assert again["candidate"]["mqls"] == stricter.mqls.candidate
        assert again["leads"][0]["lead_id"] == stricter.leads[0].lead_id
        assert "_inputs" not in again and "inputs" not in again
        assert sm.to_dict(stricter) == data


class TestSweep:
    def test_the_sweep_equals_one_backtest_per_threshold(
        self, sim: Simulation, stricter: sm.Backtest
    ) -> None:
        """Each row is what a backtest with that threshold gives."""
        thresholds = [40, 55, 65, 80]
        sweep = stricter.sweep("score", thresholds)
        assert [r.threshold for r in sweep.rows] == thresholds
        for row in sweep.rows:
            alone = against(sim, playbook(int(row.threshold)))
            assert (row.mqls, row.captured, row.customers) == (
                alone.mqls.candidate,
                alone.captured.candidate,
                alone.candidate.customers,
            )
            assert row.sql_rate == alone.precision.candidate
        volumes = [r.mqls for r in sweep.rows]
        assert volumes == sorted(volumes, reverse=True)
        assert "| score >= |" in sweep.to_markdown()
        assert sweep.to_dict()["rows"][0]["threshold"] == 40

    def test_a_fact_the_definition_does_not_compare_is_an_error(
        self, stricter: sm.Backtest
    ) -> None:
        """Sweeping a fact the MQL definition never compares says what it reads."""
        with pytest.raises(sm.ValidationError, match="compares no 'fit'"):
            stricter.sweep("fit", [10, 20])
        with pytest.raises(sm.ValidationError, match="finite numbers"):
            stricter.sweep("score", [float("nan")])

    def test_a_threshold_under_not_is_replayed_per_threshold(self, sim: Simulation) -> None:
        """A swept comparison under `not` (a higher threshold qualifies more): each row is
        still what a backtest with that threshold gives."""

        def candidate(fit: object) -> sm.Playbook:
            return sm.Playbook.from_dict(
                {"lifecycle": {"mql": f"score >= 40 and not (fit > {fit})"}}
            )

        thresholds = [0, 15, 30]
        sweep = _few(sim, candidate(20)).sweep("fit", thresholds)
        rows = [(r.threshold, r.mqls, r.captured, r.customers) for r in sweep.rows]
        alone = [_few(sim, candidate(t)) for t in thresholds]
        assert rows == [
            (t, b.mqls.candidate, b.captured.candidate, b.candidate.customers)
            for t, b in zip(thresholds, alone, strict=True)
        ]
        assert rows[0][1] < rows[-1][1]

    def test_an_mql_definition_on_the_auto_gate_is_swept_alike(self, sim: Simulation) -> None:
        """A threshold in a transition's `auto` condition is swept as one in its `when`."""
        default = playbook()
        gated = [
            sm.Transition(t.trigger, list(t.source), t.dest, when=sm.always(), auto=t.when)
            if t.trigger == "qualify"
            else t
            for t in default.lifecycle.transitions
        ]
        lc = default.lifecycle
        on_auto = attrs.evolve(
            default,
            lifecycle=sm.Lifecycle(stages=lc.stages, initial=lc.initial, transitions=gated),
        )
        thresholds = [40, 60]
        assert _few(sim, on_auto).sweep("score", thresholds) == _few(sim, default).sweep(
            "score", thresholds
        )

    def test_a_backtest_read_back_from_data_cannot_sweep(self, stricter: sm.Backtest) -> None:
        """Swept thresholds need the replayed leads, which the data does not keep."""
        again = sm.from_dict(sm.Backtest, stricter.to_dict())
        assert again == stricter
        with pytest.raises(sm.ValidationError) as info:
            again.sweep("score", [40])
        assert str(info.value) == (
            "this backtest was rebuilt from data; sweep() needs the leads it replayed."
        )
        assert (info.value.where, info.value.expected) == ("Backtest.sweep", "a replay")
        by_source = again.by("source")
        assert sum(len(b.leads) for b in by_source.values()) == len(stricter.leads)
        with pytest.raises(sm.ValidationError, match="rebuilt from data"):
            next(iter(by_source.values())).sweep("score", [40])

    def test_no_thresholds_is_an_error(self, stricter: sm.Backtest) -> None:
        """A sweep over nothing is refused, naming the argument."""
        with pytest.raises(sm.ValidationError) as info:
            stricter.sweep("score", [])
        assert str(info.value) == "sweep() needs at least one threshold."
        assert (info.value.value, info.value.where) == ([], "sweep(thresholds)")


# --- exactness against a brute-force grid ---------------------------------------------------------


def _lead(facts: dict[str, object], stage: str = "suspect") -> sm.Lead:
    return sm.Lead.new("L-1", at=T0, fields=facts, stage=stage)


FACTS = st.fixed_dictionaries(
    {"industry": st.sampled_from(["software", "fintech", "retail"])},
    optional={
        "company_size": st.sampled_from([8, 120, 9000]),
        "job_title": st.sampled_from(["VP Marketing", "Student", "Sales Manager"]),
        "country": st.sampled_from(["US", "BR"]),
    },
)
ACTIVITIES = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 20 * 86_400), st.booleans()),
    max_size=6,
)


def _activities(drawn: list[tuple[str, int, bool]]) -> list[sm.Activity]:
    out = []
    for kind, seconds, pricing in drawn:
        props = {"url": "/pricing" if pricing else "/blog"} if kind == "page_view" else {}
        out.append(sm.Activity("L-1", kind, T0 + timedelta(seconds=seconds), props))
    return sorted(out, key=lambda a: a.at)


def _moves(pb: sm.Playbook, lead: sm.Lead, acts: list[sm.Activity], at: datetime) -> bool:
    return pb.advance(lead, acts, at=at) != lead


def _first_instant_after_the_last_activity(
    pb: sm.Playbook, lead: sm.Lead, drawn: list[tuple[str, int, bool]]
) -> None:
    """After the last activity, decay alone: the instant next_move finds holds, the
    microsecond before does not, and no point of a fine grid (every 2 hours) holds earlier."""
    acts = _activities(drawn)
    after = (acts[-1].at if acts else T0) + timedelta(microseconds=1)
    before = after + timedelta(days=40)
    found = sm.next_move(pb, lead, acts, after=after, before=before)
    grid = [after + timedelta(hours=h) for h in range(0, 40 * 24, 2)]
    first_grid = next((t for t in grid if _moves(pb, lead, acts, t)), None)
    if found is None:
        assert first_grid is None
        return
    assert after <= found < before
    assert _moves(pb, lead, acts, found)
    if found > after:
        assert not _moves(pb, lead, acts, found - timedelta(microseconds=1))
    assert first_grid is None or found <= first_grid


class TestExactness:
    @settings(max_examples=60, deadline=None)
    @given(FACTS, ACTIVITIES, st.sampled_from([30, 45, 60]))
    def test_next_move_is_the_first_instant_and_never_late(
        self, facts: dict[str, object], drawn: list[tuple[str, int, bool]], threshold: int
    ) -> None:
        """After the last activity, decay alone: the instant found holds, the one before does
        not, and no point of a fine grid holds earlier."""
        pb = playbook(threshold)
        _first_instant_after_the_last_activity(pb, _lead(facts, stage="prospect"), drawn)

    @settings(max_examples=60, deadline=None)
    @given(FACTS, ACTIVITIES, st.sampled_from([10, 30, 45, 60]))
    def test_a_score_falling_below_a_threshold_is_found_to_the_microsecond(
        self, facts: dict[str, object], drawn: list[tuple[str, int, bool]], threshold: int
    ) -> None:
        """A way out of MQL when the score falls below a threshold: as decay lowers the score,
        the instant found holds, the microsecond before does not, no point of a fine grid holds
        earlier (the search splits intervals down to a microsecond near the threshold)."""
        pb = _cooling(threshold)
        _first_instant_after_the_last_activity(pb, _lead(facts, stage="mql"), drawn)

    @settings(max_examples=60, deadline=None)
    @given(FACTS, ACTIVITIES, st.sampled_from([30, 45, 60]))
    def test_the_replayed_mql_is_exact(
        self, facts: dict[str, object], drawn: list[tuple[str, int, bool]], threshold: int
    ) -> None:
        """The replay's MQL instant holds, and a brute-force walk over a fine grid and every
        event never qualifies the lead earlier."""
        pb = playbook(threshold)
        acts = _activities(drawn)
        lead = _lead(facts)
        end = T0 + timedelta(days=30)
        bt = sm.backtest([lead], acts, baseline=pb, candidate=pb, start=T0, end=end)
        found = bt.leads[0].baseline
        moments = {T0 + timedelta(hours=h) for h in range(0, 30 * 24, 3)}
        moments.update(a.at for a in acts)
        walked, oracle = lead, None
        for t in sorted(moments):
            walked = pb.advance(walked, [a for a in acts if a.at <= t], at=t)
            if walked.stage == "mql":
                oracle = t
                break
        if found is None:
            assert oracle is None
            return
        assert oracle is None or found <= oracle
        # At the instant found, the lead (engaged by then) qualifies.
        engaged = next(c.at for c in walked.history if c.to_stage == "prospect") if oracle else None
        assert engaged is None or engaged <= found
        prospect = attrs.evolve(lead, stage="prospect")
        assert _moves(pb, prospect, acts, found)


# --- bad input ----------------------------------------------------------------------------------


class TestBadInput:
    def test_a_history_out_of_time_order_names_the_lead(self) -> None:
        """Stage changes recorded out of time order are a ValidationError naming the lead."""
        lead = _lead({})
        history = (
            sm.StageChange("suspect", "prospect", "engage", T0 + timedelta(days=2)),
            sm.StageChange("prospect", "mql", "qualify", T0 + timedelta(days=1)),
        )
        bad = attrs.evolve(lead, history=history, stage="mql")
        pb = playbook()
        with pytest.raises(sm.ValidationError, match=r"'L-1'.*earlier than the change before"):
            sm.backtest([bad], [], baseline=pb, candidate=pb, start=T0, end=T0)

    def test_a_stage_its_history_does_not_end_in_names_the_lead(self) -> None:
        """A lead said to be an SQL whose recorded changes end in mql is a ValidationError."""
        history = (
            sm.StageChange("suspect", "prospect", "engage", T0 + timedelta(days=1)),
            sm.StageChange("prospect", "mql", "qualify", T0 + timedelta(days=2)),
        )
        bad = attrs.evolve(_lead({}), history=history, stage="sql")
        pb = playbook()
        with pytest.raises(sm.ValidationError) as info:
            sm.backtest([bad], [], baseline=pb, candidate=pb, start=T0, end=T0)
        assert str(info.value) == "lead 'L-1' is in stage 'sql', but its history ends in 'mql'."
        assert (info.value.value, info.value.where) == ("sql", "lead 'L-1'.stage")

    def test_a_stage_the_lifecycle_lacks_names_the_stage(self) -> None:
        """A stage change into a stage the lifecycle lacks is a ValidationError."""
        change = sm.StageChange("suspect", "sal", "accept", T0 + timedelta(days=1))
        bad = attrs.evolve(_lead({}), history=(change,), stage="sal")
        pb = playbook()
        with pytest.raises(sm.ValidationError, match="'sal'"):
            sm.backtest([bad], [], baseline=pb, candidate=pb, start=T0, end=T0)
        with pytest.raises(sm.ValidationError, match="'sal'"):
            sm.backtest(
                [attrs.evolve(_lead({}), stage="sal")],
                [],
                baseline=pb,
                candidate=pb,
                start=T0,
                end=T0,
            )

    def test_activities_of_unknown_leads_are_counted(self) -> None:
        """Activities naming no given lead are counted and named in the result."""
        pb = playbook()
        stray = [sm.Activity("X-9", "webinar", T0), sm.Activity("X-9", "webinar", T0)]
        bt = sm.backtest([_lead({})], stray, baseline=pb, candidate=pb, start=T0, end=T0)
        assert (bt.unknown_activities, bt.unknown_leads) == (2, ("X-9",))
        assert "2 activities name no given lead" in bt.to_markdown()

    def test_other_bad_input_is_rejected(self) -> None:
        """Two leads with one id, a window backwards, items that are not leads or playbooks."""
        pb, lead = playbook(), _lead({})
        with pytest.raises(sm.ValidationError, match="two leads have the id 'L-1'"):
            sm.backtest([lead, lead], [], baseline=pb, candidate=pb, start=T0, end=T0)
        with pytest.raises(sm.ValidationError, match="ends"):
            sm.backtest([lead], [], baseline=pb, candidate=pb, start=T0, end=T0 - timedelta(1))
        with pytest.raises(sm.ValidationError, match="Lead values"):
            sm.backtest(["L-1"], [], baseline=pb, candidate=pb, start=T0, end=T0)  # type: ignore[list-item]
        with pytest.raises(sm.ValidationError, match="Activity values"):
            sm.backtest([lead], ["x"], baseline=pb, candidate=pb, start=T0, end=T0)  # type: ignore[list-item]
        with pytest.raises(sm.ValidationError, match="candidate must be a Playbook"):
            sm.backtest([lead], [], baseline=pb, candidate=None, start=T0, end=T0)  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError, match="needs a Playbook"):
            sm.AutoMoves("default")  # type: ignore[arg-type]


# --- decay that makes the definition hold -------------------------------------------------------


def _wearing_off(
    mql: str = "score >= 50 and grade in ('A', 'B')",
    cap: float | None = 60,
    floor: float | None = 0,
) -> sm.Playbook:
    """A playbook where a complaint's negative points wear off within days, so the score
    rises between events and the definition comes to hold with no new activity."""
    model = sm.ScoringModel(
        fit=[sm.FitRule("software", sm.field("industry") == "software", 45)],
        engagement=[
            sm.EngagementRule("webinar", kind="webinar", points=30),
            sm.EngagementRule("complaint", kind="unsubscribe", points=-40, half_life=timedelta(1)),
            sm.EngagementRule(
                "e-mail open", kind="email_open", points=-15, within=timedelta(days=3)
            ),
        ],
        engagement_cap=cap,
        floor=floor,
    )
    pb = sm.Playbook.default()
    lifecycle = sm.Lifecycle.default(mql=sm.parse_condition(mql), sql=sm.field("budget").exists())
    return attrs.evolve(pb, scoring=model, lifecycle=lifecycle)


@cache
def _cooling(threshold: int) -> sm.Playbook:
    """The default playbook with an automatic way back from MQL to nurture when the score
    falls below ``threshold``: decay alone moves the lead."""
    lc = sm.Playbook.default().lifecycle
    cool = sm.Transition(
        "cool", source=["mql"], dest="recycled", auto=sm.field("score") < threshold
    )
    custom = sm.Lifecycle(stages=lc.stages, initial=lc.initial, transitions=[*lc.transitions, cool])
    return attrs.evolve(sm.Playbook.default(), lifecycle=custom)


class TestDecayCrossings:
    def test_a_wearing_off_penalty_qualifies_the_lead_at_the_exact_instant(self) -> None:
        """The first microsecond at which the score reaches the threshold, found exactly."""
        pb = _wearing_off()
        lead = _lead({"industry": "software"}, stage="prospect")
        acts = [sm.Activity("L-1", "webinar", T0), sm.Activity("L-1", "unsubscribe", T0)]
        found = sm.next_move(pb, lead, acts, after=T0, before=T0 + timedelta(days=30))
        assert found is not None and T0 < found < T0 + timedelta(days=5)
        assert _moves(pb, lead, acts, found)
        assert not _moves(pb, lead, acts, found - timedelta(microseconds=1))
        bt = sm.backtest(
            [_lead({"industry": "software"})],
            acts,
            baseline=pb,
            candidate=pb,
            start=T0,
            end=T0 + timedelta(days=30),
        )
        assert bt.leads[0].baseline == found

    def test_an_activity_leaving_its_window_qualifies_the_lead(self) -> None:
        """A negative activity stops counting the microsecond after its window."""
        pb = _wearing_off("score >= 70 and grade in ('A', 'B')")
        lead = _lead({"industry": "software"}, stage="prospect")
        acts = [sm.Activity("L-1", "webinar", T0), sm.Activity("L-1", "email_open", T0)]
        found = sm.next_move(pb, lead, acts, after=T0, before=T0 + timedelta(days=30))
        assert found == T0 + timedelta(days=3, microseconds=1)

    @pytest.mark.parametrize(
        "mql",
        [
            "between(score, 50, 200) and not (engagement < 10)",
            "score in (50, 60) or (score > 49.5 and fit >= 45)",
            "not (score <= 49.5) and exists(engagement)",
            "score in ('hot', 50, 60) or (score > 49.5 and fit >= 45)",
            "between(score, 50, 51)",
        ],
    )
    @pytest.mark.parametrize(("cap", "floor"), [(60, 0), (None, None)])
    def test_any_shape_of_condition_on_the_score(
        self, mql: str, cap: float | None, floor: float | None
    ) -> None:
        """between, in, not and comparisons all find the same kind of exact instant, with or
        without a cap and a floor on the engagement; a window the score soon rises past too."""
        pb = _wearing_off(mql, cap, floor)
        lead = _lead({"industry": "software"}, stage="prospect")
        acts = [sm.Activity("L-1", "webinar", T0), sm.Activity("L-1", "unsubscribe", T0)]
        found = sm.next_move(pb, lead, acts, after=T0, before=T0 + timedelta(days=30))
        assert found is not None
        assert _moves(pb, lead, acts, found)
        assert not _moves(pb, lead, acts, found - timedelta(microseconds=1))

    def test_nothing_moves_a_lead_the_facts_rule_out(self) -> None:
        """No timer for a lead whose grade rules the definition out, nor after ``before``."""
        pb = _wearing_off()
        acts = [sm.Activity("L-1", "webinar", T0), sm.Activity("L-1", "unsubscribe", T0)]
        retail = _lead({"industry": "retail"}, stage="prospect")
        assert sm.next_move(pb, retail, acts, after=T0, before=T0 + timedelta(30)) is None
        lead = _lead({"industry": "software"}, stage="prospect")
        assert sm.next_move(pb, lead, acts, after=T0, before=T0) is None
        assert sm.next_move(pb, lead, acts, after=T0, before=T0 + timedelta(hours=1)) is None

    def test_the_demo_sets_timers_and_its_replay_still_matches(self) -> None:
        """Under a playbook whose penalties wear off, the demo's timers fire MQLs between
        activities, and the backtest reproduces them."""
        pb = _wearing_off()
        pop = population(300, seed=2, start=DEFAULT_START, days=60)
        sim = simulate(pop, pb, seed=2)
        bt = sm.backtest(
            sim.leads, sim.activities, baseline=pb, candidate=pb, start=sim.start, end=sim.end
        )
        recorded = {lead.id: _automatic_mql(lead) for lead in sim.leads}
        assert {r.lead_id: r.baseline for r in bt.leads} == recorded
        times = {a.at for a in sim.activities}
        between = [t for t in recorded.values() if t is not None and t not in times]
        assert between, "no MQL fired on a timer"

    def test_a_custom_condition_type_on_the_score_is_refused(self) -> None:
        """A condition the backtest cannot read for thresholds is an error, not a guess."""

        @attrs.frozen(repr=False)
        class Odd(sm.Condition):
            def evaluate(self, facts: object) -> bool | None:
                return None

            @property
            def fields(self) -> frozenset[str]:
                return frozenset({"score"})

            def _render(self) -> str:
                return "odd(score)"

        lc = sm.Lifecycle.default(mql=Odd(), sql=sm.field("budget").exists())
        pb = attrs.evolve(sm.Playbook.default(), lifecycle=lc)
        with pytest.raises(sm.ValidationError, match="cannot tell when odd"):
            sm.AutoMoves(pb)
