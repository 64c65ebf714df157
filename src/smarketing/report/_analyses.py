"""The sections of the other analyses: attribution and ROI, the score's evaluation, a backtest.

Each helper computes its analysis with the library's own function (`attribute`, `backtest`,
`smarketing.predict.Evaluation`) and turns the result into a `Section`, or returns ``None``
when its input is not there (no channel on any activity, too few outcomes to rank).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final

import attrs

from smarketing._format import grouped
from smarketing._format import percent as _rate
from smarketing.attribution import Attribution, Cost, attribute
from smarketing.backtest import Backtest, Sweep, backtest
from smarketing.backtest._text import compared_rows
from smarketing.conditions import Compare, Condition
from smarketing.leads import Activity, Lead, group_by_lead
from smarketing.lifecycle import Lifecycle
from smarketing.playbook import Playbook
from smarketing.report._content import Block, Chart, Figure, Figures, Section, Table, Text
from smarketing.report._svg import bar_chart, column_chart, line_chart

__all__ = [
    "MIN_OUTCOMES",
    "SWEEP_STEPS",
    "attribution_section",
    "backtest_section",
    "evaluation_section",
    "score_threshold",
]

#: Channels listed in the credit and ROI tables.
ROWS: Final = 12
#: Lead ids named for the backtest's lost and gained MQLs.
NAMED: Final = 5
#: Thresholds the backtest section sweeps the candidate's MQL score threshold over.
SWEEP_STEPS: Final = 7
#: Converted and unconverted leads each needed before a ranking is worth showing.
MIN_OUTCOMES: Final = 10
#: The two attribution models the page sets side by side.
MODELS: Final = ("w_shaped", "markov")


def _money(value: float | None) -> str:
    return grouped(value, decimals=2)


def _count(value: float | None) -> str:
    return grouped(value, decimals=1)


def _channel(name: str | None) -> str:
    return "(no touch)" if name is None else name


def _has_channels(activities: Sequence[Activity]) -> bool:
    return any(a.properties.get("channel") not in (None, "") for a in activities)


def attribution_section(
    leads: Sequence[Lead],
    activities: Sequence[Activity],
    *,
    lifecycle: Lifecycle,
    start: datetime,
    end: datetime,
    costs: Mapping[str, float] | Iterable[Cost] | None = None,
) -> Section | None:
    """Credit by channel under ``w_shaped`` and ``markov`` for the conversions at the main
    path's last stage inside the window, and with `costs` the ROI table (``w_shaped``
    credit) and a chart of cost per customer. ``None`` when no activity has a ``channel``."""
    if not _has_channels(activities):
        return None
    milestone = lifecycle.main_path[-1]
    credit = attribute(
        leads,
        activities,
        model=MODELS[0],
        milestone=milestone,
        start=start,
        end=end,
        lifecycle=lifecycle,
    )
    compared = credit.compare(MODELS)
    total = credit.conversions or 1
    rows = [
        (
            _channel(channel),
            *(
                cell
                for model in MODELS
                for cell in (
                    _count(compared.credit[model].get(channel, 0.0)),
                    _rate(compared.credit[model].get(channel, 0.0) / total),
                )
            ),
        )
        for channel in compared.channels[:ROWS]
    ]
    first = compared.credit[MODELS[0]]
    shares = sorted(((_channel(c), v / total) for c, v in first.items()), key=lambda r: -r[1])
    blocks: list[Block] = [
        Figures(
            [
                Figure(f"{milestone}s", f"{credit.conversions:,}", "converted in the window"),
                Figure("no touch", f"{credit.no_touch:,}", "converted with no channel touch"),
                Figure("journeys", f"{credit.journeys:,}", "leads read"),
            ]
        ),
        Chart(
            bar_chart(shares[:ROWS], title=f"Share of the {milestone}s credited to each channel"),
            f"{MODELS[0]}: the first touch, the lead's creation and the opportunity touch get "
            "30% each, the touches between 10%; the table sets it beside markov.",
        ),
        Table(
            ("channel", *(c for m in MODELS for c in (m, f"{m} share"))),
            rows,
            caption=f"{milestone.capitalize()}s credited to each channel by each model.",
        ),
    ]
    if costs is not None:
        blocks += _roi_blocks(credit, costs)
    else:
        blocks.append(Text("No costs were given (--costs FILE): credit only, no ROI."))
    intro = (
        f"Which channels' touches led to the {credit.conversions:,} {milestone}s of the window, "
        "by two attribution models: where they agree, the credit is solid."
    )
    return Section("attribution", "Attribution and ROI", blocks, intro)


def _roi_blocks(credit: Attribution, costs: Mapping[str, float] | Iterable[Cost]) -> list[Block]:
    roi = credit.roi(costs)
    rows = [
        (
            r.channel,
            _money(r.cost),
            *(_count(v) for v in (r.leads, r.mqls, r.sqls, r.customers)),
            *(
                _money(v)
                for v in (r.cost_per_lead, r.cost_per_mql, r.cost_per_sql, r.cost_per_customer)
            ),
        )
        for r in roi.channels[:ROWS]
    ]
    per_customer = [(r.channel, r.cost_per_customer) for r in roi.channels[:ROWS]]
    spent = sum(r.cost for r in roi.channels)
    return [
        Chart(
            bar_chart(
                per_customer,
                title="Cost per customer by channel",
                share=False,
                shown=_money,
            ),
            f"What each customer credited to a channel ({roi.model}) cost; no bar: no customer "
            "credited to it.",
        ),
        Table(
            (
                "channel",
                "cost",
                "leads",
                "MQLs",
                "SQLs",
                "customers",
                "per lead",
                "per MQL",
                "per SQL",
                "per customer",
            ),
            rows,
            caption=f"{spent:,.2f} spent in the window; conversions credited by {roi.model}.",
        ),
    ]


def score_threshold(playbook: Playbook, fact: str = "score") -> float | None:
    """The number the playbook's automatic move into ``mql`` compares `fact` with (``>=`` or
    ``>``, not under ``not``), or ``None`` when its MQL definition reads no such comparison."""
    found: list[float] = []

    def walk(condition: Condition) -> None:
        if isinstance(condition, Compare):
            value = condition.value
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if condition.name == fact and condition.op in (">=", ">") and number:
                found.append(float(value))
            return
        for part in getattr(condition, "parts", ()):  # and/or; not under ``not``
            walk(part)

    for t in playbook.lifecycle.transitions:
        if t.dest == "mql" and t.is_auto:
            walk(t.auto_condition())
    return found[0] if found else None


def _sweep_values(threshold: float) -> list[float]:
    step = max(1.0, round(abs(threshold) * 0.1))
    half = SWEEP_STEPS // 2
    return [threshold + step * (i - half) for i in range(SWEEP_STEPS)]


def backtest_section(
    leads: Sequence[Lead],
    activities: Sequence[Activity],
    *,
    baseline: Playbook,
    candidate: Playbook,
    start: datetime,
    end: datetime,
) -> Section:
    """`backtest` of `candidate` against `baseline` over the window: the two side by side,
    the MQLs lost and gained, and a sweep of the candidate's score threshold when its MQL
    definition reads ``score``."""
    bt = backtest(leads, activities, baseline=baseline, candidate=candidate, start=start, end=end)
    threshold = score_threshold(candidate)
    swept = None if threshold is None else bt.sweep("score", _sweep_values(threshold))
    return _backtest_section(bt, swept, threshold)


def _lead_ids(changes: Sequence[object]) -> str:
    ids = [str(getattr(c, "lead_id", "")) for c in changes[:NAMED]]
    more = len(changes) - len(ids)
    return ", ".join(ids) + (f" and {more:,} more" if more > 0 else "") if ids else "none"


def _backtest_section(bt: Backtest, swept: Sweep | None, threshold: float | None) -> Section:
    b, c = bt.baseline, bt.candidate
    shown = ("mqls", "mqls_per_week", "captured", "precision", "recall", "median_days_gained")
    rows = compared_rows(
        b,
        c,
        shown,
        precision="precision (SQL rate of the MQLs)",
        recall="recall of the recorded SQLs",
    )
    lost, gained = bt.lost, bt.gained
    lost_sql, gained_sql = sum(x.sql for x in lost), sum(x.sql for x in gained)
    blocks: list[Block] = [
        Figures(
            [
                Figure("MQLs", f"{b.mqls:,} → {c.mqls:,}", "baseline → candidate"),
                Figure("captured", f"{b.captured:,} → {c.captured:,}", "became SQLs"),
                Figure("lost", f"{len(lost):,}", f"{lost_sql:,} were recorded SQLs"),
                Figure("gained", f"{len(gained):,}", f"{gained_sql:,} were recorded SQLs"),
            ]
        ),
        Table(("", "baseline", "candidate"), rows),
        Text(
            f"Lost (MQLs under the baseline, never under the candidate): {_lead_ids(lost)}. "
            f"Gained (MQLs only under the candidate): {_lead_ids(gained)}."
        ),
    ]
    if swept is not None and threshold is not None:
        columns = [(f"{r.threshold:g}", r.mqls_per_week, _rate(r.sql_rate)) for r in swept.rows]
        blocks.append(
            Chart(
                column_chart(
                    columns,
                    title=f"The candidate's MQL threshold on {swept.fact}, swept",
                    x_label=f"{swept.fact} threshold (the candidate's is {threshold:g})",
                ),
                "Each column is the MQLs per week at that threshold; above it, the share that "
                "became SQLs.",
            )
        )
        blocks.append(
            Table(
                (f"{swept.fact} ≥", "MQLs", "MQLs per week", "SQLs captured", "SQL rate"),
                [
                    (
                        f"{r.threshold:g}",
                        f"{r.mqls:,}",
                        f"{r.mqls_per_week:.1f}",
                        f"{r.captured:,}",
                        _rate(r.sql_rate),
                    )
                    for r in swept.rows
                ],
            )
        )
    intro = (
        f"The recorded leads replayed from {bt.start:%Y-%m-%d} to {bt.end:%Y-%m-%d} under the "
        f"playbook (the baseline) and the candidate, against what sales did: {bt.sqls:,} "
        "recorded SQLs."
    )
    return Section("backtest", "The backtest of the candidate playbook", blocks, intro)


def _known_at(lead: Lead, at: datetime) -> Lead:
    fields = {name: fv for name, fv in lead.fields.items() if fv.learned_at <= at}
    return attrs.evolve(lead, fields=fields)


def evaluation_section(
    leads: Sequence[Lead], activities: Sequence[Activity], *, playbook: Playbook
) -> Section | None:
    """How well the score ranked the recorded outcome, each lead as known at its creation
    (the score's job: to pick the good leads early; `smarketing.predict.training_set` with
    ``at="created"``).

    The outcome is reaching the main path's last stage (``customer``), or ``sql`` when too few
    leads did; with a ``predictive`` model, its AUC, Brier score, calibration and lift by
    decile, beside the hand-set score's AUC; without one, the hand-set score's AUC and lift.
    ``None`` when fewer than `MIN_OUTCOMES` leads converted (or did not). Needs numpy (the
    ``predict`` extra): ``ImportError`` without it.
    """
    import smarketing.predict as predict

    lc = playbook.lifecycle
    last = lc.main_path[-1]
    outcomes = [last] + [s for s in ("sql",) if s in lc.stage_names and s != last]
    for outcome in outcomes:
        ds = predict.training_set(leads, activities, outcome=outcome, at="created")
        converted = sum(ds.y)
        if converted >= MIN_OUTCOMES and len(ds.y) - converted >= MIN_OUTCOMES:
            break
    else:
        return None
    by_id = {lead.id: lead for lead in leads}
    groups = group_by_lead(activities)
    hand = []
    for lead_id, t in zip(ds.lead_ids, ds.at, strict=True):
        known = _known_at(by_id[lead_id], t)
        acts = [a for a in groups.get(lead_id, ()) if a.at <= t]
        hand.append(playbook.assess(known, acts, at=t).score.total)
    hand_eval = predict.Evaluation.from_scores(list(ds.y), hand)
    model = playbook.predictive
    when = "at its creation"
    rate = converted / len(ds.y)
    figures = [
        Figure("leads ranked", f"{len(ds.y):,}", f"each as known {when}"),
        Figure(f"reached {outcome}", f"{converted:,}", f"{rate:.1%}"),
        Figure("hand-set score AUC", f"{hand_eval.auc:.3f}", "0.5 is chance, 1 is perfect"),
    ]
    shown = hand_eval
    blocks: list[Block] = []
    if model is not None:
        predictions = [model.predict(row) for row in ds.X]
        shown = predict.Evaluation.from_scores(
            list(ds.y),
            [p.probability for p in predictions],
            grades=[p.grade for p in predictions],
            probabilities=True,
        )
        figures += [
            Figure("learned score AUC", f"{shown.auc:.3f}", "the playbook's model"),
            Figure("Brier score", f"{shown.brier or 0.0:.4f}", "0 is perfect"),
        ]
    blocks.append(Figures(figures))
    top = shown.lift[0]
    name = "learned score" if model is not None else "hand-set score"
    blocks.append(
        Chart(
            column_chart(
                [(str(d.decile), d.lift, f"{d.lift:.1f}x") for d in shown.lift],
                title=f"Lift by decile of the {name}",
                x_label=f"decile of the {name} (1: the best-scored tenth)",
                reference=1.0,
                reference_label="average",
            ),
            f"The best-scored tenth reached {outcome} {top.lift:.1f} times as often as the "
            f"average lead ({top.conversions:,} of {top.leads:,}).",
        )
    )
    if shown.calibration:
        points = [(c.predicted, c.observed) for c in shown.calibration]
        blocks.append(
            Chart(
                line_chart(
                    [("learned score", points)],
                    title="Calibration of the learned score",
                    x_label="predicted probability",
                    y_label=f"share that reached {outcome}",
                    diagonal=True,
                ),
                "Each point is the leads of one tenth of the probability scale; on the dashed "
                "line, a predicted 30% means 30% converted.",
            )
        )
    blocks.append(
        Table(
            ("decile", "leads", f"reached {outcome}", "rate", "lift", "gain"),
            [
                (
                    f"{d.decile}",
                    f"{d.leads:,}",
                    f"{d.conversions:,}",
                    _rate(d.rate),
                    f"{d.lift:.2f}",
                    _rate(d.gain),
                )
                for d in shown.lift
            ],
            caption="Gain: the share of all conversions found down to that decile.",
        )
    )
    if model is None:
        blocks.append(
            Text(
                "The playbook has no learned model ([predictive]); 'smarketing train' learns "
                "one from these histories, and this section then shows its calibration too."
            )
        )
    intro = (
        f"Does the score put the leads that reached {outcome} first? Each lead is scored as it "
        f"was known {when}, before the outcome, so nothing learned afterwards flatters it."
    )
    return Section("evaluation", "Evaluation of the lead score", blocks, intro)
