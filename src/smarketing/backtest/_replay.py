"""`backtest`: check the recorded leads and replay each under both playbooks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from smarketing.backtest._moves import _Engine
from smarketing.backtest._result import Backtest, LeadReplay, _Inputs, _result
from smarketing.backtest._timeline import _first_mqls, _Timeline
from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, StageChange, check_aware
from smarketing.lifecycle import Lifecycle
from smarketing.playbook import Playbook


def backtest(
    leads: Iterable[Lead],
    activities: Iterable[Activity],
    *,
    baseline: Playbook,
    candidate: Playbook,
    start: datetime,
    end: datetime,
) -> Backtest:
    """Replay the recorded leads and activities under two playbooks, over ``[start, end]``.

    Each lead (with its recorded ``history`` and its fields' ``learned_at``) is replayed from
    its creation in time order under each playbook, following the playbook's automatic
    transitions from the lifecycle's initial stage; it becomes an MQL the first time they take
    it to ``mql``. A fact counts from when it was learned (a field learned twice counts from
    the last time, the only one a lead keeps). The two playbooks share one pass over the data.

    Bad input is an error naming it: a history out of time order or naming a stage or move
    the baseline's lifecycle lacks, two leads with one id, a window that ends before it
    starts. Activities of leads not given are counted in the result, not replayed.
    """
    check_aware(start, "backtest(start=...)")
    check_aware(end, "backtest(end=...)")
    if end < start:
        msg = (
            f"backtest(): the window ends ({end.isoformat()}) before it starts "
            f"({start.isoformat()})."
        )
        raise ValidationError(msg, value=end, where="backtest(end=...)", expected="end >= start")
    playbooks: tuple[tuple[str, object], ...] = (("baseline", baseline), ("candidate", candidate))
    for name, pb in playbooks:
        if not isinstance(pb, Playbook):
            msg = f"backtest(): {name} must be a Playbook (got {pb!r})."
            raise ValidationError(msg, value=pb, where=f"backtest({name}=...)", expected="Playbook")
    given: dict[str, Lead] = {}
    items: Iterable[object] = leads  # checked one by one: the data may come from a file
    for lead in items:
        if not isinstance(lead, Lead):
            msg = f"backtest() needs Lead values (got {lead!r})."
            raise ValidationError(msg, value=lead, where="backtest(leads)", expected="a Lead")
        if lead.id in given:
            msg = f"backtest(): two leads have the id {lead.id!r}."
            raise ValidationError(msg, value=lead.id, where=f"lead {lead.id!r}", expected="unique")
        _check_history(baseline.lifecycle, lead)
        given[lead.id] = lead
    grouped: dict[str, list[Activity]] = {lead_id: [] for lead_id in given}
    unknown = 0
    unknown_leads: list[str] = []
    records_in: Iterable[object] = activities
    for activity in records_in:
        if not isinstance(activity, Activity):
            msg = f"backtest() needs Activity values (got {activity!r})."
            raise ValidationError(msg, value=activity, where="activities", expected="Activity")
        group = grouped.get(activity.lead_id)
        if group is None:
            unknown += 1
            if len(unknown_leads) < 10 and activity.lead_id not in unknown_leads:
                unknown_leads.append(activity.lead_id)
        else:
            group.append(activity)
    base, cand = _Engine(baseline), _Engine(candidate)
    timelines: list[_Timeline] = []
    records: list[LeadReplay] = []
    for lead in given.values():
        if lead.created_at > end:
            continue
        tl = _Timeline(lead, grouped[lead.id])
        timelines.append(tl)
        records.append(_replay(tl, base, cand, end))
    inputs = _Inputs(baseline, candidate, timelines)
    return _result(records, start, end, inputs, unknown, tuple(unknown_leads))


def _check_history(lifecycle: Lifecycle, lead: Lead) -> None:
    """A recorded history must be moves of the lifecycle, in time order, after creation.

    A quick pass over the changes; at the first doubt `Lifecycle.replay` (the one check of
    recorded changes) names the problem.
    """
    history = lead.history
    if not history:
        lifecycle.stage(lead.stage)
        return
    stage = _end_stage(lifecycle, history, lead)
    if stage != lead.stage:
        msg = f"lead {lead.id!r} is in stage {lead.stage!r}, but its history ends in {stage!r}."
        raise ValidationError(msg, value=lead.stage, where=f"lead {lead.id!r}.stage")


def _end_stage(lifecycle: Lifecycle, history: tuple[StageChange, ...], lead: Lead) -> str:
    """The stage a recorded history ends in, or the replay's error at its first doubt."""
    table = lifecycle._table
    first = history[0].from_stage
    stage, last = first, lead.created_at
    for change in history:
        move = table.get(stage, {}).get(change.trigger)
        if (
            change.from_stage != stage
            or move is None
            or move.dest != change.to_stage
            or change.at < last
        ):
            start = Lead(lead.id, first, lead.created_at, lead.source, {}, (), first)
            return lifecycle.replay(start, history).stage
        stage, last = change.to_stage, change.at
    return stage


def _score_at(engine: _Engine, tl: _Timeline, at: datetime | None) -> float | None:
    if at is None:
        return None
    rules_lead = tl.known_at(at, engine.lifecycle.initial)[1]
    fit = tl.fit(engine, rules_lead)
    return engine.model._with_engagement(fit, tl.lead.id, tl.upto(at), at).total


def _replay(tl: _Timeline, base: _Engine, cand: _Engine, end: datetime) -> LeadReplay:
    lead = tl.lead
    baseline = _first_mqls([base], tl, end)[0]
    candidate = _first_mqls([cand], tl, end)[0]
    rules_lead = tl.known_at(end, base.lifecycle.initial)[1]
    grade = tl.fit(base, rules_lead)[3]
    match = base.playbook.personas.match(rules_lead.facts())
    return LeadReplay(
        lead_id=lead.id,
        source=lead.source,
        persona=None if match is None else match.persona.name,
        grade=grade,
        recorded=tl.recorded,
        sql=tl.sql,
        customer=tl.customer,
        baseline=baseline,
        candidate=candidate,
        baseline_score=_score_at(base, tl, tl.recorded),
        candidate_score=_score_at(cand, tl, tl.recorded),
    )
