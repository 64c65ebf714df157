"""The one page both teams open: a self-contained HTML report (extra ``smarketing[report]``).

`build_report` computes the sections from leads, activities and a playbook (the funnel,
conversion by persona and by source, the SLA by rep, the feedback loop, attribution and ROI,
the score's evaluation, the backtest of a candidate playbook); `render_html` turns
the result into one HTML file with its CSS and SVG charts inline, loading nothing from
anywhere; `write_html` writes it atomically.

Each section appears only when its input is there (no SLA, no SLA section). Other analyses
join the page as `Section` values built from their results with the blocks and chart helpers
here, passed as ``build_report(..., sections=[...])`` or added with `Report.with_section`;
`SECTION_ORDER` says where the known keys (``attribution``, ``evaluation``, ``backtest``) go.

>>> from datetime import datetime, timezone
>>> import smarketing as sm
>>> from smarketing.report import build_report, render_html
>>> t = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> pb = sm.Playbook.default()
>>> page = build_report([sm.Lead.new("L-1", at=t)], [], playbook=pb, start=t, end=t)
>>> [s.key for s in page.sections]  # too few outcomes to evaluate, no channels to credit
['funnel', 'conversion', 'sla', 'feedback']
>>> render_html(page).startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime

from smarketing.attribution import Cost
from smarketing.feedback import feedback_report
from smarketing.funnel import funnel_report
from smarketing.leads import Activity, Lead
from smarketing.playbook import Playbook
from smarketing.report._analyses import (
    attribution_section,
    backtest_section,
    evaluation_section,
    score_threshold,
)
from smarketing.report._content import (
    SECTION_ORDER,
    Block,
    Chart,
    Figure,
    Figures,
    Items,
    Report,
    Section,
    Table,
    Text,
)
from smarketing.report._html import render_html, write_html
from smarketing.report._sections import (
    conversion_section,
    feedback_section,
    funnel_section,
    headline,
    sla_section,
)
from smarketing.report._svg import bar_chart, column_chart, funnel_chart, line_chart

__all__ = [
    "SECTION_ORDER",
    "Block",
    "Chart",
    "Figure",
    "Figures",
    "Items",
    "Report",
    "Section",
    "Table",
    "Text",
    "attribution_section",
    "backtest_section",
    "bar_chart",
    "build_report",
    "column_chart",
    "conversion_section",
    "evaluation_section",
    "feedback_section",
    "funnel_chart",
    "funnel_section",
    "line_chart",
    "render_html",
    "score_threshold",
    "sla_section",
    "write_html",
]


def build_report(
    leads: Sequence[Lead],
    activities: Iterable[Activity],
    *,
    playbook: Playbook,
    start: datetime,
    end: datetime,
    title: str = "Sales and marketing: the funnel and the feedback loop",
    sections: Iterable[Section] = (),
    costs: Mapping[str, float] | Iterable[Cost] | None = None,
    candidate: Playbook | None = None,
    evaluation: bool = True,
) -> Report:
    """The report's sections, computed (no markup yet) from the leads' recorded histories.

    The SLA section needs the playbook's SLA and the activities (the sales touches in them).
    Attribution needs activities with a ``channel``; `costs` (``{channel: amount}`` or `Cost`
    records) adds its ROI table. The backtest needs a `candidate` playbook. The score's
    evaluation needs at least `MIN_OUTCOMES` leads that reached the outcome and as many that
    did not, and numpy (the ``predict`` extra): without numpy, or with ``evaluation=False``,
    it is left out. `sections` adds computed sections of other analyses in `SECTION_ORDER`.
    """
    acts = list(activities)
    lc = playbook.lifecycle
    funnel = funnel_report(
        leads,
        lifecycle=lc,
        start=start,
        end=end,
        sla=playbook.sla,
        activities=acts,
        calendar=playbook.clock,
    )
    # Conversion tables need no SLA: breaking down a report without one is cheaper.
    plain = funnel_report(leads, lifecycle=lc, start=start, end=end)
    personas: dict[str, Hashable] = {}
    for lead in leads:
        match = playbook.personas.match(lead)
        personas[lead.id] = None if match is None else match.persona.name
    parts = [
        funnel_section(funnel),
        conversion_section(plain, plain.by(lambda lead: personas[lead.id]), plain.by("source")),
    ]
    if funnel.sla is not None:
        parts.append(sla_section(funnel, funnel.by("owner")))
    if "mql" in lc.main_path[:-1]:
        fb = feedback_report(leads, acts, playbook=playbook, start=start, end=end)
        parts.append(feedback_section(fb))
    credit = attribution_section(leads, acts, lifecycle=lc, start=start, end=end, costs=costs)
    if credit is not None:
        parts.append(credit)
    if evaluation:
        try:
            scored = evaluation_section(leads, acts, playbook=playbook)
        except ImportError:
            scored = None
        if scored is not None:
            parts.append(scored)
    if candidate is not None:
        parts.append(
            backtest_section(
                leads, acts, baseline=playbook, candidate=candidate, start=start, end=end
            )
        )
    subtitle = (
        f"{funnel.lead_count:,} leads from {start:%Y-%m-%d} to {end:%Y-%m-%d}, "
        f"{len(acts):,} activities."
    )
    page = Report(title, subtitle, parts, headline(funnel))
    for extra in sections:
        page = page.with_section(extra)
    return page
