"""Attribution and ROI: which marketing produced the MQLs, SQLs and customers, and at what cost.

A *touch* is an activity that carries a channel (its ``channel`` property by default). A lead's
*journey* is its touches, oldest first, up to the moment it reached the *milestone* (its first
entry into ``mql``, ``sql`` or ``customer``, read from ``lead.history``); a lead that has not
reached it by the end of the window is a journey that did not convert. `attribute` splits each
conversion over the journey's touches by a *model* and returns a frozen `Attribution`, whose
credit always adds up to the conversions (or to their revenue, with ``value=``); a conversion
with no touch at all is credited to ``None`` ("no touch"), never dropped.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> lc = sm.Lifecycle.default()
>>> lead = sm.Lead.new("L-1", at=t0 + timedelta(days=2))
>>> lead = lc.fire(lead, "engage", at=t0 + timedelta(days=3))
>>> lead = lc.fire(lead, "qualify", at=t0 + timedelta(days=4), facts={"score": 70, "grade": "A"})
>>> touches = [
...     sm.Activity("L-1", "page_view", t0, {"channel": "paid_search"}),
...     sm.Activity("L-1", "email_click", t0 + timedelta(days=1), {"channel": "email"}),
...     sm.Activity("L-1", "webinar", t0 + timedelta(days=2), {"channel": "webinar"}),
... ]
>>> a = sm.attribute([lead], touches, model="u_shaped", milestone="mql")
>>> {channel: round(credit, 6) for channel, credit in a.credit.items()}
{'email': 0.2, 'paid_search': 0.4, 'webinar': 0.4}

The Markov model's removal effects are solved exactly on the absorbing chain (a linear solve,
not a simulation), and the Shapley values of the coverage game in closed form:

>>> paths = {
...     ("A", "B", "A", "B", "B", "A"): (1, 0),
...     ("A", "B", "B", "A", "A"): (1, 0),
...     ("A", "A"): (1, 0),
... }
>>> dict(sm.markov_credit(paths).credit)
{'A': 2.0, 'B': 1.0}
"""

from __future__ import annotations

import difflib
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, NamedTuple, TypeAlias, TypeVar

import attrs

from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, check_aware, group_by_lead
from smarketing.lifecycle import Lifecycle

__all__ = [
    "MODELS",
    "ROI",
    "Attribution",
    "ChannelROI",
    "Cost",
    "MarkovCredit",
    "ModelComparison",
    "attribute",
    "check_model",
    "check_stage",
    "markov_credit",
    "shapley_credit",
]

#: The attribution models, in the order the guide presents them.
MODELS: Final = (
    "first_touch",
    "last_touch",
    "lead_creation",
    "linear",
    "u_shaped",
    "w_shaped",
    "full_path",
    "time_decay",
    "markov",
    "shapley",
)
#: The shares of the position-based models: each position's share, then the rest's.
_POSITIONS: Final = {
    "u_shaped": ((0.4, 0.4), 0.2),
    "w_shaped": ((0.3, 0.3, 0.3), 0.1),
    "full_path": ((0.225, 0.225, 0.225, 0.225), 0.1),
}
#: The milestones `ROI` reports on: the lead's creation, then the stages of the default path.
_CREATED: Final = ""
_FUNNEL: Final = (("leads", _CREATED), ("mqls", "mql"), ("sqls", "sql"), ("customers", "customer"))

K = TypeVar("K", bound=Hashable)
#: Where a touch's channel comes from: an activity property, a map from activity kind to
#: channel, or a function of the activity (``None`` when the activity is not a touch).
ChannelSpec: TypeAlias = str | Mapping[str, str] | Callable[[Activity], object]
#: A touch's unit of credit: its channel and its campaign (``None`` without a campaign level).
_Key: TypeAlias = tuple[str, str | None]
Paths: TypeAlias = Mapping[tuple[str, ...], tuple[float, float]]


# --- values -----------------------------------------------------------------------------------


def _check_channel(value: object, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        msg = f"{where}: a channel must be non-empty text (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a channel name")
    return value


def _check_amount(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{where} must be a finite number (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a number >= 0")
    if value < 0:
        msg = f"{where} must not be negative (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a number >= 0")
    return float(value)


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
        """The table as JSON-safe data: one record per channel (and per campaign)."""
        return {
            "model": self.model,
            "milestone": self.milestone,
            "channels": [_row_data(r) for r in self.channels],
            "campaigns": [_row_data(r) for r in self.campaigns],
        }

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


def _row_data(row: ChannelROI) -> dict[str, object]:
    return {"channel": row.channel, "campaign": row.campaign} | {
        f: getattr(row, f) for f in _FIGURES
    }


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
        """JSON-safe: ``credit`` as ``{model: [[channel, credit], ...]}`` (channel may be null)."""
        return {
            "milestone": self.milestone,
            "models": list(self.models),
            "channels": list(self.channels),
            "credit": {m: [[c, v] for c, v in self.credit[m].items()] for m in self.models},
        }

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


class _Journey(NamedTuple):
    """One lead as attribution reads it: when it was created, its touches, its milestones."""

    lead_id: str
    created_at: datetime
    times: tuple[datetime, ...]
    keys: tuple[_Key, ...]
    entries: Mapping[str, datetime]
    value: float | None


@attrs.frozen(eq=False)
class _Inputs:
    """What `roi` and `compare` need to apply the model again: the journeys and the options."""

    journeys: tuple[_Journey, ...]
    lifecycle: Lifecycle
    opportunity: str
    half_life: timedelta
    order: int
    valued: bool


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
        null: no touch), largest first."""
        return {
            "model": self.model,
            "milestone": self.milestone,
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "conversions": self.conversions,
            "no_touch": self.no_touch,
            "journeys": self.journeys,
            "revenue": self.revenue,
            "conversion_credit": _pairs(self.conversion_credit),
            "revenue_credit": None if self.revenue_credit is None else _pairs(self.revenue_credit),
            "campaign_credit": [
                [channel, campaign, credit]
                for (channel, campaign), credit in self.campaign_credit.items()
            ],
        }

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


@attrs.frozen
class MarkovCredit:
    """The Markov model's result: credit per channel and the removal effects behind it.

    Attributes:
        credit: conversions credited per channel: the conversions times the channel's removal
            effect over the sum of all removal effects.
        removal_effects: per channel, the share of the conversion probability lost when the
            channel is removed from the chain (its states lead nowhere).
        conversion_probability: the chain's probability of ending in a conversion.
        conversions: the paths' conversions.
        order: the chain's order (states are the last `order` channels).
    """

    credit: Mapping[str, float] = attrs.field(hash=False)
    removal_effects: Mapping[str, float] = attrs.field(hash=False)
    conversion_probability: float
    conversions: float
    order: int


# --- the public functions ---------------------------------------------------------------------


def attribute(
    leads: Iterable[Lead],
    activities: Iterable[Activity],
    *,
    model: str = "w_shaped",
    milestone: str = "customer",
    channel: ChannelSpec = "channel",
    campaign: str | None = None,
    source: bool | Mapping[str, str] = False,
    value: str | Mapping[str, float] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    lifecycle: Lifecycle | None = None,
    opportunity: str = "sql",
    half_life: timedelta = timedelta(days=7),
    order: int = 1,
) -> Attribution:
    """Credit the conversions at `milestone` inside ``[start, end]`` to the channels that led
    to them, by `model` (one of `MODELS`).

    Args:
        channel: where a touch's channel comes from: an activity property (``"channel"``), a
            mapping from activity kind to channel, or a function of the activity returning
            the channel or ``None``. Activities without a channel are not touches.
        campaign: an activity property naming the campaign: credit is then given per
            (channel, campaign), and `Attribution.campaign_credit` holds it.
        source: ``True`` makes each lead's ``source`` a touch at its creation (the lead
            source as a channel); a mapping translates sources to channels first (sources it
            does not list are not touches).
        value: the revenue of a conversion: a lead's numeric field (``"deal_value"``) or a
            mapping from lead id to amount; credit is then revenue. A missing value is 0.
        lifecycle: the stages to check `milestone` and `opportunity` against (the default
            lifecycle's when omitted).
        opportunity: the stage whose first entry marks the opportunity touch (``w_shaped``,
            ``full_path``).
        half_life: ``time_decay``'s half-life: a touch that long before the conversion
            counts half as much as one at the conversion.
        order: the ``markov`` chain's order.

    Positions: the *first touch*; the *lead-creation touch*, the last touch at or before the
    lead's creation; the *opportunity touch*, the last touch at or before its first
    `opportunity` entry; the *won touch*, the last touch at or before the milestone. A
    position with no touch at or before its time falls to the first touch, and one whose
    stage the lead did not enter before the milestone falls to the won touch. A touch holding
    several positions gets every share; the rest's share goes to the touches strictly between
    the first and the last positional touch that hold no position, or, when there are none,
    evenly to the positional touches.
    """
    check_model(model)
    lc = Lifecycle.default() if lifecycle is None else lifecycle
    check_stage(lc, milestone, "milestone")
    if model in ("w_shaped", "full_path"):
        check_stage(lc, opportunity, "opportunity")
    window_start = None if start is None else check_aware(start, "attribute(start=...)")
    window_end = None if end is None else check_aware(end, "attribute(end=...)")
    if window_start is not None and window_end is not None and window_end < window_start:
        msg = (
            f"attribute(end=...) {window_end.isoformat()} is before "
            f"start {window_start.isoformat()}."
        )
        raise ValidationError(msg, value=end, where="end", expected="a time after start")
    if not isinstance(half_life, timedelta) or half_life <= timedelta(0):
        msg = f"'half_life' must be a positive timedelta (got {half_life!r})."
        raise ValidationError(msg, value=half_life, where="half_life", expected="a timedelta")
    _check_order(order)
    journeys = _journeys(leads, activities, channel, campaign, source, value, window_end)
    inputs = _Inputs(journeys, lc, opportunity, half_life, order, value is not None)
    tally = _tally(inputs, model, milestone, window_start, window_end)
    return Attribution(
        model=model,
        milestone=milestone,
        start=window_start,
        end=window_end,
        conversions=tally.conversions,
        no_touch=tally.no_touch,
        journeys=tally.journeys,
        revenue=tally.total_revenue if value is not None else None,
        conversion_credit=_by_channel(tally.credit),
        revenue_credit=None if tally.revenue is None else _by_channel(tally.revenue),
        campaign_credit=MappingProxyType(
            {k: tally.credit[k] for k in sorted(_keys(tally.credit), key=_key_order)}
        ),
        inputs=inputs,
    )


def markov_credit(paths: Paths, order: int = 1) -> MarkovCredit:
    """The Markov model of `paths` ``{(channel, ...): (conversions, non_conversions)}``.

    Consecutive repeats of a channel are one state (``A > A > B`` is ``A > B``), as
    ChannelAttribution counts them; a state is the last `order` channels of the path so far.
    The removal effect of a channel is found by solving the absorbing chain exactly with and
    without it (a linear solve, no simulation, no cut at the longest path).

    >>> r = markov_credit({("email", "paid"): (3, 1), ("paid",): (1, 3)})
    >>> round(r.conversion_probability, 6), {c: round(v, 6) for c, v in r.credit.items()}
    (0.5, {'email': 1.333333, 'paid': 2.666667})
    """
    _check_order(order)
    checked = _check_paths(paths, "markov_credit(paths)")
    credit, effects, probability, conversions = _markov(checked, order)
    names = sorted(credit)
    return MarkovCredit(
        credit=MappingProxyType({c: credit[c] for c in names}),
        removal_effects=MappingProxyType({c: effects[c] for c in names}),
        conversion_probability=probability,
        conversions=conversions,
        order=order,
    )


def shapley_credit(paths: Paths) -> dict[str, float]:
    """The Shapley value of each channel in the game whose coalition value is the conversions
    of the paths whose channels all lie in the coalition.

    That game is a sum of unanimity games (one per path), so its Shapley value is exact in
    closed form for any number of channels: each path's conversions split evenly over its
    distinct channels. Non-conversions do not enter the game.

    >>> shapley_credit({("email", "paid", "email"): (3, 5), ("paid",): (1, 0)})
    {'email': 1.5, 'paid': 2.5}
    """
    checked = _check_paths(paths, "shapley_credit(paths)")
    credit = _shapley((path, conversions) for path, (conversions, _) in checked.items())
    return {c: credit[c] for c in sorted(credit)}


# --- checking the inputs ----------------------------------------------------------------------


def check_model(name: object) -> None:
    if isinstance(name, str) and name in MODELS:
        return
    close = difflib.get_close_matches(str(name), MODELS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    msg = f"{name!r} is not an attribution model (models: {', '.join(MODELS)}){hint}"
    raise ValidationError(msg, value=name, where="model", expected=", ".join(MODELS))


def check_stage(lc: Lifecycle, stage: object, option: str) -> None:
    if isinstance(stage, str) and stage in lc.stage_names:
        return
    names = ", ".join(lc.stage_names)
    msg = f"{option}={stage!r} is not a stage of the lifecycle (stages: {names})."
    raise ValidationError(msg, value=stage, where=option, expected=names)


def _check_order(order: object) -> None:
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        msg = f"'order' must be a whole number >= 1 (got {order!r})."
        raise ValidationError(msg, value=order, where="order", expected="an int >= 1")


def _check_paths(paths: object, where: str) -> Mapping[tuple[str, ...], tuple[float, float]]:
    """`paths` when it is well formed (counts other than whole numbers become floats)."""
    if not isinstance(paths, Mapping):
        msg = (
            f"{where} must map paths (tuples of channels) to "
            f"(conversions, non-conversions) (got {paths!r})."
        )
        raise ValidationError(msg, value=paths, where=where, expected="a mapping")
    fixed: dict[tuple[str, ...], tuple[float, float]] = {}
    good: set[object] = set()  # channel names already checked
    for path, counts in paths.items():
        if type(path) is not tuple or not path:
            msg = f"{where}: a path must be a non-empty tuple of channels (got {path!r})."
            raise ValidationError(msg, value=path, where=where, expected="a tuple of channels")
        for step in () if good.issuperset(path) else path:
            if step not in good:
                if not isinstance(step, str):
                    msg = f"{where}[{path!r}]: a channel must be text (got {step!r})."
                    raise ValidationError(msg, value=step, where=where, expected="text")
                good.add(_check_channel(step, f"{where}[{path!r}]"))
        if type(counts) not in (tuple, list) or len(counts) != 2:
            msg = f"{where}[{path!r}] must be (conversions, non_conversions) (got {counts!r})."
            raise ValidationError(msg, value=counts, where=where, expected="a pair of numbers")
        conversions, nulls = counts
        if type(conversions) is not int or type(nulls) is not int or conversions < 0 or nulls < 0:
            fixed[path] = (
                _check_amount(conversions, f"{where}[{path!r}] conversions"),
                _check_amount(nulls, f"{where}[{path!r}] non-conversions"),
            )
    return {**paths, **fixed} if fixed else paths


# --- journeys ---------------------------------------------------------------------------------


def _channel_of(spec: object) -> Callable[[Activity], object]:
    if isinstance(spec, str):
        if not spec:
            msg = "channel= must name an activity property (got '')."
            raise ValidationError(msg, value=spec, where="channel", expected="a property name")
        return lambda a: a.properties.get(spec)
    if isinstance(spec, Mapping):
        kinds = {kind: _check_channel(c, f"channel[{kind!r}]") for kind, c in spec.items()}
        return lambda a: kinds.get(a.kind)
    if callable(spec):
        return spec
    msg = (
        "channel= must be a property name, a mapping of kinds to channels or a function "
        f"(got {spec!r})."
    )
    raise ValidationError(msg, value=spec, where="channel", expected="a channel spec")


def _source_of(source: object) -> Callable[[Lead], object] | None:
    if source is False:
        return None
    if source is True:
        return lambda lead: lead.source
    if isinstance(source, Mapping):
        names = {s: _check_channel(c, f"source[{s!r}]") for s, c in source.items()}
        return lambda lead: None if lead.source is None else names.get(lead.source)
    msg = f"source= must be True, False or a mapping of lead sources to channels (got {source!r})."
    raise ValidationError(msg, value=source, where="source", expected="a bool or a mapping")


def _value_of(value: object) -> Callable[[Lead], float | None]:
    if value is None:
        return lambda lead: None
    if isinstance(value, str):

        def read(lead: Lead) -> float:
            amount = lead.value(value)
            return 0.0 if amount is None else _check_amount(amount, f"lead {lead.id!r}: {value!r}")

        return read
    if isinstance(value, Mapping):
        amounts = value

        def look_up(lead: Lead) -> float:
            amount = amounts.get(lead.id)
            return 0.0 if amount is None else _check_amount(amount, f"value[{lead.id!r}]")

        return look_up
    msg = f"value= must be a field name or a mapping of lead ids to amounts (got {value!r})."
    raise ValidationError(msg, value=value, where="value", expected="a field name or a mapping")


def _journeys(
    leads: Iterable[Lead],
    activities: Iterable[Activity],
    channel: ChannelSpec,
    campaign: str | None,
    source: bool | Mapping[str, str],
    value: str | Mapping[str, float] | None,
    end: datetime | None,
) -> tuple[_Journey, ...]:
    channel_of = _channel_of(channel)
    source_of = _source_of(source)
    value_of = _value_of(value)
    if campaign is not None and (not isinstance(campaign, str) or not campaign):
        msg = f"campaign= must name an activity property (got {campaign!r})."
        raise ValidationError(msg, value=campaign, where="campaign", expected="a property name")
    by_lead = group_by_lead(activities)
    prop = channel if isinstance(channel, str) else None
    checked: dict[object, _Key] = {}  # the channel (and campaign) as found: checked
    out: list[_Journey] = []
    for lead in leads:
        if end is not None and lead.created_at > end:
            continue
        times: list[datetime] = []
        keys: list[_Key] = []
        if source_of is not None:
            named = source_of(lead)
            if named is not None:
                times.append(lead.created_at)
                keys.append((_check_channel(named, f"lead {lead.id!r}: source"), None))
        ordered = True
        for activity in by_lead.get(lead.id, ()):
            name = activity.properties.get(prop) if prop is not None else channel_of(activity)
            if name is None:
                continue
            found = name if campaign is None else (name, activity.properties.get(campaign))
            try:
                key = checked.get(found)
            except TypeError:  # not hashable, so not a name: checked below
                key = None
            if key is None:
                key = _touch_key(
                    name, activity.properties.get(campaign) if campaign else None, lead, activity
                )
                if type(name) is str:  # not 1 for True, say: equal keys, not equal names
                    checked[found] = key
            at = activity.at
            if ordered and times and at < times[-1]:
                ordered = False
            times.append(at)
            keys.append(key)
        if not ordered:  # by time, ties in the order given (a stable sort)
            order = sorted(range(len(times)), key=times.__getitem__)
            times = [times[i] for i in order]
            keys = [keys[i] for i in order]
        history = lead.history
        entries = {history[0].from_stage if history else lead.stage: lead.created_at}
        for change in history:
            entries.setdefault(change.to_stage, change.at)
        out.append(
            _Journey(lead.id, lead.created_at, tuple(times), tuple(keys), entries, value_of(lead))
        )
    return tuple(out)


def _touch_key(name: object, campaign: object, lead: Lead, activity: Activity) -> _Key:
    """A touch's (channel, campaign), checked; the message names the activity."""
    where = f"lead {lead.id!r}: the {activity.kind} activity at {activity.at.isoformat()}"
    return (
        _check_channel(name, where),
        None if campaign is None else _check_channel(campaign, f"{where}: campaign"),
    )


# --- the models -------------------------------------------------------------------------------


@attrs.define
class _Tally:
    """Credit for one milestone under one model, keyed by (channel, campaign); ``None``: no
    touch. `paths` are the journeys' keys with their conversions and non-conversions."""

    conversions: int = 0
    no_touch: int = 0
    journeys: int = 0
    total_revenue: float = 0.0
    credit: dict[_Key | None, float] = attrs.field(factory=dict)
    revenue: dict[_Key | None, float] | None = None
    paths: list[tuple[tuple[_Key, ...], float, float]] = attrs.field(factory=list)


def _tally(
    inputs: _Inputs,
    model: str,
    milestone: str,
    start: datetime | None,
    end: datetime | None,
    *,
    paths: bool = False,
) -> _Tally:
    """Walk the journeys once for `milestone` (``""``: the lead's creation) and credit them;
    the journeys' paths are kept for the data-driven models, or when `paths` asks for them."""
    tally = _Tally(revenue={} if inputs.valued else None)
    paths = paths or model in ("markov", "shapley")
    weighted: list[tuple[tuple[_Key, ...], float, float, float]] = []
    shares_of = _SHARES.get(model)
    opportunity = inputs.opportunity
    half_life = inputs.half_life.total_seconds()
    credit, revenue = tally.credit, tally.revenue
    for j in inputs.journeys:
        reached = j.created_at if milestone == _CREATED else j.entries.get(milestone)
        if reached is not None and start is not None and reached < start:
            continue  # converted before the window: not part of it
        converted = reached is not None and (end is None or reached <= end)
        tally.journeys += 1
        cutoff = reached if converted else end
        times = j.times
        n = len(times) if cutoff is None else bisect_right(times, cutoff)
        amount = j.value or 0.0
        if not converted:
            if n and paths:
                weighted.append((j.keys[:n], 0.0, 1.0, 0.0))
            continue
        tally.conversions += 1
        tally.total_revenue += amount
        if not n:
            tally.no_touch += 1
            credit[None] = credit.get(None, 0.0) + 1.0
            if revenue is not None:
                revenue[None] = revenue.get(None, 0.0) + amount
            continue
        keys = j.keys
        if paths:
            weighted.append((keys[:n], 1.0, 0.0, amount))
        if shares_of is None:
            continue
        assert reached is not None
        positions = _Positions(
            n, times, reached, j.created_at, j.entries.get(opportunity), half_life
        )
        for i, share in shares_of(positions):
            key = keys[i]
            credit[key] = credit.get(key, 0.0) + share
            if revenue is not None:
                revenue[key] = revenue.get(key, 0.0) + share * amount
    tally.paths = [(keys, c, nn) for keys, c, nn, _ in weighted]
    if model == "markov":
        _markov_tally(tally, weighted, inputs.order)
    elif model == "shapley":
        _shapley_tally(tally, weighted)
    return tally


@attrs.frozen
class _Positions:
    """A converting journey's touches as the position models see them."""

    n: int
    times: Sequence[datetime]
    reached: datetime
    created: datetime
    opportunity: datetime | None
    half_life: float

    def last_by(self, moment: datetime) -> int:
        """The last touch at or before `moment`, or the first touch when none is."""
        return max(bisect_right(self.times, moment, 0, self.n) - 1, 0)

    @property
    def creation(self) -> int:
        return self.last_by(self.created)

    @property
    def opportunity_touch(self) -> int:
        entered = self.opportunity
        if entered is None or entered > self.reached:
            return self.n - 1  # no opportunity before the milestone: the won touch stands in
        return self.last_by(entered)


def _first(p: _Positions) -> list[tuple[int, float]]:
    return [(0, 1.0)]


def _last(p: _Positions) -> list[tuple[int, float]]:
    return [(p.n - 1, 1.0)]


def _creation(p: _Positions) -> list[tuple[int, float]]:
    return [(p.creation, 1.0)]


def _linear(p: _Positions) -> list[tuple[int, float]]:
    return [(i, 1.0 / p.n) for i in range(p.n)]


def _time_decay(p: _Positions) -> list[tuple[int, float]]:
    # Relative to the latest touch, so that old journeys do not underflow to all zeros.
    latest = p.times[p.n - 1]
    weights = [0.5 ** ((latest - p.times[i]).total_seconds() / p.half_life) for i in range(p.n)]
    total = math.fsum(weights)
    return [(i, w / total) for i, w in enumerate(weights)]


def _positional(model: str) -> Callable[[_Positions], list[tuple[int, float]]]:
    shares, rest = _POSITIONS[model]

    def split(p: _Positions) -> list[tuple[int, float]]:
        where = [0, p.creation]
        if len(shares) > 2:
            where.append(p.opportunity_touch)
        if len(shares) > 3:
            where.append(p.n - 1)
        out = list(zip(where, shares, strict=True))
        held = set(where)
        others = [i for i in range(1, max(where)) if i not in held]
        targets = others or sorted(held)
        out += [(i, rest / len(targets)) for i in targets]
        return out

    return split


_SHARES: Final[Mapping[str, Callable[[_Positions], list[tuple[int, float]]]]] = {
    "first_touch": _first,
    "last_touch": _last,
    "lead_creation": _creation,
    "linear": _linear,
    "time_decay": _time_decay,
    **{name: _positional(name) for name in _POSITIONS},
}


def _markov_tally(
    tally: _Tally, weighted: list[tuple[tuple[_Key, ...], float, float, float]], order: int
) -> None:
    paths: dict[tuple[_Key, ...], tuple[float, float]] = {}
    worth: float = 0.0
    for keys, conversions, nulls, amount in weighted:
        c, nn = paths.get(keys, (0.0, 0.0))
        paths[keys] = (c + conversions, nn + nulls)
        worth += amount
    credit, _, _, conversions = _markov(paths, order)
    for key, share in credit.items():
        tally.credit[key] = share
        if tally.revenue is not None:
            tally.revenue[key] = share / conversions * worth if conversions else 0.0


def _shapley_tally(
    tally: _Tally, weighted: list[tuple[tuple[_Key, ...], float, float, float]]
) -> None:
    for key, share in _shapley((keys, c) for keys, c, _, _ in weighted).items():
        tally.credit[key] = share
    if tally.revenue is not None:
        for key, share in _shapley((keys, a) for keys, _, _, a in weighted).items():
            tally.revenue[key] = share


def _shapley(paths: Iterable[tuple[tuple[K, ...], float]]) -> dict[K, float]:
    credit: dict[K, float] = {}
    for path, worth in paths:
        members = set(path)
        share = worth / len(members)
        for member in members:
            credit[member] = credit.get(member, 0.0) + share
    return credit


# --- the Markov chain, solved exactly ----------------------------------------------------------


def _markov(
    paths: Mapping[tuple[K, ...], tuple[float, float]], order: int
) -> tuple[dict[K, float], dict[K, float], float, float]:
    """Credit, removal effects, conversion probability and conversions of the chain of `paths`.

    States are tuples of the last `order` channels (shorter at a path's start); the start
    state is ``()``. Each absorbing probability is solved by Gaussian elimination.
    """
    # One pass counts the moves between states (start: ``()``) and each path's last state;
    # the states are numbered afterwards.
    edges, ends, conversions = (_first_order if order == 1 else _higher_order)(paths, order)
    index: dict[tuple[K, ...], int] = {}
    for _, current in edges:
        index.setdefault(current, len(index))
    moves: list[dict[int, float]] = [{} for _ in index]
    totals = [0.0] * len(index)
    converts = [0.0] * len(index)
    entry: dict[int, float] = {}
    for (before, current), weight in edges.items():
        if before:
            i = index[before]
            moves[i][index[current]] = weight
            totals[i] += weight
        else:
            entry[index[current]] = weight
    for state, (c, weight) in ends.items():
        converts[index[state]] += c
        totals[index[state]] += weight
    channels = {k for s in index for k in s}
    members = [frozenset(s) for s in index]
    everyone = list(range(len(moves)))
    base = _absorption(everyone, moves, converts, totals, entry)
    effects: dict[K, float] = {}
    for channel in sorted(channels, key=repr):
        kept = [i for i in everyone if channel not in members[i]]
        without = _absorption(kept, moves, converts, totals, entry)
        effects[channel] = (base - without) / base if base > 0 else 0.0
    total_effect = math.fsum(effects.values())
    credit = {
        k: conversions * e / total_effect if total_effect > 0 else 0.0 for k, e in effects.items()
    }
    return credit, effects, base, conversions


_Counts: TypeAlias = tuple[
    dict[tuple[tuple[K, ...], tuple[K, ...]], float], dict[tuple[K, ...], list[float]], float
]


def _higher_order(paths: Mapping[tuple[K, ...], tuple[float, float]], order: int) -> _Counts[K]:
    """The moves between states (the last `order` channels; the start is ``()``), the
    conversions and weight ending in each state, and the conversions."""
    edges: defaultdict[tuple[tuple[K, ...], tuple[K, ...]], float] = defaultdict(float)
    ends: defaultdict[tuple[K, ...], list[float]] = defaultdict(lambda: [0.0, 0.0])
    conversions = 0.0
    start: tuple[K, ...] = ()
    for path, (c, nn) in paths.items():
        weight = c + nn
        if not weight:
            continue
        conversions += c
        previous, last = start, None
        for k in path:
            if k != last:  # a repeat of the channel just seen is the same state
                current = (*previous, k)[-order:]
                edges[previous, current] += weight
                previous, last = current, k
        end = ends[previous]
        end[0] += c
        end[1] += weight
    return edges, ends, conversions


def _first_order(paths: Mapping[tuple[K, ...], tuple[float, float]], _order: int) -> _Counts[K]:
    """`_higher_order` for order 1, counting moves between channels (the hot path)."""
    moves: defaultdict[tuple[K | None, K], float] = defaultdict(float)
    finals: defaultdict[K, list[float]] = defaultdict(lambda: [0.0, 0.0])
    conversions = 0.0
    for path, (c, nn) in paths.items():
        weight = c + nn
        if not weight:
            continue
        conversions += c
        last = None
        for k in path:
            if k != last:
                moves[last, k] += weight
                last = k
        end = finals[last]  # type: ignore[index]  # paths are never empty
        end[0] += c
        end[1] += weight
    edges: dict[tuple[tuple[K, ...], tuple[K, ...]], float] = {
        (() if a is None else (a,), (b,)): w for (a, b), w in moves.items()
    }
    return edges, {(k,): v for k, v in finals.items()}, conversions


def _absorption(
    kept: list[int],
    moves: list[dict[int, float]],
    converts: list[float],
    totals: list[float],
    entry: Mapping[int, float],
) -> float:
    """The probability of conversion from the start when only the `kept` states remain (a
    removed state leads nowhere): solves (I - Q) x = r over the kept states."""
    position = {s: i for i, s in enumerate(kept)}
    size = len(kept)
    rows: list[list[float]] = []
    rhs: list[float] = []
    for s in kept:
        row = [0.0] * size
        row[position[s]] = 1.0
        total = totals[s]
        for t, w in moves[s].items():
            j = position.get(t)
            if j is not None:
                row[j] -= w / total
        rows.append(row)
        rhs.append(converts[s] / total)
    x = _solve(rows, rhs)
    started = math.fsum(entry.values())
    reach = math.fsum(w * x[position[s]] for s, w in entry.items() if s in position)
    return reach / started if started else 0.0


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (`a` and `b` are overwritten)."""
    n = len(b)
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if pivot != col:
            a[col], a[pivot] = a[pivot], a[col]
            b[col], b[pivot] = b[pivot], b[col]
        top = a[col]
        head = top[col]
        for r in range(col + 1, n):
            row = a[r]
            factor = row[col] / head
            if factor:
                for k in range(col, n):
                    if top[k]:
                        row[k] -= factor * top[k]
                b[r] -= factor * b[col]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        row = a[r]
        acc = b[r] - math.fsum(row[k] * x[k] for k in range(r + 1, n) if row[k])
        x[r] = acc / row[r]
    return x


# --- costs and ROI ------------------------------------------------------------------------------


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


# --- small helpers ------------------------------------------------------------------------------


def _keys(credit: Mapping[_Key | None, float]) -> list[_Key]:
    return [k for k in credit if k is not None]


def _by_channel(credit: Mapping[_Key | None, float]) -> Mapping[str | None, float]:
    out: dict[str | None, float] = {}
    for key, share in credit.items():
        name = None if key is None else key[0]
        out[name] = out.get(name, 0.0) + share
    return MappingProxyType({c: out[c] for c in sorted(out, key=_channel_order)})


def _channel_order(channel: str | None) -> tuple[bool, str]:
    return (channel is None, channel or "")


def _key_order(key: _Key) -> tuple[str, bool, str]:
    return (key[0], key[1] is not None, key[1] or "")


def _unit_order(unit: object) -> tuple[str, bool, str]:
    if isinstance(unit, tuple):
        return _key_order(unit)
    return (str(unit), False, "")


def _pairs(credit: Mapping[str | None, float]) -> list[list[object]]:
    ordered = sorted(credit.items(), key=lambda kv: (-kv[1], _channel_order(kv[0])))
    return [[channel, share] for channel, share in ordered]


def _when(moment: datetime | None) -> str:
    return "the start" if moment is None else moment.isoformat(sep=" ", timespec="minutes")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _channel_cell(channel: str | None) -> str:
    return "(no touch)" if channel is None else _cell(channel)


def _count(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"
