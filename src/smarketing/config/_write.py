"""Writing a playbook's parts as data shaped like the file."""

from __future__ import annotations

from typing import Any, Final

from smarketing._calendar import zone_name
from smarketing._durations import format_duration
from smarketing.config._parts import PlaybookParts
from smarketing.config._spec import DAYS
from smarketing.dataspec import DataSpec
from smarketing.lifecycle import DEFAULT_MQL, DEFAULT_SQL, Lifecycle, Stage
from smarketing.profiling import FormField
from smarketing.scoring import (
    EngagementRule,
    LetterGrading,
    ScoringModel,
)
from smarketing.serialisation import to_dict as unstructure

_DEFAULT_STAGES: Final = (
    "suspect",
    "prospect",
    "mql",
    "sql",
    "customer",
    "recycled",
    "disqualified",
)


# --- writing a playbook -------------------------------------------------------------------------


def to_dict(pb: PlaybookParts) -> dict[str, Any]:
    """The playbook as data shaped like the file (TOML- and JSON-safe)."""
    out: dict[str, Any] = {}
    data = _data_data(pb.data)
    if data:
        out["data"] = data
    out["known_facts"] = list(pb.known_facts)
    out["lifecycle"] = _lifecycle_data(pb.lifecycle)
    out["scoring"] = _scoring_data(pb.scoring)
    out["personas"] = {
        "min_confidence": pb.personas.min_confidence,
        "list": [
            {
                "name": p.name,
                **({"description": p.description} if p.description else {}),
                "traits": [
                    {"when": str(t.condition), "weight": t.weight, "required": t.required}
                    for t in p.traits
                ],
            }
            for p in pb.personas.personas
        ],
    }
    out["forms"] = {"max_fields": pb.max_fields, "fields": [_field_data(f) for f in pb.forms]}
    if pb.predictive is not None:
        out["predictive"] = unstructure(pb.predictive)
    if pb.sla is None:
        out["sla"] = False
    else:
        out["sla"] = {
            "first_touch": format_duration(pb.sla.first_touch),
            "touch_kinds": list(pb.sla.touch_kinds),
            "stage": pb.sla.stage,
        }
        if pb.calendar is None:
            out["sla"]["calendar"] = False
        else:
            cal = pb.calendar
            out["sla"]["calendar"] = {
                "timezone": zone_name(cal.tz),
                "days": [DAYS[d] for d in cal.days],
                "start": cal.start.isoformat("minutes"),
                "end": cal.end.isoformat("minutes"),
                "holidays": [d.isoformat() for d in sorted(cal.holidays)],
            }
    return out


def _data_data(spec: DataSpec) -> dict[str, Any]:
    """The [data] section: only what differs from reading files plainly."""
    plain = DataSpec()
    data: dict[str, Any] = {}
    if spec.id != plain.id:
        data["id"] = False if spec.id is None else spec.id
    for name in ("missing", "rename", "types"):
        value = getattr(spec, name)
        if value:
            data[name] = list(value) if name == "missing" else dict(value)
    for name in ("dayfirst", "delimiter", "timezone"):
        if getattr(spec, name) != getattr(plain, name):
            data[name] = getattr(spec, name)
    return data


def _lifecycle_data(lc: Lifecycle) -> dict[str, Any]:
    when = {t.trigger: t.when for t in lc.transitions}
    ages = {s.name: format_duration(s.max_age) for s in lc.stages if s.max_age is not None}
    as_default = (
        Lifecycle.default(
            mql=when.get("qualify", DEFAULT_MQL),
            sql=when.get("accept", DEFAULT_SQL),
            max_age={s.name: s.max_age for s in lc.stages if s.max_age is not None},
        )
        if {"qualify", "accept"} <= set(when) and set(lc.stage_names) == set(_DEFAULT_STAGES)
        else None
    )
    if lc == as_default:
        return {"mql": str(when["qualify"]), "sql": str(when["accept"]), "max_age": ages}
    return {
        "initial": lc.initial,
        "stages": [
            s.name
            if s == Stage(s.name)
            else {
                "name": s.name,
                **({"max_age": format_duration(s.max_age)} if s.max_age else {}),
                **({"closed": True} if s.closed else {}),
                **({"terminal": True} if s.terminal else {}),
            }
            for s in lc.stages
        ],
        "transitions": [
            {
                "trigger": t.trigger,
                "source": list(t.source),
                "dest": t.dest,
                "when": str(t.when),
                "auto": t.auto if isinstance(t.auto, bool) else str(t.auto),
                "requires_reason": t.requires_reason,
            }
            for t in lc.transitions
        ],
    }


def _scoring_data(model: ScoringModel) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ("fit_cap", "engagement_cap"):
        cap = getattr(model, name)
        data[name] = False if cap is None else cap
    data["floor"] = model.floor
    data["group_caps"] = dict(model.group_caps)
    if isinstance(model.grades, LetterGrading):
        data["letter_grading"] = {
            "start": model.grades.start,
            "criteria": [
                {"name": c.name, "when": str(c.condition), "thirds": c.thirds}
                for c in model.grades.criteria
            ],
        }
    else:
        data["grades"] = dict(model.grades)
    data["fit"] = [
        {"name": r.name, "when": str(r.condition), "points": r.points} for r in model.fit
    ]
    data["engagement"] = [_engagement_data(r) for r in model.engagement]
    return data


def _engagement_data(rule: EngagementRule) -> dict[str, Any]:
    data: dict[str, Any] = {"name": rule.name, "kind": rule.kind, "points": rule.points}
    if rule.where is not None:
        data["where"] = str(rule.where)
    for name in ("half_life", "per", "within"):
        value = getattr(rule, name)
        if value is not None:
            data[name] = format_duration(value)
    for name in ("lose", "max_count", "group"):
        if getattr(rule, name) is not None:
            data[name] = getattr(rule, name)
    return data


def _field_data(f: FormField) -> dict[str, Any]:
    data: dict[str, Any] = {"name": f.name}
    if f.label:
        data["label"] = f.label
    if f.friction != 1.0:
        data["friction"] = f.friction
    if f.requires:
        data["requires"] = list(f.requires)
    for name in ("from_stage", "until_stage"):
        if getattr(f, name) is not None:
            data[name] = getattr(f, name)
    if f.refresh_after is not None:
        data["refresh_after"] = format_duration(f.refresh_after)
    if f.always:
        data["always"] = True
    if f.after_submissions:
        data["after_submissions"] = f.after_submissions
    return data
