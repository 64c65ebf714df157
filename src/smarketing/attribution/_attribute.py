"""`attribute`: check the options, read the journeys once, credit them by the model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from smarketing import _validate as _v
from smarketing.attribution._cells import _key_order
from smarketing.attribution._checks import _check_order, check_model, check_stage
from smarketing.attribution._credit import _by_channel, _Inputs, _keys, _tally
from smarketing.attribution._journeys import ChannelSpec, _journeys
from smarketing.attribution._result import Attribution
from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, check_aware
from smarketing.lifecycle import Lifecycle


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
    _v.iterable(leads, "attribute(leads)")
    _v.iterable(activities, "attribute(activities)")
    _v.instance(
        lifecycle,
        "attribute(lifecycle=...)",
        cls=Lifecycle,
        error=_v.runtime,
        expected="a Lifecycle",
        optional=True,
    )
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
