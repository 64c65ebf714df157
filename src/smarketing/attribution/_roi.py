"""Costs and ROI: what each channel cost, against what it was credited with."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Final, TypeVar

import attrs

from smarketing import _convert
from smarketing._format import cell as _cell
from smarketing.attribution._cells import _count, _Key, _money, _unit_order
from smarketing.attribution._checks import _check_amount, _check_channel
from smarketing.errors import ValidationError

K = TypeVar("K", bound=Hashable)


def _cost_channel(_instance: object, _attribute: object, value: Any) -> None:
    _check_channel(value, "Cost.channel")


def _cost_campaign(_instance: object, _attribute: object, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        msg = f"Cost.campaign must be non-empty text or None (got {value!r})."
        raise ValidationError(msg, value=value, where="Cost.campaign", expected="text or None")


def _cost_amount(value: object) -> float:
    return _check_amount(value, "Cost.amount")


def _cost_start(_instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        msg = f"Cost.start must be a date (got {value!r})."
        raise ValidationError(msg, value=value, where="Cost.start", expected="a date")


@attrs.frozen
class Cost:
    """Money spent on a channel (and optionally one of its campaigns) in a period from `start`.

    >>> from datetime import date
    >>> Cost("paid_search", None, date(2026, 1, 1), 1200.0).amount
    1200.0
    """

    channel: str = attrs.field(validator=_cost_channel)
    campaign: str | None = attrs.field(validator=_cost_campaign)
    start: date = attrs.field(validator=_cost_start)
    amount: float = attrs.field(converter=_cost_amount)


def _ratio(numerator: float | None, divisor: float | None) -> float | None:
    if numerator is None or not divisor:
        return None
    return numerator / divisor


@attrs.frozen
class ChannelROI:
    """What a channel (or one of its campaigns) cost and what it was credited with.

    Credited counts come from the attribution's model, applied to each milestone in turn:
    `leads` (the lead's creation), `mqls`, `sqls` and `customers`; a count is ``None`` when the
    lifecycle has no such stage. `revenue` is ``None`` without ``value=``. Every cost per
    conversion and `roi` is ``None`` when its divisor is zero (never infinity, never zero).
    """

    channel: str
    campaign: str | None
    cost: float
    leads: float | None
    mqls: float | None
    sqls: float | None
    customers: float | None
    revenue: float | None

    @property
    def cost_per_lead(self) -> float | None:
        """Cost over credited leads."""
        return _ratio(self.cost, self.leads)

    @property
    def cost_per_mql(self) -> float | None:
        """Cost over credited MQLs."""
        return _ratio(self.cost, self.mqls)

    @property
    def cost_per_sql(self) -> float | None:
        """Cost over credited SQLs."""
        return _ratio(self.cost, self.sqls)

    @property
    def cost_per_customer(self) -> float | None:
        """Cost over credited customers."""
        return _ratio(self.cost, self.customers)

    @property
    def roi(self) -> float | None:
        """(revenue - cost) / cost: ``None`` without revenue or without cost."""
        if self.revenue is None:
            return None
        return _ratio(self.revenue - self.cost, self.cost)


_FIGURES: Final = (
    "cost",
    "leads",
    "mqls",
    "sqls",
    "customers",
    "revenue",
    "cost_per_lead",
    "cost_per_mql",
    "cost_per_sql",
    "cost_per_customer",
    "roi",
)


@attrs.frozen
class ROI(Mapping[str, ChannelROI]):
    """Cost and credit per channel: ``roi["email"].cost_per_customer``.

    A mapping from channel to `ChannelROI`, in channel order; `campaigns` holds the rows per
    (channel, campaign) when the attribution was made at the campaign level.
    """

    model: str
    milestone: str
    channels: tuple[ChannelROI, ...]
    campaigns: tuple[ChannelROI, ...] = ()

    def __getitem__(self, channel: str) -> ChannelROI:
        for row in self.channels:
            if row.channel == channel:
                return row
        raise KeyError(channel)

    def __iter__(self) -> Iterator[str]:
        return (row.channel for row in self.channels)

    def __len__(self) -> int:
        return len(self.channels)

    def to_dict(self) -> dict[str, object]:
        """The table as JSON-safe data: one record per channel (and per campaign), its
        `ChannelROI`'s data and the figures derived from it (``cost_per_lead``, ..., ``roi``).
        The same data as ``sm.to_dict(roi)``, from the one converter."""
        data: dict[str, object] = _convert.to_dict(self)
        return data

    def to_markdown(self) -> str:
        """The table as Markdown: cost, credited conversions, cost per conversion, ROI."""
        header = ["channel", "cost", "leads", "MQLs", "SQLs", "customers", "revenue"]
        header += ["per lead", "per MQL", "per SQL", "per customer", "ROI"]
        lines = [
            f"**ROI** by channel ({self.model}, milestone {self.milestone}).",
            "",
            "| " + " | ".join(header) + " |",
            "|---|" + "---:|" * (len(header) - 1),
        ]
        for row in (*self.channels, *self.campaigns):
            name = row.channel if row.campaign is None else f"{row.channel} / {row.campaign}"
            cells = [_money(row.cost)] + [_count(getattr(row, f)) for f in _FIGURES[1:5]]
            cells.append(_money(row.revenue))
            cells += [_money(getattr(row, f)) for f in _FIGURES[6:10]]
            cells.append("—" if row.roi is None else f"{row.roi:.0%}")
            lines.append(f"| {_cell(name)} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def _spent(
    costs: Mapping[str, float] | Iterable[Cost], start: datetime | None, end: datetime | None
) -> dict[_Key, float]:
    spent: dict[_Key, float] = {}
    if isinstance(costs, Mapping):
        for channel, amount in costs.items():
            key: _Key = (_check_channel(channel, "costs"), None)
            spent[key] = spent.get(key, 0.0) + _check_amount(amount, f"costs[{channel!r}]")
        return spent
    first = None if start is None else start.date()
    last = None if end is None else end.astimezone(start.tzinfo if start else end.tzinfo).date()
    records: Iterable[object] = costs
    for cost in records:
        if not isinstance(cost, Cost):
            msg = (
                f"roi(costs) takes a mapping of channels to amounts or Cost records (got {cost!r})."
            )
            raise ValidationError(msg, value=cost, where="costs", expected="Cost records")
        if (first is not None and cost.start < first) or (last is not None and cost.start > last):
            continue
        spent_on: _Key = (cost.channel, cost.campaign)
        spent[spent_on] = spent.get(spent_on, 0.0) + cost.amount
    return spent


def _rows(
    spent: Mapping[K, float],
    counts: Mapping[str, Mapping[_Key, float] | None],
    revenue: Mapping[_Key, float] | None,
    *,
    level: Callable[[_Key], K],
) -> list[ChannelROI]:
    """ROI rows at a level (channel, or (channel, campaign)) from credit keyed by _Key."""
    summed: dict[str, dict[K, float] | None] = {}
    names: set[K] = set(spent)
    for figure, credit in counts.items():
        if credit is None:
            summed[figure] = None
            continue
        into: dict[K, float] = {}
        for key, share in credit.items():
            unit = level(key)
            into[unit] = into.get(unit, 0.0) + share
        summed[figure] = into
        names.update(into)
    money: dict[K, float] | None = None
    if revenue is not None:
        money = {}
        for key, amount in revenue.items():
            unit = level(key)
            money[unit] = money.get(unit, 0.0) + amount
    rows = []
    for unit in sorted(names, key=_unit_order):
        channel, campaign = unit if isinstance(unit, tuple) else (unit, None)
        figures = {
            figure: None if credit is None else credit.get(unit, 0.0)
            for figure, credit in summed.items()
        }
        rows.append(
            ChannelROI(
                channel=str(channel),
                campaign=campaign,
                cost=spent.get(unit, 0.0),
                leads=figures["leads"],
                mqls=figures["mqls"],
                sqls=figures["sqls"],
                customers=figures["customers"],
                revenue=None if money is None else money.get(unit, 0.0),
            )
        )
    return rows
