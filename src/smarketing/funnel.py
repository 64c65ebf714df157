"""Funnel, velocity and SLA analytics over lead histories: the numbers both teams share.

`funnel_report` reads each lead's stage changes once (and the activities once, for the SLA)
and returns a frozen `FunnelReport`: how many leads reached each stage inside a window, how
many went on, how long they stayed, why sales handed them back, which sit past their stage's
`max_age`, and whether sales followed up on new MQLs in time.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> lc = sm.Lifecycle.default()
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> ana = lc.fire(sm.Lead.new("L-1", at=t0), "engage", at=t0 + timedelta(days=2))
>>> bo = sm.Lead.new("L-2", at=t0 + timedelta(days=1))
>>> r = sm.funnel_report([ana, bo], lifecycle=lc, start=t0, end=t0 + timedelta(days=30))
>>> r.reached("suspect"), r.conversion("suspect", "prospect"), r.velocity("suspect")
(2, 0.5, datetime.timedelta(days=2))

Counting rules, stated once here and in the funnel guide:

* Only events inside the window ``[start, end]`` (both ends included) count. A lead's creation
  is its entry into its initial stage; each stage change is an exit and an entry. Leads created
  after ``end`` are not part of the report at all.
* By default a lead counts once per stage: its first entry inside the window. With
  ``count_returns=True`` every entry counts, so a lead that is recycled and comes back to
  ``mql`` counts twice there.
* Counts with no data are 0; rates and times with no data are ``None``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import suppress
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, TypeAlias

import attrs

from smarketing._calendar import Calendar, WallClock, describe
from smarketing.errors import ValidationError
from smarketing.leads import RESERVED_FACTS, Activity, Lead, check_aware, group_by_lead
from smarketing.lifecycle import Lifecycle

__all__ = [
    "DEFAULT_TOUCH_KINDS",
    "SLA",
    "FunnelReport",
    "SLABreach",
    "SLASummary",
    "TimeInStage",
    "funnel_report",
    "human_duration",
]

#: The activities that count as sales following up on a lead.
DEFAULT_TOUCH_KINDS: Final = ("call", "sales_email", "meeting")
#: Actors that are not a person: ``Lifecycle.advance`` records its moves as ``"auto"``.
_NOT_A_PERSON: Final = frozenset({"auto"})
_WALL: Final = WallClock()
_EMPTY: Final[Mapping[str | None, int]] = MappingProxyType({})
_MISSING: Final = object()

#: A dimension for `FunnelReport.by`: "source", "owner", a field name, or a function of the lead.
Dimension: TypeAlias = str | Callable[[Lead], Hashable]


# --- the SLA and what it finds ----------------------------------------------------------------


def _touch_kinds(value: object) -> tuple[str, ...]:
    expected = "a non-empty collection of activity kinds (non-empty text)"
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        msg = f"'touch_kinds' must be {expected} (got {value!r})."
        raise ValidationError(msg, value=value, where="touch_kinds", expected=expected)
    kinds = tuple(value)
    if not kinds:
        msg = f"'touch_kinds' must name at least one activity kind (got {value!r})."
        raise ValidationError(msg, value=value, where="touch_kinds", expected=expected)
    for kind in kinds:
        if not isinstance(kind, str) or not kind:
            msg = f"'touch_kinds' must hold activity kinds as non-empty text (got {kind!r})."
            raise ValidationError(msg, value=kind, where="touch_kinds", expected=expected)
    return kinds


@attrs.frozen
class SLA:
    """Sales' promise to follow up: a first touch within `first_touch` of entering `stage`.

    Attributes:
        first_touch: how long sales has, measured on the report's calendar (wall-clock time by
            default, or working time on a `BusinessCalendar`).
        touch_kinds: the activity kinds that count as a touch; one kind may be given as text.
        stage: the stage whose entry starts the clock.

    >>> from datetime import datetime, timedelta
    >>> import smarketing as sm
    >>> sla = sm.SLA(first_touch=timedelta(hours=4))
    >>> friday = datetime.fromisoformat("2024-06-07T16:00+02:00")
    >>> sla.due(friday, sm.BusinessCalendar("Europe/Berlin")).isoformat()
    '2024-06-10T12:00:00+02:00'
    """

    first_touch: timedelta = attrs.field()
    touch_kinds: tuple[str, ...] = attrs.field(default=DEFAULT_TOUCH_KINDS, converter=_touch_kinds)
    stage: str = attrs.field(default="mql")

    @first_touch.validator
    def _check_first_touch(self, _attribute: object, value: object) -> None:
        if not isinstance(value, timedelta) or value <= timedelta(0):
            msg = f"'first_touch' must be a positive timedelta (got {value!r})."
            raise ValidationError(
                msg, value=value, where="SLA.first_touch", expected="a positive timedelta"
            )

    @stage.validator
    def _check_stage(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value:
            msg = f"'stage' must be a stage name (got {value!r})."
            raise ValidationError(msg, value=value, where="SLA.stage", expected="a stage name")

    def due(self, entered: datetime, calendar: Calendar | None = None) -> datetime:
        """When the first touch is due for a lead that entered the stage at `entered`."""
        return (calendar or _WALL).add(entered, self.first_touch)


def _optional_aware(where: str) -> Callable[[Any, Any, Any], None]:
    def validate(_instance: object, _attribute: object, value: object) -> None:
        if value is not None:
            check_aware(value, where)

    return validate


@attrs.frozen
class SLABreach:
    """A lead that sales did not touch in time: first touched at `met_at`, after `due`, or not
    touched at all (`met_at` is ``None``) by the end of the report's window."""

    lead_id: str
    stage: str
    due: datetime = attrs.field(validator=_optional_aware("SLABreach.due"))
    met_at: datetime | None = attrs.field(
        default=None, validator=_optional_aware("SLABreach.met_at")
    )


@attrs.frozen
class SLASummary:
    """What became of every SLA clock started inside the window.

    Attributes:
        clocks: how many clocks started (entries into the SLA stage, counted like `reached`).
        met: first touched by the due time.
        late: first touched after the due time.
        unanswered: not touched by the end of the window, and due by then.
        pending: not touched yet, and not due by the end of the window.
    """

    clocks: int
    met: int
    late: int
    unanswered: int
    pending: int

    @property
    def breached(self) -> int:
        """The clocks that ran out: late plus unanswered."""
        return self.late + self.unanswered

    @property
    def met_rate(self) -> float | None:
        """The share of the decided clocks (met, late or unanswered) that were met in time."""
        decided = self.met + self.breached
        return self.met / decided if decided else None


@attrs.frozen
class TimeInStage:
    """How long leads stayed in a stage before leaving it: how many stays, and their spread.

    Percentiles interpolate linearly between the closest ranks (so `p50` is the median, the
    mean of the middle two for an even count), rounded down to the microsecond.
    """

    count: int
    p50: timedelta
    p90: timedelta
    max: timedelta


# --- the report --------------------------------------------------------------------------------


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


@attrs.frozen(eq=False)
class _Inputs:
    """What `by` and `cohorts` need to compute sub-reports: the plan, the leads, the activities."""

    plan: _Plan
    leads: tuple[Lead, ...]
    activities: Mapping[str, list[Activity]]


@attrs.frozen(repr=False)
class FunnelReport:
    """The funnel, velocity and SLA numbers of a set of leads over a window of time.

    Build one with `funnel_report`. Counts are ints (0 when nothing happened); rates and times
    are ``None`` when there is no data. Stage names are checked: a name that is not one of the
    lifecycle's stages is a `ValidationError` listing the stages.

    Attributes:
        start, end: the window; events at either end are inside it.
        stages: the lifecycle's stages, in definition order; `main_path` the main path.
        recycle_stages: side stages that are open: the lead goes back to nurture.
        disqualify_stages: side stages that are closed: the lead is out.
        count_returns: whether each return into a stage counted as a new entry.
        lead_count: the leads in the report (those created by `end`).
        stale: ids of leads sitting past their stage's ``max_age`` at `end`, sorted.
        sla: the SLA the report checked, or ``None``.
        sla_summary: what became of the SLA clocks, or ``None`` without an SLA.
        sla_breaches: the clocks that ran out, ordered by due time, then lead id.
        clock: the clock the SLA ran on, in words (business hours with their calendar, or
            wall-clock time), so that every report says which it was.
    """

    start: datetime
    end: datetime
    stages: tuple[str, ...]
    main_path: tuple[str, ...]
    recycle_stages: tuple[str, ...]
    disqualify_stages: tuple[str, ...]
    count_returns: bool
    lead_count: int
    stale: tuple[str, ...]
    sla: SLA | None
    sla_summary: SLASummary | None
    sla_breaches: tuple[SLABreach, ...]
    _reached: Mapping[str, int] = attrs.field(alias="reached", hash=False)
    _converted: Mapping[tuple[str, str], int] = attrs.field(alias="converted", hash=False)
    _times: Mapping[str, TimeInStage] = attrs.field(alias="times", hash=False)
    _reasons: Mapping[str, Mapping[str | None, int]] = attrs.field(alias="reasons", hash=False)
    _inputs: _Inputs | None = attrs.field(default=None, alias="inputs", eq=False)
    clock: str = describe(_WALL)

    # --- counts and rates -------------------------------------------------------------------

    def reached(self, stage: str) -> int:
        """How many leads entered `stage` inside the window (entries, with `count_returns`)."""
        return self._reached[self._stage(stage)]

    def converted(self, stage: str, target: str) -> int:
        """How many of the leads counted in `reached(stage)` went on to reach `target`.

        A lead converts when it enters `target` after its first entry into `stage`, inside the
        window. With `count_returns`, each entry into `stage` converts when the lead enters
        `target` before it next enters `stage` (for `target` == `stage`: when it comes back).
        """
        key = (self._stage(stage), self._stage(target))
        return self._converted.get(key, 0)

    def conversion(self, stage: str, target: str) -> float | None:
        """The share of the leads that reached `stage` that went on to reach `target`.

        ``None`` when no lead reached `stage`; see `converted` for what counts.
        """
        reached = self.reached(stage)
        return self.converted(stage, target) / reached if reached else None

    def durations(self, stage: str) -> TimeInStage | None:
        """How long leads stayed in `stage`, over the stays that began and ended in the window.

        A stay that began before `start` or had not ended by `end` is left out. By default only
        each lead's first stay in the window counts; with `count_returns`, every stay. Times are
        elapsed (wall-clock) time. ``None`` when no stay counts.
        """
        return self._times.get(self._stage(stage))

    def velocity(self, stage: str) -> timedelta | None:
        """The median time in `stage` of the leads that left it (see `durations`), or ``None``."""
        spread = self.durations(stage)
        return None if spread is None else spread.p50

    def reasons(self, stage: str) -> Mapping[str | None, int]:
        """Why leads entered the side stage `stage`: how many leads gave each reason.

        A lead counts once per reason (twice recycled for "no budget" is one lead), or once per
        entry with `count_returns`. An entry without a reason counts under ``None``. Most
        common first, ties in alphabetical order.
        """
        name = self._stage(stage)
        if name in self.main_path:
            side = ", ".join((*self.recycle_stages, *self.disqualify_stages)) or "none"
            msg = (
                f"{name!r} is on the main path, which leads enter without a reason; reasons "
                f"are counted for the side stages ({side})."
            )
            raise ValidationError(msg, value=stage, where="reasons(stage)", expected=side)
        return self._reasons.get(name, _EMPTY)

    @property
    def recycle_reasons(self) -> Mapping[str | None, int]:
        """Why sales handed leads back to nurture: `reasons` over the recycle stages."""
        return self._merged(self.recycle_stages)

    @property
    def disqualify_reasons(self) -> Mapping[str | None, int]:
        """Why leads were ruled out: `reasons` over the disqualify stages."""
        return self._merged(self.disqualify_stages)

    def _merged(self, stages: tuple[str, ...]) -> Mapping[str | None, int]:
        if len(stages) == 1:
            return self.reasons(stages[0])
        counts: dict[str | None, int] = {}
        for stage in stages:
            for reason, n in self.reasons(stage).items():
                counts[reason] = counts.get(reason, 0) + n
        return _most_common(counts)

    def _stage(self, name: str) -> str:
        if name not in self._reached:
            msg = f"{name!r} is not a stage of this report's lifecycle ({', '.join(self.stages)})."
            raise ValidationError(msg, value=name, where="stage", expected="a stage name")
        return name

    # --- breakdowns -------------------------------------------------------------------------

    def by(self, dimension: Dimension) -> dict[Hashable, FunnelReport]:
        """Sub-reports per value of `dimension`; their counts add up to this report's.

        `dimension` is ``"source"``; ``"owner"``, the lead's ``owner`` field or else the actor
        of its last stage change by `end` made by a person (not ``"auto"``); any other field
        name; or a function of the lead. Leads with no value fall under ``None``, listed last;
        the other values come in sorted order (or first-seen order when they do not sort).
        """
        inputs = self._require_inputs("by")
        key_of = _dimension(dimension, inputs.plan.end)
        groups: dict[Hashable, list[Lead]] = {}
        for lead in inputs.leads:
            key = key_of(lead)
            try:
                group = groups.setdefault(key, [])
            except TypeError:
                msg = f"lead {lead.id!r}: the dimension gave {key!r}, which is not hashable."
                raise ValidationError(
                    msg, value=key, where=f"lead {lead.id!r}", expected="a hashable value"
                ) from None
            group.append(lead)
        plan, activities = inputs.plan, inputs.activities
        return {key: _compute(plan, groups[key], activities) for key in _sort(groups)}

    def cohorts(self, period: str = "month") -> dict[str, FunnelReport]:
        """Sub-reports per month (``"2026-01"``) or ISO week (``"2026-W02"``) of creation.

        Periods are read in the time zone of `start` and come in order; only periods with
        leads appear. The sub-reports add up to this report, as with `by`.
        """
        inputs = self._require_inputs("cohorts")
        if period not in ("month", "week"):
            msg = f"period must be 'month' or 'week' (got {period!r})."
            raise ValidationError(msg, value=period, where="cohorts(period)", expected="month")
        zone = self.start.tzinfo
        groups: dict[str, list[Lead]] = {}
        for lead in inputs.leads:
            local = lead.created_at.astimezone(zone)
            if period == "month":
                key = f"{local.year:04d}-{local.month:02d}"
            else:
                year, week, _ = local.isocalendar()
                key = f"{year:04d}-W{week:02d}"
            groups.setdefault(key, []).append(lead)
        plan, activities = inputs.plan, inputs.activities
        return {key: _compute(plan, groups[key], activities) for key in sorted(groups)}

    def _require_inputs(self, method: str) -> _Inputs:
        if self._inputs is None:
            msg = (
                f"{method}() needs the leads, and a report read back from data keeps only its "
                "numbers; compute the report again with funnel_report()."
            )
            raise ValidationError(msg, where=f"FunnelReport.{method}", expected="a computed report")
        return self._inputs

    # --- output -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-safe data; `FunnelReport.from_dict` reads it back exactly.

        Times are ISO 8601 text; every duration is a number of seconds. ``converted`` holds
        the non-zero counts of `converted` as ``{stage: {target: count}}``; ``reasons`` holds
        ``[reason, count]`` pairs (``reason`` may be ``null``), most common first.
        """
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "stages": list(self.stages),
            "main_path": list(self.main_path),
            "recycle_stages": list(self.recycle_stages),
            "disqualify_stages": list(self.disqualify_stages),
            "count_returns": self.count_returns,
            "leads": self.lead_count,
            "reached": dict(self._reached),
            "converted": _nested(self._converted),
            "time_in_stage": {
                stage: {
                    "count": t.count,
                    "p50": t.p50.total_seconds(),
                    "p90": t.p90.total_seconds(),
                    "max": t.max.total_seconds(),
                }
                for stage, t in self._times.items()
            },
            "reasons": {s: [[r, n] for r, n in c.items()] for s, c in self._reasons.items()},
            "stale": list(self.stale),
            "sla": None
            if self.sla is None
            else {
                "stage": self.sla.stage,
                "first_touch": self.sla.first_touch.total_seconds(),
                "touch_kinds": list(self.sla.touch_kinds),
            },
            "sla_summary": None if self.sla_summary is None else attrs.asdict(self.sla_summary),
            "clock": self.clock,
            "sla_breaches": [
                {
                    "lead_id": b.lead_id,
                    "stage": b.stage,
                    "due": b.due.isoformat(),
                    "met_at": None if b.met_at is None else b.met_at.isoformat(),
                }
                for b in self.sla_breaches
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> FunnelReport:
        """A report from `to_dict`'s output: the same numbers (but no leads to break down)."""
        reader = _Reader(data)
        try:
            return reader.report()
        except ValidationError as exc:
            msg = f"cannot read a FunnelReport: {exc}"
            raise ValidationError(
                msg, value=data, where=reader.where, expected="FunnelReport.to_dict() data"
            ) from None

    def to_markdown(self, *, limit: int = 10) -> str:
        """The report as Markdown tables: the funnel, the SLA, the reasons and the stale leads.

        Stages come in lifecycle order with how many reached them, the conversion to the next
        main-path stage and the median time in stage. Up to `limit` breaches and stale lead ids
        are listed, the rest counted.
        """
        rule = (
            "each entry into a stage counted"
            if self.count_returns
            else "each lead counted once per stage"
        )
        counted = "entries" if self.count_returns else "leads"
        lines = [
            f"**Funnel** from {_when(self.start)} to {_when(self.end)}: "
            f"{_plural(self.lead_count, 'lead')}; {rule}.",
            "",
            "| stage | reached | conversion to next stage | median time in stage |",
            "|---|---:|---:|---:|",
        ]
        following = dict(zip(self.main_path, self.main_path[1:], strict=False))
        for stage in self.stages:
            target = following.get(stage)
            rate = None if target is None else self.conversion(stage, target)
            cell = "—" if rate is None else f"{rate:.1%} to {target}"
            velocity = human_duration(self.velocity(stage))
            lines.append(f"| {stage} | {self.reached(stage)} | {cell} | {velocity} |")
        if self.sla is not None and self.sla_summary is not None:
            lines += self._sla_markdown(self.sla, self.sla_summary, limit)
        for title, reasons in (
            ("Recycle reasons", self.recycle_reasons),
            ("Disqualify reasons", self.disqualify_reasons),
        ):
            lines.append("")
            if not reasons:
                lines.append(f"**{title}:** none.")
                continue
            lines += [f"**{title}:**", "", f"| reason | {counted} |", "|---|---:|"]
            lines += [f"| {_cell(r)} | {n} |" for r, n in reasons.items()]
        lines.append("")
        if self.stale:
            shown = ", ".join(self.stale[:limit]) + (", …" if len(self.stale) > limit else "")
            lines.append(f"**Stale at the end:** {_plural(len(self.stale), 'lead')} ({shown}).")
        else:
            lines.append("**Stale at the end:** none.")
        return "\n".join(lines) + "\n"

    def _sla_markdown(self, sla: SLA, summary: SLASummary, limit: int) -> list[str]:
        kinds = ", ".join(sla.touch_kinds)
        rate = summary.met_rate
        lines = [
            "",
            f"**Sales follow-up:** a first touch ({kinds}) within "
            f"{human_duration(sla.first_touch)} of entering {sla.stage}, counted in "
            f"{self.clock}.",
            "",
            "| clocks | met | late | no touch | pending | met rate |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {summary.clocks} | {summary.met} | {summary.late} | {summary.unanswered} "
            f"| {summary.pending} | {'—' if rate is None else f'{rate:.1%}'} |",
        ]
        if self.sla_breaches:
            lines += ["", "| lead | due | first touch |", "|---|---|---|"]
            for b in self.sla_breaches[:limit]:
                met = "no touch" if b.met_at is None else _when(b.met_at)
                lines.append(f"| {_cell(b.lead_id)} | {_when(b.due)} | {met} |")
            more = len(self.sla_breaches) - limit
            if more > 0:
                lines += ["", f"…and {more} more breach{'es' * (more > 1)}."]
        return lines

    def __repr__(self) -> str:
        return (
            f"FunnelReport(start={self.start.isoformat()!r}, end={self.end.isoformat()!r}, "
            f"lead_count={self.lead_count}, count_returns={self.count_returns})"
        )


# --- computing a report -----------------------------------------------------------------------


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
        grouped = group_by_lead(_checked_activities(activities))
    return _compute(plan, _checked_iterable(leads, "leads"), grouped)


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
    clock = _WALL if calendar is None else calendar
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


def _checked_iterable(value: object, where: str) -> Iterable[object]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        msg = f"{where} must be a collection (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="an iterable")
    return value


def _checked_activities(activities: object) -> Iterator[Activity]:
    for i, activity in enumerate(_checked_iterable(activities, "activities")):
        if not isinstance(activity, Activity):
            msg = f"activities[{i}] must be an Activity (got {activity!r})."
            where = f"activities[{i}]"
            raise ValidationError(msg, value=activity, where=where, expected="Activity")
        yield activity


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
        reasons=MappingProxyType({s: _most_common(c) for s, c in reasons.items()}),
        inputs=_Inputs(plan, tuple(tally.leads), activities),
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
            msg = f"leads[{position}] must be a Lead (got {lead!r})."
            raise ValidationError(msg, value=lead, where=f"leads[{position}]", expected="Lead")
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


def _most_common(counts: Mapping[str | None, int]) -> Mapping[str | None, int]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    return MappingProxyType(dict(ordered))


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


# --- breakdowns -------------------------------------------------------------------------------


def _dimension(dimension: object, end: datetime) -> Callable[[Lead], Hashable]:
    if isinstance(dimension, str):
        if dimension == "source":
            return lambda lead: lead.source
        if dimension == "owner":
            return lambda lead: _owner(lead, end)
        if dimension and dimension not in RESERVED_FACTS:
            return lambda lead: lead.value(dimension)
    elif callable(dimension):
        return dimension
    msg = (
        f"a dimension is 'source', 'owner', a profile field name or a function of the lead "
        f"(got {dimension!r})."
    )
    raise ValidationError(msg, value=dimension, where="by(dimension)", expected="a dimension")


def _owner(lead: Lead, end: datetime) -> str | None:
    """The lead's ``owner`` field, or else the last person to move it by `end`."""
    owner = lead.value("owner")
    if owner is not None:
        return str(owner)
    for change in reversed(lead.history):
        actor = change.actor
        if change.at <= end and actor is not None and actor not in _NOT_A_PERSON:
            return actor
    return None


def _sort(groups: Mapping[Hashable, object]) -> list[Hashable]:
    values = [key for key in groups if key is not None]
    # Values of one type that do not compare (tuples of mixed types) stay as first seen.
    with suppress(TypeError):
        values = sorted(values, key=lambda key: (type(key).__name__, key))
    return values + [None] * (None in groups)


# --- text and data ----------------------------------------------------------------------------


def _nested(pairs: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (a, b), n in pairs.items():
        out.setdefault(a, {})[b] = n
    return out


def _when(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="minutes")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _cell(text: str | None) -> str:
    return "(no reason given)" if text is None else text.replace("|", "\\|")


def human_duration(value: timedelta | None) -> str:
    """A duration as people read it: its largest unit and the next one ("2d 4h", "35m")."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    first = next((i for i, (n, _) in enumerate(parts) if n), 3)
    return " ".join(f"{n}{unit}" for n, unit in parts[first : first + 2] if n) or "0s"


class _Reader:
    """Reads `FunnelReport.to_dict` data, remembering where it is for the error message."""

    def __init__(self, data: object) -> None:
        self.data = data
        self.where = "$"

    def report(self) -> FunnelReport:
        d = self._mapping(self.data, "$")
        stages = self._texts(d, "stages")
        sla_data = self._get(d, "sla")
        summary = self._get(d, "sla_summary")
        return FunnelReport(
            start=self._time(self._get(d, "start"), "start"),
            end=self._time(self._get(d, "end"), "end"),
            stages=stages,
            main_path=self._texts(d, "main_path"),
            recycle_stages=self._texts(d, "recycle_stages"),
            disqualify_stages=self._texts(d, "disqualify_stages"),
            count_returns=self._bool(self._get(d, "count_returns"), "count_returns"),
            lead_count=self._int(self._get(d, "leads"), "leads"),
            stale=self._texts(d, "stale"),
            sla=None if sla_data is None else self._sla(sla_data),
            sla_summary=None if summary is None else self._summary(summary),
            clock=self._text(d.get("clock", describe(_WALL)), "clock"),
            sla_breaches=tuple(
                self._breach(b, f"sla_breaches[{i}]")
                for i, b in enumerate(self._list(self._get(d, "sla_breaches"), "sla_breaches"))
            ),
            reached=MappingProxyType(
                {
                    s: self._int(n, f"reached.{s}")
                    for s, n in self._mapping(self._get(d, "reached"), "reached").items()
                }
            ),
            converted=MappingProxyType(
                {
                    (a, b): self._int(n, f"converted.{a}.{b}")
                    for a, row in self._mapping(self._get(d, "converted"), "converted").items()
                    for b, n in self._mapping(row, f"converted.{a}").items()
                }
            ),
            times=MappingProxyType(
                {
                    s: self._times(t, f"time_in_stage.{s}")
                    for s, t in self._mapping(
                        self._get(d, "time_in_stage"), "time_in_stage"
                    ).items()
                }
            ),
            reasons=MappingProxyType(
                {
                    s: self._reasons(pairs, f"reasons.{s}")
                    for s, pairs in self._mapping(self._get(d, "reasons"), "reasons").items()
                }
            ),
        )

    def _fail(self, where: str, problem: str, value: object = _MISSING) -> ValidationError:
        self.where = "$" if where == "$" else f"$.{where}"
        got = "" if value is _MISSING else f" (got {value!r})"
        return ValidationError(f"{self.where}: {problem}{got}.", value=value)

    def _get(self, d: Mapping[str, object], key: str, within: str = "") -> object:
        if key not in d:
            raise self._fail(f"{within}.{key}" if within else key, f"missing {key!r}")
        return d[key]

    def _mapping(self, value: object, where: str) -> Mapping[str, object]:
        if not isinstance(value, Mapping):
            raise self._fail(where, "expected a mapping", value)
        return value

    def _list(self, value: object, where: str) -> list[object]:
        if not isinstance(value, list):
            raise self._fail(where, "expected a list", value)
        return value

    def _texts(self, d: Mapping[str, object], key: str) -> tuple[str, ...]:
        items = self._list(self._get(d, key), key)
        return tuple(self._text(item, f"{key}[{i}]") for i, item in enumerate(items))

    def _text(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            raise self._fail(where, "expected text", value)
        return value

    def _int(self, value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(where, "expected a whole number", value)
        return value

    def _bool(self, value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise self._fail(where, "expected true or false", value)
        return value

    def _seconds(self, value: object, where: str) -> timedelta:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(where, "expected a number of seconds", value)
        return timedelta(seconds=value)

    def _time(self, value: object, where: str) -> datetime:
        try:
            moment = datetime.fromisoformat(self._text(value, where))
        except ValueError:
            raise self._fail(where, "expected an ISO 8601 time", value) from None
        if moment.utcoffset() is None:
            raise self._fail(where, "expected a time with a zone", value)
        return moment

    def _times(self, value: object, where: str) -> TimeInStage:
        t = self._mapping(value, where)
        return TimeInStage(
            count=self._int(self._get(t, "count", where), f"{where}.count"),
            p50=self._seconds(self._get(t, "p50", where), f"{where}.p50"),
            p90=self._seconds(self._get(t, "p90", where), f"{where}.p90"),
            max=self._seconds(self._get(t, "max", where), f"{where}.max"),
        )

    def _reasons(self, value: object, where: str) -> Mapping[str | None, int]:
        counts: dict[str | None, int] = {}
        for i, pair in enumerate(self._list(value, where)):
            item = self._list(pair, f"{where}[{i}]")
            if len(item) != 2:
                raise self._fail(f"{where}[{i}]", "expected [reason, count]", pair)
            reason = None if item[0] is None else self._text(item[0], f"{where}[{i}][0]")
            counts[reason] = self._int(item[1], f"{where}[{i}][1]")
        return MappingProxyType(counts)

    def _sla(self, value: object) -> SLA:
        s = self._mapping(value, "sla")
        kinds = self._list(self._get(s, "touch_kinds", "sla"), "sla.touch_kinds")
        return SLA(
            first_touch=self._seconds(self._get(s, "first_touch", "sla"), "sla.first_touch"),
            touch_kinds=tuple(self._text(k, f"sla.touch_kinds[{i}]") for i, k in enumerate(kinds)),
            stage=self._text(self._get(s, "stage", "sla"), "sla.stage"),
        )

    def _summary(self, value: object) -> SLASummary:
        s = self._mapping(value, "sla_summary")
        names = ("clocks", "met", "late", "unanswered", "pending")
        counts = [self._int(self._get(s, n, "sla_summary"), f"sla_summary.{n}") for n in names]
        return SLASummary(*counts)

    def _breach(self, value: object, where: str) -> SLABreach:
        b = self._mapping(value, where)
        met_at = self._get(b, "met_at", where)
        return SLABreach(
            lead_id=self._text(self._get(b, "lead_id", where), f"{where}.lead_id"),
            stage=self._text(self._get(b, "stage", where), f"{where}.stage"),
            due=self._time(self._get(b, "due", where), f"{where}.due"),
            met_at=None if met_at is None else self._time(met_at, f"{where}.met_at"),
        )
