"""Checks of the collections the analyses take: leads and activities, one item at a time.

Shared by the funnel and the feedback loop, so that both name a bad item the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from smarketing.errors import ValidationError
from smarketing.leads import Activity

__all__ = ["checked_activities", "checked_iterable"]


def checked_iterable(value: object, where: str) -> Iterable[object]:
    """`value` itself, once it is known to be a collection (text is not one)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        msg = f"{where} must be a collection (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="an iterable")
    return value


def checked_activities(activities: object) -> Iterator[Activity]:
    """The items of `activities`, each checked to be an `Activity` as it is read."""
    for i, activity in enumerate(checked_iterable(activities, "activities")):
        if not isinstance(activity, Activity):
            msg = f"activities[{i}] must be an Activity (got {activity!r})."
            where = f"activities[{i}]"
            raise ValidationError(msg, value=activity, where=where, expected="Activity")
        yield activity
