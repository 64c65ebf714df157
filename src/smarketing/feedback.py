"""The feedback loop: what sales did with marketing's MQLs, traced back to the definitions.

Marketing hands leads over when its definitions say so; sales accepts them, recycles them with
a reason, or rules them out. `feedback_report` reads every handoff (an entry into the MQL stage
inside the window) and what sales did next, and breaks the outcome down by what marketing
knew at the handoff: the MQL definition that fired, the persona, the source, the grade, each
fit rule that matched, each kind of activity the lead had done, and how soon sales first
touched it. `FeedbackReport.suggestions` turns the clearest differences into short sentences
that carry their counts, and only when the evidence is strong enough not to be noise.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> pb = sm.Playbook.default()
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> lead = sm.Lead.new("L-1", at=t0, fields={"email": "jo@gmail.com"}, source="webinar")
>>> lead = pb.lifecycle.fire(lead, "engage", at=t0, facts={"engagement": 5})
>>> lead = pb.lifecycle.fire(lead, "qualify", at=t0, facts={"score": 90, "grade": "A"})
>>> lead = pb.lifecycle.fire(lead, "recycle", at=t0 + timedelta(hours=5), reason="no budget")
>>> fb = sm.feedback_report([lead], [], playbook=pb, start=t0, end=t0 + timedelta(days=7))
>>> fb.overall.handoffs, fb.overall.accepted, fb.by_reason
(1, 0, {'no budget': 1})
>>> fb.by_rule["free e-mail address"].inside.rejected
(Reaction(stage='recycled', reason='no budget', count=1),)

Counting rules:

* A *handoff* is an entry into the MQL stage (``stage=``) inside ``[start, end]``; a lead
  handed over twice (recycled, then back) counts twice. Its *outcome* is the lead's next stage
  change by ``end``: into a later main-path stage is *accepted*, into any other stage is a
  *rejection* with that stage and its reason, and no change yet is *pending*.
* Rates are over the *decided* handoffs (accepted or rejected), so that recent, still
  pending handoffs do not dilute them. They are ``None`` when nothing was decided.
* What marketing knew is taken as of the handoff: the fields learned by then and the
  activities done by then, assessed with the playbook (score, grade, fit rules, persona).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

import attrs

from smarketing import _validate as _v
from smarketing._calendar import WallClock
from smarketing._format import NONE, cell, left_out, percent, plural, when
from smarketing.errors import ValidationError
from smarketing.funnel import DEFAULT_TOUCH_KINDS, SLA
from smarketing.leads import Activity, Lead, check_aware, checked_activities, group_by_lead

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from smarketing._calendar import Calendar
    from smarketing.lifecycle import Lifecycle
    from smarketing.personas import PersonaMatch
    from smarketing.profiling import FormField
    from smarketing.scoring import Score, ScoringModel

__all__ = [
    "DIMENSIONS",
    "Comparison",
    "Definition",
    "FeedbackReport",
    "Group",
    "Outcomes",
    "Reaction",
    "Suggestion",
    "feedback_report",
]

#: What `FeedbackReport.by` breaks handoffs down by. ``rule`` and ``engagement`` are
#: memberships (a handoff matches many fit rules, has done many kinds of activity); the
#: others give each handoff one value, so their groups add up to the whole.
DIMENSIONS: Final = (
    "definition",
    "persona",
    "source",
    "grade",
    "rule",
    "engagement",
    "first_touch",
)
_MEMBERSHIPS: Final = frozenset({"rule", "engagement"})
#: Time to first touch, in the order the report lists them (measured on the playbook's clock).
FIRST_TOUCH: Final = (
    (timedelta(hours=1), "under 1h"),
    (timedelta(hours=4), "1h to 4h"),
    (timedelta(days=1), "4h to 1d"),
    (timedelta(days=3), "1d to 3d"),
)
_LATER: Final = "over 3d"
_UNTOUCHED: Final = "no touch"
_BUCKETS: Final = (*(label for _, label in FIRST_TOUCH), _LATER, _UNTOUCHED)


class _Assessed(Protocol):
    @property
    def score(self) -> Score: ...

    @property
    def persona(self) -> PersonaMatch | None: ...


@runtime_checkable
class PlaybookLike(Protocol):
    """What the feedback loop reads from a `Playbook` (the port it depends on)."""

    @property
    def lifecycle(self) -> Lifecycle: ...

    @property
    def scoring(self) -> ScoringModel: ...

    @property
    def sla(self) -> SLA | None: ...

    @property
    def forms(self) -> tuple[FormField, ...]: ...

    @property
    def clock(self) -> Calendar: ...

    def assess(
        self, lead: Lead, activities: Iterable[Activity], *, at: datetime, submissions: int = 0
    ) -> _Assessed: ...


# --- the values --------------------------------------------------------------------------------


@attrs.frozen
class Reaction:
    """How many handoffs sales sent to `stage` (recycled, disqualified) for `reason`."""

    stage: str
    reason: str | None
    count: int


@attrs.frozen
class Outcomes:
    """What sales did with a group of handoffs.

    ``handoffs == accepted + pending + sum(r.count for r in rejected)`` always holds.
    `rejected` lists the reactions most common first (ties by stage, then reason).
    """

    handoffs: int
    accepted: int
    pending: int
    rejected: tuple[Reaction, ...] = ()

    @property
    def decided(self) -> int:
        """Handoffs that sales accepted or rejected (by the end of the window)."""
        return self.handoffs - self.pending

    @property
    def rejections(self) -> int:
        """Handoffs that sales rejected, for any reason."""
        return self.decided - self.accepted

    @property
    def acceptance(self) -> float | None:
        """The share of the decided handoffs that sales accepted, or ``None``."""
        return self.accepted / self.decided if self.decided else None

    def count(self, reason: str | None, stage: str | None = None) -> int:
        """Rejections for `reason` (into `stage`, or into any stage)."""
        return sum(
            r.count for r in self.rejected if r.reason == reason and stage in (None, r.stage)
        )

    def rate(self, reason: str | None, stage: str | None = None) -> float | None:
        """`count` as a share of the decided handoffs, or ``None``."""
        return self.count(reason, stage) / self.decided if self.decided else None

    def minus(self, other: Outcomes) -> Outcomes:
        """These outcomes without `other`'s (a group taken out of the whole)."""
        left = Counter({(r.stage, r.reason): r.count for r in self.rejected})
        left.subtract({(r.stage, r.reason): r.count for r in other.rejected})
        return _outcomes(
            self.handoffs - other.handoffs,
            self.accepted - other.accepted,
            self.pending - other.pending,
            +left,
        )


@attrs.frozen
class Group:
    """The outcomes of the handoffs that had `value` in `dimension` (``None``: no value)."""

    dimension: str
    value: str | None
    outcomes: Outcomes


@attrs.frozen
class Comparison:
    """A fit rule's handoffs (`inside`) against everyone else's (`outside`)."""

    inside: Outcomes
    outside: Outcomes


@attrs.frozen
class Definition:
    """A way into the MQL stage: the lifecycle's trigger and its condition, as text."""

    trigger: str
    condition: str


@attrs.frozen
class Suggestion:
    """One piece of advice with the evidence behind it.

    ``kind`` is ``"reason"`` (the group is rejected for `reason` into `stage` more often than
    the others) or ``"acceptance"`` (the group is accepted less often; `stage` and `reason`
    are ``None``). `count` of `group` decided handoffs in the group had that outcome, against
    `rest_count` of `rest` among the others. `ratio` is the group's rate over the others'
    (``None`` when the others never had it); `p_value` is the one-sided two-proportion test's.
    """

    text: str
    kind: str
    dimension: str
    value: str | None
    stage: str | None
    reason: str | None
    count: int
    group: int
    rest_count: int
    rest: int
    ratio: float | None
    p_value: float


@attrs.frozen(repr=False)
class FeedbackReport:
    """Sales' reactions to marketing's handoffs over a window, traced back to the definitions.

    Build one with `feedback_report`. `overall` is every handoff; `groups` holds the
    breakdowns (read them with `by`, `by_rule`); `suggestions` the advice, strongest first.

    Attributes:
        start, end: the window; handoffs inside it count, outcomes by `end`.
        stage: the MQL stage; `accepted_into` the main-path stages after it.
        clock: the calendar time to first touch is measured on (``"wall-clock"`` or
            ``"business hours"``).
        min_sample: the fewest decided handoffs a group (and the rest) needs for advice.
        min_ratio: how far apart a group's rate and the others' must be for advice.
        alpha: the significance level, shared by all the tests made (Bonferroni).
        tests: how many comparisons the suggestions were chosen from.
    """

    start: datetime
    end: datetime
    stage: str
    accepted_into: tuple[str, ...]
    clock: str
    min_sample: int
    min_ratio: float
    alpha: float
    tests: int
    overall: Outcomes
    definitions: tuple[Definition, ...]
    groups: tuple[Group, ...]
    suggestions: tuple[Suggestion, ...]

    def by(self, dimension: str) -> dict[str | None, Outcomes]:
        """The outcomes per value of `dimension` (one of `DIMENSIONS`), in report order.

        For ``"rule"`` (fit rules matched at the handoff, every rule of the playbook listed)
        and ``"engagement"`` (kinds of activity done by the handoff), a handoff falls in many
        groups; for the other dimensions the groups add up to `overall`.
        """
        if dimension not in DIMENSIONS:
            msg = f"a feedback dimension is one of {', '.join(DIMENSIONS)} (got {dimension!r})."
            raise ValidationError(
                msg, value=dimension, where="by(dimension)", expected=", ".join(DIMENSIONS)
            )
        return {g.value: g.outcomes for g in self.groups if g.dimension == dimension}

    @property
    def by_rule(self) -> dict[str, Comparison]:
        """Each fit rule's handoffs against everyone else's, in the scoring model's order."""
        return {
            str(value): Comparison(inside, self.overall.minus(inside))
            for value, inside in self.by("rule").items()
        }

    @property
    def by_reason(self) -> dict[str | None, int]:
        """Rejections per reason, over every rejecting stage, most common first."""
        counts: Counter[str | None] = Counter()
        for r in self.overall.rejected:
            counts[r.reason] += r.count
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or "")))

    def rejected_most(self) -> list[tuple[Definition, Outcomes]]:
        """The MQL definitions, the one whose handoffs sales rejects most (by share) first."""
        by = self.by("definition")
        pairs = [(d, by[d.trigger]) for d in self.definitions if d.trigger in by]
        return sorted(pairs, key=lambda p: (-(1 - (p[1].acceptance or 0.0)), p[0].trigger))

    def to_markdown(self, *, limit: int = 10) -> str:
        """The report as Markdown: the overall outcome, the advice, the reasons, the breakdowns.

        Up to `limit` suggestions and rows per breakdown are listed, the rest counted.
        """
        o = self.overall
        lines = [
            f"**Feedback loop** from {when(self.start)} to {when(self.end)}: "
            f"{plural(o.handoffs, 'handoff', grouped=True)} to sales ({self.stage} entries); "
            f"{o.accepted:,} accepted, {o.rejections:,} rejected, {o.pending:,} pending; "
            f"acceptance {percent(o.acceptance)}.",
            "",
        ]
        lines += self._advice_markdown(limit)
        lines += ["", "**Why sales rejected handoffs:**", ""]
        if o.rejected:
            lines += ["| stage | reason | handoffs | share of decided |", "|---|---|---:|---:|"]
            lines += [
                f"| {r.stage} | {cell(r.reason)} | {r.count:,} | {percent(r.count / o.decided)} |"
                for r in o.rejected
            ]
        else:
            lines.append("No handoff was rejected.")
        for dimension in DIMENSIONS:
            groups = self.by(dimension)
            lines += ["", f"**By {_TITLES[dimension]}:**", ""]
            lines += _breakdown(dimension, groups, o, limit)
        return "\n".join(lines) + "\n"

    def _advice_markdown(self, limit: int) -> list[str]:
        evidence = (
            f"at least {self.min_sample} decided handoffs in the group and outside it, "
            f"rates {self.min_ratio:g}x apart, p < {self.alpha:g} over {self.tests} comparisons"
        )
        if not self.suggestions:
            return [f"**Suggestions:** none passed the evidence bar ({evidence})."]
        lines = [f"**Suggestions** ({evidence}):", ""]
        lines += [f"{i}. {s.text}" for i, s in enumerate(self.suggestions[:limit], start=1)]
        lines += left_out(len(self.suggestions), limit, "suggestion", grouped=True)
        return lines

    def __repr__(self) -> str:
        return (
            f"FeedbackReport(start={self.start.isoformat()!r}, end={self.end.isoformat()!r}, "
            f"handoffs={self.overall.handoffs}, suggestions={len(self.suggestions)})"
        )


_TITLES: Final = {
    "definition": "MQL definition",
    "persona": "persona",
    "source": "source",
    "grade": "grade",
    "rule": "fit rule matched (against the other handoffs)",
    "engagement": "activity done before the handoff",
    "first_touch": "time to first touch",
}
_NONE: Final = {
    "definition": "(no trigger)",
    "persona": "(no persona)",
    "source": "(no source)",
    "grade": "(no grade)",
}


def _breakdown(
    dimension: str, groups: Mapping[str | None, Outcomes], overall: Outcomes, limit: int
) -> list[str]:
    if not groups:
        return ["No handoffs."]
    membership = dimension in _MEMBERSHIPS
    header = "| value | handoffs | accepted | acceptance |"
    rule = "|---|---:|---:|---:|"
    if membership:
        header += " acceptance of the others |"
        rule += "---:|"
    lines = [header + " top reason |", rule + "---|"]
    for value, o in list(groups.items())[:limit]:
        cells = [
            cell(value if value is not None else _NONE.get(dimension, "(none)")),
            f"{o.handoffs:,}",
            f"{o.accepted:,}",
            percent(o.acceptance),
        ]
        if membership:
            cells.append(percent(overall.minus(o).acceptance))
        top = o.rejected[0] if o.rejected else None
        cells.append(NONE if top is None else f"{cell(top.reason)} ({top.count:,})")
        lines.append("| " + " | ".join(cells) + " |")
    more = len(groups) - limit
    if more > 0:
        lines += ["", f"…and {more} more."]
    return lines


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
        return _outcomes(self.handoffs, self.accepted, self.pending, self.rejected)


def _outcomes(
    handoffs: int, accepted: int, pending: int, rejected: Mapping[tuple[str, str | None], int]
) -> Outcomes:
    ordered = sorted(
        rejected.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] is None, kv[0][1] or "")
    )
    reactions = tuple(Reaction(stage, reason, n) for (stage, reason), n in ordered if n)
    return Outcomes(handoffs, accepted, pending, reactions)


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
    grouped = group_by_lead(checked_activities(activities, "feedback_report"))
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
    tests, suggestions = _suggest(playbook, whole, groups, min_sample, alpha, min_ratio)
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
            msg = f"leads[{i}] must be a Lead (got {lead!r})."
            raise ValidationError(msg, value=lead, where=f"leads[{i}]", expected="Lead")
        yield lead


def _as_of(lead: Lead, at: datetime, stage: str) -> Lead:
    """The lead as marketing knew it at `at`: fields learned by then, in `stage`."""
    fields = {name: fv for name, fv in lead.fields.items() if fv.learned_at <= at}
    history = tuple(c for c in lead.history if c.at <= at)
    return attrs.evolve(lead, stage=stage, fields=fields, history=history)


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
        return _UNTOUCHED
    for bound, label in FIRST_TOUCH:
        if elapsed < bound:
            return label
    return _LATER


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
            order = [b for b in _BUCKETS if b in by_value]
        else:
            order = sorted((v for v in by_value if v is not None), key=str)
            order += [None] * (None in by_value)
        out += [Group(dimension, v, by_value[v].outcomes()) for v in order]
    return tuple(out)


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


def _suggest(
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
    elif dimension == "first_touch" and value == _UNTOUCHED:
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
