"""Auditing the hand-set fit rules against recorded outcomes."""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np

from smarketing.errors import ValidationError
from smarketing.predict._training import TrainingSet
from smarketing.scoring import ScoringModel


@attrs.frozen
class RuleAudit:
    """One hand-set fit rule against the outcomes: how many leads it matched, their
    conversion against the others', the lift, and the points the data suggests."""

    rule: str
    points: float
    matched: int
    conversion_matched: float | None
    conversion_unmatched: float | None
    lift: float | None
    suggested_points: float | None


@attrs.frozen
class Audit:
    """Every fit rule of a scoring model, checked on a training set."""

    rules: tuple[RuleAudit, ...]
    leads: int
    conversion: float

    def to_markdown(self) -> str:
        """The audit as a Markdown table."""

        def pct(v: float | None) -> str:
            return "-" if v is None else f"{v:.1%}"

        def num(v: float | None, fmt: str) -> str:
            return "-" if v is None else format(v, fmt)

        lines = [
            f"{self.leads} leads, {self.conversion:.1%} converted",
            "",
            "| rule | points | matched | conversion if matched | if not | lift | suggested |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r.rule} | {r.points:g} | {r.matched} | {pct(r.conversion_matched)} | "
            f"{pct(r.conversion_unmatched)} | {num(r.lift, '.2f')} | "
            f"{num(r.suggested_points, '+.0f')} |"
            for r in self.rules
        ]
        return "\n".join(lines) + "\n"


def audit(scoring_model: ScoringModel, ds: TrainingSet) -> Audit:
    """Each fit rule of ``scoring_model`` on the leads of ``ds``.

    A rule's suggested points are its log-odds ratio (matched against not, with half a lead
    added to each cell), scaled so that the suggestions weigh as much in total as the
    hand-set points do: the same scale, re-weighed by the data.
    """
    given: object = scoring_model
    if not isinstance(given, ScoringModel):
        msg = f"audit() needs a ScoringModel (got {scoring_model!r})."
        raise ValidationError(msg, value=scoring_model, where="scoring_model")
    if not ds.y:
        raise ValidationError("audit(): the training set is empty.", value=ds, where="ds")
    from smarketing.personas import derive_facts

    facts = [derive_facts(row) for row in ds.X]
    y = np.asarray(ds.y, dtype=float)
    raw: list[tuple[Any, int, float | None, float | None, float | None, float | None]] = []
    for rule in scoring_model.fit:
        hit = np.array([rule.condition.holds(f) for f in facts], dtype=bool)
        a, b = float(y[hit].sum()), float((1 - y[hit]).sum())
        c, d = float(y[~hit].sum()), float((1 - y[~hit]).sum())
        rate_in = a / (a + b) if hit.any() else None
        rate_out = c / (c + d) if (~hit).any() else None
        lift = rate_in / float(y.mean()) if rate_in is not None and y.mean() > 0 else None
        ratio = math.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))) if hit.any() else None
        raw.append((rule, int(hit.sum()), rate_in, rate_out, lift, ratio))
    ratios = [abs(r[5]) for r in raw if r[5] is not None]
    weight = sum(abs(r[0].points) for r in raw if r[5] is not None)
    scale = weight / sum(ratios) if ratios and sum(ratios) > 0 else 0.0
    rules = tuple(
        RuleAudit(
            rule.name, rule.points, n, rin, rout, lift, None if ratio is None else ratio * scale
        )
        for rule, n, rin, rout, lift, ratio in raw
    )
    return Audit(rules, len(ds.y), float(y.mean()))
