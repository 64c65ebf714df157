"""The attribution's result: credit per channel, and the model comparison table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from smarketing import _convert
from smarketing.attribution._cells import (
    _channel_cell,
    _channel_order,
    _count,
    _Key,
    _money,
    _when,
)
from smarketing.attribution._checks import check_model
from smarketing.attribution._credit import _FUNNEL, _by_channel, _Inputs, _tally
from smarketing.attribution._roi import ROI, ChannelROI, Cost, _rows, _spent
from smarketing.errors import ValidationError


@attrs.frozen
class ModelComparison:
    """One credit table, a column per model, so that both teams see where the models agree.

    ``credit[model][channel]`` is the credit a model gives a channel; every model's column adds
    up to the same conversions (or revenue).
    """

    milestone: str
    models: tuple[str, ...]
    channels: tuple[str | None, ...]
    credit: Mapping[str, Mapping[str | None, float]]

    def to_dict(self) -> dict[str, object]:
        """JSON-safe: ``credit`` as ``{model: [[channel, credit], ...]}`` (channel may be null).

        The same data as ``sm.to_dict(comparison)``, from the one converter."""
        data: dict[str, object] = _convert.to_dict(self)
        return data

    def to_markdown(self) -> str:
        """The table as Markdown, a row per channel and a column per model."""
        lines = [
            f"**Credit by model** (milestone {self.milestone}).",
            "",
            "| channel | " + " | ".join(self.models) + " |",
            "|---|" + "---:|" * len(self.models),
        ]
        for channel in self.channels:
            cells = [_count(self.credit[m].get(channel, 0.0)) for m in self.models]
            lines.append(f"| {_channel_cell(channel)} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


@attrs.frozen(repr=False)
class Attribution:
    """Credit per channel for the conversions at a milestone inside a window.

    Build one with `attribute`. Attributes:
        model, milestone: how and for what the credit was given.
        start, end: the window (``None``: unbounded); a conversion counts when the lead first
            entered the milestone inside it.
        conversions: the leads that converted in the window; `no_touch` of them had no touch.
        journeys: the leads read (converted or not) whose journeys the model saw.
        revenue: the conversions' total value, or ``None`` without ``value=``.
        conversion_credit: conversions credited per channel; ``None`` stands for "no touch".
        revenue_credit: the same for revenue, or ``None`` without ``value=``.
        campaign_credit: conversions credited per (channel, campaign) (campaign ``None``
            without ``campaign=``).
        credit: `revenue_credit` with ``value=``, else `conversion_credit`; it adds up to the
            revenue (or the conversions), to floating-point rounding.
    """

    model: str
    milestone: str
    start: datetime | None
    end: datetime | None
    conversions: int
    no_touch: int
    journeys: int
    revenue: float | None
    conversion_credit: Mapping[str | None, float] = attrs.field(hash=False)
    revenue_credit: Mapping[str | None, float] | None = attrs.field(hash=False)
    campaign_credit: Mapping[tuple[str, str | None], float] = attrs.field(hash=False)
    _inputs: _Inputs = attrs.field(alias="inputs", eq=False, hash=False)

    def __repr__(self) -> str:
        return (
            f"Attribution(model={self.model!r}, milestone={self.milestone!r}, "
            f"conversions={self.conversions}, no_touch={self.no_touch}, "
            f"credit={dict(self.credit)!r})"
        )

    @property
    def credit(self) -> Mapping[str | None, float]:
        """Credit per channel: revenue with ``value=``, else conversions (``None``: no touch)."""
        return self.conversion_credit if self.revenue_credit is None else self.revenue_credit

    @property
    def paths(self) -> Mapping[tuple[str, ...], tuple[int, int]]:
        """The journeys' channel paths as `markov_credit` takes them: ``{path: (conversions,
        non-conversions)}``; journeys without a touch are left out."""
        tally = _tally(
            self._inputs, "first_touch", self.milestone, self.start, self.end, paths=True
        )
        counts: dict[tuple[str, ...], list[int]] = {}
        for keys, conversions, nulls in tally.paths:
            path = tuple(channel for channel, _ in keys)
            entry = counts.setdefault(path, [0, 0])
            entry[0] += int(conversions)
            entry[1] += int(nulls)
        return MappingProxyType({p: (c, n) for p, (c, n) in sorted(counts.items())})

    def roi(self, costs: Mapping[str, float] | Iterable[Cost]) -> ROI:
        """Cost, credited leads, MQLs, SQLs, customers and revenue, per channel.

        `costs` is ``{channel: amount}`` spent in the window, or `Cost` records; records that
        start outside the window (by date, in the window's time zone) are left out. Channels
        with cost but no credit appear with zero credit; "no touch" credit has no row.
        """
        spent = _spent(costs, self.start, self.end)
        by_channel: dict[str, float] = {}
        for (channel, _), amount in spent.items():
            by_channel[channel] = by_channel.get(channel, 0.0) + amount
        stages = set(self._inputs.lifecycle.stage_names)
        counts: dict[str, dict[_Key, float] | None] = {}
        for name, stage in _FUNNEL:
            if stage and stage not in stages:
                counts[name] = None
            elif stage == self.milestone:
                counts[name] = dict(self.campaign_credit)
            else:
                tally = _tally(self._inputs, self.model, stage, self.start, self.end)
                counts[name] = {k: v for k, v in tally.credit.items() if k is not None}
        revenue = self._revenue_by_key()
        channel_rows = _rows(by_channel, counts, revenue, level=lambda key: key[0])
        campaign_rows: list[ChannelROI] = []
        if any(campaign is not None for _, campaign in self.campaign_credit):
            campaign_rows = _rows(dict(spent), counts, revenue, level=lambda key: key)
        return ROI(self.model, self.milestone, tuple(channel_rows), tuple(campaign_rows))

    def _revenue_by_key(self) -> dict[_Key, float] | None:
        if self.revenue_credit is None:
            return None
        tally = _tally(self._inputs, self.model, self.milestone, self.start, self.end)
        return {k: v for k, v in (tally.revenue or {}).items() if k is not None}

    def compare(self, models: Iterable[str]) -> ModelComparison:
        """The same journeys credited by each of `models`: one table, a column per model."""
        names = tuple(models)
        if not names:
            msg = "compare(models) needs at least one model name."
            raise ValidationError(msg, value=names, where="compare(models)", expected="models")
        columns: dict[str, Mapping[str | None, float]] = {}
        for name in names:
            check_model(name)
            if name == self.model:
                columns[name] = self.credit
                continue
            tally = _tally(self._inputs, name, self.milestone, self.start, self.end)
            credit = tally.credit if tally.revenue is None else tally.revenue
            columns[name] = _by_channel(credit)
        channels = sorted({c for column in columns.values() for c in column}, key=_channel_order)
        return ModelComparison(self.milestone, names, tuple(channels), MappingProxyType(columns))

    def to_dict(self) -> dict[str, object]:
        """The numbers as JSON-safe data; credit as ``[channel, credit]`` pairs (channel may be
        null: no touch), largest first. The same data as ``sm.to_dict(attribution)``, from the
        one converter."""
        data: dict[str, object] = _convert.to_dict(self)
        return data

    def to_markdown(self) -> str:
        """The credit table as Markdown: credited conversions (and revenue) and their share."""
        window = (
            "all time"
            if self.start is None and self.end is None
            else f"from {_when(self.start)} to {_when(self.end)}"
        )
        lines = [
            f"**Attribution** ({self.model}) of {self.conversions:,} {self.milestone} "
            f"conversions, {window}; {self.no_touch:,} had no touch.",
            "",
        ]
        total = self.conversions or 1
        revenue = self.revenue_credit
        header = "| channel | conversions | share |" + (" revenue |" if revenue else "")
        lines += [header, "|---|---:|---:|" + ("---:|" if revenue else "")]
        ordered = sorted(
            self.conversion_credit.items(), key=lambda kv: (-kv[1], _channel_order(kv[0]))
        )
        for channel, credit in ordered:
            row = f"| {_channel_cell(channel)} | {_count(credit)} | {credit / total:.1%} |"
            if revenue is not None:
                row += f" {_money(revenue.get(channel, 0.0))} |"
            lines.append(row)
        return "\n".join(lines) + "\n"
