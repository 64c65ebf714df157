"""`smf.funnel_report` on frames of stage changes equals `sm.funnel_report` on the same leads."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC
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
from test_funnel import AGED, SLA_OPTIONS, TOUCHES, populations, window

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


_FAST = [b for b in BACKENDS if b != "pyspark"]
_EXAMPLES = {"dask": 6, "duckdb": 15, "polars-lazy": 15}


@pytest.mark.parametrize("backend", _FAST)
def test_every_backend_gives_the_python_report(backend: str) -> None:
    """Hypothesis-made leads: the frame report equals sm.funnel_report, options included."""

    @settings(max_examples=_EXAMPLES.get(backend, 25))
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
