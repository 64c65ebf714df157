"""What the scoring parts share: the kinds of contribution, the points grid, and the checks
that make a rule's errors name the rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, Literal, TypeAlias, TypeVar

import attrs

from smarketing import _validate as _v
from smarketing.conditions import Compiled, Condition
from smarketing.errors import ValidationError
from smarketing.facts import plain_facts
from smarketing.leads import Lead

#: What a contribution is: a fit rule, an engagement rule, or a cap or floor that clamped.
ContributionKind: TypeAlias = Literal["fit", "engagement", "adjustment"]

#: The default threshold grades: the highest threshold the fit reaches gives the grade.
DEFAULT_GRADES: Final[Mapping[str, float]] = MappingProxyType(
    {"A": 40.0, "B": 25.0, "C": 10.0, "D": 0.0}
)

#: Pardot's profile grades, lowest first: a letter moves a third at a time.
LETTER_GRADES: Final = ("F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+")

_KINDS: Final = ("fit", "engagement", "adjustment")
_Part: TypeAlias = tuple[str, ContributionKind, float, int, str | None]
_Evaluate: TypeAlias = Compiled
_T = TypeVar("_T")

# Points are kept on a grid of 2**-30 (about a billionth of a point). Sums of grid values
# below 2**23 are exact in binary floating point, so contributions add up to the total exactly
# whichever way they are added (sum, math.fsum, any order, any Python version), and a capped
# engagement is exactly its cap. Above 2**22 every float is already on the grid.
_GRID: Final = float(2**30)
_ON_GRID: Final = float(2**22)

_NO_DECAY: Final = 0
_EXPONENTIAL: Final = 1
_LINEAR: Final = 2
_DECAY_NAMES: Final[tuple[Literal["none", "exponential", "linear"], ...]] = (
    "none",
    "exponential",
    "linear",
)


def _snap(x: float) -> float:
    return x if abs(x) >= _ON_GRID else round(x * _GRID) / _GRID


# --- validation -------------------------------------------------------------------------------
# A rule's errors name the rule: "engagement rule 'demo': 'half_life' must be ...".


def _arg(what: str, check: Callable[..., object], **options: object) -> _v.Validator:
    """A validator of one argument of a named rule (a bad one is a ``ConfigError``)."""

    def validate(rule: _Named, attribute: attrs.Attribute[object], value: object) -> None:
        where = f"{type(rule).__name__}({rule.name!r}).{attribute.name}"
        label = f"{what} {rule.name!r}"
        check(value, where, error=_v.definition, label=label, **options)

    return validate


def _rule_name(what: str) -> _v.Validator:
    def validate(rule: object, _attribute: object, value: object) -> None:
        _v.name(value, f"{type(rule).__name__}.name", error=_v.definition, label=what)

    return validate


class _Named:
    name: str


def _condition(what: str, expected: str = "a Condition", *, optional: bool = False) -> _v.Validator:
    return _arg(what, _v.instance, cls=Condition, expected=expected, optional=optional)


def _fraction(value: object) -> object:
    """A fraction in (0, 1] as a float; anything else is left as given, for the message."""
    if _v.is_number(value) and 0 < value <= 1:  # type: ignore[operator]
        return float(value)  # type: ignore[arg-type]
    return value


_DURATION: Final = _arg("engagement rule", _v.positive_duration, optional=True)


def _plain(facts: Mapping[str, object] | Lead) -> Mapping[str, object]:
    """Facts to run many rules on: a lead's own (its fact view, not derived) or a view's dict."""
    return plain_facts(facts, derive=False)


def _down(bound: float) -> float:
    """A cap on the grid, never above the cap."""
    snapped = _snap(bound)
    return snapped if snapped <= bound else snapped - 1 / _GRID


def _up(bound: float) -> float:
    """A floor on the grid, never below the floor."""
    snapped = _snap(bound)
    return snapped if snapped >= bound else snapped + 1 / _GRID


def _optional(snap: Callable[[float], float], bound: float | None) -> float | None:
    return None if bound is None else snap(bound)


def _checked_lead(lead: object, method: str) -> Lead:
    if not isinstance(lead, Lead):
        msg = f"ScoringModel.{method}() needs Lead values (got {lead!r})."
        raise ValidationError(msg, value=lead, where=f"{method}(lead)", expected="a Lead")
    return lead
