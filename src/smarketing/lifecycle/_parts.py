"""A lifecycle's parts: its stages (open or closed, with a maximum age) and the transitions
between them (a trigger, sources, a destination, a guard, automatic or not)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Final

import attrs

from smarketing import _validate as _v
from smarketing.conditions import (
    Condition,
    always,
)
from smarketing.errors import ConfigError

#: A stage name, and a trigger's (a whole match; the playbook's JSON Schema takes them from here).
STAGE_PATTERN: Final = r"[A-Za-z][A-Za-z0-9_-]*"
TRIGGER_PATTERN: Final = r"[A-Za-z_][A-Za-z0-9_]*"
_STAGE_RE: Final = re.compile(STAGE_PATTERN + r"\Z")
_TRIGGER_RE: Final = re.compile(TRIGGER_PATTERN + r"\Z")


def _check_stage_name(name: object, where: str) -> str:
    if not isinstance(name, str) or not _STAGE_RE.match(name):
        msg = (
            f"{where} must be a stage name (letters, digits, '_' or '-', starting with a "
            f"letter), got {name!r}."
        )
        raise ConfigError(msg, key=where, piece=name)
    return name


@attrs.frozen
class Stage:
    """A lifecycle stage.

    ``max_age`` makes it an SLA stage: a lead that sits in it longer is stale. ``closed`` stages
    (won or out) are not open; nothing leaves a ``terminal`` stage.
    """

    name: str = attrs.field(validator=lambda _s, _a, v: _check_stage_name(v, "Stage.name"))
    max_age: timedelta | None = attrs.field(default=None)
    closed: bool = attrs.field(default=False)
    terminal: bool = attrs.field(default=False)

    @max_age.validator
    def _check_max_age(self, _attribute: object, value: object) -> None:
        where, label = f"Stage({self.name!r}).max_age", f"stage {self.name!r}"
        _v.positive_duration(value, where, error=_v.definition, optional=True, label=label)

    @closed.validator
    @terminal.validator
    def _check_flag(self, attribute: attrs.Attribute[bool], value: object) -> None:
        where = f"Stage({self.name!r}).{attribute.name}"
        _v.flag(value, where, error=_v.definition, label=f"stage {self.name!r}")

    @property
    def open(self) -> bool:
        """Whether a lead in this stage is still being worked (neither won nor out)."""
        return not (self.closed or self.terminal)


def _to_stage(value: object) -> Stage:
    return value if isinstance(value, Stage) else Stage(value)  # type: ignore[arg-type]


def _to_stages(values: Iterable[Stage | str]) -> tuple[Stage, ...]:
    given = _v.iterable(values, "Lifecycle.stages", error=_v.definition)
    return tuple(_to_stage(v) for v in given)


def _to_initial(value: str) -> str:
    return _check_stage_name(value, "Lifecycle.initial")


def _to_transitions(values: Iterable[Transition]) -> tuple[Transition, ...]:
    out = tuple(_v.iterable(values, "Lifecycle.transitions", error=_v.definition))
    for t in out:
        if not isinstance(t, Transition):
            raise ConfigError(f"{t!r} is not a Transition.", key="transitions", piece=t)
    return out  # type: ignore[return-value]


def _to_sources(value: object) -> tuple[str, ...]:
    return _v.one_or_many(value, "Transition.source", what="stage name")  # type: ignore[return-value]


@attrs.frozen
class Transition:
    """A trigger that moves a lead from one of ``source`` to ``dest``.

    ``when`` is a guard checked on every firing; ``auto`` says whether :meth:`Lifecycle.advance`
    may take it by itself (``True``), never (``False``), or only while a condition holds.
    ``requires_reason`` makes firing it without a reason an error.
    """

    trigger: str = attrs.field()
    source: tuple[str, ...] = attrs.field(converter=_to_sources)
    dest: str = attrs.field()
    when: Condition = attrs.field(factory=always)
    auto: bool | Condition = attrs.field(default=False)
    requires_reason: bool = attrs.field(default=False)

    @trigger.validator
    def _check_trigger(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not _TRIGGER_RE.match(value):
            msg = f"a trigger must be a name of letters, digits and '_' (got {value!r})."
            raise ConfigError(msg, key="trigger", piece=value)

    @source.validator
    def _check_source(self, _attribute: object, value: tuple[object, ...]) -> None:
        if not value:
            msg = f"trigger {self.trigger!r} needs at least one source stage."
            raise ConfigError(msg, key=f"{self.trigger}.source", piece=value)
        for stage in value:
            _check_stage_name(stage, f"trigger {self.trigger!r} source")

    @dest.validator
    def _check_dest(self, _attribute: object, value: object) -> None:
        _check_stage_name(value, f"trigger {self.trigger!r} dest")

    @when.validator
    def _check_when(self, _attribute: object, value: object) -> None:
        if not isinstance(value, Condition):
            msg = f"trigger {self.trigger!r}: when must be a Condition (got {value!r})."
            raise ConfigError(msg, key=f"{self.trigger}.when", piece=value)

    @auto.validator
    def _check_auto(self, _attribute: object, value: object) -> None:
        if not isinstance(value, bool | Condition):
            msg = (
                f"trigger {self.trigger!r}: auto must be True, False or a Condition "
                f"(got {value!r})."
            )
            raise ConfigError(msg, key=f"{self.trigger}.auto", piece=value)

    @requires_reason.validator
    def _check_requires_reason(self, _attribute: object, value: object) -> None:
        where = f"Transition({self.trigger!r}).requires_reason"
        _v.flag(value, where, error=_v.definition, label=f"trigger {self.trigger!r}")

    @property
    def is_auto(self) -> bool:
        """Whether :meth:`Lifecycle.advance` may ever take this transition."""
        return self.auto is not False

    def auto_condition(self) -> Condition:
        """The condition under which ``advance`` takes it: ``when`` and the ``auto`` gate."""
        if isinstance(self.auto, Condition):
            return self.when & self.auto if self.when != always() else self.auto
        return self.when
