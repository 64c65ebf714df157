"""FunnelReport as data: through the one converter and JSON, and back, for any history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm
from smarketing import testing as sst

START = datetime(2025, 1, 1, tzinfo=UTC)
LIFECYCLE = sm.Lifecycle.default(max_age={"mql": timedelta(days=5), "recycled": timedelta(days=30)})
OFFICE = sm.BusinessCalendar("Europe/Berlin")

#: Leads with distinct ids, each moved through the lifecycle by random valid triggers; steps of
#: whole minutes, zero included, so that stays of no time and odd percentiles both occur.
POPULATIONS = st.lists(sst.histories(LIFECYCLE, max_steps=6), max_size=6, unique_by=lambda x: x.id)
SLAS = st.none() | st.builds(
    sm.SLA,
    st.timedeltas(timedelta(microseconds=1), timedelta(days=9)),
    st.sampled_from([("call",), ("call", "meeting", "sales_email")]),
    st.sampled_from(["mql", "sql", "prospect"]),
)


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


@st.composite
def reports(draw: st.DrawFn) -> sm.FunnelReport:
    """A report computed from generated histories, over a random window, SLA and clock."""
    leads = draw(POPULATIONS)
    ids = [lead.id for lead in leads] or ["L-1"]
    acts = draw(st.lists(sst.activities(ids, ("call", "meeting", "page_view")), max_size=8))
    a, b = draw(sst.aware_datetimes()), draw(sst.aware_datetimes())
    return sm.funnel_report(
        leads,
        lifecycle=LIFECYCLE,
        start=min(a, b),
        end=max(a, b),
        sla=draw(SLAS),
        activities=acts,
        calendar=draw(st.none() | st.just(OFFICE)),
        count_returns=draw(st.booleans()),
    )


class TestRoundTrip:
    @given(reports())
    def test_a_report_survives_the_converter_and_json(self, report: sm.FunnelReport) -> None:
        """from_dict(json(to_dict(r))) == r, by the method and by sm.from_dict alike; its
        durations are text, as the playbook file writes them."""
        data = report.to_dict()
        assert data == sm.to_dict(report)
        text = json.dumps(data)
        back = sm.FunnelReport.from_dict(json.loads(text))
        assert back == report
        assert sm.from_dict(sm.FunnelReport, json.loads(text)) == report
        assert json.dumps(back.to_dict()) == text
        assert back.to_markdown() == report.to_markdown()
        # Durations are written as a playbook writes them, and read back on their own too.
        data = json.loads(text)
        assert data["sla"] == (None if report.sla is None else sm.to_dict(report.sla))
        for stage, spread in data["time_in_stage"].items():
            assert all(isinstance(spread[p], str) for p in ("p50", "p90", "max"))
            assert sm.from_dict(sm.TimeInStage, spread) == report.durations(stage)


class TestShape:
    def test_the_keys_are_the_ones_the_cli_has_always_written(self) -> None:
        """An API: the same keys as before the converter wrote them."""
        report = sm.funnel_report([], lifecycle=LIFECYCLE, start=START, end=START)
        assert set(report.to_dict()) == {
            "start",
            "end",
            "stages",
            "main_path",
            "recycle_stages",
            "disqualify_stages",
            "count_returns",
            "leads",
            "reached",
            "converted",
            "time_in_stage",
            "reasons",
            "stale",
            "sla",
            "sla_summary",
            "clock",
            "sla_breaches",
        }

    def test_a_stay_of_no_time_is_zero_seconds(self) -> None:
        """A lead that moves on at once stayed "0s", and "0s" reads back as no time."""
        lead = LIFECYCLE.fire(sm.Lead.new("L-1", at=START), "engage", at=START)
        report = sm.funnel_report([lead], lifecycle=LIFECYCLE, start=START, end=START)
        spread = report.to_dict()["time_in_stage"]["suspect"]
        assert spread == {"count": 1, "p50": "0s", "p90": "0s", "max": "0s"}
        assert sm.FunnelReport.from_dict(through_json(report.to_dict())) == report

    def test_data_without_a_clock_ran_on_the_wall_clock(self) -> None:
        """Reports written before they named their clock read as wall-clock ones."""
        report = sm.funnel_report([], lifecycle=LIFECYCLE, start=START, end=START)
        data = through_json(report.to_dict())
        del data["clock"]
        assert sm.FunnelReport.from_dict(data).clock == report.clock

    @pytest.mark.parametrize(
        ("mutate", "match"),
        [
            (
                lambda d: d["sla"].update(first_touch="0s"),
                r"longer than zero.* @ \$\.sla\.first_touch",
            ),
            (lambda d: d["converted"]["suspect"].update(prospect="1"), r"whole number"),
            (lambda d: d["sla_summary"].update(met=1.0), r"whole number .* @ \$\.sla_summary\.met"),
            (lambda d: d.update(stale="L-1"), r"expected a list .* @ \$\.stale"),
            (lambda d: d.update(surprise=1), r"unknown keys \['surprise'\]"),
            (
                lambda d: d.update(reasons={"recycled": [["  ", 1]]}),
                r"a reason that is not blank, or null \(got '  '\) @ \$\.reasons",
            ),
        ],
    )
    def test_bad_data_names_its_path(self, mutate: Any, match: str) -> None:
        """The converter's errors say what is wrong and where, as for every other type."""
        lead = LIFECYCLE.fire(sm.Lead.new("L-1", at=START), "engage", at=START)
        report = sm.funnel_report(
            [lead], lifecycle=LIFECYCLE, start=START, end=START, sla=sm.SLA(timedelta(hours=4))
        )
        data = through_json(report.to_dict())
        mutate(data)
        with pytest.raises(sm.ValidationError, match=match):
            sm.FunnelReport.from_dict(data)
