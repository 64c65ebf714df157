"""The sections the report has today, each computed from a result value (data, not markup)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from smarketing._format import duration
from smarketing._format import percent as _rate
from smarketing.errors import ValidationError
from smarketing.feedback import FeedbackReport, Outcomes
from smarketing.funnel import FunnelReport
from smarketing.report._content import Block, Chart, Figure, Figures, Items, Section, Table, Text
from smarketing.report._svg import bar_chart, funnel_chart

__all__ = [
    "conversion_section",
    "feedback_section",
    "funnel_section",
    "headline",
    "sla_section",
]

#: Rows listed per breakdown table; the page shows summaries, never every lead.
ROWS = 12


def _name(key: Hashable, none: str) -> str:
    return none if key is None else str(key)


def headline(funnel: FunnelReport) -> Figures:
    """Leads, MQLs, SQLs, customers and the SLA's met rate, for the top of the page."""
    first = funnel.stages[0]
    figures = [Figure("leads", f"{funnel.lead_count:,}", f"created by {funnel.end:%Y-%m-%d}")]
    for stage in funnel.main_path[2:]:
        n = funnel.reached(stage)
        figures.append(
            Figure(stage.upper(), f"{n:,}", f"{_rate(funnel.conversion(first, stage))} of {first}s")
        )
    summary = funnel.sla_summary
    if summary is not None:
        figures.append(Figure("SLA met", _rate(summary.met_rate), f"{summary.clocks:,} clocks"))
    return Figures(figures)


def funnel_section(funnel: FunnelReport) -> Section:
    """The main path as a funnel chart, and every stage with its conversion and velocity."""
    following = dict(zip(funnel.main_path, funnel.main_path[1:], strict=False))
    rows = []
    for stage in funnel.stages:
        target = following.get(stage)
        rate = None if target is None else funnel.conversion(stage, target)
        rows.append(
            (
                stage,
                f"{funnel.reached(stage):,}",
                "—" if target is None else f"{_rate(rate)} to {target}",
                duration(funnel.velocity(stage)),
            )
        )
    chart = funnel_chart(
        [(s, funnel.reached(s)) for s in funnel.main_path],
        title="Leads that reached each stage of the main path",
    )
    stale = len(funnel.stale)
    blocks: list[Block] = [
        Chart(
            chart,
            "Leads that reached each stage inside the window; the right column is "
            "the share of the stage before.",
        ),
        Table(("stage", "reached", "conversion to the next stage", "median time in stage"), rows),
        Text(f"{stale:,} lead{'s' * (stale != 1)} sat past their stage's maximum age at the end."),
    ]
    intro = (
        f"From {funnel.start:%Y-%m-%d} to {funnel.end:%Y-%m-%d}: {funnel.lead_count:,} leads, "
        "each counted once per stage it entered inside the window."
    )
    return Section("funnel", "The funnel", blocks, intro)


def _steps(funnel: FunnelReport) -> list[tuple[str, str]]:
    """The main path's steps: the first stage to the handoff (``mql`` when the lifecycle has
    one), then each step after it. The handoff's step is the one the chart shows."""
    path = funnel.main_path
    cut = path.index("mql") if "mql" in path else 1
    return [(path[0], path[cut]), *zip(path[cut:], path[cut + 1 :], strict=False)]


#: Stage names people write as acronyms.
_ACRONYMS = frozenset({"mql", "sql", "sal", "sqo", "pql"})


def _stage_name(stage: str) -> str:
    return stage.upper() if stage in _ACRONYMS else stage


def _step_name(a: str, b: str) -> str:
    return f"{_stage_name(a)} to {_stage_name(b)}"


def conversion_section(
    funnel: FunnelReport,
    by_persona: Mapping[Hashable, FunnelReport],
    by_source: Mapping[Hashable, FunnelReport],
) -> Section:
    """The funnel's conversions per persona and per source, with a chart of the handoff's
    acceptance (MQL to SQL in the default lifecycle)."""
    steps = _steps(funnel)
    handoff = steps[1] if len(steps) > 1 else steps[0]
    last = funnel.main_path[-1]
    header = ("leads", _stage_name(last), *(_step_name(a, b) for a, b in steps))
    blocks: list[Block] = []
    for title, groups, none in (
        ("persona", by_persona, "(no persona)"),
        ("source", by_source, "(no source)"),
    ):
        shown = list(groups.items())[:ROWS]
        chart = bar_chart(
            [(_name(k, none), sub.conversion(*handoff)) for k, sub in shown],
            title=f"{_step_name(*handoff)} by {title}",
        )
        blocks.append(
            Chart(chart, f"{_step_name(*handoff)}: how often the next step came, by {title}.")
        )
        rows = [
            (
                _name(key, none),
                f"{sub.lead_count:,}",
                f"{sub.reached(last):,}",
                *(_rate(sub.conversion(a, b)) for a, b in steps),
            )
            for key, sub in shown
        ]
        blocks.append(Table((title, *header), rows))
    intro = "The same funnel, split by who the lead is and where it came from."
    return Section("conversion", "Conversion by persona and by source", blocks, intro)


def sla_section(funnel: FunnelReport, by_owner: Mapping[Hashable, FunnelReport]) -> Section:
    """Sales' follow-up against the SLA, per rep, from a funnel report that checked an SLA."""
    sla, summary = funnel.sla, funnel.sla_summary
    if sla is None or summary is None:
        msg = "the SLA section needs a funnel report computed with an SLA (sla=...)."
        raise ValidationError(msg, value=funnel, where="sla_section", expected="an SLA")
    rows, rates = [], []
    for key, sub in by_owner.items():
        s = sub.sla_summary
        if s is None or not s.clocks:
            continue
        name = _name(key, "(nobody)")
        rows.append(
            (
                name,
                f"{s.clocks:,}",
                f"{s.met:,}",
                f"{s.late:,}",
                f"{s.unanswered:,}",
                _rate(s.met_rate),
            )
        )
        rates.append((name, s.met_rate))
    chart = bar_chart(rates[:ROWS], title="SLA met rate by rep", reference=summary.met_rate)
    kinds = ", ".join(sla.touch_kinds)
    intro = (
        f"The promise: a first touch ({kinds}) within {duration(sla.first_touch)} of a "
        f"lead entering {sla.stage}, counted in {funnel.clock}. {summary.breached:,} of "
        f"{summary.clocks:,} clocks ran out ({summary.late:,} touched late, "
        f"{summary.unanswered:,} never touched)."
    )
    blocks: list[Block] = [
        Figures(
            [
                Figure("clocks", f"{summary.clocks:,}"),
                Figure("met", f"{summary.met:,}", _rate(summary.met_rate)),
                Figure("late", f"{summary.late:,}"),
                Figure("no touch", f"{summary.unanswered:,}"),
                Figure("pending", f"{summary.pending:,}"),
            ]
        ),
        Chart(
            chart,
            "The share of each rep's decided clocks met in time; the dashed line is "
            "the whole team's.",
        ),
        Table(("rep", "MQLs", "met", "late", "no touch", "met rate"), rows[:ROWS]),
    ]
    return Section("sla", "The SLA by rep", blocks, intro)


def _top_reason(o: Outcomes) -> str:
    if not o.rejected:
        return "—"
    top = o.rejected[0]
    return f"{top.reason or '(no reason given)'} ({top.count:,})"


def feedback_section(fb: FeedbackReport) -> Section:
    """Sales' reactions, the advice that passed the evidence bar, and where rejections come from."""
    o = fb.overall
    blocks: list[Block] = [
        Figures(
            [
                Figure("handoffs", f"{o.handoffs:,}", f"{fb.stage} entries"),
                Figure("accepted", f"{o.accepted:,}", _rate(o.acceptance) + " of decided"),
                Figure("rejected", f"{o.rejections:,}"),
                Figure("pending", f"{o.pending:,}"),
            ]
        ),
    ]
    bar = (
        f"Advice needs at least {fb.min_sample} decided handoffs in the group and outside it, a "
        f"rate at least {fb.min_ratio:g} times apart, and p < {fb.alpha:g} over all "
        f"{fb.tests} comparisons."
    )
    if fb.suggestions:
        blocks.append(Items([s.text for s in fb.suggestions[:ROWS]], ordered=True))
        blocks.append(Text(bar))
    else:
        blocks.append(Text("No difference passed the evidence bar. " + bar))
    if o.rejected:
        reasons = [
            (f"{r.reason or '(no reason given)'} ({r.stage})", r.count / o.decided)
            for r in o.rejected[:ROWS]
        ]
        blocks.append(
            Chart(
                bar_chart(reasons, title="Why sales rejected handoffs"),
                "Each reason's share of the decided handoffs.",
            )
        )
    comparisons = [(rule, c) for rule, c in fb.by_rule.items() if c.inside.handoffs]
    blocks.append(
        Table(
            (
                "fit rule matched",
                "handoffs",
                "acceptance",
                "acceptance of the others",
                "top reason",
            ),
            [
                (
                    rule,
                    f"{c.inside.handoffs:,}",
                    _rate(c.inside.acceptance),
                    _rate(c.outside.acceptance),
                    _top_reason(c.inside),
                )
                for rule, c in comparisons
            ],
            caption="Each fit rule's handoffs against everyone else's.",
        )
    )
    for dimension, title in (
        ("persona", "persona"),
        ("source", "source"),
        ("first_touch", "time to first touch"),
    ):
        groups = fb.by(dimension)
        blocks.append(
            Table(
                (title, "handoffs", "accepted", "acceptance", "top reason"),
                [
                    (
                        _name(k, f"(no {title})" if dimension != "first_touch" else "—"),
                        f"{g.handoffs:,}",
                        f"{g.accepted:,}",
                        _rate(g.acceptance),
                        _top_reason(g),
                    )
                    for k, g in list(groups.items())[:ROWS]
                ],
            )
        )
    intro = (
        "What sales did with marketing's MQLs, traced back to what marketing knew at the "
        f"handoff (time to first touch on {fb.clock} time). Rates are over decided handoffs."
    )
    return Section("feedback", "The feedback loop", blocks, intro)
