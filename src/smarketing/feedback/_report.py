"""The feedback report's values: handoffs' outcomes, their breakdowns and the advice, and
their Markdown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from smarketing import _convert
from smarketing._convert import WHEN
from smarketing._format import NONE, cell, left_out, percent, plural, when
from smarketing.errors import ValidationError
from smarketing.funnel import SLA
from smarketing.leads import Activity, Lead

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from smarketing._calendar import Calendar
    from smarketing.lifecycle import Lifecycle
    from smarketing.personas import PersonaMatch
    from smarketing.profiling import FormField
    from smarketing.scoring import Score, ScoringModel

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
LATER: Final = "over 3d"
UNTOUCHED: Final = "no touch"
BUCKETS: Final = (*(label for _, label in FIRST_TOUCH), LATER, UNTOUCHED)


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
        return outcomes_of(
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


def outcomes_of(
    handoffs: int, accepted: int, pending: int, rejected: Mapping[tuple[str, str | None], int]
) -> Outcomes:
    ordered = sorted(
        rejected.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] is None, kv[0][1] or "")
    )
    reactions = tuple(Reaction(stage, reason, n) for (stage, reason), n in ordered if n)
    return Outcomes(handoffs, accepted, pending, reactions)


@_convert.shapes(Reaction, Outcomes, Group, Comparison, Definition, Suggestion, FeedbackReport)
def _as_data(conv: cattrs.Converter) -> None:
    # A way into a stage names its guard `when`, as a transition does.
    conv.register_unstructure_hook(
        Definition, make_dict_unstructure_fn(Definition, conv, condition=WHEN)
    )
    conv.register_structure_hook(
        Definition, make_dict_structure_fn(Definition, conv, condition=WHEN)
    )
