"""The sweep: one MQL definition rebuilt with many thresholds on one fact, and its table."""

from __future__ import annotations

import math

import attrs

from smarketing import _convert
from smarketing._format import number as _number
from smarketing._format import percent as _rate
from smarketing.backtest._moves import _Engine
from smarketing.backtest._timeline import MQL
from smarketing.conditions import Compare, Condition, Not, _Junction
from smarketing.errors import ValidationError
from smarketing.lifecycle import Lifecycle, Transition
from smarketing.playbook import Playbook


@attrs.frozen
class SweepRow:
    """One threshold of a sweep: MQL volume, SQLs captured and their rate, customers."""

    threshold: float
    mqls: int
    captured: int
    sql_rate: float | None
    customers: int
    mqls_per_week: float


@attrs.frozen
class Sweep:
    """The candidate's MQL threshold on ``fact`` swept: one row per threshold."""

    fact: str
    rows: tuple[SweepRow, ...]

    def to_markdown(self) -> str:
        """The sweep as a Markdown table."""
        lines = [
            f"| {self.fact} >= | MQLs | MQLs per week | SQLs captured | SQL rate | customers |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for r in self.rows:
            lines.append(
                f"| {_number(r.threshold)} | {r.mqls:,} | {r.mqls_per_week:.1f} | "
                f"{r.captured:,} | {_rate(r.sql_rate)} | {r.customers:,} |"
            )
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, object]:
        """The sweep as JSON-safe data: the same as ``sm.to_dict(sweep)``, from the one
        converter; ``sm.from_dict(Sweep, data)`` reads it back."""
        data: dict[str, object] = _convert.to_dict(self)
        return data


def _threshold(value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        msg = f"sweep() thresholds must be finite numbers (got {value!r})."
        raise ValidationError(msg, value=value, where="sweep(thresholds)", expected="a number")
    return float(value)


def _replace(
    condition: Condition, fact: str, value: float, positive: bool, seen: list[bool]
) -> Condition:
    """``condition`` with ``fact >= x`` / ``fact > x`` comparing with ``value`` instead.

    ``seen`` collects, per comparison replaced, whether it sat in a positive position.
    """
    if isinstance(condition, _Junction):
        parts = tuple(_replace(p, fact, value, positive, seen) for p in condition.parts)
        return type(condition)(parts)
    if isinstance(condition, Not):
        return Not(_replace(condition.part, fact, value, not positive, seen))
    if isinstance(condition, Compare) and condition.name == fact and condition.op in (">=", ">"):
        seen.append(positive)
        return Compare(fact, condition.op, value)
    return condition


def _swept(playbook: Playbook, fact: str, values: list[float]) -> tuple[list[_Engine], bool]:
    lc = playbook.lifecycle
    into = [t for t in lc.transitions if t.dest == MQL and t.is_auto]
    engines = []
    seen: list[bool] = []
    for value in values:
        seen.clear()
        transitions = []
        for t in lc.transitions:
            if t in into:
                when = _replace(t.when, fact, value, True, seen)
                auto = t.auto
                if isinstance(auto, Condition):
                    auto = _replace(auto, fact, value, True, seen)
                t = Transition(
                    t.trigger,
                    list(t.source),
                    t.dest,
                    when=when,
                    auto=auto,
                    requires_reason=t.requires_reason,
                )
            transitions.append(t)
        if not seen:
            msg = (
                f"the candidate's MQL definition compares no {fact!r} with >= or > "
                f"(it reads: {'; '.join(str(t.auto_condition()) for t in into) or 'nothing'})."
            )
            raise ValidationError(msg, value=fact, where="sweep(fact)", expected="a fact it reads")
        swept = Lifecycle(stages=lc.stages, initial=lc.initial, transitions=transitions)
        engines.append(_Engine(attrs.evolve(playbook, lifecycle=swept)))
    return engines, all(seen)
