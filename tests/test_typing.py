"""The public API as a user types it: run by pytest, and checked by `mypy --strict` in make test.

Every line here must type-check without casts or ignores; an `Any` leaking out of a public
signature would show up as an error under --strict.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

import smarketing as sm

T0 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def test_the_public_api_type_checks() -> None:
    """A short story through every module, with the types a user sees."""
    mql: sm.Condition = (sm.field("score") >= 60) & sm.field("grade").is_in({"A", "B"})
    verdict: bool | None = mql.evaluate({"score": 70})
    assert verdict is None
    lc: sm.Lifecycle = sm.Lifecycle.default(mql=mql)
    lead: sm.Lead = sm.Lead.new("L-1", at=T0, fields={"job_title": "VP Marketing"})
    lead = lc.advance(lead, at=T0, facts={"engagement": 5, "score": 80, "grade": "A"})
    changes: tuple[sm.StageChange, ...] = lead.history
    assert [c.to_stage for c in changes] == ["prospect", "mql"]

    model = sm.ScoringModel(
        fit=[sm.FitRule("vp", sm.field("seniority") == "vp", points=10)],
        engagement=[
            sm.EngagementRule("demo", kind="demo_request", points=30, half_life=timedelta(days=30))
        ],
    )
    score: sm.Score = model.score(lead, [sm.Activity("L-1", "demo_request", T0)], at=T0)
    total: float = score.total
    grade: str = score.grade
    assert total == 30 and grade == "D"

    matcher = sm.PersonaMatcher(
        [sm.Persona("VP", traits=[sm.Trait(sm.field("seniority") == "vp")])]
    )
    match: sm.PersonaMatch | None = matcher.match(lead)
    assert match is not None and match.confidence == 1.0
    title: sm.JobTitle = sm.parse_title("Head of Sales EMEA")
    assert title.seniority == "director"

    planner = sm.ProfilePlanner([sm.FormField("company")], personas=matcher, scoring=model)
    plan: sm.FormPlan = planner.plan(lead, at=T0)
    assert plan.names == ("company",)

    report: sm.FunnelReport = sm.funnel_report(
        [lead], lifecycle=lc, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1)
    )
    reached: int = report.reached("mql")
    assert reached == 1

    pb: sm.Playbook = sm.Playbook.default()
    assessment: sm.Assessment = pb.assess(lead, [], at=T0)
    text: str = assessment.explain()
    assert text.startswith("Lead L-1")
    data: object = sm.to_dict(lead)
    back: sm.Lead = sm.from_dict(sm.Lead, data)
    assert back == lead

    # attribution and ROI
    touches = [sm.Activity("L-1", "ad", T0, {"channel": "paid"})]
    credit: sm.Attribution = sm.attribute([lead], touches, model="linear", milestone="mql")
    per_channel: Mapping[str | None, float] = credit.credit
    assert dict(per_channel) == {"paid": 1.0}
    spend = [sm.Cost("paid", None, T0.date(), 100.0)]
    roi: sm.ROI = credit.roi(spend)
    row: sm.ChannelROI = roi["paid"]
    cost_per_mql: float | None = row.cost_per_mql
    assert cost_per_mql == 100.0
    markov: sm.MarkovCredit = sm.markov_credit({("paid",): (1, 1)})
    shares: dict[str, float] = sm.shapley_credit({("paid",): (1, 1)})
    assert markov.credit == shares == {"paid": 1.0}


def test_the_feedback_loop_type_checks() -> None:
    """sm.feedback_report with a Playbook, and its parts, as a user types them."""
    pb = sm.Playbook.default()
    lead = sm.Lead.new("L-1", at=T0, fields={"email": "jo@gmail.com"})
    facts = {"engagement": 5, "score": 90, "grade": "A"}
    lead = pb.lifecycle.fire(lead, "engage", at=T0, facts=facts)
    lead = pb.lifecycle.fire(lead, "qualify", at=T0, facts=facts)
    later = T0 + timedelta(hours=2)
    lead = pb.lifecycle.fire(lead, "recycle", at=later, actor="sales:jo", reason="no budget")
    fb: sm.FeedbackReport = sm.feedback_report([lead], [], playbook=pb, start=T0, end=later)
    overall: sm.Outcomes = fb.overall
    reactions: tuple[sm.Reaction, ...] = overall.rejected
    acceptance: float | None = overall.acceptance
    advice: tuple[sm.Suggestion, ...] = fb.suggestions
    assert (len(reactions), acceptance, advice) == (1, 0.0, ())
    assert fb.by_reason == {"no budget": 1}


def test_the_learned_score_type_checks() -> None:
    """A fitted model as a user holds it: plain data, a prediction with its contributions."""
    bins = sm.Bins("industry", levels=("saas",))
    model = sm.PredictiveModel(base=-1.0, shapes=[sm.Shape(bins, scores=(0.0, 0.0, 1.0))])
    p: sm.Prediction = model.predict({"industry": "saas"})
    probability: float = p.probability
    contributions: dict[str, float] = dict(p.contributions)
    assert probability == 0.5 and contributions == {"industry": 1.0}
    same: sm.PredictiveModel = sm.from_dict(sm.PredictiveModel, sm.to_dict(model))
    assert same == model


def test_the_types_in_public_signatures_type_check() -> None:
    """smarketing.typing names the types a user annotates with."""
    from smarketing.typing import ContributionKind, Duration, FactsOrLead, FactValue

    value: FactValue = ("saas", "software")
    period: Duration = timedelta(days=30)
    refresh = sm.FormField("country", refresh_after=period)
    kind: ContributionKind = "fit"
    facts: FactsOrLead = {"industry": "software"}
    assert refresh.refresh_after == period
    rule = sm.EngagementRule("demo", kind="demo_request", points=30)
    lead = sm.Lead.new("L-1", at=T0, fields={"industry": value})
    parts = [
        c.kind for c in sm.ScoringModel(engagement=[rule]).score(lead, [], at=T0).contributions
    ]
    assert kind not in parts
    assert (
        sm.PersonaMatcher(
            [sm.Persona("SaaS", traits=[sm.Trait(sm.field("industry") == "software")])]
        ).match(facts)
        is not None
    )
