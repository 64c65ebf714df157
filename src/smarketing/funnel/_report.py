"""The funnel report: its numbers, asked for by stage, and its breakdowns into sub-reports.

`FunnelReport` is a frozen value; `funnel_report` (in `_compute`) builds it, `_markdown` renders
it, and `_data` gives its shape to the one converter, which turns it into data and back.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from contextlib import suppress
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final, TypeAlias

import attrs

from smarketing import _convert
from smarketing._calendar import describe
from smarketing.errors import ValidationError
from smarketing.funnel._markdown import markdown
from smarketing.funnel._sla import SLA, WALL, SLABreach, SLASummary
from smarketing.leads import RESERVED_FACTS, Lead

__all__ = ["Dimension", "FunnelReport", "Inputs", "TimeInStage", "most_common"]

#: Actors that are not a person: ``Lifecycle.advance`` records its moves as ``"auto"``.
_NOT_A_PERSON: Final = frozenset({"auto"})
_EMPTY: Final[Mapping[str | None, int]] = MappingProxyType({})

#: A dimension for `FunnelReport.by`: "source", "owner", a field name, or a function of the lead.
Dimension: TypeAlias = str | Callable[[Lead], Hashable]


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


@attrs.frozen(eq=False)
class Inputs:
    """What `by` and `cohorts` need for sub-reports: the leads, and how to count a group of them
    as the report was counted (same window, lifecycle, SLA, calendar and activities)."""

    leads: tuple[Lead, ...]
    recount: Callable[[Iterable[Lead]], FunnelReport]


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
    _inputs: Inputs | None = attrs.field(default=None, alias="inputs", eq=False)
    clock: str = describe(WALL)

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
        return most_common(counts)

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
        key_of = _dimension(dimension, self.end)
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
        return {key: inputs.recount(groups[key]) for key in _sort(groups)}

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
        return {key: inputs.recount(groups[key]) for key in sorted(groups)}

    def _require_inputs(self, method: str) -> Inputs:
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

        The same data as ``sm.to_dict(report)``, from the one converter: times are ISO 8601
        text and durations are written as in a playbook file (``"2d12h"``). ``leads`` is
        `lead_count`; ``converted`` holds the non-zero counts of `converted` as
        ``{stage: {target: count}}``; ``time_in_stage`` holds `durations`; ``reasons`` holds
        ``[reason, count]`` pairs (``reason`` may be ``null``), most common first.
        """
        data: dict[str, object] = _convert.to_dict(self)
        return data

    @classmethod
    def from_dict(cls, data: object) -> FunnelReport:
        """A report from `to_dict`'s output: the same numbers (but no leads to break down).

        Malformed data is a `ValidationError` naming the path inside the data and the problem.
        """
        return _convert.from_dict(cls, data)

    def to_markdown(self, *, limit: int = 10) -> str:
        """The report as Markdown tables: the funnel, the SLA, the reasons and the stale leads.

        Stages come in lifecycle order with how many reached them, the conversion to the next
        main-path stage and the median time in stage. Up to `limit` breaches and stale lead ids
        are listed, the rest counted.
        """
        return markdown(self, limit=limit)

    def __repr__(self) -> str:
        return (
            f"FunnelReport(start={self.start.isoformat()!r}, end={self.end.isoformat()!r}, "
            f"lead_count={self.lead_count}, count_returns={self.count_returns})"
        )


def most_common(counts: Mapping[str | None, int]) -> Mapping[str | None, int]:
    """Reason counts, most common first, ties in alphabetical order, ``None`` last."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    return MappingProxyType(dict(ordered))


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
