"""Computing a funnel report: one pass over the leads' histories (and the activities, once,
for the SLA), then counts, conversions and times derived from what the pass collected."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

import attrs

from smarketing import _validate as _v
from smarketing._calendar import Calendar, describe
from smarketing.errors import ValidationError
from smarketing.funnel._report import FunnelReport, Inputs, TimeInStage, most_common
from smarketing.funnel._sla import SLA, WALL, SLABreach, SLASummary
from smarketing.leads import Activity, Lead, check_aware, group_by_lead, not_a_lead
from smarketing.lifecycle import Lifecycle

__all__ = ["funnel_report"]


@attrs.frozen(eq=False)
class _Plan:
    """Everything a pass needs, worked out once per report and shared with its sub-reports."""

    lifecycle: Lifecycle
    start: datetime
    end: datetime
    sla: SLA | None
    calendar: Calendar
    count_returns: bool
    index: Mapping[str, int]
    side: tuple[bool, ...]
    max_age: tuple[timedelta | None, ...]
    sla_index: int
    recycle: tuple[str, ...]
    disqualify: tuple[str, ...]


def funnel_report(
    leads: Iterable[Lead],
    *,
    lifecycle: Lifecycle,
    start: datetime,
    end: datetime,
    sla: SLA | None = None,
    activities: Iterable[Activity] | None = None,
    calendar: Calendar | None = None,
    count_returns: bool = False,
) -> FunnelReport:
    """The funnel of `leads` over the window ``[start, end]``, in one pass over their histories.

    `activities` are read once, and only for the `sla`; its due times are measured on
    `calendar` (wall-clock time by default; a `BusinessCalendar` counts working hours). With
    `count_returns`, each return into a stage counts as a new entry; by default a lead counts
    once per stage. Leads created after `end` are left out.

    Raises `ValidationError` for a window that ends before it starts or naive times, a lead
    whose stage (or a stage its history enters) is not one of the lifecycle's, a history out
    of time order, two leads with one id, an SLA stage the lifecycle lacks, and items that are
    not leads or activities.
    """
    plan = _plan(lifecycle, start, end, sla, calendar, count_returns)
    grouped: Mapping[str, list[Activity]] = {}
    if sla is not None and activities is not None:
        grouped = group_by_lead(_v.iterable(activities, "activities"), owner="funnel_report")
    return _compute(plan, _v.iterable(leads, "leads"), grouped)


def _plan(
    lifecycle: object,
    start: object,
    end: object,
    sla: object,
    calendar: object,
    count_returns: object,
) -> _Plan:
    if not isinstance(lifecycle, Lifecycle):
        msg = f"lifecycle must be a Lifecycle (got {lifecycle!r})."
        raise ValidationError(msg, value=lifecycle, where="lifecycle", expected="a Lifecycle")
    begin = check_aware(start, "funnel_report(start=...)")
    finish = check_aware(end, "funnel_report(end=...)")
    if finish < begin:
        msg = f"the window's end {finish.isoformat()} is before its start {begin.isoformat()}."
        raise ValidationError(msg, value=end, where="end", expected=f"at or after {begin}")
    promise: SLA | None = None
    if sla is not None:
        if not isinstance(sla, SLA):
            msg = f"sla must be an SLA or None (got {sla!r})."
            raise ValidationError(msg, value=sla, where="sla", expected="an SLA")
        promise = sla
    clock = WALL if calendar is None else calendar
    if not isinstance(clock, Calendar):
        msg = f"calendar must be a BusinessCalendar, a WallClock or None (got {calendar!r})."
        raise ValidationError(msg, value=calendar, where="calendar", expected="a Calendar")
    if not isinstance(count_returns, bool):
        msg = f"count_returns must be True or False (got {count_returns!r})."
        raise ValidationError(msg, value=count_returns, where="count_returns", expected="a bool")
    names = lifecycle.stage_names
    index = {name: i for i, name in enumerate(names)}
    if promise is not None and promise.stage not in index:
        msg = (
            f"the SLA's stage {promise.stage!r} is not a stage of the lifecycle "
            f"({', '.join(names)})."
        )
        raise ValidationError(msg, value=promise.stage, where="SLA.stage", expected="a stage")
    stages = [lifecycle.stage(name) for name in names]
    side = tuple(lifecycle.rank(name) is None for name in names)
    return _Plan(
        lifecycle=lifecycle,
        start=begin,
        end=finish,
        sla=promise,
        calendar=clock,
        count_returns=count_returns,
        index=index,
        side=side,
        max_age=tuple(s.max_age for s in stages),
        sla_index=-1 if promise is None else index[promise.stage],
        recycle=tuple(s.name for s, out in zip(stages, side, strict=True) if out and s.open),
        disqualify=tuple(s.name for s, out in zip(stages, side, strict=True) if out and not s.open),
    )


@attrs.define
class _Tally:
    """What the one pass over histories collects; everything else is derived from it."""

    leads: list[Lead] = attrs.field(factory=list)
    # In-window entries of each lead, as stage indexes: leads that took the same path share a
    # key, so counts and conversions are worked out once per path, not once per lead.
    paths: dict[tuple[int, ...], int] = attrs.field(factory=dict)
    stays: list[list[timedelta]] = attrs.field(factory=list)
    reasons: dict[tuple[int, str | None], int] = attrs.field(factory=dict)
    stale: list[str] = attrs.field(factory=list)
    clocks: list[tuple[str, datetime]] = attrs.field(factory=list)


def _compute(
    plan: _Plan, leads: Iterable[object], activities: Mapping[str, list[Activity]]
) -> FunnelReport:
    tally = _tally(plan, leads)
    names = plan.lifecycle.stage_names
    reached, converted = _conversions(plan, tally.paths)
    times = {names[i]: _spread(stays) for i, stays in enumerate(tally.stays) if stays}
    reasons: dict[str, dict[str | None, int]] = {}
    for (i, reason), n in tally.reasons.items():
        reasons.setdefault(names[i], {})[reason] = n
    summary: SLASummary | None = None
    breaches: tuple[SLABreach, ...] = ()
    if plan.sla is not None:
        summary, breaches = _follow_ups(plan, plan.sla, tally.clocks, activities)
    return FunnelReport(
        start=plan.start,
        end=plan.end,
        stages=names,
        main_path=plan.lifecycle.main_path,
        recycle_stages=plan.recycle,
        disqualify_stages=plan.disqualify,
        count_returns=plan.count_returns,
        lead_count=len(tally.leads),
        stale=tuple(sorted(tally.stale)),
        sla=plan.sla,
        sla_summary=summary,
        sla_breaches=breaches,
        reached=MappingProxyType({names[i]: n for i, n in enumerate(reached)}),
        converted=MappingProxyType(
            {(names[a], names[b]): n for (a, b), n in sorted(converted.items())}
        ),
        times=MappingProxyType(times),
        reasons=MappingProxyType({s: most_common(c) for s, c in reasons.items()}),
        inputs=Inputs(tuple(tally.leads), lambda group: _compute(plan, group, activities)),
        clock=describe(plan.calendar),
    )


def _tally(plan: _Plan, leads: Iterable[object]) -> _Tally:
    """The one pass over the histories: entries, stays, reasons, stale leads and SLA clocks."""
    start, end, index, side = plan.start, plan.end, plan.index, plan.side
    max_age, sla_index, returns = plan.max_age, plan.sla_index, plan.count_returns
    tally = _Tally(stays=[[] for _ in index])
    kept, paths, stays, reasons = tally.leads, tally.paths, tally.stays, tally.reasons
    stale, clocks = tally.stale, tally.clocks
    seen: set[str] = set()
    for position, lead in enumerate(leads):
        if not isinstance(lead, Lead):
            raise not_a_lead(lead, position)
        created = lead.created_at
        if created > end:
            continue
        lead_id = lead.id
        if lead_id in seen:
            msg = f"lead id {lead_id!r} appears twice; each lead must be given once."
            raise ValidationError(msg, value=lead_id, where="leads", expected="distinct ids")
        seen.add(lead_id)
        kept.append(lead)
        history = lead.history
        initial = history[0].from_stage if history else lead.stage
        stage = index.get(initial, -1)
        if stage < 0 or lead.stage not in index:
            raise _unknown_stage(plan, lead, initial if stage < 0 else lead.stage)
        since = created
        path: list[int] = []
        if created >= start:
            path.append(stage)
            if stage == sla_index:
                clocks.append((lead_id, created))
        given: set[tuple[int, str | None]] | None = None
        for change in history:
            at = change.at
            if at > end:
                break
            if at < since:
                msg = (
                    f"lead {lead_id!r}: the change to {change.to_stage!r} at {at.isoformat()} "
                    f"is earlier than the one before it ({since.isoformat()})."
                )
                raise ValidationError(msg, value=change, where=f"lead {lead_id!r}.history")
            dest = index.get(change.to_stage, -1)
            if dest < 0:
                raise _unknown_stage(plan, lead, change.to_stage)
            if at >= start:
                # A stay that began inside the window ends here.
                if since >= start and (returns or path.count(stage) == 1):
                    stays[stage].append(at - since)
                if side[dest]:
                    key = (dest, change.reason)
                    if returns:
                        reasons[key] = reasons.get(key, 0) + 1
                    else:
                        if given is None:
                            given = set()
                        if key not in given:
                            given.add(key)
                            reasons[key] = reasons.get(key, 0) + 1
                if dest == sla_index and (returns or dest not in path):
                    clocks.append((lead_id, at))
                path.append(dest)
            stage, since = dest, at
        age = max_age[stage]
        if age is not None and end - since > age:
            stale.append(lead_id)
        key_path = tuple(path)
        paths[key_path] = paths.get(key_path, 0) + 1
    return tally


def _unknown_stage(plan: _Plan, lead: Lead, stage: str) -> ValidationError:
    names = ", ".join(plan.index)
    msg = (
        f"lead {lead.id!r} has been in stage {stage!r}, which is not a stage of the lifecycle "
        f"({names})."
    )
    return ValidationError(msg, value=stage, where=f"lead {lead.id!r}", expected=names)


def _conversions(
    plan: _Plan, paths: Mapping[tuple[int, ...], int]
) -> tuple[list[int], dict[tuple[int, int], int]]:
    """Reached and converted counts from the distinct paths: O(path length x stages) each."""
    width = len(plan.index)
    reached = [0] * width
    converted: dict[tuple[int, int], int] = {}
    for path, n in paths.items():
        if plan.count_returns:
            # Walking back, `upcoming[s]` is the next entry into s: an entry into a converts to
            # b when b comes no later than the next entry into a (or at all, if there is none).
            upcoming: list[int | None] = [None] * width
            for i in range(len(path) - 1, -1, -1):
                a = path[i]
                reached[a] += n
                until = upcoming[a]
                for b, at in enumerate(upcoming):
                    if at is not None and (until is None or at <= until):
                        converted[a, b] = converted.get((a, b), 0) + n
                upcoming[a] = i
        else:
            first: dict[int, int] = {}
            last: dict[int, int] = {}
            for i, s in enumerate(path):
                first.setdefault(s, i)
                last[s] = i
            for a, entered in first.items():
                reached[a] += n
                for b, latest in last.items():
                    if latest > entered:
                        converted[a, b] = converted.get((a, b), 0) + n
    return reached, converted


def _spread(stays: list[timedelta]) -> TimeInStage:
    stays.sort()
    return TimeInStage(
        count=len(stays),
        p50=_percentile(stays, 50),
        p90=_percentile(stays, 90),
        max=stays[-1],
    )


def _percentile(ordered: list[timedelta], percent: int) -> timedelta:
    """Linear interpolation between the closest ranks, in whole microseconds."""
    rank, part = divmod((len(ordered) - 1) * percent, 100)
    low = ordered[rank]
    if not part:
        return low
    return low + (ordered[rank + 1] - low) * part // 100


def _follow_ups(
    plan: _Plan,
    sla: SLA,
    clocks: list[tuple[str, datetime]],
    activities: Mapping[str, list[Activity]],
) -> tuple[SLASummary, tuple[SLABreach, ...]]:
    """Each clock's first touch: the earliest touch at or after the entry and by the end."""
    kinds, end, calendar = frozenset(sla.touch_kinds), plan.end, plan.calendar
    touches_of: dict[str, list[datetime]] = {}
    met = late = unanswered = pending = 0
    breaches: list[SLABreach] = []
    for lead_id, entered in clocks:
        touches = touches_of.get(lead_id)
        if touches is None:
            done = activities.get(lead_id, ())
            touches = sorted(a.at for a in done if a.kind in kinds and a.at <= end)
            touches_of[lead_id] = touches
        due = sla.due(entered, calendar)
        i = bisect_left(touches, entered)
        touched = touches[i] if i < len(touches) else None
        if touched is None:
            if due <= end:
                unanswered += 1
                breaches.append(SLABreach(lead_id, sla.stage, due, None))
            else:
                pending += 1
        elif touched > due:
            late += 1
            breaches.append(SLABreach(lead_id, sla.stage, due, touched))
        else:
            met += 1
    breaches.sort(key=lambda b: (b.due, b.lead_id))
    summary = SLASummary(len(clocks), met, late, unanswered, pending)
    return summary, tuple(breaches)
