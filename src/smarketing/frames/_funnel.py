"""A funnel report from frames of stage changes: grouped aggregations in the user's engine.

The frames mirror the files `smarketing.io` reads, so a user reads the same files into frames:

* ``history``: one row per stage change, the columns of a history file (``read_history``):
  ``lead_id``, ``from_stage``, ``to_stage``, ``at`` and, optionally, ``reason`` (``trigger``
  and ``actor`` may be there; the funnel does not read them).
* ``leads``: one row per lead, the columns of a leads file: ``id``, ``created_at`` and
  ``stage``. A lead's creation is its entry into its initial stage: the ``from_stage`` of its
  first change, or its ``stage`` when it never moved (as ``Lead.initial_stage``). A history
  file carries no creation times, so the leads frame is needed.
* ``activities`` (for the SLA): ``lead_id``, ``kind``, ``at``.

A lead's changes are taken oldest first. Changes at the same instant are taken in the order of
the ``order`` column when one is named (a line number, say), else in row order on an eager
frame (pandas, Polars, PyArrow: the file's order); a lazy frame has no row order, so there two
changes of one lead at one instant need ``order``. Times must not go backwards along that
order, as in a history file.

Every count is a group-by, a join or a window over the frames, run by the engine; only the
aggregated numbers (and the lists the report holds: stale ids, SLA breaches) are collected to
build the `FunnelReport`. An SLA runs on wall-clock time only: adding working hours on a
`BusinessCalendar` (zones, weekdays, holidays) is not an expression the engines share, so an
SLA with a business calendar is a `ValidationError` here (use ``sm.funnel_report``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, TypeAlias

import narwhals as nw
import narwhals.dtypes as nw_dtypes

from smarketing import _validate as _v
from smarketing._calendar import WallClock, describe
from smarketing.frames._frame import NUMBER, TEXT, family, require, wrap
from smarketing.funnel._compute import _percentile, _Plan, _plan
from smarketing.funnel._report import FunnelReport, TimeInStage, most_common
from smarketing.funnel._sla import SLA, SLABreach, SLASummary
from smarketing.lifecycle import Lifecycle

__all__ = ["HISTORY_COLUMNS", "LEAD_COLUMNS", "funnel_report"]

#: A narwhals frame, eager or lazy. Their methods are shared, but `join` and `concat` take
#: frames of one kind, which a union of the two cannot say: typed loosely here on purpose.
Frame: TypeAlias = Any

#: The columns the funnel reads from each frame (``reason`` is optional in the history).
HISTORY_COLUMNS: Final = ("lead_id", "from_stage", "to_stage", "at")
LEAD_COLUMNS: Final = ("id", "created_at", "stage")
_ACTIVITY_COLUMNS: Final = ("lead_id", "kind", "at")

#: Engines whose narwhals layer has no ordered window per group: they number rows in one
#: global order and subtract each group's first number instead.
_NO_GROUP_RANK: Final = frozenset({nw.Implementation.PYARROW, nw.Implementation.DASK})
#: Far beyond any position inside one lead's history.
_NEVER: Final = 2**62


def funnel_report(
    history: object,
    *,
    leads: object,
    lifecycle: Lifecycle,
    start: datetime,
    end: datetime,
    sla: SLA | None = None,
    activities: object | None = None,
    calendar: object | None = None,
    count_returns: bool = False,
    order: str | None = None,
) -> FunnelReport:
    """The `FunnelReport` that ``sm.funnel_report`` gives for the same leads, from frames.

    `history` holds one row per stage change and `leads` one row per lead, with the columns
    of a history file and a leads file (see the module's docstring); `activities` are read
    only for the `sla`. `order` names a column of `history` that orders one lead's changes
    at the same instant. The options mean what they mean in ``sm.funnel_report``;
    `calendar` may be given, but an SLA is checked on wall-clock time only.

    The report has no leads to break down: ``by`` and ``cohorts`` raise; filter the frames
    and call again for a sub-report.

    Raises `ValidationError`, naming the column or the value, for a frame without a column
    the funnel reads, a text column holding something else, naive or non-time ``at`` and
    ``created_at`` columns, nulls where a value is needed, a stage the lifecycle lacks, two
    leads with one id, changes of a lead the leads frame lacks, changes at one instant with
    nothing to order them, a history going back in time, and an SLA on a business calendar.
    """
    plan = _plan(lifecycle, start, end, sla, calendar, count_returns)
    if plan.sla is not None and not isinstance(plan.calendar, WallClock):
        msg = (
            "smf.funnel_report checks an SLA on wall-clock time only: working hours on a "
            "BusinessCalendar are not computed as frame expressions; use sm.funnel_report."
        )
        raise _v.runtime(msg, value=calendar, where="calendar", expected="None or a WallClock")
    frames = _Frames.read(history, leads, activities if plan.sla is not None else None, order)
    events = _events(plan, frames)
    return _report(plan, frames, events)


# --- reading and checking the frames ------------------------------------------------------------


class _Frames:
    """The user's frames, wrapped, checked and narrowed to the columns the funnel reads."""

    def __init__(self, history: Frame, leads: Frame, activities: Frame | None, key: str) -> None:
        self.history, self.leads, self.activities, self.key = history, leads, activities, key

    @classmethod
    def read(
        cls, history: object, leads: object, activities: object | None, given: object
    ) -> _Frames:
        h = wrap(history, "history")
        lf = wrap(leads, "leads")
        a = None if activities is None else wrap(activities, "activities")
        _same_engine(h, lf, a)
        if given is not None and not isinstance(given, str):
            msg = f"order must be a column name or None (got {given!r})."
            raise _v.runtime(msg, value=given, where="order", expected="a column name")
        order = given
        wanted = (*HISTORY_COLUMNS, *(() if order is None else (order,)))
        types = require(h, wanted, "history")
        _kinds(types, ("lead_id", "from_stage", "to_stage"), TEXT, "history")
        _aware(types, "at", "history")
        reason = nw.col("reason") if "reason" in types else nw.lit(None, nw.String())
        if "reason" in types:
            _kinds(types, ("reason",), TEXT, "history")
        if order is not None:
            _kinds(types, (order,), NUMBER, "history")
        _kinds(require(lf, LEAD_COLUMNS, "leads"), ("id", "stage"), TEXT, "leads")
        _aware(schema_of(lf), "created_at", "leads")
        if a is not None:
            atypes = require(a, _ACTIVITY_COLUMNS, "activities")
            _kinds(atypes, ("lead_id", "kind"), TEXT, "activities")
            _aware(atypes, "at", "activities")
        # Every time in UTC, as the window's and the SLA's bounds are: a column in another zone
        # is the same instants, and compared with them Polars refuses a zone that differs.
        columns = [_in_utc(h, c) if c == "at" else nw.col(c) for c in HISTORY_COLUMNS]
        columns.append(reason.alias("reason"))
        if a is not None and _zone(a, "at") not in _UTC_NAMES:
            a = a.with_columns(_in_utc(a, "at"))
        if order is not None:
            h = h.select(*columns, nw.col(order).alias("_order"))
            key = "_order"
        elif isinstance(h, nw.DataFrame):
            h = h.select(*columns).with_row_index("_order")
            key = "_order"
        else:
            h = h.select(*columns)
            key = "at"
        lazy = [f for f in (h, lf, a) if isinstance(f, nw.LazyFrame)]
        if lazy:  # one Polars frame eager and one lazy: join them lazily
            h, lf = _lazy(h), _lazy(lf)
            a = None if a is None else _lazy(a)
        leads_in_utc = (_in_utc(lf, c) if c == "created_at" else nw.col(c) for c in LEAD_COLUMNS)
        return cls(h, lf.select(*leads_in_utc), a, key)


def schema_of(frame: Frame) -> Mapping[str, nw_dtypes.DType]:
    return dict(frame.collect_schema())


def _lazy(frame: Frame) -> Frame:
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


def _same_engine(*frames: Frame | None) -> None:
    engines = {f.implementation for f in frames if f is not None}
    if len(engines) > 1:
        names = ", ".join(sorted(str(e).rsplit(".", 1)[-1].lower() for e in engines))
        msg = f"history, leads and activities must be frames of one engine (got {names})."
        raise _v.runtime(msg, value=names, where="frames", expected="one engine")


def _kinds(
    types: Mapping[str, nw_dtypes.DType], columns: Iterable[str], kind: str, where: str
) -> None:
    for name in columns:
        found = family(types[name])
        if found not in (kind, "null"):
            msg = f"{where}[{name!r}] must hold {kind} (its type is {types[name]})."
            raise _v.runtime(msg, value=name, where=f"{where}[{name!r}]", expected=kind)


def _aware(types: Mapping[str, nw_dtypes.DType], name: str, where: str) -> None:
    dtype = types[name]
    if not isinstance(dtype, nw.Datetime) or dtype.time_zone is None:
        problem = "naive times (no time zone)" if isinstance(dtype, nw.Datetime) else str(dtype)
        msg = (
            f"{where}[{name!r}] must hold timezone-aware times (got {problem}); "
            "convert it, e.g. with dt.replace_time_zone('UTC')."
        )
        raise _v.runtime(msg, value=name, where=f"{where}[{name!r}]", expected="aware datetimes")


def _first(frame: Frame) -> tuple[Any, ...] | None:
    """The first row of `frame` (collected), or ``None`` when it is empty."""
    rows = _rows(frame.head(1))
    return rows[0] if rows else None


def _rows(frame: Frame) -> list[tuple[Any, ...]]:
    eager = frame.collect() if isinstance(frame, nw.LazyFrame) else frame
    return list(eager.rows())


def _check_values(plan: _Plan, frames: _Frames) -> None:
    """The checks that read values: cheap scans and group-bys, before the funnel's work."""
    names = list(plan.index)
    for frame, where, columns in (
        (frames.history, "history", (*HISTORY_COLUMNS, frames.key)),
        (frames.leads, "leads", LEAD_COLUMNS),
        *(
            ()
            if frames.activities is None
            else ((frames.activities, "activities", _ACTIVITY_COLUMNS),)
        ),
    ):
        wanted = list(dict.fromkeys(columns))
        row = _first(frame.select(*(nw.col(c).is_null().any() for c in wanted)))
        for name, empty in zip(wanted, row or (), strict=False):
            if empty:
                shown = "order" if name == "_order" else name
                msg = f"{where}[{shown!r}] has a null; every row needs a value there."
                raise _v.runtime(msg, value=None, where=f"{where}[{shown!r}]", expected="a value")
    for frame, where, column in (
        (frames.history, "history", "from_stage"),
        (frames.history, "history", "to_stage"),
        (frames.leads, "leads", "stage"),
    ):
        row = _first(frame.filter(~nw.col(column).is_in(names)).select(column))
        if row is not None:
            msg = (
                f"{where}[{column!r}] holds {row[0]!r}, which is not a stage of the lifecycle "
                f"({', '.join(names)})."
            )
            raise _v.runtime(msg, value=row[0], where=f"{where}[{column!r}]", expected="a stage")
    twice = frames.leads.group_by("id").agg(nw.len().alias("_n")).filter(nw.col("_n") > 1)
    row = _first(twice.select("id"))
    if row is not None:
        msg = f"lead id {row[0]!r} appears twice in leads; each lead must be given once."
        raise _v.runtime(msg, value=row[0], where="leads['id']", expected="distinct ids")
    known = frames.leads.select(nw.col("id").alias("lead_id"))
    row = _first(frames.history.select("lead_id").join(known, on="lead_id", how="anti"))
    if row is not None:
        msg = f"history has changes of lead {row[0]!r}, which leads does not list."
        raise _v.runtime(msg, value=row[0], where="history['lead_id']", expected="a lead of leads")


def _check_ties(frames: _Frames) -> None:
    keys = ["lead_id", frames.key]
    ties = frames.history.group_by(*keys).agg(nw.len().alias("_n")).filter(nw.col("_n") > 1)
    row = _first(ties.select(*keys))
    if row is None:
        return
    if frames.key == "at":
        msg = (
            f"lead {row[0]!r} has two changes at {row[1].isoformat()} and a lazy frame has no "
            "row order: name a column that orders them with order=... (a line number)."
        )
        raise _v.runtime(msg, value=row[1], where="history['at']", expected="order=...")
    msg = f"lead {row[0]!r} has two changes with order {row[1]!r}; order must tell them apart."
    raise _v.runtime(msg, value=row[1], where="history[order]", expected="distinct values")


# --- events: each lead's creation and changes, numbered in order -------------------------------


def _rank(frame: Frame, group: Sequence[str], key: str, name: str) -> Frame:
    """`frame` with `name`: each row's 0-based position inside its `group`, ordered by `key`."""
    if frame.implementation not in _NO_GROUP_RANK:
        position = nw.col(key).rank("ordinal").over(*group) - 1
        return frame.with_columns(position.cast(nw.Int64).alias(name))
    numbered = _distinct_index(frame).with_row_index("_row", order_by=[*group, key])
    firsts = numbered.group_by(*group).agg(nw.col("_row").min().alias("_row0"))
    position = (nw.col("_row") - nw.col("_row0")).cast(nw.Int64)
    return numbered.join(firsts, on=list(group)).with_columns(position.alias(name))


def _distinct_index(frame: Frame) -> Frame:
    """`frame`, on Dask with an index of distinct labels (a join repeats them, and Dask's
    ordered numbering aligns on the index); other engines have no index to mind."""
    # Dask's branch runs in the engines tests, which make test runs without coverage.
    if frame.implementation is nw.Implementation.DASK:  # pragma: no cover
        native = frame.to_native()
        native = native.assign(_unique=1)
        native = native.assign(_unique=native["_unique"].cumsum())
        out: Frame = nw.from_native(native.set_index("_unique", sorted=True))
        return out
    return frame


def _kept(frame: Frame) -> Frame:
    """`frame` worked out once where the engine would otherwise redo it for every later query:
    Dask and Spark re-run a shared part of the plan per query (``persist`` and ``cache`` keep
    it, still a Dask or Spark frame); the other engines are left as they are. (Both branches
    run in the engines tests, which make test runs without coverage.)"""
    if frame.implementation is nw.Implementation.DASK:  # pragma: no cover
        persisted: Frame = nw.from_native(frame.to_native().persist())
        return persisted
    if frame.implementation is nw.Implementation.PYSPARK:  # pragma: no cover
        cached: Frame = nw.from_native(frame.to_native().cache())
        return cached
    return frame


def _events(plan: _Plan, frames: _Frames) -> Frame:
    """One row per entry into a stage by `end` (creation included) of the leads created by
    `end`: ``lead``, ``at``, ``stage``, ``reason``, ``idx`` (0 for the creation) and ``change``."""
    _check_values(plan, frames)
    _check_ties(frames)
    changes = _rank(frames.history, ["lead_id"], frames.key, "idx").with_columns(nw.col("idx") + 1)
    firsts = changes.filter(nw.col("idx") == 1).select(
        nw.col("lead_id").alias("lead"), nw.col("from_stage").alias("_initial")
    )
    leads = frames.leads.select(
        nw.col("id").alias("lead"), nw.col("created_at").alias("at"), nw.col("stage")
    )
    born = leads.join(firsts, on="lead", how="left").select(
        "lead",
        "at",
        nw.coalesce(nw.col("_initial"), nw.col("stage")).alias("stage"),
        nw.lit(None, nw.String()).alias("reason"),
        nw.lit(0, nw.Int64()).alias("idx"),
        nw.lit(False).alias("change"),
    )
    moved = changes.select(
        nw.col("lead_id").alias("lead"),
        nw.col("at"),
        nw.col("to_stage").alias("stage"),
        nw.col("reason").cast(nw.String()),
        nw.col("idx").cast(nw.Int64()),
        nw.lit(True).alias("change"),
    )
    everything = _kept(nw.concat([born, moved], how="vertical"))
    _check_time_order(everything)
    kept = born.filter(nw.col("at") <= nw.lit(plan.end)).select("lead")
    inside = everything.filter(nw.col("at") <= nw.lit(plan.end))
    return _kept(inside.join(kept, on="lead", how="semi"))


def _zone(frame: Frame, column: str) -> str:
    dtype = schema_of(frame)[column]
    zone: str | None = getattr(dtype, "time_zone", None)
    return zone or "UTC"  # the reading checked it is there


# The names engines give UTC (DuckDB's connection zone is Etc/UTC, and it converts to no other).
_UTC_NAMES: Final = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "+00:00"})


def _in_utc(frame: Frame, column: str) -> nw.Expr:
    """`column` (aware times) in UTC, where the report's bounds and every other time are."""
    if _zone(frame, column) in _UTC_NAMES:
        return nw.col(column)
    return nw.col(column).dt.convert_time_zone("UTC").alias(column)


def _next(rows: Frame, events: Frame, columns: Sequence[str]) -> Frame:
    """`rows` (of `events`) joined to each lead's next event (inner: the last has none)."""
    following = events.select(
        nw.col("lead"),
        (nw.col("idx") - 1).alias("idx"),
        *(nw.col(c).alias(f"next_{c}") for c in columns),
    )
    return rows.join(following, on=["lead", "idx"])


def _check_time_order(events: Frame) -> None:
    back = _next(events, events, ["at", "stage"]).filter(nw.col("next_at") < nw.col("at"))
    row = _first(back.select("lead", "next_stage", "next_at", "at"))
    if row is not None:
        lead, stage, at, since = row
        msg = (
            f"lead {lead!r}: the change to {stage!r} at {_py_time(at).isoformat()} is earlier "
            f"than the one before it ({_py_time(since).isoformat()})."
        )
        raise _v.runtime(msg, value=at, where=f"lead {lead!r} history", expected="time order")


# --- the report ----------------------------------------------------------------------------------


def _counts(frame: Frame, keys: Sequence[str]) -> dict[tuple[Any, ...], int]:
    grouped = frame.group_by(*keys).agg(nw.len().alias("_n"))
    return {tuple(row[:-1]): int(row[-1]) for row in _rows(grouped.select(*keys, "_n"))}


def _report(plan: _Plan, frames: _Frames, events: Frame) -> FunnelReport:
    names = plan.lifecycle.stage_names
    inside = events.filter(nw.col("at") >= nw.lit(plan.start))
    spans = (
        _kept(inside)
        .group_by("lead", "stage")
        .agg(nw.col("idx").min().alias("first"), nw.col("idx").max().alias("last"))
    )
    marked = _kept(
        inside.join(spans, on=["lead", "stage"]).with_columns(
            (nw.col("idx") == nw.col("first")).alias("is_first")
        )
    )
    counted = marked if plan.count_returns else marked.filter(nw.col("is_first"))
    reached = _counts(counted, ["stage"])
    converted = _converted(plan, inside, spans)
    summary: SLASummary | None = None
    breaches: tuple[SLABreach, ...] = ()
    if plan.sla is not None:
        summary, breaches = _follow_ups(plan, plan.sla, counted, frames.activities)
    return FunnelReport(
        start=plan.start,
        end=plan.end,
        stages=names,
        main_path=plan.lifecycle.main_path,
        recycle_stages=plan.recycle,
        disqualify_stages=plan.disqualify,
        count_returns=plan.count_returns,
        lead_count=int(_rows(events.filter(nw.col("idx") == 0).select(nw.len()))[0][0]),
        stale=_stale(plan, events),
        sla=plan.sla,
        sla_summary=summary,
        sla_breaches=breaches,
        reached=MappingProxyType({s: reached.get((s,), 0) for s in names}),
        converted=MappingProxyType(dict(sorted(converted.items(), key=lambda kv: _pair(plan, kv)))),
        times=MappingProxyType(_times(plan, events, counted)),
        reasons=MappingProxyType(_reasons(plan, marked)),
        clock=describe(plan.calendar),
    )


def _pair(plan: _Plan, item: tuple[tuple[str, str], int]) -> tuple[int, int]:
    (a, b), _ = item
    return plan.index[a], plan.index[b]


def _converted(plan: _Plan, inside: Frame, spans: Frame) -> dict[tuple[str, str], int]:
    """Of each stage's entries, how many went on to each stage (see `FunnelReport.converted`)."""
    if not plan.count_returns:
        # A lead converts from a to b when its last entry into b follows its first into a.
        later = spans.select("lead", nw.col("stage").alias("target"), nw.col("last").alias("_b"))
        pairs = spans.join(later, on="lead").filter(nw.col("_b") > nw.col("first"))
        return {(a, b): n for (a, b), n in _counts(pairs, ["stage", "target"]).items()}
    # Each entry converts to b when the lead enters b after it and no later than its next
    # entry into the same stage (for b == a: when there is a next entry at all).
    ranked = _rank(inside, ["lead", "stage"], "idx", "_visit")
    again = ranked.select(
        "lead", "stage", (nw.col("_visit") - 1).alias("_visit"), nw.col("idx").alias("_until")
    )
    bounded = ranked.join(again, on=["lead", "stage", "_visit"], how="left").with_columns(
        nw.col("_until").fill_null(_NEVER)
    )
    targets = inside.select("lead", nw.col("stage").alias("target"), nw.col("idx").alias("_b"))
    pairs = bounded.join(targets, on="lead").filter(
        (nw.col("_b") > nw.col("idx")) & (nw.col("_b") <= nw.col("_until"))
    )
    once = pairs.select("lead", "idx", "stage", "target").unique()
    return {(a, b): n for (a, b), n in _counts(once, ["stage", "target"]).items()}


def _times(plan: _Plan, events: Frame, counted: Frame) -> dict[str, TimeInStage]:
    """Each stage's stays that began and ended in the window: count and percentiles."""
    begun = counted.select("lead", "idx", "stage", "at")
    stays = _next(begun, events, ["at"]).select(
        "stage", (nw.col("next_at") - nw.col("at")).alias("_stay")
    )
    ranked = _rank(stays, ["stage"], "_stay", "_rank")
    sizes = ranked.group_by("stage").agg(nw.len().alias("_size"))
    wanted = nw.lit(False)
    n = nw.col("_size") - 1
    for percent in (50, 90):
        low = (n * percent) // 100
        wanted = wanted | (nw.col("_rank") == low) | (nw.col("_rank") == low + 1)
    wanted = wanted | (nw.col("_rank") == n)
    picked = ranked.join(sizes, on="stage").filter(wanted)
    found: dict[str, dict[int, timedelta]] = {}
    total: dict[str, int] = {}
    for stage, rank, size, stay in _rows(picked.select("stage", "_rank", "_size", "_stay")):
        found.setdefault(stage, {})[int(rank)] = _py_duration(stay)
        total[stage] = int(size)
    out: dict[str, TimeInStage] = {}
    for stage in plan.lifecycle.stage_names:
        if stage not in found:
            continue
        at, size = found[stage], total[stage]
        ordered = _Sparse(at, size)
        out[stage] = TimeInStage(
            count=size,
            p50=_percentile(ordered, 50),  # type: ignore[arg-type]
            p90=_percentile(ordered, 90),  # type: ignore[arg-type]
            max=at[size - 1],
        )
    return out


class _Sparse:
    """The few ranks of a sorted list of stays that percentiles read, indexed like the list."""

    def __init__(self, at: Mapping[int, timedelta], size: int) -> None:
        self._at, self._size = at, size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, rank: int) -> timedelta:
        return self._at[rank]


def _reasons(plan: _Plan, entries: Frame) -> dict[str, Mapping[str | None, int]]:
    side = [s for s, out in zip(plan.lifecycle.stage_names, plan.side, strict=True) if out]
    moves = entries.filter(nw.col("change") & nw.col("stage").is_in(side))
    if not plan.count_returns:
        moves = moves.select("lead", "stage", "reason").unique()
    counts: dict[str, dict[str | None, int]] = {}
    for (stage, reason), n in _counts(moves, ["stage", "reason"]).items():
        counts.setdefault(stage, {})[reason] = n
    return {s: most_common(counts[s]) for s in plan.lifecycle.stage_names if s in counts}


def _stale(plan: _Plan, events: Frame) -> tuple[str, ...]:
    """Leads whose last stage by `end` has a ``max_age`` they have sat past at `end`."""
    aged = [
        (s, age) for s, age in zip(plan.lifecycle.stage_names, plan.max_age, strict=True) if age
    ]
    if not aged:
        return ()
    last = events.group_by("lead").agg(nw.col("idx").max().alias("idx"))
    now = events.join(last, on=["lead", "idx"])
    past = nw.lit(False)
    for stage, age in aged:
        past = past | ((nw.col("stage") == stage) & (nw.col("at") < nw.lit(plan.end - age)))
    return tuple(sorted(str(row[0]) for row in _rows(now.filter(past).select("lead"))))


def _follow_ups(
    plan: _Plan, sla: SLA, counted: Frame, activities: Frame | None
) -> tuple[SLASummary, tuple[SLABreach, ...]]:
    """Each clock's first touch: the earliest touch at or after the entry and by the end."""
    clocks = counted.filter(nw.col("stage") == sla.stage).select("lead", "idx", "at")
    if activities is None:
        timed = clocks.with_columns(nw.lit(None, nw.Datetime("us", "UTC")).alias("_touch"))
    else:
        touches = activities.filter(
            nw.col("kind").is_in(list(sla.touch_kinds)) & (nw.col("at") <= nw.lit(plan.end))
        ).select(nw.col("lead_id").alias("lead"), nw.col("at").alias("_t"))
        firsts = (
            clocks.join(touches, on="lead")
            .filter(nw.col("_t") >= nw.col("at"))
            .group_by("lead", "idx")
            .agg(nw.col("_t").min().alias("_touch"))
        )
        timed = clocks.join(firsts, on=["lead", "idx"], how="left")
    due = nw.col("at") + nw.lit(sla.first_touch)
    untouched = nw.col("_touch").is_null()
    touched = ~untouched
    states = timed.with_columns(due.alias("_due")).select(
        "lead",
        "_due",
        "_touch",
        (touched & (nw.col("_touch") <= nw.col("_due"))).alias("met"),
        (touched & (nw.col("_touch") > nw.col("_due"))).alias("late"),
        (untouched & (nw.col("_due") <= nw.lit(plan.end))).alias("unanswered"),
        (untouched & (nw.col("_due") > nw.lit(plan.end))).alias("pending"),
    )
    kinds = ("met", "late", "unanswered", "pending")
    totals = _rows(
        states.select(nw.len().alias("clocks"), *(nw.col(k).cast(nw.Int64).sum() for k in kinds))
    )[0]
    summary = SLASummary(*(int(x or 0) for x in totals))
    missed = states.filter(nw.col("late") | nw.col("unanswered")).select("lead", "_due", "_touch")
    breaches = [
        SLABreach(str(lead), sla.stage, _py_time(d), None if _null(t) else _py_time(t))
        for lead, d, t in _rows(missed)
    ]
    breaches.sort(key=lambda b: (b.due, b.lead_id))
    return summary, tuple(breaches)


# --- values collected from an engine ------------------------------------------------------------


def _null(value: Any) -> bool:
    """Whether an engine's value is its null (``None``; pandas' ``NaT`` is not equal to itself)."""
    return value is None or bool(value != value)


def _py_time(value: Any) -> datetime:
    """A plain aware `datetime` from what an engine hands back (pandas gives a Timestamp)."""
    convert = getattr(value, "to_pydatetime", None)
    out: datetime = convert() if convert is not None else value
    return out


def _py_duration(value: Any) -> timedelta:
    """A plain `timedelta` from an engine's duration (pandas' Timedelta, DuckDB's interval)."""
    if isinstance(value, timedelta):
        return timedelta(days=value.days, seconds=value.seconds, microseconds=value.microseconds)
    months, days, nanoseconds = value.months, value.days, value.nanoseconds  # month-day-nano
    if months:  # pragma: no cover - a difference of two instants has no months
        msg = f"an engine gave a stay of {months} months, which has no fixed length."
        raise _v.runtime(msg, value=value, where="durations", expected="a fixed duration")
    return timedelta(days=days, microseconds=nanoseconds // 1000)
