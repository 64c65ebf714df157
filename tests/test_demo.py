"""The demo's simulation: the default playbook at work on synthetic leads, event by event."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest

import smarketing as sm
from smarketing.demo import (
    DEFAULT_START,
    REPS,
    Simulation,
    funnel_chart,
    population,
    simulate,
    story,
)
from smarketing.demo._simulation import _problem as _problem
from smarketing.funnel import DEFAULT_TOUCH_KINDS


@pytest.fixture(scope="module")
def sim() -> Simulation:
    """One simulation shared by the tests: 1,500 leads over the default 180 days."""
    return simulate(population(1500, seed=11, start=DEFAULT_START), seed=11)


@pytest.fixture(scope="module")
def report(sim: Simulation) -> sm.FunnelReport:
    return sim.report()


class TestSimulation:
    def test_the_same_seed_gives_the_same_simulation(self) -> None:
        """Deterministic: same population and seed, same leads, histories and touches."""
        pop = population(200, seed=3, start=DEFAULT_START, days=60)
        first, second = simulate(pop, seed=3), simulate(pop, seed=3)
        assert first == second
        assert [lead.history for lead in first.leads] == [lead.history for lead in second.leads]
        assert simulate(pop, seed=4) != first

    def test_every_history_replays_through_the_lifecycle(self, sim: Simulation) -> None:
        """Each lead's stage changes are moves the playbook's lifecycle allows, in time order."""
        lc = sim.playbook.lifecycle
        for lead in sim.leads:
            fresh = attrs.evolve(lead, stage="suspect", high_water="suspect", history=())
            rebuilt = lc.replay(fresh, lead.history)
            assert (rebuilt.stage, rebuilt.high_water) == (lead.stage, lead.high_water)
            assert all(lead.created_at <= c.at <= sim.end for c in lead.history)

    def test_the_leads_and_their_order_are_the_populations(self, sim: Simulation) -> None:
        """No lead is lost or added; creation order is kept."""
        pop = population(1500, seed=11, start=DEFAULT_START)
        assert [lead.id for lead in sim.leads] == [lead.id for lead in pop.leads]
        assert sim.start == pop.start and sim.end == pop.end

    def test_counts_add_up(self, sim: Simulation, report: sm.FunnelReport) -> None:
        """Final stages add up to the leads; every customer was an MQL and an SQL first."""
        stages = Counter(lead.stage for lead in sim.leads)
        assert sum(stages.values()) == len(sim.leads) == report.lead_count
        assert report.reached("suspect") == len(sim.leads)
        assert report.reached("customer") == stages["customer"] > 0
        assert report.converted("mql", "customer") == stages["customer"]
        assert report.reached("mql") >= report.reached("sql") >= report.reached("customer")
        for stage in ("prospect", "mql", "sql", "recycled", "disqualified"):
            assert stages[stage] > 0, stage

    def test_only_engage_and_qualify_are_automatic(self, sim: Simulation) -> None:
        """The playbook moves leads to prospect and MQL; people make every other move."""
        for lead in sim.leads:
            for change in lead.history:
                automatic = change.actor == "auto"
                assert automatic == (change.trigger in ("engage", "qualify"))
                if not automatic:
                    assert change.actor is not None
                    assert change.actor.startswith(("sales:", "marketing:"))

    def test_sales_hands_back_and_rules_out_with_reasons(self, sim: Simulation) -> None:
        """Every recycle and disqualify names its reason; profile problems lead to theirs."""
        changes = [c for lead in sim.leads for c in lead.history]
        for change in changes:
            if change.trigger in ("recycle", "disqualify"):
                assert change.reason
        reasons = Counter(c.reason for c in changes if c.trigger == "recycle")
        assert {"no budget", "no authority", "bad timing"} <= set(reasons)

    def test_accepted_leads_know_budget_and_timeline(self, sim: Simulation) -> None:
        """The SQL definition holds: sales learned budget and timeline before accepting."""
        accepted = [x for x in sim.leads if any(c.trigger == "accept" for c in x.history)]
        assert accepted
        for lead in accepted:
            assert lead.value("budget") is not None and lead.value("timeline") is not None
            assert lead.fields["budget"].learned_at <= lead.entered("sql")  # type: ignore[operator]

    def test_mqls_get_a_rep_and_touches_come_after_they_qualify(self, sim: Simulation) -> None:
        """Touches are sales activities by the lead's owner, made after its first MQL entry."""
        reps = {name for name, _ in REPS}
        owners = {lead.id: lead for lead in sim.leads}
        touches = [a for a in sim.activities if a.kind in DEFAULT_TOUCH_KINDS]
        assert touches
        for touch in touches:
            lead = owners[touch.lead_id]
            first_mql = next(c.at for c in lead.history if c.to_stage == "mql")
            assert first_mql < touch.at <= sim.end
            assert touch.properties["rep"] == lead.value("owner") and lead.value("owner") in reps
        mqls = [x for x in sim.leads if x.high_water in ("mql", "sql", "customer")]
        assert all(x.value("owner") in reps for x in mqls)

    def test_sla_breaches_exist_but_not_for_every_lead(self, report: sm.FunnelReport) -> None:
        """Most MQLs are touched in time, some late, a few never."""
        summary = report.sla_summary
        assert summary is not None
        assert 0 < summary.late < summary.met
        assert 0 < summary.unanswered < summary.met
        assert 0 < len(report.sla_breaches) < summary.clocks
        assert len({b.lead_id for b in report.sla_breaches}) < report.reached("mql")

    def test_one_rep_is_slower_than_the_others(self, report: sm.FunnelReport) -> None:
        """The reps differ: their met rates are not all alike."""
        rates = {
            key: sub.sla_summary.met_rate
            for key, sub in report.by("owner").items()
            if key is not None and sub.sla_summary is not None
        }
        assert set(rates) == {name for name, _ in REPS}
        assert min(rates.values()) < max(rates.values())  # type: ignore[type-var]

    def test_some_recycled_leads_come_back(self, sim: Simulation) -> None:
        """Marketing re-engages recycled leads that show interest again after a rest."""
        back = [c for lead in sim.leads for c in lead.history if c.trigger == "reengage"]
        assert back
        assert all(c.actor == "marketing:nurture" for c in back)

    def test_the_activities_are_sorted_and_include_the_population(self, sim: Simulation) -> None:
        """Leads' activities plus the touches, in time order."""
        times = [a.at for a in sim.activities]
        assert times == sorted(times)
        pop = population(1500, seed=11, start=DEFAULT_START)
        assert len(sim.activities) > len(pop.activities)

    def test_on_day_reports_progress(self) -> None:
        """on_day is called once per simulated day."""
        calls: list[tuple[int, int]] = []
        simulate(
            population(20, seed=1, start=DEFAULT_START, days=5),
            on_day=lambda d, n: calls.append((d, n)),
        )
        assert calls == [(d, 5) for d in range(1, 6)]

    def test_a_lifecycle_without_the_demos_triggers_is_refused(self) -> None:
        """The simulated team fires the default triggers; a playbook must have them."""
        lc = sm.Lifecycle(
            stages=["new", "done"],
            initial="new",
            transitions=[sm.Transition("finish", source=["new"], dest="done")],
        )
        pb = attrs.evolve(sm.Playbook.default(), lifecycle=lc, forms=())
        with pytest.raises(sm.ConfigError, match="triggers engage, qualify"):
            simulate(population(3, start=DEFAULT_START), pb)

    def test_sales_leaves_alone_a_lead_the_playbook_moved_meanwhile(self) -> None:
        """With an automatic way out of MQL, pending touches of leads that left are dropped."""
        lc = sm.Playbook.default().lifecycle
        cool = sm.Transition("cool", source=["mql"], dest="recycled", auto=sm.field("score") < 50)
        custom = sm.Lifecycle(
            stages=lc.stages, initial=lc.initial, transitions=[*lc.transitions, cool]
        )
        pb = attrs.evolve(sm.Playbook.default(), lifecycle=custom)
        done = simulate(population(400, seed=2, start=DEFAULT_START, days=60), pb, seed=2)
        cooled = {x.id for x in done.leads for c in x.history if c.trigger == "cool"}
        assert cooled
        for touch in done.activities:
            if touch.lead_id in cooled and touch.kind in DEFAULT_TOUCH_KINDS:
                lead = next(x for x in done.leads if x.id == touch.lead_id)
                stage_then = [c.to_stage for c in lead.history if c.at < touch.at][-1]
                assert stage_then in ("mql", "sql")

    @pytest.mark.parametrize(
        ("facts", "reason"),
        [
            ({"job_title": "Student", "seniority": None}, "student"),
            ({"seniority": "entry"}, "student"),
            ({"company_size": 4}, "no budget"),
            ({"email": "jo@gmail.com"}, "no budget"),
            ({"seniority": "individual"}, "no authority"),
            ({"seniority": "vp", "company_size": 300, "email": "jo@acme.io"}, None),
        ],
    )
    def test_what_in_a_profile_makes_sales_hand_a_lead_back(
        self, facts: dict[str, object], reason: str | None
    ) -> None:
        """Students, tiny companies, free e-mail and no authority each have their reason."""
        assert _problem(facts) == reason


class TestStory:
    def test_the_story_tells_every_part(self, sim: Simulation) -> None:
        """Funnel, persona and source tables, the SLA by rep, reasons, three leads."""
        text = story(sim, seed=11)
        assert text.startswith("# The smarketing demo\n")
        assert "1,500 synthetic leads (seed 11)" in text
        for rep, _ in REPS:
            assert f"| {rep} |" in text
        assert "| Marketing leader |" in text
        assert "| (no persona) |" in text
        assert "| webinar |" in text
        assert "Late first touches came a median of" in text
        assert "### L-" in text and ": from suspect to customer" in text
        assert ": handed back to marketing" in text
        assert ": still a prospect: what to ask next" in text
        assert "Next form:" in text and "score " in text

    def test_a_quiet_population_still_tells_its_story(self) -> None:
        """Nothing happened yet: no reasons, no leads to explain, and no crash."""
        quiet = simulate(population(2, seed=0, start=DEFAULT_START, days=1))
        text = story(quiet)
        assert "No lead was recycled." in text
        assert "No lead has moved yet." in text or "### L-" in text

    def test_without_an_sla_the_story_says_so(self) -> None:
        """A playbook without an SLA: the follow-up section says there is none."""
        pop = population(50, seed=0, start=DEFAULT_START, days=20)
        pb = attrs.evolve(sm.Playbook.default(), sla=None)
        text = story(simulate(pop, pb))
        assert "The playbook sets no SLA." in text


class TestChart:
    def test_the_funnel_chart_is_a_png(self, report: sm.FunnelReport, tmp_path: Path) -> None:
        """With matplotlib, funnel_chart writes a PNG."""
        pytest.importorskip("matplotlib")
        path = tmp_path / "funnel.png"
        funnel_chart(report, path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_default_start_is_a_monday_in_utc() -> None:
    """The demo's period starts on a Monday at midnight UTC (its clock is never read)."""
    assert datetime(2026, 1, 5, tzinfo=timezone.utc) == DEFAULT_START
    assert DEFAULT_START.weekday() == 0
    assert timedelta(0) == DEFAULT_START.utcoffset()
