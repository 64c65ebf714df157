"""Point-in-time training sets: each lead's facts as they were known at the decision time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from smarketing.errors import ValidationError
from smarketing.leads import Activity, Lead, check_aware, group_by_lead
from smarketing.predictive import facts_at


@attrs.frozen
class TrainingSet:
    """One row per lead, as it was known at its decision time, and what became of it.

    ``X`` holds each lead's facts (fields learned by then, its ``source``) and engagement
    (``<kind>_count``: activities of each kind by then); ``y`` the outcome (1: it reached
    the outcome stage after the decision time); ``at`` the decision times (for a
    time-ordered :func:`evaluate`); ``leaks`` the fields whose values were mostly learned
    after the outcome, with the share; ``skipped`` the leads left out (never reached the
    decision point, or already past the outcome).
    """

    X: tuple[Mapping[str, object], ...]
    y: tuple[int, ...]
    lead_ids: tuple[str, ...]
    at: tuple[datetime, ...]
    leaks: Mapping[str, float]
    skipped: int

    @classmethod
    def from_rows(cls, X: Iterable[Mapping[str, object]], y: Iterable[int]) -> TrainingSet:
        """A training set of rows you already hold (a labelled export): ids ``"1"``, ``"2"``,
        ... in order, no decision times, no leak flags."""
        rows, outcomes = tuple(X), tuple(int(v) for v in y)
        if len(rows) != len(outcomes):
            msg = f"{len(outcomes)} outcomes for {len(rows)} rows."
            raise ValidationError(msg, value=len(outcomes), where="y", expected=f"{len(rows)}")
        return cls(rows, outcomes, tuple(str(i + 1) for i in range(len(rows))), (), {}, 0)


def _decision_time(lead: Lead, at: str | datetime) -> datetime | None:
    if isinstance(at, datetime):
        return at if lead.created_at <= at else None
    if at == "created":
        return lead.created_at
    for change in lead.history:
        if change.to_stage == at:
            return change.at
    return lead.created_at if lead.initial_stage == at else None


def _outcome_time(lead: Lead, outcome: str) -> datetime | None:
    for change in lead.history:
        if change.to_stage == outcome:
            return change.at
    return None


def training_set(
    leads: Iterable[Lead],
    activities: Iterable[Activity] = (),
    *,
    outcome: str = "customer",
    at: str | datetime = "mql",
) -> TrainingSet:
    """The point-in-time training set: each lead as it was known when the decision was made.

    ``at`` is ``"mql"`` (when the lead first entered that stage; any stage name works),
    ``"created"``, or a fixed aware datetime. A fact learned after that time, or an activity
    after it, is not in the lead's row, so nothing the outcome revealed leaks into the model.
    ``outcome`` is the stage that counts as converted (``"customer"``, ``"sql"``). A lead
    that already reached the outcome by the decision time is skipped.

    Fields whose values were mostly learned after the outcome (more than half of the
    converted leads that have them) are listed in ``leaks``: a model trained on current
    values of such a field, as a CRM's nightly job does, looks far better than it can be.
    """
    if isinstance(at, datetime):
        check_aware(at, "training_set(at=...)")
    elif not isinstance(at, str) or not at:
        msg = f"training_set: at must be 'mql', 'created', a stage or a datetime (got {at!r})."
        raise ValidationError(msg, value=at, where="at", expected="a stage or a datetime")
    by_lead = group_by_lead(activities)
    rows: list[dict[str, object]] = []
    ys: list[int] = []
    ids: list[str] = []
    times: list[datetime] = []
    skipped = 0
    after: dict[str, int] = {}
    known: dict[str, int] = {}
    for lead in leads:
        done = _outcome_time(lead, outcome)
        if done is not None:
            for name, fv in lead.fields.items():
                known[name] = known.get(name, 0) + 1
                after[name] = after.get(name, 0) + (fv.learned_at > done)
        t = _decision_time(lead, at)
        if t is None or (done is not None and done <= t):
            skipped += 1
            continue
        row = facts_at(lead, by_lead.get(lead.id, ()), t)
        rows.append(row)
        ys.append(int(done is not None))
        ids.append(lead.id)
        times.append(t)
    kinds = sorted({f"{a.kind}_count" for group in by_lead.values() for a in group})
    for row in rows:  # no activity of a kind by then is a count of 0, not unknown
        for key in kinds:
            row.setdefault(key, 0)
    leaks = {n: after[n] / known[n] for n in sorted(known) if after[n] / known[n] > 0.5}
    return TrainingSet(tuple(rows), tuple(ys), tuple(ids), tuple(times), leaks, skipped)
