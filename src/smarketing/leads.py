"""Leads, what we know about them, what they did and how they moved through the lifecycle.

Every value here is frozen: ``learn`` and the lifecycle's ``fire`` return new leads and leave
the old ones untouched.

>>> from datetime import datetime, timezone
>>> import smarketing as sm
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing"}, source="webinar")
>>> later = lead.learn({"company_size": 250}, at=t0, source="form")
>>> later.value("company_size"), lead.value("company_size")
(250, None)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Final, TypeAlias, TypeVar

import attrs
import cattrs

from smarketing import _convert, _trusted
from smarketing import _validate as _v
from smarketing.errors import ValidationError

__all__ = ["RESERVED_FACTS", "Activity", "FieldValue", "Lead", "StageChange"]

#: What a lead's profile field may hold: text, a number, a boolean, or a tuple of those.
FactValue: TypeAlias = str | int | float | bool | tuple[str | int | float | bool, ...]

#: Fact names that ``Lead.facts()`` fills from the lead itself; no profile field may use them.
RESERVED_FACTS: Final = frozenset({"id", "stage", "source"})

_EMPTY: Final[Mapping[str, object]] = MappingProxyType({})

_NO_FIELDS: Final[Mapping[str, FieldValue]] = MappingProxyType({})

#: Kept importable here for the modules that check ``at=`` with it; the check is `_validate`'s.
check_aware = _v.aware


# Leads and stage changes are built at every move of every lead, so their validators let the
# common case through at once and leave the rest to the shared check (and its message):
# Lifecycle.fire, four moves a lead, 48 -> 43 µs (benchmarks/bench_lifecycle.py).


def _aware(where: str) -> _v.Validator:
    check = _v.checked(_v.aware, where)

    def validate(instance: object, attribute: attrs.Attribute[object], value: object) -> None:
        # A fixed-offset zone (timezone.utc) is aware without asking: utcoffset() is a
        # method call, 144 of a check's 180 ns; the rest goes to the shared check.
        if type(value) is not datetime or type(value.tzinfo) is not timezone:
            check(instance, attribute, value)

    return validate


_D = TypeVar("_D", bound=dict[str, object])


def _text(where: str, *, optional: bool = False) -> _v.Validator:
    check = _v.checked(_v.text, where, error=_v.runtime, optional=optional)

    def validate(instance: object, attribute: attrs.Attribute[object], value: object) -> None:
        if type(value) is not str or not value or not value.isascii():
            check(instance, attribute, value)

    return validate


class _Unknown:
    """The marker for a value that stands for "not known" (None, NaN, ``pd.NA``, ``pd.NaT``)."""

    __slots__ = ()


UNKNOWN: Final = _Unknown()
_UNKNOWN_TYPES: Final = frozenset({"NAType", "NaTType"})  # pandas' missing markers, by name


def plain(value: object) -> object:
    """A value as the library holds it: numpy scalars become Python ones, and the markers of a
    missing value (``None``, NaN, ``pd.NA``, ``pd.NaT``) become :data:`UNKNOWN`.

    Neither numpy nor pandas is imported: their scalars are recognised by what they offer.
    """
    t = type(value)
    if t is str or t is int or t is bool:
        return value
    if value is None or t.__name__ in _UNKNOWN_TYPES:
        return UNKNOWN
    if isinstance(value, float):
        return UNKNOWN if math.isnan(value) else float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):  # an IntEnum, say (bool cannot be subclassed)
        return int(value)
    item = getattr(value, "item", None)
    if callable(item) and t.__module__.split(".")[0] == "numpy":
        try:
            inner = item()
        except (TypeError, ValueError):  # an array of many values: not a scalar
            return value
        return value if type(inner) is t else plain(inner)
    return value


def _check_value(value: object, where: str) -> FactValue:
    value = plain(value)
    if isinstance(value, str):
        return _v.utf8(value, where, error=_v.runtime)
    if isinstance(value, bool | int):
        return _v.writable_int(value, where, error=_v.runtime)
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = f"{where} must be a finite number (got {value!r})."
            raise ValidationError(msg, value=value, where=where, expected="a finite number")
        return value
    if isinstance(value, list | tuple):
        return tuple(_check_value(v, f"{where}[{i}]") for i, v in enumerate(value))  # type: ignore[misc]
    if value is UNKNOWN:
        msg = (
            f"{where} is None: an unknown fact is one the lead has not given, "
            "so leave it out instead of passing None."
        )
    else:
        msg = f"{where} must be text, a number, a boolean or a list of those (got {value!r})."
    raise ValidationError(msg, value=value, where=where, expected="str, int, float, bool or list")


def _convert_value(value: object) -> FactValue:
    return _check_value(value, "field value")


@attrs.frozen(weakref_slot=False)  # built from parts: see _trusted
class FieldValue:
    """A known profile fact: its value, when it was learned and where it came from."""

    value: FactValue = attrs.field(converter=_convert_value)
    learned_at: datetime = attrs.field(validator=_aware("FieldValue.learned_at"))
    source: str | None = attrs.field(
        default=None, validator=_text("FieldValue.source", optional=True)
    )


@attrs.frozen(weakref_slot=False)  # built from parts: see _trusted
class StageChange:
    """One move of a lead from one stage to another, and why."""

    from_stage: str = attrs.field(validator=_text("StageChange.from_stage"))
    to_stage: str = attrs.field(validator=_text("StageChange.to_stage"))
    trigger: str = attrs.field(validator=_text("StageChange.trigger"))
    at: datetime = attrs.field(validator=_aware("StageChange.at"))
    actor: str | None = attrs.field(
        default=None, validator=_text("StageChange.actor", optional=True)
    )
    reason: str | None = attrs.field(
        default=None, validator=_text("StageChange.reason", optional=True)
    )


def _freeze_properties(value: object) -> Mapping[str, object]:
    if type(value) is MappingProxyType:
        return value
    if not isinstance(value, Mapping):
        msg = f"Activity.properties must be a mapping (got {value!r})."
        raise ValidationError(msg, value=value, where="Activity.properties", expected="a mapping")
    if not value:
        return _EMPTY
    return MappingProxyType(dict(value))


@attrs.frozen(weakref_slot=False)  # built from parts: see _trusted
class Activity:
    """Something a lead did (or a rep did to it): a page view, a demo request, a call.

    ``properties`` carries details that rules may look at, e.g. ``{"url": "/pricing"}``.
    """

    lead_id: str = attrs.field(validator=_text("Activity.lead_id"))
    kind: str = attrs.field(validator=_text("Activity.kind"))
    at: datetime = attrs.field(validator=_aware("Activity.at"))
    properties: Mapping[str, object] = attrs.field(
        factory=dict, converter=_freeze_properties, hash=False
    )


def _freeze_fields(value: object) -> Mapping[str, FieldValue]:
    # Every mapping is checked and copied, a read-only one too: it may be a view of a dict
    # its owner still changes, or hold values that are not FieldValue.
    if not isinstance(value, Mapping):
        msg = f"Lead.fields must be a mapping of names to FieldValue (got {value!r})."
        raise ValidationError(msg, value=value, where="Lead.fields", expected="a mapping")
    for name, fv in value.items():
        if not isinstance(name, str) or not name:
            msg = f"Lead.fields: a field name must be a non-empty string (got {name!r})."
            raise ValidationError(msg, value=name, where="Lead.fields", expected="a field name")
        _v.utf8(name, "Lead.fields: a field name", error=_v.runtime)
        if not isinstance(fv, FieldValue):
            msg = f"Lead.fields[{name!r}] must be a FieldValue (got {fv!r})."
            raise ValidationError(
                msg, value=fv, where=f"Lead.fields[{name!r}]", expected="FieldValue"
            )
    return MappingProxyType(dict(value)) if value else _NO_FIELDS


def _check_history(_instance: object, _attribute: object, value: object) -> None:
    if type(value) is not tuple:
        msg = f"Lead.history must be a tuple of StageChange (got {value!r})."
        raise ValidationError(msg, value=value, where="Lead.history", expected="a tuple")
    for i, change in enumerate(value):
        if not isinstance(change, StageChange):
            msg = f"Lead.history[{i}] must be a StageChange (got {change!r})."
            raise ValidationError(
                msg, value=change, where=f"Lead.history[{i}]", expected="StageChange"
            )


@attrs.frozen(weakref_slot=False)  # built from parts: see _trusted
class Lead:
    """A person the business may sell to, where they stand, and what we know about them.

    Build one with :meth:`Lead.new`. ``stage`` is where the lead is now; ``high_water`` is the
    furthest stage it has reached along the lifecycle's main path, kept even when the lead is
    recycled or disqualified; ``history`` lists every stage change, oldest first.
    """

    id: str = attrs.field(validator=_text("Lead.id"))
    stage: str = attrs.field(validator=_text("Lead.stage"))
    created_at: datetime = attrs.field(validator=_aware("Lead.created_at"))
    source: str | None = attrs.field(default=None, validator=_text("Lead.source", optional=True))
    fields: Mapping[str, FieldValue] = attrs.field(
        factory=dict, converter=_freeze_fields, hash=False
    )
    history: tuple[StageChange, ...] = attrs.field(default=(), validator=_check_history)
    high_water: str = attrs.field(
        default=attrs.Factory(lambda lead: lead.stage, takes_self=True),
        validator=_text("Lead.high_water"),
    )

    @classmethod
    def new(
        cls,
        id: str | int,
        *,
        at: datetime,
        fields: Mapping[str, object] | None = None,
        source: str | None = None,
        stage: str = "suspect",
        field_source: str | None = None,
    ) -> Lead:
        """A lead first seen at ``at``, in ``stage``, knowing ``fields``.

        Values a data scientist holds are welcome: numpy scalars are numbers, and ``None``,
        NaN, ``pd.NA`` and ``pd.NaT`` are unknown facts, left out. A whole-number id becomes text.

        ``field_source`` records where the initial fields came from (defaults to ``source``).
        """
        check_aware(at, "Lead.new(at=...)")
        id = _lead_id(id)
        known = _learned(fields or {}, at, field_source or source, where=f"lead {id!r}")
        return cls(id=id, stage=stage, created_at=at, source=source, fields=known, high_water=stage)

    def value(self, name: str, default: FactValue | None = None) -> FactValue | None:
        """The known value of a profile field, or ``default``."""
        fv = self.fields.get(name)
        return default if fv is None else fv.value

    def learn(
        self, values: Mapping[str, object], *, at: datetime, source: str | None = None
    ) -> Lead:
        """A new lead that also knows ``values`` (learned at ``at`` from ``source``)."""
        check_aware(at, f"lead {self.id!r}: learn(at=...)")
        learned = _learned(values, at, source, where=f"lead {self.id!r}")
        if not learned:
            return self
        return rebuilt(self, fields=MappingProxyType({**self.fields, **learned}))

    def facts(self) -> dict[str, object]:
        """A plain dict of the field values plus ``id``, ``stage`` and ``source``.

        Conditions read a lead through :func:`smarketing.facts.fact_view`, which starts from
        these facts (see :func:`own_facts`) and layers the caller's and the derived ones on top.
        """
        return own_facts(self, {})

    @property
    def initial_stage(self) -> str:
        """The stage the lead was created in."""
        return self.history[0].from_stage if self.history else self.stage

    @property
    def updated_at(self) -> datetime:
        """When the lead last changed stage (its creation time if it never did)."""
        return self.history[-1].at if self.history else self.created_at

    def entered(self, stage: str) -> datetime | None:
        """When the lead last entered ``stage`` ("became an MQL" date), or ``None``."""
        for change in reversed(self.history):
            if change.to_stage == stage:
                return change.at
        return self.created_at if stage == self.initial_stage else None

    def time_in_stage(self, stage: str, *, at: datetime) -> timedelta:
        """The total time the lead has spent in ``stage`` up to ``at`` (over every visit)."""
        check_aware(at, f"lead {self.id!r}: time_in_stage(at=...)")
        total = timedelta(0)
        current, since = self.initial_stage, self.created_at
        for change in self.history:
            if change.at >= at:
                break
            if current == stage:
                total += change.at - since
            current, since = change.to_stage, change.at
        if current == stage and at > since:
            total += at - since
        return total


def own_facts(lead: Lead, into: _D) -> _D:
    """``into`` with the lead's own facts: its field values, ``id``, ``stage`` and ``source``."""
    for name, fv in lead.fields.items():
        into[name] = fv.value
    into["id"] = lead.id
    into["stage"] = lead.stage
    into["source"] = lead.source
    return into


def _lead_id(value: object) -> str:
    """An id as text: a whole number (a numpy integer too) is written as its digits."""
    unwrapped = plain(value)
    if isinstance(unwrapped, int) and not isinstance(unwrapped, bool):
        return str(unwrapped)
    if isinstance(unwrapped, str) and unwrapped:
        return unwrapped
    # The value as given, not plain()'s reading of it (its marker for an unknown value).
    msg = f"a lead id must be non-empty text or a whole number (got {value!r})."
    raise ValidationError(msg, value=value, where="Lead.id", expected="text or a whole number")


def _learned(
    values: object, at: datetime, source: str | None, *, where: str
) -> dict[str, FieldValue]:
    if not isinstance(values, Mapping):
        msg = f"{where}: fields must be a mapping of names to values (got {values!r})."
        raise ValidationError(msg, value=values, where=where, expected="a mapping")
    out: dict[str, FieldValue] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            msg = f"{where}: a field name must be a non-empty string (got {name!r})."
            raise ValidationError(msg, value=name, where=where, expected="a field name")
        _v.utf8(name, f"{where}: a field name", error=_v.runtime)
        if name in RESERVED_FACTS:
            msg = (
                f"{where}: {name!r} is not a profile field; it is set from the lead itself "
                f"(reserved: {', '.join(sorted(RESERVED_FACTS))})."
            )
            raise ValidationError(msg, value=name, where=where, expected="a field name")
        if plain(value) is UNKNOWN:
            continue  # None, NaN, pd.NA: a fact the lead has not given
        out[name] = FieldValue(_check_value(value, f"{where}: field {name!r}"), at, source)
    return out


# --- trusted construction ---------------------------------------------------------------------
# Readers that have checked every value themselves (smarketing.io) build leads and activities
# without running the validators again: reading 100,000 leads and 555,000 activities spends
# most of its time in them otherwise (benchmarks/bench_io.py measures the ratio to the csv
# module). Validation happens once, at the boundary; these never see unchecked input.
# Measured for benchmarks/bench_io.py's leads (one run, shared machine): a lead of eight
# fields takes 14 µs here against 68 µs through the validating constructors.

# Each value is made of its class's plain twin (smarketing._trusted): its slots set by plain
# assignment, then its class assigned: under half the instructions of setting the slots through
# their descriptors, and reading 100,000 leads builds 800,000 FieldValues (benchmarks/bench_io.py).
_new = _trusted.new
_FieldValueParts = _trusted.parts(FieldValue)
_LeadParts = _trusted.parts(Lead)
_ChangeParts = _trusted.parts(StageChange)
_ActivityParts = _trusted.parts(Activity)


def trusted_lead(
    lead_id: str,
    stage: str,
    created_at: datetime,
    source: str | None,
    values: Mapping[str, FactValue],
) -> Lead:
    """A lead from checked parts: a non-empty id and stage, an aware time, plain values
    under non-reserved names (``source`` is also the fields' source, as in ``Lead.new``)."""
    fields: dict[str, FieldValue] = {}
    for name, value in values.items():
        fv: Any = _new(_FieldValueParts)
        fv.value = value
        fv.learned_at = created_at
        fv.source = source
        fv.__class__ = FieldValue
        fields[name] = fv
    frozen = MappingProxyType(fields) if fields else _NO_FIELDS
    return _assembled(lead_id, stage, created_at, source, frozen, (), stage)


def _assembled(
    lead_id: str,
    stage: str,
    created_at: datetime,
    source: str | None,
    fields: Mapping[str, FieldValue],
    history: tuple[StageChange, ...],
    high_water: str,
) -> Lead:
    """A lead from its seven parts, set through its twin (nothing checked)."""
    lead: Any = _new(_LeadParts)
    lead.id = lead_id
    lead.stage = stage
    lead.created_at = created_at
    lead.source = source
    lead.fields = fields
    lead.history = history
    lead.high_water = high_water
    lead.__class__ = Lead
    built: Lead = lead
    return built


def rebuilt(
    lead: Lead,
    *,
    stage: str | None = None,
    fields: Mapping[str, FieldValue] | None = None,
    history: tuple[StageChange, ...] | None = None,
    high_water: str | None = None,
) -> Lead:
    """``lead`` with some parts replaced by parts the library built and checked itself: a
    read-only mapping of ``FieldValue``, a tuple of ``StageChange``, stage names of the lead's
    lifecycle. Nothing is checked again: re-running ``Lead``'s validators (a copy of the
    fields and a look at every past change) took Lifecycle.fire from 24 to 47 µs a lead
    (benchmarks/bench_lifecycle.py, four moves) and slowed backtests by a third
    (benchmarks/bench_backtest.py).
    """
    return _assembled(
        lead.id,
        lead.stage if stage is None else stage,
        lead.created_at,
        lead.source,
        lead.fields if fields is None else fields,
        lead.history if history is None else history,
        lead.high_water if high_water is None else high_water,
    )


def moved_lead(
    lead: Lead,
    to_stage: str,
    trigger: str,
    at: datetime,
    actor: str | None,
    reason: str | None,
    high_water: str,
) -> Lead:
    """``lead`` after a move the lifecycle checked: to one of its own stages by one of its own
    triggers, at an aware time no earlier than the last change. The new stage, the change
    appended to the history (its ``actor`` and ``reason``, the caller's, checked here), the
    high-water mark. The change and the lead are built from their twins (``_trusted``):
    StageChange's validating __init__ was a third of Lifecycle.fire
    (benchmarks/bench_lifecycle.py (c): 75 -> 51 µs a lead of four moves, one run, shared
    machine), and the slots' descriptors 27,000 of its 88,000 instructions (callgrind).
    """
    if actor is not None:
        _v.text(actor, "StageChange.actor", error=_v.runtime)
    if reason is not None:
        _v.text(reason, "StageChange.reason", error=_v.runtime)
    change: Any = _new(_ChangeParts)
    change.from_stage = lead.stage
    change.to_stage = to_stage
    change.trigger = trigger
    change.at = at
    change.actor = actor
    change.reason = reason
    change.__class__ = StageChange
    # _assembled, written out: a Python call less per move, about 2,000 of the ~15,500
    # instructions a move costs (bench_lifecycle.py (c), counted with callgrind).
    moved: Any = _new(_LeadParts)
    moved.id = lead.id
    moved.stage = to_stage
    moved.created_at = lead.created_at
    moved.source = lead.source
    moved.fields = lead.fields
    moved.history = (*lead.history, change)
    moved.high_water = high_water
    moved.__class__ = Lead
    built: Lead = moved
    return built


def trusted_activity(
    lead_id: str, kind: str, at: datetime, properties: Mapping[str, object]
) -> Activity:
    """An activity from checked parts: non-empty ids and kind, an aware time, and properties
    that are already a read-only mapping (readers share one between equal activities)."""
    activity: Any = _new(_ActivityParts)
    activity.lead_id = lead_id
    activity.kind = kind
    activity.at = at
    activity.properties = properties if properties else _EMPTY
    activity.__class__ = Activity
    built: Activity = activity
    return built


def check_value(value: object, where: str) -> FactValue:
    """A fact value as the library holds it (lists become tuples), or a ``ValidationError``."""
    return _check_value(value, where)


def group_by_lead(
    activities: Iterable[object], *, owner: str = "group_by_lead"
) -> dict[str, list[Activity]]:
    """Activities grouped by ``lead_id`` in one pass, each group in the order given.

    Anything but an :class:`Activity`, or a collection of them, is a ``ValidationError``
    naming ``owner``.
    """
    groups: dict[str, list[Activity]] = {}
    for i, activity in enumerate(_v.iterable(activities, f"{owner}(activities)")):
        if not isinstance(activity, Activity):
            raise not_an_activity(activity, owner, i)
        group = groups.get(activity.lead_id)
        if group is None:
            groups[activity.lead_id] = [activity]
        else:
            group.append(activity)
    return groups


def not_a_lead(item: object, index: int) -> ValidationError:
    """The error for something given among leads, at ``index``, that is not a :class:`Lead`."""
    msg = f"leads[{index}] must be a Lead (got {item!r})."
    return ValidationError(msg, value=item, where=f"leads[{index}]", expected="Lead")


def not_an_activity(item: object, owner: str, index: int | None = None) -> ValidationError:
    """The error for something given as an activity that is not one (at ``index``)."""
    where = "activities" if index is None else f"activities[{index}]"
    msg = f"{owner} needs Activity values; {where} must be an Activity (got {item!r})."
    return ValidationError(msg, value=item, where=where, expected="Activity")


# --- as data ---------------------------------------------------------------------------------


def fact_data(value: FactValue) -> object:
    return list(value) if isinstance(value, tuple) else value


@_convert.shapes(Lead, FieldValue, Activity, StageChange)
def _as_data(conv: cattrs.Converter) -> None:
    # FieldValue's own converter checks a value; lists come back as tuples.
    conv.register_structure_hook(FactValue, lambda value, _type: value)
    conv.register_structure_hook(FactValue | None, lambda value, _type: value)
    conv.register_unstructure_hook(
        FieldValue,
        lambda fv: {
            "value": fact_data(fv.value),
            "learned_at": fv.learned_at.isoformat(),
            "source": fv.source,
        },
    )
    conv.register_unstructure_hook(
        Activity,
        lambda a: {
            "lead_id": a.lead_id,
            "kind": a.kind,
            "at": a.at.isoformat(),
            "properties": _convert.json_safe(dict(a.properties)),
        },
    )
