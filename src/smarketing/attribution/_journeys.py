"""Journeys: each lead's touches (channel, campaign, time) and milestones, read once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import NamedTuple, TypeAlias

from smarketing.attribution._cells import _Key
from smarketing.attribution._checks import _check_amount, _check_channel
from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, group_by_lead, not_a_lead

#: Where a touch's channel comes from: an activity property, a map from activity kind to
#: channel, or a function of the activity (``None`` when the activity is not a touch).
ChannelSpec: TypeAlias = str | Mapping[str, str] | Callable[[Activity], object]


class _Journey(NamedTuple):
    """One lead as attribution reads it: when it was created, its touches, its milestones."""

    lead_id: str
    created_at: datetime
    times: tuple[datetime, ...]
    keys: tuple[_Key, ...]
    entries: Mapping[str, datetime]
    value: float | None


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
    for position, lead in enumerate(leads):
        if not isinstance(lead, Lead):
            raise not_a_lead(lead, position)
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
