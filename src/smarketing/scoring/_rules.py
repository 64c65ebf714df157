"""The rules: fit rules (conditions over a lead's facts) and engagement rules (activities of a
kind, decayed by age, windowed and capped)."""

from __future__ import annotations

import functools
import math
from datetime import timedelta
from typing import Literal

import attrs

from smarketing import _format
from smarketing import _validate as _v
from smarketing.conditions import Condition
from smarketing.errors import ValidationError
from smarketing.scoring._common import (
    _DECAY_NAMES,
    _DURATION,
    _EXPONENTIAL,
    _LINEAR,
    _NO_DECAY,
    _arg,
    _condition,
    _fraction,
    _rule_name,
    _snap,
)

# --- rules ------------------------------------------------------------------------------------


@attrs.frozen
class FitRule:
    """Points for who the lead is: ``points`` when ``condition`` holds for the lead's facts.

    A rule whose facts are unknown adds nothing (unknown is not a match); points may be
    negative (a free-mail address, a competitor).

    >>> import smarketing as sm
    >>> sm.FitRule("big company", sm.field("company_size") >= 200, points=10)
    FitRule(name='big company', condition=parse_condition('company_size >= 200'), points=10.0)
    """

    name: str = attrs.field(validator=_rule_name("fit rule"))
    condition: Condition = attrs.field(validator=_condition("fit rule"))
    points: float = attrs.field(converter=_v.to_float, validator=_arg("fit rule", _v.points))


@attrs.frozen
class EngagementRule:
    """Points for what the lead did: each activity of ``kind`` is worth ``points``, decayed.

    Decay, by the activity's age at scoring time:

    - ``half_life=timedelta(days=30)``: exponential, ``points * 0.5 ** (age / half_life)``;
    - ``lose=0.25, per=timedelta(days=90)``: linear (HubSpot's way), a quarter of the points
      go every 90 days, evenly, down to zero;
    - neither: no decay.

    ``where`` is a condition over the activity's ``properties`` (``field("url").contains(
    "/pricing")`` counts only pricing-page views). ``within`` counts only activities at most
    that old; ``max_count`` counts only the most recent repeats; ``group`` names a group the
    model may cap (``group_caps``). An activity counts for every rule it matches.

    >>> from datetime import timedelta
    >>> import smarketing as sm
    >>> rule = sm.EngagementRule("webinar", kind="webinar", points=20,
    ...                          lose=0.25, per=timedelta(days=30))
    >>> rule.worth(timedelta(days=60)), rule.decay
    (10.0, 'linear')
    """

    name: str = attrs.field(validator=_rule_name("engagement rule"))
    kind: str = attrs.field(
        validator=_arg("engagement rule", _v.name, expected="an activity kind (non-empty text)")
    )
    points: float = attrs.field(converter=_v.to_float, validator=_arg("engagement rule", _v.points))
    half_life: timedelta | None = attrs.field(default=None, validator=_DURATION)
    within: timedelta | None = attrs.field(default=None, validator=_DURATION)
    max_count: int | None = attrs.field(
        default=None, validator=_arg("engagement rule", _v.whole, low=1, optional=True)
    )
    group: str | None = attrs.field(
        default=None,
        validator=_arg(
            "engagement rule", _v.name, expected="a group name (non-empty text)", optional=True
        ),
    )
    where: Condition | None = attrs.field(
        default=None,
        kw_only=True,
        validator=_condition(
            "engagement rule", "a Condition over the activity's properties", optional=True
        ),
    )
    lose: float | None = attrs.field(default=None, kw_only=True, converter=_fraction)
    per: timedelta | None = attrs.field(default=None, kw_only=True, validator=_DURATION)

    @lose.validator
    def _check_linear_decay(self, _attribute: object, lose: object) -> None:
        label, where = f"engagement rule {self.name!r}", f"EngagementRule({self.name!r})"
        if (lose is None) != (self.per is None):
            msg = (
                f"{label}: 'lose' and 'per' go together (linear decay loses 'lose' of the "
                f"points per 'per'); got lose={lose!r}, per={_format.shown(self.per)}."
            )
            expected = "lose and per together"
            raise _v.definition(
                msg, value=(lose, self.per), where=f"{where}.lose", expected=expected
            )
        if lose is None:
            return
        if not (_v.is_number(lose) and 0 < lose <= 1):  # type: ignore[operator]
            msg = f"{label}: 'lose' must be a fraction in (0, 1] (got {lose!r})."
            expected = "a fraction in (0, 1]"
            raise _v.definition(msg, value=lose, where=f"{where}.lose", expected=expected)
        if self.half_life is not None:
            msg = (
                f"{label}: give either half_life (exponential decay) or lose and per "
                "(linear decay), not both."
            )
            expected = "half_life, or lose and per"
            raise _v.definition(
                msg, value=self.half_life, where=f"{where}.half_life", expected=expected
            )

    # Derived on first use (after the validators): how the points decay, and the window.
    @functools.cached_property
    def _decay(self) -> tuple[int, float]:
        if self.half_life is not None:
            return _EXPONENTIAL, self.half_life.total_seconds()
        if self.per is not None:
            return _LINEAR, self.per.total_seconds()
        return _NO_DECAY, 0.0

    @functools.cached_property
    def _window(self) -> float:
        return math.inf if self.within is None else self.within.total_seconds()

    @property
    def decay(self) -> Literal["none", "exponential", "linear"]:
        """Which decay applies: ``"exponential"``, ``"linear"`` or ``"none"``."""
        return _DECAY_NAMES[self._decay[0]]

    def worth(self, age: timedelta) -> float:
        """What one matching activity of this age is worth (0 outside the window or future)."""
        given: object = age
        if not isinstance(given, timedelta):
            msg = f"worth() needs the activity's age as a timedelta (got {given!r})."
            raise ValidationError(msg, value=given, where="worth(age)", expected="a timedelta")
        seconds = given.total_seconds()
        if seconds < 0 or seconds > self._window:
            return 0.0
        return self._total([seconds])

    def _total(self, ages: list[float]) -> float:
        """The points of activities of these ages, in seconds (all inside the window)."""
        points, (mode, scale) = self.points, self._decay
        if mode == _NO_DECAY:
            return _snap(points * len(ages))
        if mode == _EXPONENTIAL:
            if len(ages) == 1:
                return _snap(points * 0.5 ** (ages[0] / scale))
            return _snap(math.fsum([points * 0.5 ** (a / scale) for a in ages]))
        lose: float = self.lose  # type: ignore[assignment]
        return _snap(math.fsum([points * max(0.0, 1.0 - lose * (a / scale)) for a in ages]))
