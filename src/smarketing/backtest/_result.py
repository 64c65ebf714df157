"""The backtest's result values, their figures and their Markdown and JSON-safe forms."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Final, Generic, Literal, TypeAlias, TypeVar

import attrs

from smarketing import _convert
from smarketing._format import when as _when
from smarketing.backtest._sweep import Sweep, SweepRow, _swept, _threshold
from smarketing.backtest._text import compared_rows
from smarketing.backtest._timeline import _first_mqls, _Timeline
from smarketing.errors import ValidationError
from smarketing.playbook import Playbook

_DAY: Final = 86_400.0
_WEEK: Final = timedelta(days=7)

Dimension: TypeAlias = Literal["persona", "source", "grade"]
_T = TypeVar("_T")


@attrs.frozen
class Compared(Generic[_T]):
    """One figure under the baseline and under the candidate playbook."""

    baseline: _T
    candidate: _T


@attrs.frozen
class LeadReplay:
    """One lead in a backtest: its recorded dates and its MQL date under each playbook.

    ``recorded`` is its first recorded entry into ``mql`` (``sql`` and ``customer`` likewise);
    ``baseline`` and ``candidate`` are when each playbook would first have made it an MQL
    (``None``: never, by the window's end); ``baseline_score`` and ``candidate_score`` are
    what each playbook scores it at its recorded MQL date (``None`` without one). ``persona``
    and ``grade`` are the baseline's view of the lead at the window's end.
    """

    lead_id: str
    source: str | None
    persona: str | None
    grade: str
    recorded: datetime | None
    sql: datetime | None
    customer: datetime | None
    baseline: datetime | None
    candidate: datetime | None
    baseline_score: float | None
    candidate_score: float | None


@attrs.frozen
class MQLChange:
    """A lead whose MQL date moves: under the baseline, under the candidate, and in the record.

    ``None`` means the playbook does not make it an MQL inside the window; ``sql`` says
    whether sales accepted it in the recorded history (inside the window).
    """

    lead_id: str
    baseline: datetime | None
    candidate: datetime | None
    recorded: datetime | None
    sql: bool

    @property
    def days(self) -> float | None:
        """Days the candidate gains (positive) or loses against the baseline; ``None`` if
        one of them never makes the lead an MQL."""
        if self.baseline is None or self.candidate is None:
            return None
        return (self.baseline - self.candidate).total_seconds() / _DAY


@attrs.frozen
class PlaybookResult:
    """What one playbook would have done over the window.

    ``mqls``: leads it makes MQLs inside the window; ``captured``: of those, the leads that
    became SQLs inside the window in the recorded history (``customers``: that became
    customers); ``precision`` = captured / mqls; ``recall`` = captured / all recorded SQLs in
    the window (``customer_recall`` likewise); ``median_days_gained``: the median of recorded
    MQL date minus replayed MQL date, in days, over its MQLs that have a recorded one
    (positive: earlier than it happened); ``mqls_per_week``: the load on sales;
    ``median_score_at_recorded``: the median score it gives the leads at their recorded MQL
    date. Figures without data are ``None``.
    """

    mqls: int
    captured: int
    customers: int
    precision: float | None
    recall: float | None
    customer_recall: float | None
    median_days_gained: float | None
    mqls_per_week: float
    median_score_at_recorded: float | None


class _Inputs:
    """What `Backtest.sweep` and `Backtest.by` replay again: the timelines and the playbooks."""

    __slots__ = ("baseline", "candidate", "timelines")

    def __init__(self, baseline: Playbook, candidate: Playbook, timelines: list[_Timeline]):
        self.baseline, self.candidate, self.timelines = baseline, candidate, timelines


@attrs.frozen
class Backtest:
    """What a candidate playbook would have done against the baseline, over ``[start, end]``.

    ``leads`` holds every lead replayed (`LeadReplay`); ``baseline`` and ``candidate`` the
    figures of each playbook (`PlaybookResult`); ``sqls`` and ``customers`` the leads that
    became SQLs and customers inside the window in the recorded history; ``unknown_activities``
    the activities naming no given lead (counted, not replayed), with up to ten of their lead
    ids in ``unknown_leads``.
    """

    start: datetime
    end: datetime
    leads: tuple[LeadReplay, ...]
    baseline: PlaybookResult
    candidate: PlaybookResult
    sqls: int
    customers: int
    unknown_activities: int = 0
    unknown_leads: tuple[str, ...] = ()
    _inputs: _Inputs | None = attrs.field(default=None, eq=False, repr=False, alias="_inputs")

    @property
    def mqls(self) -> Compared[int]:
        """MQLs inside the window under each playbook."""
        return Compared(self.baseline.mqls, self.candidate.mqls)

    @property
    def captured(self) -> Compared[int]:
        """MQLs that became SQLs inside the window, under each playbook."""
        return Compared(self.baseline.captured, self.candidate.captured)

    @property
    def precision(self) -> Compared[float | None]:
        """Captured / MQLs under each playbook (the SQL rate of its MQLs)."""
        return Compared(self.baseline.precision, self.candidate.precision)

    @property
    def recall(self) -> Compared[float | None]:
        """Captured / recorded SQLs in the window, under each playbook."""
        return Compared(self.baseline.recall, self.candidate.recall)

    @property
    def changed(self) -> tuple[MQLChange, ...]:
        """The leads whose MQL date in the window differs between the playbooks, by lead id."""
        out = []
        for r in self.leads:
            b, c = self._inside(r.baseline), self._inside(r.candidate)
            if b != c:
                sql = r.sql is not None and self._inside(r.sql) is not None
                out.append(MQLChange(r.lead_id, b, c, r.recorded, sql))
        return tuple(out)

    @property
    def lost(self) -> tuple[MQLChange, ...]:
        """The baseline's MQLs that the candidate never makes MQLs in the window."""
        return tuple(c for c in self.changed if c.candidate is None)

    @property
    def gained(self) -> tuple[MQLChange, ...]:
        """The candidate's MQLs that the baseline never makes MQLs in the window."""
        return tuple(c for c in self.changed if c.baseline is None)

    def _inside(self, moment: datetime | None) -> datetime | None:
        return moment if moment is not None and self.start <= moment <= self.end else None

    def by(self, dimension: Dimension) -> dict[str | None, Backtest]:
        """Sub-backtests per ``persona``, ``source`` or ``grade`` (``None`` last)."""
        if dimension not in ("persona", "source", "grade"):
            msg = f"Backtest.by() takes 'persona', 'source' or 'grade' (got {dimension!r})."
            raise ValidationError(msg, value=dimension, where="by(dimension)", expected="persona")
        groups: dict[str | None, list[int]] = {}
        for index, r in enumerate(self.leads):
            groups.setdefault(getattr(r, dimension), []).append(index)
        keys: list[str | None] = sorted((k for k in groups if k is not None), key=str)
        if None in groups:
            keys.append(None)
        return {key: self._subset(groups[key]) for key in keys}

    def _subset(self, indexes: list[int]) -> Backtest:
        records = [self.leads[i] for i in indexes]
        inputs = self._inputs
        if inputs is not None:
            inputs = _Inputs(
                inputs.baseline, inputs.candidate, [inputs.timelines[i] for i in indexes]
            )
        return _result(records, self.start, self.end, inputs, 0, ())

    def sweep(self, fact: str, thresholds: Iterable[float]) -> Sweep:
        """The candidate's MQL threshold on ``fact`` swept over ``thresholds``, in one pass.

        ``fact`` is one the candidate's MQL definition compares with ``>=`` or ``>`` (``score``,
        ``fit``, ``probability``, ...); each threshold replaces the number in those
        comparisons. When every such comparison is positive (not under ``not``), a stricter
        threshold can only qualify a lead later, so one replay per lead serves every
        threshold; otherwise each threshold is replayed on its own.
        """
        inputs = self._inputs
        if inputs is None:
            msg = "this backtest was rebuilt from data; sweep() needs the leads it replayed."
            raise ValidationError(msg, value=self, where="Backtest.sweep", expected="a replay")
        values = sorted({_threshold(t) for t in thresholds})
        if not values:
            msg = "sweep() needs at least one threshold."
            raise ValidationError(msg, value=thresholds, where="sweep(thresholds)")
        engines, nested = _swept(inputs.candidate, fact, values)
        counts = [[0, 0, 0] for _ in values]
        for tl in inputs.timelines:
            for i, mql in enumerate(_first_mqls(engines, tl, self.end, nested=nested)):
                if self._inside(mql) is None:
                    continue
                row = counts[i]
                row[0] += 1
                row[1] += self._inside(tl.sql) is not None
                row[2] += self._inside(tl.customer) is not None
        weeks = (self.end - self.start) / _WEEK
        rows = tuple(
            SweepRow(v, n, c, c / n if n else None, w, n / weeks if weeks else 0.0)
            for v, (n, c, w) in zip(values, counts, strict=True)
        )
        return Sweep(fact, rows)

    def to_dict(self) -> dict[str, object]:
        """The backtest as JSON-safe data: times as ISO 8601 text, figures as numbers.

        The same data as ``sm.to_dict(backtest)``, from the one converter;
        ``sm.from_dict(Backtest, data)`` reads it back (without the replays `sweep` needs)."""
        data: dict[str, object] = _convert.to_dict(self)
        return data

    def to_markdown(self, *, limit: int = 10) -> str:
        """The backtest as Markdown: the two playbooks side by side, then the moved leads."""
        b, c = self.baseline, self.candidate
        rows = compared_rows(b, c)
        lines = [
            f"**Backtest** from {self.start.isoformat()} to {self.end.isoformat()}: "
            f"{len(self.leads):,} leads, {self.sqls:,} recorded SQLs, "
            f"{self.customers:,} recorded customers.",
            "",
            "| | baseline | candidate |",
            "|---|---:|---:|",
            *(f"| {name} | {x} | {y} |" for name, x, y in rows),
        ]
        if self.unknown_activities:
            lines += [
                "",
                f"{self.unknown_activities:,} activities name no given lead and were not "
                f"replayed (e.g. {', '.join(self.unknown_leads)}).",
            ]
        lost, gained = self.lost, self.gained
        moved = [x for x in self.changed if x.baseline is not None and x.candidate is not None]
        lines += [
            "",
            f"{len(self.changed):,} leads change: {len(lost):,} lost "
            f"({sum(x.sql for x in lost):,} of them recorded SQLs), {len(gained):,} gained, "
            f"{len(moved):,} moved.",
        ]
        if self.changed:
            lines += ["", "| lead | baseline | candidate | recorded SQL |", "|---|---|---|---|"]
            for x in self.changed[:limit]:
                lines.append(
                    f"| {x.lead_id} | {_when(x.baseline)} | {_when(x.candidate)} | "
                    f"{'yes' if x.sql else 'no'} |"
                )
            if len(self.changed) > limit:
                lines.append(f"| ... {len(self.changed) - limit:,} more | | | |")
        return "\n".join(lines) + "\n"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _stats(
    records: Sequence[LeadReplay],
    which: Literal["baseline", "candidate"],
    start: datetime,
    end: datetime,
    sqls: int,
    customers: int,
) -> PlaybookResult:
    def inside(moment: datetime | None) -> bool:
        return moment is not None and start <= moment <= end

    mqls = captured = won = 0
    gained: list[float] = []
    scores: list[float] = []
    for r in records:
        score = r.baseline_score if which == "baseline" else r.candidate_score
        if score is not None:
            scores.append(score)
        mql = r.baseline if which == "baseline" else r.candidate
        if not inside(mql):
            continue
        mqls += 1
        captured += inside(r.sql)
        won += inside(r.customer)
        if r.recorded is not None and mql is not None:
            gained.append((r.recorded - mql).total_seconds() / _DAY)
    weeks = (end - start) / _WEEK
    return PlaybookResult(
        mqls=mqls,
        captured=captured,
        customers=won,
        precision=captured / mqls if mqls else None,
        recall=captured / sqls if sqls else None,
        customer_recall=won / customers if customers else None,
        median_days_gained=_median(gained),
        mqls_per_week=mqls / weeks if weeks else 0.0,
        median_score_at_recorded=_median(scores),
    )


def _result(
    records: Sequence[LeadReplay],
    start: datetime,
    end: datetime,
    inputs: _Inputs | None,
    unknown: int,
    unknown_leads: tuple[str, ...],
) -> Backtest:
    def inside(moment: datetime | None) -> bool:
        return moment is not None and start <= moment <= end

    sqls = sum(inside(r.sql) for r in records)
    customers = sum(inside(r.customer) for r in records)
    return Backtest(
        start,
        end,
        tuple(records),
        _stats(records, "baseline", start, end, sqls, customers),
        _stats(records, "candidate", start, end, sqls, customers),
        sqls,
        customers,
        unknown,
        unknown_leads,
        _inputs=inputs,
    )
