"""The SLA (sales' promise to follow up) and what checking it finds: breaches and a summary."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from smarketing._calendar import Calendar, WallClock
from smarketing.errors import ConfigError
from smarketing.leads import check_aware

__all__ = ["DEFAULT_TOUCH_KINDS", "SLA", "WALL", "SLABreach", "SLASummary"]

#: The activities that count as sales following up on a lead.
DEFAULT_TOUCH_KINDS: Final = ("call", "sales_email", "meeting")
#: The clock SLAs run on unless a calendar is given: elapsed time.
WALL: Final = WallClock()


def _touch_kinds(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        msg = (
            "'touch_kinds' must be a non-empty collection of activity kinds (non-empty text) "
            f"(got {value!r})."
        )
        raise ConfigError(msg, piece=value)
    kinds = tuple(value)
    if not kinds:
        msg = f"'touch_kinds' must name at least one activity kind (got {value!r})."
        raise ConfigError(msg, piece=value)
    for kind in kinds:
        if not isinstance(kind, str) or not kind:
            msg = f"'touch_kinds' must hold activity kinds as non-empty text (got {kind!r})."
            raise ConfigError(msg, piece=kind)
    return kinds


@attrs.frozen
class SLA:
    """Sales' promise to follow up: a first touch within `first_touch` of entering `stage`.

    A bad definition (a duration that is not positive, no touch kinds, no stage) is a
    `ConfigError` naming the field.

    Attributes:
        first_touch: how long sales has, measured on the report's calendar (wall-clock time by
            default, or working time on a `BusinessCalendar`).
        touch_kinds: the activity kinds that count as a touch; one kind may be given as text.
        stage: the stage whose entry starts the clock.

    >>> from datetime import datetime, timedelta
    >>> import smarketing as sm
    >>> sla = sm.SLA(first_touch=timedelta(hours=4))
    >>> friday = datetime.fromisoformat("2024-06-07T16:00+02:00")
    >>> sla.due(friday, sm.BusinessCalendar("Europe/Berlin")).isoformat()
    '2024-06-10T12:00:00+02:00'
    """

    first_touch: timedelta = attrs.field()
    touch_kinds: tuple[str, ...] = attrs.field(default=DEFAULT_TOUCH_KINDS, converter=_touch_kinds)
    stage: str = attrs.field(default="mql")

    @first_touch.validator
    def _check_first_touch(self, _attribute: object, value: object) -> None:
        if not isinstance(value, timedelta) or value <= timedelta(0):
            msg = f"'first_touch' must be a positive timedelta (got {value!r})."
            raise ConfigError(msg, piece=value)

    @stage.validator
    def _check_stage(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value:
            msg = f"'stage' must be a stage name (got {value!r})."
            raise ConfigError(msg, piece=value)

    def due(self, entered: datetime, calendar: Calendar | None = None) -> datetime:
        """When the first touch is due for a lead that entered the stage at `entered`."""
        return (calendar or WALL).add(entered, self.first_touch)


def _optional_aware(where: str) -> Callable[[Any, Any, Any], None]:
    def validate(_instance: object, _attribute: object, value: object) -> None:
        if value is not None:
            check_aware(value, where)

    return validate


@attrs.frozen
class SLABreach:
    """A lead that sales did not touch in time: first touched at `met_at`, after `due`, or not
    touched at all (`met_at` is ``None``) by the end of the report's window."""

    lead_id: str
    stage: str
    due: datetime = attrs.field(validator=_optional_aware("SLABreach.due"))
    met_at: datetime | None = attrs.field(
        default=None, validator=_optional_aware("SLABreach.met_at")
    )


@attrs.frozen
class SLASummary:
    """What became of every SLA clock started inside the window.

    Attributes:
        clocks: how many clocks started (entries into the SLA stage, counted like `reached`).
        met: first touched by the due time.
        late: first touched after the due time.
        unanswered: not touched by the end of the window, and due by then.
        pending: not touched yet, and not due by the end of the window.
    """

    clocks: int
    met: int
    late: int
    unanswered: int
    pending: int

    @property
    def breached(self) -> int:
        """The clocks that ran out: late plus unanswered."""
        return self.late + self.unanswered

    @property
    def met_rate(self) -> float | None:
        """The share of the decided clocks (met, late or unanswered) that were met in time."""
        decided = self.met + self.breached
        return self.met / decided if decided else None
