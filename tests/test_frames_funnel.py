"""`smf.funnel_report` on frames of stage changes equals `sm.funnel_report` on the same leads."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smarketing as sm
import smarketing.frames as smf

sys.path.insert(0, str(Path(__file__).parent))
from backends import BACKENDS, EAGER, to_backend
from test_funnel import (
    ACTIVITIES,
    AGED,
    END,
    FOUR_HOURS,
    LC,
    SLA_OPTIONS,
    START,
    TOUCHES,
    example_leads,
    jan,
    populations,
    walk,
    window,
)

_TIME = pa.timestamp("us", tz="UTC")
_SCHEMAS: dict[str, dict[str, Any]] = {
    "history": {
        "lead_id": pa.string(),
        "from_stage": pa.string(),
        "to_stage": pa.string(),
        "trigger": pa.string(),
        "at": _TIME,
        "actor": pa.string(),
        "reason": pa.string(),
        "line": pa.int64(),
    },
    "leads": {"id": pa.string(), "created_at": _TIME, "stage": pa.string()},
    "activities": {"lead_id": pa.string(), "kind": pa.string(), "at": _TIME},
}


def columns(leads: Sequence[sm.Lead], acts: Sequence[sm.Activity] = ()) -> dict[str, Any]:
    """The leads as the three tables a user reads from the files (times in UTC)."""
    changes = [(lead.id, c) for lead in leads for c in lead.history]
    return {
        "history": {
            "lead_id": [i for i, _ in changes],
            "from_stage": [c.from_stage for _, c in changes],
            "to_stage": [c.to_stage for _, c in changes],
            "trigger": [c.trigger for _, c in changes],
            "at": [c.at.astimezone(UTC) for _, c in changes],
            "actor": [c.actor for _, c in changes],
            "reason": [c.reason for _, c in changes],
            "line": list(range(2, len(changes) + 2)),
        },
        "leads": {
            "id": [x.id for x in leads],
            "created_at": [x.created_at.astimezone(UTC) for x in leads],
            "stage": [x.stage for x in leads],
        },
        "activities": {
            "lead_id": [a.lead_id for a in acts],
            "kind": [a.kind for a in acts],
            "at": [a.at.astimezone(UTC) for a in acts],
        },
    }


def frames(backend: str, tables: dict[str, Any]) -> dict[str, Any]:
    return {name: to_backend(backend, cols, schema=_SCHEMAS[name]) for name, cols in tables.items()}


def from_frames(backend: str, tables: dict[str, Any], **options: Any) -> sm.FunnelReport:
    built = frames(backend, tables)
    order = None if backend in EAGER else "line"  # eager frames keep the file's row order
    return smf.funnel_report(
        built["history"], leads=built["leads"], activities=built["activities"], order=order,
        **options,
    )  # fmt: skip


def assert_same(got: sm.FunnelReport, want: sm.FunnelReport) -> None:
    """Equal reports, and equal rates to 1e-9 (they are the same integers divided)."""
    assert got == want
    for a in want.stages:
        for b in want.stages:
            x, y = got.conversion(a, b), want.conversion(a, b)
            assert (x is None) == (y is None)
            assert x is None or y is None or abs(x - y) <= 1e-9


#: Dask is left out: see the module docstring of the test below.
_FAST = [b for b in BACKENDS if b not in ("pyspark", "dask")]
#: Each report is some twenty small queries; engines differ in what one costs.
_EXAMPLES = {"polars": 25, "polars-lazy": 10, "pandas": 5, "pyarrow": 10, "duckdb": 4}


@pytest.mark.parametrize("backend", _FAST)
def test_every_backend_gives_the_python_report(backend: str) -> None:
    """Hypothesis-made leads: the frame report equals sm.funnel_report, options included."""

    @settings(max_examples=_EXAMPLES[backend])
    @given(leads=populations(), acts=TOUCHES, sla=SLA_OPTIONS, data=st.data())
    def check(leads: list[sm.Lead], acts: list[sm.Activity], sla: sm.SLA | None, data: Any) -> None:
        start, end = window(data.draw)
        options: dict[str, Any] = {
            "lifecycle": AGED,
            "start": start,
            "end": end,
            "sla": sla,
            "count_returns": data.draw(st.booleans()),
        }
        want = sm.funnel_report(leads, activities=acts, **options)
        assert_same(from_frames(backend, columns(leads, acts), **options), want)

    check()


@pytest.mark.parametrize("backend", _FAST)
def test_every_backend_gives_the_worked_examples_report(backend: str) -> None:
    """test_funnel's worked leads, with an SLA: every stay and follow-up as in Python, whatever
    type the engine hands durations back in (DuckDB's month-day-nano interval too)."""
    options: dict[str, Any] = {"lifecycle": LC, "start": START, "end": END, "sla": FOUR_HOURS}
    want = sm.funnel_report(example_leads(), activities=ACTIVITIES, **options)
    assert want.velocity("mql") is not None
    assert_same(from_frames(backend, columns(example_leads(), ACTIVITIES), **options), want)


@pytest.mark.xdist_group("spark")
def test_spark_gives_the_python_report() -> None:
    """PySpark in local mode, with returns and an SLA, on four of test_funnel's worked leads
    (recycled and back, disqualified, a breach, a follow-up in time): every query costs Spark
    seconds here, so one small example."""
    leads = [x for x in example_leads() if x.id in ("B", "D", "E", "J")]
    options: dict[str, Any] = {
        "lifecycle": LC, "start": START, "end": END, "sla": FOUR_HOURS, "count_returns": True,
    }  # fmt: skip
    want = sm.funnel_report(leads, activities=ACTIVITIES, **options)
    assert_same(from_frames("pyspark", columns(leads, ACTIVITIES), **options), want)


@pytest.mark.xdist_group("demo")  # with the other users of the demo's simulation: built once
def test_the_demo_gives_the_python_report(demo_sim: Any) -> None:
    """The demo's 3,000 leads and their activities, read into pandas frames."""
    want = sm.funnel_report(
        demo_sim.leads, lifecycle=demo_sim.playbook.lifecycle, start=demo_sim.start,
        end=demo_sim.end, sla=FOUR_HOURS, activities=demo_sim.activities,
    )  # fmt: skip
    got = from_frames(
        "pandas", columns(demo_sim.leads, demo_sim.activities),
        lifecycle=demo_sim.playbook.lifecycle, start=demo_sim.start, end=demo_sim.end,
        sla=FOUR_HOURS,
    )  # fmt: skip
    assert got.lead_count == len(demo_sim.leads)
    assert_same(got, want)


# --- bad input ---------------------------------------------------------------------------------


def _tables(**changes: Any) -> dict[str, Any]:
    tables = columns(example_leads(), ACTIVITIES)
    for name, value in changes.items():
        frame, column = name.split("__")
        tables[frame][column] = value
    return tables


def _call(tables: dict[str, Any], backend: str = "polars", **options: Any) -> sm.FunnelReport:
    kwargs: dict[str, Any] = {"lifecycle": LC, "start": START, "end": END, **options}
    return from_frames(backend, tables, **kwargs)


class TestBadInput:
    def test_a_missing_column_is_named(self) -> None:
        tables = _tables()
        del tables["history"]["to_stage"]
        with pytest.raises(sm.ValidationError, match=r"history has no 'to_stage' column"):
            _call(tables)

    def test_naive_times_are_named(self) -> None:
        import polars as pl

        built = frames("polars", columns(example_leads()))
        naive = built["leads"].with_columns(pl.col("created_at").dt.replace_time_zone(None))
        with pytest.raises(sm.ValidationError, match=r"leads\['created_at'\].*naive"):
            smf.funnel_report(built["history"], leads=naive, lifecycle=LC, start=START, end=END)

    def test_a_text_column_must_hold_text(self) -> None:
        built = frames("pandas", columns(example_leads()))
        built["leads"]["stage"] = 1
        with pytest.raises(sm.ValidationError, match=r"leads\['stage'\] must hold text"):
            smf.funnel_report(built["history"], leads=built["leads"], lifecycle=LC, start=START,
                              end=END)  # fmt: skip

    def test_a_stage_the_lifecycle_lacks_is_named(self) -> None:
        tables = _tables()
        tables["history"]["to_stage"][3] = "limbo"
        with pytest.raises(sm.ValidationError, match=r"history\['to_stage'\] holds 'limbo'"):
            _call(tables)

    def test_nulls_are_named(self) -> None:
        tables = _tables()
        tables["history"]["at"][0] = None
        with pytest.raises(sm.ValidationError, match=r"history\['at'\] has a null"):
            _call(tables)

    def test_a_lead_given_twice_is_named(self) -> None:
        tables = _tables()
        tables["leads"]["id"][1] = tables["leads"]["id"][0]
        with pytest.raises(sm.ValidationError, match=r"lead id 'A' appears twice"):
            _call(tables)

    def test_changes_of_an_unknown_lead_are_named(self) -> None:
        tables = _tables()
        tables["history"]["lead_id"][0] = "nobody"
        with pytest.raises(sm.ValidationError, match=r"changes of lead 'nobody'"):
            _call(tables)

    def test_a_history_going_back_in_time_is_named(self) -> None:
        tables = _tables()
        tables["history"]["at"][1] = tables["history"]["at"][0] - timedelta(days=30)
        with pytest.raises(sm.ValidationError, match=r"lead 'A': the change to .* is earlier"):
            _call(tables)

    def test_ties_on_a_lazy_frame_need_an_order(self) -> None:
        lead = walk("A", jan(2), ("engage", jan(3)), ("disqualify", jan(3), "x", "no"))
        tables = columns([lead])
        built = frames("polars-lazy", tables)
        with pytest.raises(sm.ValidationError, match=r"two changes at .* order="):
            smf.funnel_report(built["history"], leads=built["leads"], lifecycle=LC, start=START,
                              end=END)  # fmt: skip
        tables["history"]["line"] = [7, 7]
        built = frames("polars-lazy", tables)
        with pytest.raises(sm.ValidationError, match=r"order must tell them apart"):
            smf.funnel_report(built["history"], leads=built["leads"], lifecycle=LC, start=START,
                              end=END, order="line")  # fmt: skip

    def test_an_sla_on_business_hours_is_refused(self) -> None:
        with pytest.raises(sm.ValidationError, match=r"wall-clock time only"):
            _call(_tables(), sla=FOUR_HOURS, calendar=sm.BusinessCalendar("Europe/Berlin"))

    def test_frames_of_two_engines_are_refused(self) -> None:
        built = frames("polars", columns(example_leads()))
        other = frames("pandas", columns(example_leads()))
        with pytest.raises(sm.ValidationError, match=r"one engine"):
            smf.funnel_report(built["history"], leads=other["leads"], lifecycle=LC, start=START,
                              end=END)  # fmt: skip

    def test_not_a_frame_is_named(self) -> None:
        with pytest.raises(sm.ValidationError, match=r"history must be a DataFrame"):
            smf.funnel_report([], leads=[], lifecycle=LC, start=START, end=END)

    def test_a_frame_report_has_no_leads_to_break_down(self) -> None:
        report = _call(_tables())
        with pytest.raises(sm.ValidationError, match=r"by\(\) needs the leads"):
            report.by("source")


#: The options of the reports whose frames are written in another time zone.
_ZONED: dict[str, Any] = {"lifecycle": LC, "start": START, "end": END, "sla": FOUR_HOURS}


def _zoned(frame: str, column: str) -> sm.FunnelReport:
    """The polars report with ``frame``'s ``column`` converted to Berlin time."""
    import polars as pl

    built = frames("polars", columns(example_leads(), ACTIVITIES))
    built[frame] = built[frame].with_columns(pl.col(column).dt.convert_time_zone("Europe/Berlin"))
    return smf.funnel_report(
        built["history"], leads=built["leads"], activities=built["activities"], **_ZONED
    )


class TestOptionalParts:
    def test_an_sla_without_activities_finds_no_touch(self) -> None:
        """No activities frame: every clock due by the end is a breach, as in Python."""
        built = frames("polars", columns(example_leads()))
        options: dict[str, Any] = {"lifecycle": LC, "start": START, "end": END}
        got = smf.funnel_report(built["history"], leads=built["leads"], sla=FOUR_HOURS, **options)
        want = sm.funnel_report(example_leads(), sla=FOUR_HOURS, **options)
        assert_same(got, want)
        assert got.sla_breaches and all(b.met_at is None for b in got.sla_breaches)

    def test_a_history_without_reasons_counts_them_under_none(self) -> None:
        """The reason column is optional: without it, every side-stage entry has no reason."""
        tables = _tables()
        del tables["history"]["reason"]
        built = {
            name: to_backend("polars", cols, schema={k: v for k, v in _SCHEMAS[name].items()
                                                     if k in cols})
            for name, cols in tables.items()
        }  # fmt: skip
        got = smf.funnel_report(built["history"], leads=built["leads"], lifecycle=LC,
                                start=START, end=END)  # fmt: skip
        want = sm.funnel_report(example_leads(), lifecycle=LC, start=START, end=END)
        assert got.recycle_reasons == {None: sum(want.recycle_reasons.values())}
        assert got.disqualify_reasons == {None: sum(want.disqualify_reasons.values())}
        assert [got.reached(s) for s in LC.stage_names] == [want.reached(s) for s in LC.stage_names]

    def test_leads_created_in_another_time_zone_are_the_same_instants(self) -> None:
        """Creation times written in Berlin time and changes in UTC: the same report."""
        want = sm.funnel_report(example_leads(), activities=ACTIVITIES, **_ZONED)
        assert_same(_zoned("leads", "created_at"), want)

    @pytest.mark.parametrize("frame", ["history", "activities"])
    def test_changes_or_touches_in_another_time_zone_are_the_same_instants(
        self, frame: str
    ) -> None:
        """Changes or touches written in Berlin time: the same report as in UTC."""
        want = sm.funnel_report(example_leads(), activities=ACTIVITIES, **_ZONED)
        assert_same(_zoned(frame, "at"), want)

    def test_order_names_a_column(self) -> None:
        """order= is a column name or None; anything else is named."""
        built = frames("polars", columns(example_leads()))
        with pytest.raises(sm.ValidationError) as info:
            smf.funnel_report(built["history"], leads=built["leads"], lifecycle=LC,
                              start=START, end=END, order=5)  # type: ignore[arg-type]  # fmt: skip
        assert str(info.value) == "order must be a column name or None (got 5)."
        assert (info.value.value, info.value.where) == (5, "order")
        assert info.value.expected == "a column name"
