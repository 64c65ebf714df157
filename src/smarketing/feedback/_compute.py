"""Reading the handoffs: each entry into the MQL stage, what marketing knew then, and what
sales did next, tallied by every breakdown."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from smarketing import _validate as _v
from smarketing._calendar import WallClock
from smarketing.errors import ValidationError
from smarketing.funnel import DEFAULT_TOUCH_KINDS
from smarketing.leads import (
    Activity,
    Lead,
    check_aware,
    group_by_lead,
    not_a_lead,
    rebuilt,
)

if TYPE_CHECKING:  # pragma: no cover - annotations only
    pass
from smarketing.feedback._report import (
    BUCKETS,
    DIMENSIONS,
    FIRST_TOUCH,
    LATER,
    UNTOUCHED,
    Definition,
    FeedbackReport,
    Group,
    Outcomes,
    PlaybookLike,
    outcomes_of,
)
from smarketing.feedback._suggest import suggest

# --- computing a report ------------------------------------------------------------------------


@attrs.define
class _Tally:
    """Counts for one group while the handoffs are read."""

    handoffs: int = 0
    accepted: int = 0
    pending: int = 0
    rejected: Counter[tuple[str, str | None]] = attrs.field(factory=Counter)

    def add(self, outcome: tuple[str, str | None] | None, accepted: bool) -> None:
        self.handoffs += 1
        if accepted:
            self.accepted += 1
        elif outcome is None:
            self.pending += 1
        else:
            self.rejected[outcome] += 1

    def outcomes(self) -> Outcomes:
        return outcomes_of(self.handoffs, self.accepted, self.pending, self.rejected)


@attrs.frozen
class _Handoff:
    """One entry into the MQL stage, what marketing knew then, and what sales did next."""

    values: Mapping[str, tuple[str | None, ...]]
    outcome: tuple[str, str | None] | None
    accepted: bool


def feedback_report(
    leads: Iterable[Lead],
    activities: Iterable[Activity] = (),
    *,
    playbook: PlaybookLike,
    start: datetime,
    end: datetime,
    stage: str = "mql",
    min_sample: int = 30,
    alpha: float = 0.01,
    min_ratio: float = 1.5,
) -> FeedbackReport:
    """Sales' reactions to the handoffs into `stage` inside ``[start, end]``, traced back.

    Each handoff is assessed with `playbook` as of the moment it happened (fields learned and
    activities done by then): its persona, grade and matched fit rules; the MQL definition is
    the trigger that moved it; time to first touch is measured on the playbook's clock up to
    the first sales touch (the SLA's touch kinds) by `end`.

    A suggestion needs `min_sample` decided handoffs in the group and outside it, a rate at
    least `min_ratio` times the others' (or at most 1/`min_ratio` for acceptance), and a
    one-sided two-proportion z-test under `alpha` divided by the number of comparisons made.

    Raises `ValidationError` for a window that ends before it starts or naive times, a stage
    that is not on the lifecycle's main path, bad thresholds, items that are not leads or
    activities, or a `playbook` that is not one.
    """
    _check_playbook(playbook)
    begin = check_aware(start, "feedback_report(start=...)")
    finish = check_aware(end, "feedback_report(end=...)")
    if finish < begin:
        msg = f"the window's end {finish.isoformat()} is before its start {begin.isoformat()}."
        raise ValidationError(msg, value=end, where="end", expected=f"at or after {begin}")
    _check_thresholds(min_sample, alpha, min_ratio)
    lifecycle = playbook.lifecycle
    path = lifecycle.main_path
    if stage not in path or stage == path[-1]:
        msg = f"stage must be a main-path stage before the last ({', '.join(path[:-1])})."
        raise ValidationError(msg, value=stage, where="stage", expected=", ".join(path[:-1]))
    later = frozenset(path[path.index(stage) + 1 :])
    grouped = group_by_lead(_v.iterable(activities, "activities"), owner="feedback_report")
    handoffs = list(
        _handoffs(playbook, _checked_leads(leads), grouped, stage, later, begin, finish)
    )
    rules = tuple(rule.name for rule in playbook.scoring.fit)
    groups = _groups(handoffs, rules)
    overall = _Tally()
    for h in handoffs:
        overall.add(h.outcome, h.accepted)
    whole = overall.outcomes()
    definitions = tuple(
        Definition(t.trigger, str(t.when)) for t in lifecycle.transitions if t.dest == stage
    )
    tests, suggestions = suggest(playbook, whole, groups, min_sample, alpha, min_ratio)
    return FeedbackReport(
        start=begin,
        end=finish,
        stage=stage,
        accepted_into=tuple(s for s in path if s in later),
        clock="wall-clock" if isinstance(playbook.clock, WallClock) else "business hours",
        min_sample=min_sample,
        min_ratio=float(min_ratio),
        alpha=alpha,
        tests=tests,
        overall=whole,
        definitions=definitions,
        groups=groups,
        suggestions=suggestions,
    )


def _check_playbook(playbook: object) -> None:
    if not isinstance(playbook, PlaybookLike):
        msg = f"playbook must be a Playbook (got {playbook!r})."
        raise ValidationError(msg, value=playbook, where="playbook", expected="a Playbook")


def _check_thresholds(min_sample: object, alpha: object, min_ratio: object) -> None:
    if not isinstance(min_sample, int) or isinstance(min_sample, bool) or min_sample < 1:
        msg = f"min_sample must be a whole number >= 1 (got {min_sample!r})."
        raise ValidationError(msg, value=min_sample, where="min_sample", expected="an int >= 1")
    if not isinstance(alpha, int | float) or isinstance(alpha, bool) or not 0 < alpha < 1:
        msg = f"alpha must be a number between 0 and 1 (got {alpha!r})."
        raise ValidationError(msg, value=alpha, where="alpha", expected="0 < alpha < 1")
    if (
        not isinstance(min_ratio, int | float)
        or isinstance(min_ratio, bool)
        or not 1 <= min_ratio < math.inf
    ):
        msg = f"min_ratio must be a finite number >= 1 (got {min_ratio!r})."
        raise ValidationError(msg, value=min_ratio, where="min_ratio", expected="a number >= 1")


def _checked_leads(leads: object) -> Iterator[Lead]:
    for i, lead in enumerate(_v.iterable(leads, "leads")):
        if not isinstance(lead, Lead):
            raise not_a_lead(lead, i)
        yield lead


def _as_of(lead: Lead, at: datetime, stage: str) -> Lead:
    """The lead as marketing knew it at `at`: fields learned by then, in `stage`."""
    fields = {name: fv for name, fv in lead.fields.items() if fv.learned_at <= at}
    history = tuple(c for c in lead.history if c.at <= at)
    return rebuilt(lead, stage=stage, fields=MappingProxyType(fields), history=history)


def _handoffs(
    playbook: PlaybookLike,
    leads: Iterable[Lead],
    activities: Mapping[str, list[Activity]],
    stage: str,
    later: frozenset[str],
    start: datetime,
    end: datetime,
) -> Iterator[_Handoff]:
    sla = playbook.sla
    touch_kinds = frozenset(sla.touch_kinds if sla is not None else DEFAULT_TOUCH_KINDS)
    clock = playbook.clock
    for lead in leads:
        history = lead.history
        done = activities.get(lead.id, [])
        # Entries into the stage: a lead created in it (imported as an MQL) enters it then.
        entries: list[tuple[int, datetime, str | None]] = [
            (i, c.at, c.trigger) for i, c in enumerate(history) if c.to_stage == stage
        ]
        if lead.initial_stage == stage:
            entries.insert(0, (-1, lead.created_at, None))
        for i, at, trigger in entries:
            if at < start:
                continue
            if at > end:
                break
            following = history[i + 1] if i + 1 < len(history) else None
            if following is not None and following.at > end:
                following = None
            accepted = following is not None and following.to_stage in later
            outcome = None
            if following is not None and not accepted:
                outcome = (following.to_stage, following.reason)
            assessed = playbook.assess(_as_of(lead, at, stage), done, at=at)
            score, match = assessed.score, assessed.persona
            kinds = sorted({a.kind for a in done if a.at <= at and a.kind not in touch_kinds})
            touches = [a.at for a in done if a.kind in touch_kinds and at <= a.at <= end]
            touched = None if not touches else clock.between(at, min(touches))
            values: dict[str, tuple[str | None, ...]] = {
                "definition": (trigger,),
                "persona": (None if match is None else match.persona.name,),
                "source": (lead.source,),
                "grade": (score.grade,),
                "rule": tuple(c.rule for c in score.contributions if c.kind == "fit"),
                "engagement": tuple(kinds),
                "first_touch": (_bucket(touched),),
            }
            yield _Handoff(values, outcome, accepted)


def _bucket(elapsed: timedelta | None) -> str:
    if elapsed is None:
        return UNTOUCHED
    for bound, label in FIRST_TOUCH:
        if elapsed < bound:
            return label
    return LATER


def _groups(handoffs: Sequence[_Handoff], rules: tuple[str, ...]) -> tuple[Group, ...]:
    tallies: dict[str, dict[str | None, _Tally]] = {d: {} for d in DIMENSIONS}
    tallies["rule"] = {rule: _Tally() for rule in rules}
    for h in handoffs:
        for dimension, values in h.values.items():
            by_value = tallies[dimension]
            for value in values:
                tally = by_value.get(value)
                if tally is None:
                    tally = by_value[value] = _Tally()
                tally.add(h.outcome, h.accepted)
    out: list[Group] = []
    for dimension in DIMENSIONS:
        by_value = tallies[dimension]
        if dimension == "rule":
            order: list[str | None] = list(by_value)
        elif dimension == "first_touch":
            order = [b for b in BUCKETS if b in by_value]
        else:
            order = sorted((v for v in by_value if v is not None), key=str)
            order += [None] * (None in by_value)
        out += [Group(dimension, v, by_value[v].outcomes()) for v in order]
    return tuple(out)
