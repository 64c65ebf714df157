"""The playbook checked against the data: do its rules read facts the files have, do the files
hold placeholders that would be read as answers, does a rule hold for nobody or for everyone.

One streaming pass over the leads (and the activities): memory stays flat in the rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Final

import attrs

from smarketing.conditions import Condition
from smarketing.facts import DERIVED_FACTS
from smarketing.io._read import scan_activities, scan_leads
from smarketing.io._rows import Reject
from smarketing.personas import derive_facts
from smarketing.playbook import Playbook
from smarketing.scoring import LetterGrading

__all__ = ["PLACEHOLDERS", "DataCheck", "Problem", "check_data", "supplied_facts"]

#: Cell texts that usually mean "not answered" in CRM exports and surveys (case-insensitive).
PLACEHOLDERS: Final = frozenset(
    {"select", "n/a", "na", "none", "null", "unknown", "-", "--", "?", "tbd", "not provided"}
)
#: How many leads a file needs before "holds for no lead / for every lead" is evidence.
MIN_LEADS: Final = 20
#: Facts a playbook computes for every lead; no column needs to supply them.
COMPUTED: Final = frozenset({"id", "stage", "source", "score", "fit", "engagement", "grade"})


@attrs.frozen
class Problem:
    """One thing the data check found: what, where in the playbook, and the evidence."""

    kind: str
    subject: str
    message: str

    def __str__(self) -> str:
        return self.message


@attrs.frozen
class DataCheck:
    """What ``check --data`` found, all at once, with the counts behind it."""

    rows: int
    leads: int
    rejects: tuple[Reject, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No problem and no bad row."""
        return not self.problems and not self.rejects


def supplied_facts(columns: Iterable[str]) -> set[str]:
    """The facts a file with these columns gives every lead: its columns, the facts a playbook
    computes, and seniority/department when there is a job title to read them from."""
    facts = set(columns) | COMPUTED
    if "job_title" in facts:
        facts |= set(DERIVED_FACTS)
    return facts


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n:,} times"


def _rules(pb: Playbook) -> list[tuple[str, Condition]]:
    """Every named condition a lead's facts decide: fit rules, traits, criteria."""
    rules = [(f"fit rule {r.name!r}", r.condition) for r in pb.scoring.fit]
    rules += [
        (f"persona {p.name!r} trait {str(t.condition)!r}", t.condition)
        for p in pb.personas.personas
        for t in p.traits
    ]
    if isinstance(pb.scoring.grades, LetterGrading):
        rules += [(f"grade criterion {c.name!r}", c.condition) for c in pb.scoring.grades.criteria]
    return rules


def _guards(pb: Playbook) -> list[tuple[str, Condition]]:
    return [(f"the {t.trigger!r} guard", t.when) for t in pb.lifecycle.transitions]


def check_data(
    pb: Playbook,
    leads: str | Path,
    *,
    at: datetime,
    activities: str | Path | None = None,
) -> DataCheck:
    """Check ``pb`` against a leads file (and its activities), reporting every problem."""
    scan = scan_leads(leads, spec=pb.data, at=at, lifecycle=pb.lifecycle)
    rules = _rules(pb)
    holds = [0] * len(rules)
    columns: set[str] = set()
    placeholders: Counter[tuple[str, str]] = Counter()
    count = 0
    for lead in scan:
        count += 1
        facts = derive_facts(lead)
        for name, fv in lead.fields.items():
            columns.add(name)
            value = fv.value
            if type(value) is str and value.strip().casefold() in PLACEHOLDERS:
                placeholders[(name, value)] += 1
        if lead.source is not None and lead.source.strip().casefold() in PLACEHOLDERS:
            placeholders[("source", lead.source)] += 1
        for i, (_, condition) in enumerate(rules):
            if condition.evaluate(facts) is True:
                holds[i] += 1
    header = set(scan.columns)
    supplied = supplied_facts(header)
    problems: list[Problem] = []
    read: set[str] = set()
    asked = {f.name for f in pb.forms} - supplied
    if "job_title" in asked:
        asked |= set(DERIVED_FACTS)  # read from the title once a form asks it
    for label, condition in [*rules, *_guards(pb)]:
        read |= condition.fields
        for name in sorted(condition.fields - supplied - asked):
            problems.append(
                Problem(
                    "no column",
                    name,
                    f"{label} reads {name!r}, which no column of {leads} supplies",
                )
            )
        for name in sorted((condition.fields & header) - columns - COMPUTED):
            problems.append(
                Problem("empty", name, f"{label} reads {name!r}, which is empty in every row")
            )
    for (name, value), n in sorted(placeholders.items(), key=lambda kv: (-kv[1], kv[0])):
        problems.append(
            Problem(
                "placeholder",
                name,
                f"column {name!r} holds {value!r} {_times(n)}, read as an answer; add it to "
                f"[data] missing if it means 'not answered'",
            )
        )
    if count >= MIN_LEADS:
        for (label, condition), n in zip(rules, holds, strict=True):
            if condition.fields - supplied:
                continue  # reported above, or asked later by a form: not yet decidable
            if n == 0:
                problems.append(Problem("never", label, f"{label} holds for no lead"))
            elif n == count:
                problems.append(
                    Problem("always", label, f"{label} holds for every lead ({count:,})")
                )
    notes = []
    if 0 < count < MIN_LEADS:
        notes.append(
            f"only {count} leads: too few to tell rules that hold for no lead or for every "
            f"lead (at least {MIN_LEADS})"
        )
    if read & set(DERIVED_FACTS):
        read.add("job_title")  # seniority and department are read from it
    later = sorted(asked & read)
    if later:
        shown = ", ".join(repr(c) for c in later)
        notes.append(f"facts the rules read that the forms ask, not in the file yet: {shown}")
    unread = sorted(header - read - {"id", "created_at", "stage", "source"})
    if unread:
        shown = ", ".join(repr(c) for c in unread[:15])
        more = f" and {len(unread) - 15} more" if len(unread) > 15 else ""
        notes.append(f"columns no rule reads: {shown}{more}")
    rejects = list(scan.rejects)
    rows = scan.rows
    if activities is not None:
        problems += _check_activities(pb, activities, rejects, notes)
    return DataCheck(rows, count, tuple(rejects), tuple(problems), tuple(notes))


def _check_activities(
    pb: Playbook, path: str | Path, rejects: list[Reject], notes: list[str]
) -> Iterable[Problem]:
    scan = scan_activities(path, spec=pb.data)
    kinds: Counter[str] = Counter()
    properties: set[str] = set()
    for activity in scan:
        kinds[activity.kind] += 1
        properties.update(activity.properties)
    rejects += scan.rejects
    problems = []
    for rule in pb.scoring.engagement:
        if kinds[rule.kind] == 0:
            problems.append(
                Problem(
                    "no activity",
                    rule.name,
                    f"engagement rule {rule.name!r} counts {rule.kind!r} activities; "
                    f"{path} has none",
                )
            )
        if rule.where is not None:
            for name in sorted(rule.where.fields - properties):
                problems.append(
                    Problem(
                        "no column",
                        name,
                        f"engagement rule {rule.name!r} reads the property {name!r}, which no "
                        f"column of {path} supplies",
                    )
                )
    named = {rule.kind for rule in pb.scoring.engagement}
    unscored = sorted(set(kinds) - named)
    if unscored:
        notes.append(f"activity kinds no rule scores: {', '.join(repr(k) for k in unscored)}")
    return problems
