"""FunnelReport.to_markdown, pinned as a whole: the exact text of small reports, section by
section, so that a changed header, rule, separator or blank line shows.

Every report is computed inside the test that reads it (no shared fixtures), so that each test
is seen to run the code it checks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import smarketing as sm

LC = sm.Lifecycle.default(max_age={"mql": timedelta(days=3)})
#: Facts under which every default guard holds.
ANYTHING = {"score": 100, "grade": "A", "engagement": 10, "budget": "40k", "timeline": "Q1"}
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 2, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)

HEADER = "**Funnel** from 2026-01-01 00:00+00:00 to 2026-02-01 00:00+00:00: "
STAGE_TABLE = (
    "| stage | reached | conversion to next stage | median time in stage |\n|---|---:|---:|---:|\n"
)
SUMMARY_TABLE = (
    "| clocks | met | late | no touch | pending | met rate |\n|---:|---:|---:|---:|---:|---:|\n"
)
BREACH_TABLE = "| lead | due | first touch |\n|---|---|---|\n"
NO_REASONS = "**Recycle reasons:** none.\n\n**Disqualify reasons:** none.\n\n"


def jan(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def walk(lead_id: str, created: datetime, *steps: tuple[Any, ...]) -> sm.Lead:
    """A lead created at `created` and moved by `steps`: (trigger, at[, actor[, reason]])."""
    lead = sm.Lead.new(lead_id, at=created)
    for trigger, at, *rest in steps:
        actor = rest[0] if rest else "auto"
        reason = rest[1] if len(rest) > 1 else None
        lead = LC.fire(lead, trigger, at=at, actor=actor, reason=reason, facts=ANYTHING)
    return lead


def mql(lead_id: str, at: datetime) -> sm.Lead:
    """A lead that became an MQL at `at` (created a day before, engaged an hour before)."""
    return walk(lead_id, at - timedelta(days=1), ("engage", at - HOUR), ("qualify", at))


def three(**options: Any) -> sm.FunnelReport:
    """A recycled MQL touched late, an MQL never touched (and stale), a disqualified prospect."""
    leads = [
        walk(
            "A",
            jan(2),
            ("engage", jan(3)),
            ("qualify", jan(4)),
            ("recycle", jan(6), "sales:jo", "no budget"),
        ),
        walk("B", jan(2), ("engage", jan(3)), ("qualify", jan(5))),
        walk("C", jan(2), ("engage", jan(3)), ("disqualify", jan(4), "sales:jo", "spam")),
    ]
    return sm.funnel_report(leads, lifecycle=LC, start=START, end=END, **options)


def three_mqls_never_touched() -> sm.FunnelReport:
    leads = [mql("A", jan(5)), mql("B", jan(6)), mql("C", jan(7))]
    sla = sm.SLA(first_touch=2 * HOUR, touch_kinds="call")
    return sm.funnel_report(leads, lifecycle=LC, start=START, end=END, sla=sla)


THREE_STAGES = (
    "| suspect | 3 | 100.0% to prospect | 1d |\n"
    "| prospect | 3 | 66.7% to mql | 1d |\n"
    "| mql | 2 | 0.0% to sql | 2d |\n"
    "| sql | 0 | — | — |\n"
    "| customer | 0 | — | — |\n"
    "| recycled | 1 | — | — |\n"
    "| disqualified | 1 | — | — |\n"
)


def three_reasons(counted: str) -> str:
    return (
        f"**Recycle reasons:**\n\n| reason | {counted} |\n|---|---:|\n| no budget | 1 |\n\n"
        f"**Disqualify reasons:**\n\n| reason | {counted} |\n|---|---:|\n| spam | 1 |\n\n"
    )


class TestWholeReports:
    def test_every_section(self) -> None:
        """The funnel, the SLA with a late and an untouched breach, both reasons tables and the
        stale lead, in this order, separated by blank lines, ending in one newline."""
        acts = [sm.Activity("A", "call", jan(4, 15))]
        sla = sm.SLA(first_touch=4 * HOUR, touch_kinds=("call", "meeting"))
        assert three(sla=sla, activities=acts).to_markdown() == (
            f"{HEADER}3 leads; each lead counted once per stage.\n\n"
            f"{STAGE_TABLE}{THREE_STAGES}\n"
            "**Sales follow-up:** a first touch (call, meeting) within 4h of entering mql, "
            "counted in wall-clock time (every hour counts).\n\n"
            f"{SUMMARY_TABLE}| 2 | 0 | 1 | 1 | 0 | 0.0% |\n\n"
            f"{BREACH_TABLE}"
            "| A | 2026-01-04 13:00+00:00 | 2026-01-04 15:00+00:00 |\n"
            "| B | 2026-01-05 13:00+00:00 | no touch |\n\n"
            f"{three_reasons('leads')}"
            "**Stale at the end:** 1 lead (B).\n"
        )

    def test_counting_returns_counts_entries(self) -> None:
        """With count_returns the rule says so and the reasons tables count entries."""
        assert three(count_returns=True).to_markdown() == (
            f"{HEADER}3 leads; each entry into a stage counted.\n\n"
            f"{STAGE_TABLE}{THREE_STAGES}\n"
            f"{three_reasons('entries')}"
            "**Stale at the end:** 1 lead (B).\n"
        )

    def test_an_empty_report(self) -> None:
        """No leads: every count 0, no SLA section, every list "none"."""
        r = sm.funnel_report([], lifecycle=LC, start=START, end=END)
        rows = "".join(f"| {s} | 0 | — | — |\n" for s in LC.stage_names)
        assert r.to_markdown() == (
            f"{HEADER}0 leads; each lead counted once per stage.\n\n"
            f"{STAGE_TABLE}{rows}\n{NO_REASONS}**Stale at the end:** none.\n"
        )


class TestLimits:
    def test_one_left_out_is_one_more_breach(self) -> None:
        """Three breaches and three stale leads at limit 2: two listed, the rest counted."""
        assert three_mqls_never_touched().to_markdown(limit=2) == (
            f"{HEADER}3 leads; each lead counted once per stage.\n\n"
            f"{STAGE_TABLE}"
            "| suspect | 3 | 100.0% to prospect | 23h |\n"
            "| prospect | 3 | 100.0% to mql | 1h |\n"
            "| mql | 3 | 0.0% to sql | — |\n"
            "| sql | 0 | — | — |\n"
            "| customer | 0 | — | — |\n"
            "| recycled | 0 | — | — |\n"
            "| disqualified | 0 | — | — |\n\n"
            "**Sales follow-up:** a first touch (call) within 2h of entering mql, "
            "counted in wall-clock time (every hour counts).\n\n"
            f"{SUMMARY_TABLE}| 3 | 0 | 0 | 3 | 0 | 0.0% |\n\n"
            f"{BREACH_TABLE}"
            "| A | 2026-01-05 11:00+00:00 | no touch |\n"
            "| B | 2026-01-06 11:00+00:00 | no touch |\n\n"
            "…and 1 more breach.\n\n"
            f"{NO_REASONS}"
            "**Stale at the end:** 3 leads (A, B, …).\n"
        )

    def test_a_list_as_long_as_the_limit_is_whole(self) -> None:
        """Three breaches and three stale leads at limit 3: all listed, nothing elided."""
        text = three_mqls_never_touched().to_markdown(limit=3)
        assert text.endswith(
            "| C | 2026-01-07 11:00+00:00 | no touch |\n\n"
            f"{NO_REASONS}"
            "**Stale at the end:** 3 leads (A, B, C).\n"
        )
        assert "more breach" not in text


class TestReportsFromData:
    @pytest.mark.parametrize("dropped", ["sla", "sla_summary"])
    def test_an_sla_section_needs_both_the_sla_and_its_summary(self, dropped: str) -> None:
        """Data with an SLA but no summary (or the reverse) renders without the SLA section."""
        r = sm.funnel_report([], lifecycle=LC, start=START, end=END, sla=sm.SLA(4 * HOUR))
        data = r.to_dict()
        data[dropped] = None
        text = sm.FunnelReport.from_dict(data).to_markdown()
        assert "Sales follow-up" not in text
        assert text == sm.funnel_report([], lifecycle=LC, start=START, end=END).to_markdown()
