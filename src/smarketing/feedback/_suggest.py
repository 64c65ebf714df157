"""The advice: the clearest differences between a group's handoffs and the others', kept only
when a Bonferroni-corrected one-sided test says they are not noise."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import attrs

if TYPE_CHECKING:  # pragma: no cover - annotations only
    pass
from smarketing.feedback._report import UNTOUCHED, Group, Outcomes, PlaybookLike, Suggestion

# --- suggestions -------------------------------------------------------------------------------


@attrs.frozen
class _Candidate:
    group: Group
    kind: str
    stage: str | None
    reason: str | None
    count: int
    decided: int
    rest_count: int
    rest: int
    p_value: float
    excess: float


def suggest(
    playbook: PlaybookLike,
    overall: Outcomes,
    groups: Sequence[Group],
    min_sample: int,
    alpha: float,
    min_ratio: float,
) -> tuple[int, tuple[Suggestion, ...]]:
    """Every comparison the evidence allows, then those that pass, strongest first."""
    candidates: list[_Candidate] = []
    for group in groups:
        inside = group.outcomes
        outside = overall.minus(inside)
        if inside.decided < min_sample or outside.decided < min_sample:
            continue
        # Acceptance is tested for falling short; each reason for coming up more often.
        tested: list[tuple[str, str | None, str | None, int, int, bool]] = [
            ("acceptance", None, None, inside.accepted, outside.accepted, False)
        ]
        tested += [
            ("reason", r.stage, r.reason, r.count, outside.count(r.reason, r.stage), True)
            for r in inside.rejected
        ]
        for kind, stage, reason, count, rest_count, higher in tested:
            p = _p_value(count, inside.decided, rest_count, outside.decided, higher=higher)
            expected = inside.decided * rest_count / outside.decided
            excess = count - expected if higher else expected - count
            candidates.append(
                _Candidate(
                    group,
                    kind,
                    stage,
                    reason,
                    count,
                    inside.decided,
                    rest_count,
                    outside.decided,
                    p,
                    excess,
                )
            )
    tests = len(candidates)
    passed = [
        c
        for c in candidates
        if c.p_value * tests < alpha and _strong(c, min_ratio) and c.excess > 0
    ]
    # Most rejections beyond what the others' rate predicts first; a reason before the
    # acceptance it explains.
    passed.sort(
        key=lambda c: (
            -round(c.excess, 6),
            c.kind != "reason",
            c.p_value,
            c.group.dimension,
            str(c.group.value),
        )
    )
    return tests, tuple(_suggestion(playbook, c) for c in passed)


def _ratio(c: _Candidate) -> float | None:
    if c.rest_count == 0:
        return None
    return (c.count / c.decided) / (c.rest_count / c.rest)


def _strong(c: _Candidate, min_ratio: float) -> bool:
    ratio = _ratio(c)
    if c.kind == "acceptance":
        return ratio is not None and ratio * min_ratio <= 1
    return ratio is None or ratio >= min_ratio


def _p_value(count: int, n: int, rest_count: int, rest: int, *, higher: bool) -> float:
    """One-sided two-proportion z-test (pooled): is count/n above (or below) rest_count/rest?"""
    pooled = (count + rest_count) / (n + rest)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / rest))
    if spread == 0:
        return 1.0
    z = (count / n - rest_count / rest) / spread
    return 0.5 * math.erfc((z if higher else -z) / math.sqrt(2))


_SUBJECTS: Final = {
    "definition": "MQLs qualified by {v!r}",
    "persona": "MQLs matching the persona {v!r}",
    "source": "MQLs from the source {v!r}",
    "grade": "grade {v} MQLs",
    "rule": "MQLs matching {v!r}",
    "engagement": "MQLs who had done {v!r}",
    "first_touch": "MQLs first touched {v} after the handoff",
}
_SUBJECTS_NONE: Final = {
    "definition": "MQLs with no trigger",
    "persona": "MQLs matching no persona",
    "source": "MQLs with no source",
    "grade": "MQLs with no grade",
}
_ADVICE: Final = {
    "definition": "tighten its condition",
    "persona": "review the persona's traits, or nurture these leads longer",
    "source": "review the campaigns behind that source, or score them lower",
    "grade": "raise the grade's threshold, or leave it out of the MQL definition",
    "engagement": "give that activity fewer points",
    "first_touch": "look at how sales follows up on them",
}


def _suggestion(playbook: PlaybookLike, c: _Candidate) -> Suggestion:
    group = c.group
    dimension, value = group.dimension, group.value
    if value is None:
        subject = _SUBJECTS_NONE[dimension]
    elif dimension == "first_touch" and value == UNTOUCHED:
        subject = "MQLs that sales never touched"
    else:
        subject = _SUBJECTS[dimension].format(v=value)
    ratio = _ratio(c)
    rest_rate = c.rest_count / c.rest
    if c.kind == "acceptance":
        how = "are never accepted" if not c.count else f"are accepted {ratio:.1f}x as often"
    else:
        verb = c.stage if c.stage is not None and c.stage.endswith("ed") else f"sent to {c.stage}"
        why = "without a reason" if c.reason is None else f"for {c.reason!r}"
        how = f"are {verb} {why} " + (
            "while the others never are" if ratio is None else f"{ratio:.1f}x as often"
        )
    evidence = f"({c.count:,} of {c.decided:,}, against {rest_rate:.1%} of the others)"
    text = f"{subject} {how} {evidence}: {_advice(playbook, c)}"
    return Suggestion(
        text=text,
        kind=c.kind,
        dimension=dimension,
        value=value,
        stage=c.stage,
        reason=c.reason,
        count=c.count,
        group=c.decided,
        rest_count=c.rest_count,
        rest=c.rest,
        ratio=ratio,
        p_value=c.p_value,
    )


def _advice(playbook: PlaybookLike, c: _Candidate) -> str:
    dimension, value = c.group.dimension, c.group.value
    if dimension == "rule":
        points = next((r.points for r in playbook.scoring.fit if r.name == value), 0.0)
        advice = "lower its points" if points > 0 else "make its points more negative"
    elif dimension == "persona" and value is None:
        advice = "describe the persona they are, or nurture them longer"
    else:
        advice = _ADVICE[dimension]
    if c.reason is not None:
        words = set(c.reason.lower().replace("-", " ").split())
        asked = next((f for f in playbook.forms if f.name.lower() in words), None)
        if asked is not None:
            advice += f", or ask for {asked.label!r} before the handoff"
    return advice
