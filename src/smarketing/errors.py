"""The exception hierarchy: every error smarketing raises derives from `SmarketingError`.

Each error carries its context as attributes and a message that names the offending value,
where it came from and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ConfigError",
    "GuardRejected",
    "SmarketingError",
    "TransitionError",
    "ValidationError",
]


class SmarketingError(Exception):
    """Base class of every error raised by smarketing."""


class ValidationError(SmarketingError, ValueError):
    """A value given to smarketing is not what was expected.

    Attributes:
        value: the offending value.
        where: where it came from (an argument name, a lead id, a path inside data).
        expected: what would have been accepted.
    """

    def __init__(
        self,
        msg: str,
        *,
        value: object = None,
        where: str | None = None,
        expected: str | None = None,
    ) -> None:
        super().__init__(msg)
        self.value = value
        self.where = where
        self.expected = expected


class ConfigError(SmarketingError, ValueError):
    """A definition (a rule, a stage, a trait, a form field, a condition's text, a lifecycle,
    a playbook file) is not valid.

    Attributes:
        source: the file or text the definition came from, when known.
        key: the key path inside the definition (``scoring.fit[2].when``), when known.
        line: the line number inside ``source``, when known.
        piece: the offending piece of text or value, when there is one.
        suggestion: what was probably meant, when something close exists.
        where: the definition and argument at fault (``EngagementRule('demo').half_life``);
            the key path when not given.
        expected: what would have been accepted, when known.
        value: the offending value (the same as ``piece``), as on ``ValidationError``.
    """

    def __init__(
        self,
        msg: str,
        *,
        source: str | None = None,
        key: str | None = None,
        line: int | None = None,
        piece: object = None,
        suggestion: str | None = None,
        where: str | None = None,
        expected: str | None = None,
    ) -> None:
        super().__init__(msg)
        self.source = source
        self.key = key
        self.line = line
        self.piece = piece
        self.suggestion = suggestion
        self.where = key if where is None else where
        self.expected = expected

    @property
    def value(self) -> object:
        """The offending value: ``piece``, under the name ``ValidationError`` gives it."""
        return self.piece


class TransitionError(SmarketingError):
    """A trigger is not valid for a lead in its current stage.

    Attributes:
        lead_id: the lead the trigger was fired on.
        stage: the stage the lead is in.
        trigger: the trigger that was fired.
        allowed: the triggers that would have succeeded instead.
    """

    def __init__(
        self,
        msg: str,
        *,
        lead_id: str,
        stage: str,
        trigger: str,
        allowed: Iterable[str] = (),
    ) -> None:
        super().__init__(msg)
        self.lead_id = lead_id
        self.stage = stage
        self.trigger = trigger
        self.allowed = tuple(allowed)


class GuardRejected(TransitionError):  # noqa: N818 - the contract's name
    """A trigger is defined for the lead's stage, but its guard condition does not hold.

    Attributes:
        failed: the text of each condition that did not hold.
        missing: the facts the guard reads that the lead does not have.
    """

    def __init__(
        self,
        msg: str,
        *,
        lead_id: str,
        stage: str,
        trigger: str,
        allowed: Iterable[str] = (),
        failed: Iterable[str] = (),
        missing: Iterable[str] = (),
    ) -> None:
        super().__init__(msg, lead_id=lead_id, stage=stage, trigger=trigger, allowed=allowed)
        self.failed = tuple(failed)
        self.missing = tuple(missing)
