"""The funnel report and its parts as data, keyed as the CLI writes them, and back.

Counts are whole numbers as given (so that "3" or true is reported); a stay may last no
time at all, which a playbook's durations never do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType
from typing import NewType, TypeAlias

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from smarketing import _convert
from smarketing.errors import ValidationError
from smarketing.funnel._report import FunnelReport, TimeInStage
from smarketing.funnel._sla import SLA, SLABreach, SLASummary

#: A count in a report's data: a whole number as given, so that "3" or true is reported.
_Count = NewType("_Count", int)
#: A reason and how many leads gave it; the data writes it as ``[reason, count]``.
_Reason: TypeAlias = tuple[str | None, _Count]


@attrs.frozen
class _FunnelData:
    """A funnel report as data, keyed as the CLI writes it, so that errors name their path."""

    start: datetime
    end: datetime
    stages: list[str]
    main_path: list[str]
    recycle_stages: list[str]
    disqualify_stages: list[str]
    count_returns: bool
    leads: _Count
    reached: dict[str, _Count]
    converted: dict[str, dict[str, _Count]]
    time_in_stage: dict[str, TimeInStage]
    reasons: dict[str, list[_Reason]]
    stale: list[str]
    sla: SLA | None
    sla_summary: SLASummary | None
    # Data written before reports said which clock they ran on: the report's default clock.
    clock: str = attrs.field(default=attrs.fields(FunnelReport).clock.default, kw_only=True)
    sla_breaches: list[SLABreach]

    @classmethod
    def of(cls, r: FunnelReport) -> _FunnelData:
        converted: dict[str, dict[str, _Count]] = {}
        for a in r.stages:
            for b in r.stages:
                if n := r.converted(a, b):
                    converted.setdefault(a, {})[b] = _Count(n)
        return cls(
            start=r.start,
            end=r.end,
            stages=list(r.stages),
            main_path=list(r.main_path),
            recycle_stages=list(r.recycle_stages),
            disqualify_stages=list(r.disqualify_stages),
            count_returns=r.count_returns,
            leads=_Count(r.lead_count),
            reached={s: _Count(r.reached(s)) for s in r.stages},
            converted=converted,
            time_in_stage={s: t for s in r.stages if (t := r.durations(s)) is not None},
            reasons={
                s: [(reason, _Count(n)) for reason, n in r.reasons(s).items()]
                for s in (*r.recycle_stages, *r.disqualify_stages)
                if r.reasons(s)
            },
            stale=list(r.stale),
            sla=r.sla,
            sla_summary=r.sla_summary,
            clock=r.clock,
            sla_breaches=list(r.sla_breaches),
        )

    def report(self) -> FunnelReport:
        return FunnelReport(
            start=self.start,
            end=self.end,
            stages=tuple(self.stages),
            main_path=tuple(self.main_path),
            recycle_stages=tuple(self.recycle_stages),
            disqualify_stages=tuple(self.disqualify_stages),
            count_returns=self.count_returns,
            lead_count=self.leads,
            stale=tuple(self.stale),
            sla=self.sla,
            sla_summary=self.sla_summary,
            sla_breaches=tuple(self.sla_breaches),
            reached=MappingProxyType(self.reached),
            converted=MappingProxyType(
                {(a, b): n for a, row in self.converted.items() for b, n in row.items()}
            ),
            times=MappingProxyType(self.time_in_stage),
            reasons=MappingProxyType(
                {s: MappingProxyType(dict(pairs)) for s, pairs in self.reasons.items()}
            ),
            clock=self.clock,
        )


def _reason_text(value: object, _type: object) -> str | None:
    """A side stage's reason: text that is not blank (the lifecycle keeps none), or null."""
    text = _convert.structure_optional_text(value, _type)
    if text is not None and not text.strip():
        msg = f"expected a reason that is not blank, or null (got {value!r})"
        raise ValidationError(msg, value=value, expected="a reason or null")
    return text


def _structure_elapsed(value: object, _type: object) -> timedelta:
    return timedelta(0) if value == "0s" else _convert.structure_timedelta(value, timedelta)


@_convert.shapes(SLA, SLABreach, SLASummary, TimeInStage, FunnelReport)
def _as_data(conv: cattrs.Converter) -> None:
    def elapsed(value: timedelta) -> str:
        # A stay may last no time at all, which a playbook's durations never do.
        return str(conv.unstructure(value, timedelta)) if value else "0s"

    count = override(struct_hook=_convert.whole)
    stay = override(struct_hook=_structure_elapsed, unstruct_hook=elapsed)
    conv.register_structure_hook(_Count, _convert.whole)
    conv.register_structure_hook(
        SLASummary,
        make_dict_structure_fn(
            SLASummary, conv, clocks=count, met=count, late=count, unanswered=count, pending=count
        ),
    )
    conv.register_structure_hook(
        TimeInStage,
        make_dict_structure_fn(TimeInStage, conv, count=count, p50=stay, p90=stay, max=stay),
    )
    conv.register_unstructure_hook(
        TimeInStage, make_dict_unstructure_fn(TimeInStage, conv, p50=stay, p90=stay, max=stay)
    )

    reason = _convert.pair("[reason, count]", _reason_text, _convert.whole)
    conv.register_structure_hook_func(lambda t: t == _Reason, reason)
    conv.register_unstructure_hook_func(lambda t: t == _Reason, list)
    lists = override(struct_hook=_convert.texts)
    conv.register_structure_hook(
        _FunnelData,
        make_dict_structure_fn(
            _FunnelData,
            conv,
            count_returns=override(struct_hook=_convert.flag),
            stages=lists,
            main_path=lists,
            recycle_stages=lists,
            disqualify_stages=lists,
            stale=lists,
        ),
    )
    conv.register_unstructure_hook(FunnelReport, lambda r: conv.unstructure(_FunnelData.of(r)))
    conv.register_structure_hook(
        FunnelReport, lambda v, _: _FunnelData.report(conv.structure(v, _FunnelData))
    )
