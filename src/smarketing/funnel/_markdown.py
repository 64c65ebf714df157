"""The funnel report as Markdown: the tables both teams paste into their weekly notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smarketing._format import NONE, cell, duration, left_out, percent, plural, when

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from smarketing.funnel._report import FunnelReport
    from smarketing.funnel._sla import SLA, SLASummary

__all__ = ["markdown"]


def markdown(report: FunnelReport, *, limit: int = 10) -> str:
    """`FunnelReport.to_markdown`: the funnel, the SLA, the reasons and the stale leads."""
    rule = (
        "each entry into a stage counted"
        if report.count_returns
        else "each lead counted once per stage"
    )
    counted = "entries" if report.count_returns else "leads"
    lines = [
        f"**Funnel** from {when(report.start)} to {when(report.end)}: "
        f"{plural(report.lead_count, 'lead')}; {rule}.",
        "",
        "| stage | reached | conversion to next stage | median time in stage |",
        "|---|---:|---:|---:|",
    ]
    following = dict(zip(report.main_path, report.main_path[1:], strict=False))
    for stage in report.stages:
        target = following.get(stage)
        rate = None if target is None else report.conversion(stage, target)
        conversion = NONE if rate is None else f"{percent(rate)} to {target}"
        velocity = duration(report.velocity(stage))
        lines.append(f"| {stage} | {report.reached(stage)} | {conversion} | {velocity} |")
    if report.sla is not None and report.sla_summary is not None:
        lines += _follow_up(report, report.sla, report.sla_summary, limit)
    for title, reasons in (
        ("Recycle reasons", report.recycle_reasons),
        ("Disqualify reasons", report.disqualify_reasons),
    ):
        lines.append("")
        if not reasons:
            lines.append(f"**{title}:** none.")
            continue
        lines += [f"**{title}:**", "", f"| reason | {counted} |", "|---|---:|"]
        lines += [f"| {cell(r)} | {n} |" for r, n in reasons.items()]
    lines.append("")
    if report.stale:
        shown = ", ".join(report.stale[:limit]) + (", …" if len(report.stale) > limit else "")
        lines.append(f"**Stale at the end:** {plural(len(report.stale), 'lead')} ({shown}).")
    else:
        lines.append("**Stale at the end:** none.")
    return "\n".join(lines) + "\n"


def _follow_up(report: FunnelReport, sla: SLA, summary: SLASummary, limit: int) -> list[str]:
    """The SLA's table, then the breaches, up to `limit` of them."""
    kinds = ", ".join(sla.touch_kinds)
    lines = [
        "",
        f"**Sales follow-up:** a first touch ({kinds}) within "
        f"{duration(sla.first_touch)} of entering {sla.stage}, counted in "
        f"{report.clock}.",
        "",
        "| clocks | met | late | no touch | pending | met rate |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {summary.clocks} | {summary.met} | {summary.late} | {summary.unanswered} "
        f"| {summary.pending} | {percent(summary.met_rate)} |",
    ]
    if report.sla_breaches:
        lines += ["", "| lead | due | first touch |", "|---|---|---|"]
        for b in report.sla_breaches[:limit]:
            met = "no touch" if b.met_at is None else when(b.met_at)
            lines.append(f"| {cell(b.lead_id)} | {when(b.due)} | {met} |")
        lines += left_out(len(report.sla_breaches), limit, "breach", "breaches")
    return lines
