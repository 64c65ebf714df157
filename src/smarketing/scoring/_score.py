"""A score and its contributions: what each rule, cap and floor added, summing to the total."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs

from smarketing import _format, _trusted
from smarketing import _validate as _v
from smarketing.scoring._common import _KINDS, ContributionKind, _Part

# --- contributions and scores -----------------------------------------------------------------
# Results, not definitions: one built by hand from bad data is a ValidationError.


def _part(owner: str, check: Callable[..., object], **options: object) -> _v.Validator:
    def validate(_value: object, attribute: attrs.Attribute[object], value: object) -> None:
        check(value, f"{owner}.{attribute.name}", error=_v.runtime, label=owner, **options)

    return validate


def _kind(value: object, where: str, *, error: _v.ErrorKind, label: str) -> None:
    if value not in _KINDS:
        expected = "one of " + ", ".join(map(repr, _KINDS))
        msg = f"{label}: 'kind' must be {expected} (got {value!r})."
        raise error(msg, value=value, where=where, expected=expected)


@attrs.frozen
class Contribution:
    """One line of a score: what added (or, for an adjustment, took away) how many points.

    ``kind`` is ``"fit"`` or ``"engagement"`` for a rule (``rule`` is its name), or
    ``"adjustment"`` when a cap or the floor clamped; ``rule`` then names the model argument:
    ``"fit_cap"``, ``"engagement_cap"``, ``"floor"`` or ``"group_caps"``. ``count`` is the
    number of activities an engagement rule counted (0 otherwise); ``group`` is the engagement
    rule's group, or the group a ``group_caps`` adjustment capped.
    """

    rule: str = attrs.field(
        validator=_part("Contribution", _v.name, expected="a rule name (non-empty text)")
    )
    kind: ContributionKind = attrs.field(validator=_part("Contribution", _kind))
    points: float = attrs.field(converter=_v.to_float, validator=_part("Contribution", _v.finite))
    count: int = attrs.field(default=0, validator=_part("Contribution", _v.whole))
    group: str | None = attrs.field(
        default=None,
        validator=_part(
            "Contribution", _v.name, expected="a group name (non-empty text)", optional=True
        ),
    )


def _to_parts(value: Iterable[Contribution]) -> tuple[_Part, ...]:
    items = _v.listed(value, Contribution, "Score.contributions", error=_v.runtime, label="Score")
    return tuple((c.rule, c.kind, c.points, c.count, c.group) for c in items)


_ADJUSTMENTS: Final = {
    "fit_cap": "fit cap",
    "engagement_cap": "engagement cap",
    "floor": "engagement floor",
}


def _describe(rule: str, kind: str, count: int, group: str | None) -> str:
    if kind == "engagement":
        return f"{rule} ({count} activit{'y' if count == 1 else 'ies'})"
    if kind == "adjustment":
        if rule == "group_caps":
            return f"group cap {group!r}"
        return _ADJUSTMENTS.get(rule, rule)
    return rule


@attrs.frozen(repr=False, weakref_slot=False)  # built from parts: see _trusted
class Score:
    """A lead's score at one moment: ``fit + engagement == total``, and its ``grade``.

    ``contributions`` lists what made it, in order: the fit rules that held, a fit-cap
    adjustment, the engagement rules that counted activities, then any group-cap,
    engagement-cap and floor adjustments. They add up to ``total`` exactly, however they are
    added; the fit-side ones (``"fit"`` and the ``fit_cap`` adjustment) to ``fit``, the others
    to ``engagement``. Points are kept to a resolution of 2**-30 (about a billionth of a
    point), which is what makes every one of these sums exact.
    """

    fit: float = attrs.field(converter=_v.to_float, validator=_part("Score", _v.finite))
    engagement: float = attrs.field(converter=_v.to_float, validator=_part("Score", _v.finite))
    total: float = attrs.field(converter=_v.to_float, validator=_part("Score", _v.finite))
    grade: str = attrs.field(validator=_part("Score", _v.name, expected="a grade name"))
    _parts: tuple[_Part, ...] = attrs.field(alias="contributions", converter=_to_parts)

    @functools.cached_property
    def contributions(self) -> tuple[Contribution, ...]:
        """What made the score, as :class:`Contribution` values (built on first read)."""
        return tuple(Contribution(*part) for part in self._parts)

    def facts(self) -> dict[str, object]:
        """``score``, ``fit``, ``engagement`` and ``grade``: the facts lifecycle guards read.

        The default MQL definition, ``score >= 60 and grade in ('A', 'B')``, reads them as
        ``lifecycle.advance(lead, at=t, facts=score.facts())``.
        """
        return {
            "score": self.total,
            "fit": self.fit,
            "engagement": self.engagement,
            "grade": self.grade,
        }

    def explain(self) -> str:
        """A short breakdown: the totals, then one line per contribution."""
        head = (
            f"score {_format.number(self.total)} = fit {_format.number(self.fit)} + "
            f"engagement {_format.number(self.engagement)}, grade {self.grade}"
        )
        if not self._parts:
            return head + "\n  (no rule applies)"
        numbers = [_format.number(part[2], signed=True) for part in self._parts]
        width = max(map(len, numbers))
        lines = [head]
        for (rule, kind, _points, count, group), number in zip(self._parts, numbers, strict=True):
            lines.append(f"  {kind:<10}  {number:>{width}}  {_describe(rule, kind, count, group)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Score(fit={self.fit!r}, engagement={self.engagement!r}, total={self.total!r}, "
            f"grade={self.grade!r}, contributions={self.contributions!r})"
        )


_ScoreParts = _trusted.parts(Score)


def _make_score(
    fit: float, engagement: float, total: float, grade: str, parts: tuple[_Part, ...]
) -> Score:
    # The scoring hot path builds its score from parts that are correct by construction, so
    # it skips __init__, which would need every part as a checked Contribution first.
    # benchmarks/bench_scoring.py (a): through __init__ a score of three parts took 42 µs
    # against 6 µs built here (one run, shared machine), which would add ~36 µs to the
    # 54 µs/lead of ScoringModel.score.
    score: Any = _trusted.new(_ScoreParts)
    score.fit = fit
    score.engagement = engagement
    score.total = total
    score.grade = grade
    score._parts = parts
    score.__class__ = Score
    built: Score = score
    return built


def _adjustment(points: list[float], bound: float, *, upper: bool) -> float:
    """The points that bring the sum of ``points`` to ``bound`` and never past it.

    On the grid (every practical score) the result is exact. Beyond it, where ``bound`` may be
    out of reach of a float sum, it is the closest adjustment that keeps the bound.
    """
    negated = [-p for p in points]
    adjustment = math.fsum([bound, *negated])
    # fsum rounded bound - sum(points); its exact remainder says which way.
    remainder = math.fsum([bound, -adjustment, *negated])
    if upper and remainder < 0:
        adjustment = math.nextafter(adjustment, -math.inf)
    elif not upper and remainder > 0:
        adjustment = math.nextafter(adjustment, math.inf)
    return adjustment
