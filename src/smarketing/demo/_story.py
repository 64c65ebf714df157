"""The demo's story: what happened in a simulation, told for people, as Markdown."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from typing import Final

from smarketing._format import duration, grouped, percent, when
from smarketing.attribution import attribute
from smarketing.demo._simulation import Simulation
from smarketing.demo._spend import MONTHLY_SPEND, costs
from smarketing.funnel import FunnelReport, funnel_report
from smarketing.leads import Activity, Lead, StageChange
from smarketing.playbook import Playbook

__all__ = ["report", "story"]


def story(sim: Simulation, *, seed: int = 0, limit: int = 5) -> str:
    """The demo's report as Markdown: the funnel, conversion by persona and by source, the
    SLA, the top recycle reasons, and three leads explained end to end."""
    return report(sim, sim.report(), seed=seed, limit=limit)


def report(sim: Simulation, funnel: FunnelReport, *, seed: int = 0, limit: int = 5) -> str:
    """`story`, from a funnel report already computed for ``sim`` (`Simulation.report`)."""
    pb = sim.playbook
    personas = {lead.id: _persona_name(pb, lead) for lead in sim.leads}
    # Conversion tables need no SLA: breaking down a report without one saves working out
    # every due time again per persona and per source.
    plain = funnel_report(sim.leads, lifecycle=pb.lifecycle, start=sim.start, end=sim.end)
    touches = sum(a.kind in _SALES_KINDS for a in sim.activities)
    changes = sum(len(lead.history) for lead in sim.leads)
    which = "the default" if pb == Playbook.default() else "the given"
    lines = [
        "# The smarketing demo",
        "",
        _wrap(
            f"{len(sim.leads):,} synthetic leads (seed {seed}), created from {_day(sim.start)} "
            f"to {_day(sim.end)} and run event by event through {which} playbook: scoring and "
            "personas decide which leads become MQLs; four simulated sales reps work the MQLs "
            "(a first touch, then accept or recycle with a reason); some SQLs become customers."
        ),
        "",
        _wrap(
            f"{len(sim.activities) - touches:,} activities by the leads, {touches:,} sales "
            f"touches, {changes:,} stage changes."
        ),
        "",
        "## The funnel",
        "",
        funnel.to_markdown(limit=limit).rstrip("\n"),
        "",
        "## Conversion by persona",
        "",
        *_conversions(plain.by(lambda lead: personas[lead.id]), "persona", "(no persona)"),
        "",
        "## Conversion by source",
        "",
        *_conversions(plain.by("source"), "source", "(no source)"),
        "",
        *_follow_up(funnel),
        "",
        *_reasons(sim, funnel, personas, limit),
        "",
        "## Three leads, end to end",
        *_three_leads(sim),
        "",
        *_cost_per_customer(sim),
    ]
    return "\n".join(lines) + "\n"


_SALES_KINDS: Final = frozenset({"call", "sales_email", "meeting"})


def _persona_name(pb: Playbook, lead: Lead) -> str | None:
    match = pb.personas.match(lead)
    return None if match is None else match.persona.name


def _wrap(text: str) -> str:
    """A paragraph wrapped for a terminal (Markdown joins the lines again)."""
    return textwrap.fill(text, width=96, break_long_words=False, break_on_hyphens=False)


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], *, text: int = 1) -> list[str]:
    """A Markdown table: the first column left-aligned, the numbers right-aligned, and the
    last ``text - 1`` columns left-aligned too."""
    numbers = len(header) - text
    out = [
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * numbers + "---|" * (text - 1),
    ]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return out


def _conversions(groups: dict[Hashable, FunnelReport], name: str, none: str) -> list[str]:
    rows = [
        (
            none if key is None else key,
            f"{sub.lead_count:,}",
            sub.reached("mql"),
            sub.reached("customer"),
            percent(sub.conversion(sub.stages[0], "mql")),
            percent(sub.conversion("mql", "sql")),
            percent(sub.conversion("sql", "customer")),
        )
        for key, sub in groups.items()
    ]
    header = (name, "leads", "MQLs", "customers", "to MQL", "MQL to SQL", "SQL to customer")
    return _table(header, rows)


def _follow_up(funnel: FunnelReport) -> list[str]:
    lines = ["## Sales follow-up"]
    sla, summary = funnel.sla, funnel.sla_summary
    if sla is None or summary is None:
        return [*lines, "", "The playbook sets no SLA."]
    lines += [
        "",
        _wrap(
            f"The SLA: a first touch within {duration(sla.first_touch)} after a lead "
            f"becomes an {sla.stage.upper()}, counted in {funnel.clock}. "
            f"{summary.breached:,} of {summary.clocks:,} clocks ran out "
            f"({summary.late:,} touched late, {summary.unanswered:,} never "
            f"touched); met rate {percent(summary.met_rate)}."
        ),
        "",
    ]
    rows = [
        (
            key or "(nobody)",
            s.clocks,
            s.met,
            s.late,
            s.unanswered,
            percent(s.met_rate),
        )
        for key, sub in funnel.by("owner").items()
        if (s := sub.sla_summary) is not None and s.clocks
    ]
    lines += _table(("rep", "MQLs", "met", "late", "no touch", "met rate"), rows)
    late = sorted(b.met_at - b.due for b in funnel.sla_breaches if b.met_at is not None)
    if late:
        lines += [
            "",
            f"Late first touches came a median of {duration(late[len(late) // 2])} late.",
        ]
    return lines


def _reasons(
    sim: Simulation, funnel: FunnelReport, personas: dict[str, str | None], limit: int
) -> list[str]:
    """The most common recycle reasons, their share, and who hears each most often."""
    lines = ["## Top recycle reasons", ""]
    reasons = list(funnel.recycle_reasons.items())
    total = sum(n for _, n in reasons)
    if not total:
        return [*lines, "No lead was recycled."]
    recycled = set(funnel.recycle_stages)
    heard: dict[str | None, Counter[str]] = {}
    for lead in sim.leads:
        given = {c.reason for c in lead.history if c.to_stage in recycled and c.at <= sim.end}
        for reason in given:
            heard.setdefault(reason, Counter())[personas[lead.id] or "(no persona)"] += 1
    rows = []
    for reason, n in reasons[:limit]:
        persona, times = min(heard[reason].items(), key=lambda item: (-item[1], item[0]))
        rows.append((reason or "(no reason given)", n, percent(n / total), f"{persona} ({times})"))
    return lines + _table(("reason", "leads", "share", "most often to"), rows, text=2)


def _three_leads(sim: Simulation) -> list[str]:
    """A customer, a recycled lead and a prospect still being profiled, each explained."""
    picks: list[tuple[str, Lead]] = []
    kinds: tuple[tuple[str, Callable[[Lead], object]], ...] = (
        ("from suspect to customer", lambda lead: lead.stage == "customer"),
        ("handed back to marketing", lambda lead: lead.stage == "recycled"),
        (
            "still a prospect: what to ask next",
            lambda lead: lead.stage == "prospect" and _persona_name(sim.playbook, lead),
        ),
    )
    for title, wanted in kinds:
        lead = next((x for x in sim.leads if wanted(x)), None)
        if lead is not None:
            picks.append((title, lead))
    if not picks:
        return ["", "No lead has moved yet."]
    activities: dict[str, list[Activity]] = {lead.id: [] for _, lead in picks}
    for a in sim.activities:
        if a.lead_id in activities:
            activities[a.lead_id].append(a)
    lines: list[str] = []
    for title, lead in picks:
        done = activities[lead.id]
        assessment = sim.playbook.assess(lead, done, at=sim.end)
        lines += [
            "",
            f"### {lead.id}: {title}",
            "",
            "```text",
            f"{lead.id} ({lead.source or 'no source'}), created {when(lead.created_at)}, "
            f"{len(done)} activities",
            *(_change(c) for c in lead.history),
            "",
            assessment.explain(),
            "```",
        ]
    return lines


def _change(change: StageChange) -> str:
    who = change.actor or "-"
    why = f" ({change.reason})" if change.reason else ""
    return (
        f"  {when(change.at)}  {change.from_stage} -> {change.to_stage}  "
        f"{change.trigger} by {who}{why}"
    )


#: The two models the story compares: a position model as the CRMs use it, and the data-driven one.
_ROI_MODELS: Final = ("w_shaped", "markov")


def _cost_per_customer(sim: Simulation) -> list[str]:
    """Cost per customer by channel under the two models, and where they disagree."""
    lines = ["## Cost per customer by channel", ""]
    spent = costs(sim)
    rois = [
        attribute(
            sim.leads,
            sim.activities,
            model=model,
            milestone="customer",
            source=True,
            start=sim.start,
            end=sim.end,
            lifecycle=sim.playbook.lifecycle,
        ).roi(spent)
        for model in _ROI_MODELS
    ]
    total = sum(c.amount for c in spent)
    customers = sum(rois[0][channel].customers or 0.0 for channel in rois[0])
    lines.append(
        _wrap(
            f"Marketing spent {total:,.0f} over the period on {len(MONTHLY_SPEND)} channels. "
            "Each customer's credit is split over the marketing touches that led to it (the "
            "lead source counts as the touch that created the lead): W-shaped gives 30% each "
            "to the first touch, the lead-creation touch and the last touch before the SQL, "
            "10% to the rest; Markov credits each channel by how many conversions the journeys "
            f"lose without it. {customers:,.0f} customers in all."
        )
    )
    lines.append("")
    header = ["channel", "cost"]
    for model in _ROI_MODELS:
        header += [f"customers ({model})", f"per customer ({model})"]
    rows = []
    for channel in rois[0]:
        row: list[object] = [channel, f"{rois[0][channel].cost:,.0f}"]
        for roi in rois:
            figures = roi[channel]
            row += [f"{figures.customers or 0.0:,.1f}", _money(figures.cost_per_customer)]
        rows.append(row)
    return lines + _table(header, rows)


def _money(value: float | None) -> str:
    return grouped(value)
