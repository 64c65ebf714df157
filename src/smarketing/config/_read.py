"""Building a playbook's parts from checked file data; the caller assembles them."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, Final, TypeVar

from dateutil.relativedelta import relativedelta

from smarketing._calendar import BusinessCalendar
from smarketing._validate import argument_key
from smarketing.conditions import Condition
from smarketing.config._check import Source, check
from smarketing.config._defaults import DEFAULT_FILE, effective_data, packaged
from smarketing.config._parts import Assemble, P, PlaybookParts
from smarketing.config._spec import SPEC
from smarketing.dataspec import DataSpec
from smarketing.errors import ConfigError, SmarketingError
from smarketing.facts import DERIVED_FACTS
from smarketing.funnel import SLA
from smarketing.lifecycle import DEFAULT_MQL, DEFAULT_SQL, Lifecycle, Stage, Transition
from smarketing.personas import Persona, PersonaMatcher, Trait
from smarketing.predictive import PredictiveModel
from smarketing.profiling import FormField
from smarketing.scoring import (
    DEFAULT_GRADES,
    EngagementRule,
    FitRule,
    GradeCriterion,
    LetterGrading,
    ScoringModel,
)
from smarketing.serialisation import from_dict as structure

T = TypeVar("T")

#: Facts every lead has or every playbook computes, besides form fields and known_facts.
BUILTIN_FACTS: Final = frozenset(
    {"id", "stage", "source", "score", "fit", "engagement", "grade", *DERIVED_FACTS}
)


# --- building a playbook ------------------------------------------------------------------------


def load(path: str | Path, *, into: Assemble[P]) -> P:
    """Read a playbook TOML file into ``into`` (``Playbook``).

    A bad file is a ``ConfigError`` naming file, key and line.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{p}: cannot read the playbook ({exc.strerror or exc})."
        raise ConfigError(msg, source=str(p)) from None
    except UnicodeDecodeError as exc:
        msg = f"{p}: not UTF-8 text ({exc.reason})."
        raise ConfigError(msg, source=str(p)) from None
    return loads(text, source=str(p), into=into)


def loads(text: str, *, source: str | None = None, into: Assemble[P]) -> P:
    """A playbook from TOML text, assembled by ``into``."""
    src = Source(source, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        where = f"{source or 'playbook'}" + (f":{line}" if line else "")
        msg = f"{where}: not valid TOML ({exc})."
        raise ConfigError(msg, source=source, line=line) from None
    except (ValueError, RecursionError) as exc:
        raise _unreadable(source or "playbook", "TOML", exc) from None
    return _build(data, src, into)


def _unreadable(where: str, kind: str, exc: ValueError | RecursionError) -> ConfigError:
    """A file its parser gave up on, past a bound of the parser (not the file's syntax): an
    integer of more than 4,300 digits (Python's bound on reading one), or nesting deeper than
    the parser's recursion can follow (about 1,000 levels in ``json``, fewer in ``tomllib``;
    a playbook needs six)."""
    problem = (
        "it is nested too deeply"
        if isinstance(exc, RecursionError)
        else "it holds an integer of more than 4300 digits"
        if "digits" in str(exc)
        else str(exc)
    )
    return ConfigError(f"{where}: not readable as {kind} ({problem}).", source=where)


def from_dict(data: Mapping[str, Any], *, source: str | None = None, into: Assemble[P]) -> P:
    """A playbook from data shaped like the file; an omitted section takes the default's."""
    return _build(data, Source(source), into)


def default_playbook(*, into: Assemble[P]) -> P:
    """The embedded default playbook, assembled by ``into``."""
    return loads(packaged(DEFAULT_FILE), source=f"<smarketing>/{DEFAULT_FILE}", into=into)


def _build(data: Mapping[str, Any], src: Source, into: Assemble[P]) -> P:
    """Check the data, build the parts, and have ``into`` assemble them (its errors named too)."""
    check(data, SPEC, "", src)  # the file as written: errors name its own keys and lines
    checked = check(effective_data(data), SPEC, "", src)
    lifecycle = _guarded(src, "lifecycle", partial(_lifecycle, checked.get("lifecycle", {}), src))
    scoring = _guarded(src, "scoring", partial(_scoring, checked.get("scoring", {}), src))
    personas = _guarded(src, "personas", partial(_personas, checked.get("personas", {}), src))
    forms = checked.get("forms", {})
    fields = [
        _guarded(src, f"forms.fields[{i}]", partial(FormField, **_renamed(f)), name=f["name"])
        for i, f in enumerate(forms.get("fields", []))
    ]
    sla, calendar = _sla(checked.get("sla"), src)
    spec = _guarded(src, "data", partial(_data_spec, checked.get("data", {})))
    index = {f.name: i for i, f in enumerate(fields)}
    playbook = _guarded(
        src,
        "forms",
        partial(
            into,
            lifecycle=lifecycle,
            scoring=scoring,
            personas=personas,
            forms=fields,
            max_fields=forms.get("max_fields", 3),
            sla=sla,
            calendar=calendar,
            known_facts=checked.get("known_facts", []),
            data=spec,
            predictive=_predictive(checked.get("predictive"), src),
        ),
        fields=index,
    )
    custom = {"initial", "stages", "transitions"} & set(checked.get("lifecycle", {}))
    _check_references(playbook, src, custom=bool(custom))
    return playbook


def _data_spec(data: Mapping[str, Any]) -> DataSpec:
    kwargs = dict(data)
    if "missing" in kwargs:
        kwargs["missing"] = tuple(kwargs["missing"])
    return DataSpec(**kwargs)


def _predictive(data: Mapping[str, Any] | None, src: Source) -> PredictiveModel | None:
    """The learned model: its data inline, or read from the JSON file ``model`` names."""
    if data is None:
        return None
    path = "predictive"
    raw: object = data
    if "model" in data:
        path = "predictive.model"
        if len(data) > 1:
            problem = "give either model (a file) or the model's data, not both."
            raise src.error("predictive", problem, piece=sorted(data))
        file = Path(data["model"])
        if not file.is_absolute() and src.name and not src.name.startswith("<"):
            file = Path(src.name).parent / file
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            problem = f"cannot read the model file {file} ({exc.strerror or exc})."
            raise src.error(path, problem, piece=data["model"]) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise src.error(path, f"{file} is not a JSON model ({exc}).", piece=str(file)) from None
        except (ValueError, RecursionError) as exc:  # past the parser's bounds
            problem = str(_unreadable(str(file), "JSON", exc)).removesuffix(".")
            raise src.error(path, f"{problem}.", piece=str(file)) from None
    return _guarded(src, path, partial(structure, PredictiveModel, raw))


def _guarded(
    src: Source,
    path: str,
    build: Callable[[], T],
    fields: Mapping[str, int] | None = None,
    *,
    name: str | None = None,
) -> T:
    """Run a constructor; its own errors become the file's ConfigErrors (`Source.reword`).

    An error already worded for the file passes as is. Its key, relative to what was built
    (``FormField.name``, ``budget.friction`` for the field ``name`` names, ``tz``), becomes
    the file's key path below ``path`` (``forms.fields[0].friction``). ``fields`` maps form
    field names to their index, to name a field's key path in the playbook's own errors.
    """
    fields = fields or {}
    try:
        return build()
    except SmarketingError as exc:
        if id(exc) in src.worded:
            raise
        key = exc.key if isinstance(exc, ConfigError) and exc.key else None
        if key is not None:
            key = argument_key(key)
            if name is not None and key.startswith(f"{name}."):
                key = key[len(name) + 1 :]
            key = _FILE_KEYS.get(key, key)
        where = path if key is None or key.startswith(path) else f"{path}.{key}"
        if path == "forms" and key is not None and key.split(".")[0] in fields:
            field, _, rest = key.partition(".")
            where = f"forms.fields[{fields[field]}]" + (f".{rest}" if rest else "")
        raise src.reword(where, exc) from exc


#: Arguments the file names otherwise: a calendar's zone is its `timezone`.
_FILE_KEYS: Final = {"tz": "timezone"}


def _renamed(field: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(field)
    if "requires" in out:
        out["requires"] = tuple(out["requires"])
    return out


def _lifecycle(data: Mapping[str, Any], src: Source) -> Lifecycle:
    custom = {"initial", "stages", "transitions"} & set(data)
    if custom:
        for name in ("mql", "sql", "max_age"):
            if name in data:
                raise src.error(
                    f"lifecycle.{name}",
                    f"{name} applies to the default lifecycle; in a custom one write the guard "
                    "on its transition (when = ...) and max_age on its stage.",
                )
        for name in ("initial", "stages", "transitions"):
            if name not in data:
                raise src.error("lifecycle", f"a custom lifecycle needs {name!r}.")
        stages = [s if isinstance(s, str) else Stage(**s) for s in data["stages"]]
        transitions = []
        for i, t in enumerate(data["transitions"]):
            spec = dict(t)
            spec.setdefault("source", [])
            transitions.append(
                _guarded(
                    src,
                    f"lifecycle.transitions[{i}]",
                    partial(Transition, **spec),
                    name=t["trigger"],
                )
            )
        return Lifecycle(stages=stages, initial=data["initial"], transitions=transitions)
    return Lifecycle.default(
        mql=data.get("mql", DEFAULT_MQL),
        sql=data.get("sql", DEFAULT_SQL),
        max_age=data.get("max_age"),
    )


def _scoring(data: Mapping[str, Any], src: Source) -> ScoringModel:
    fit = [
        _guarded(
            src, f"scoring.fit[{i}]", partial(FitRule, r["name"], r["when"], points=r["points"])
        )
        for i, r in enumerate(data.get("fit", []))
    ]
    engagement = [
        _guarded(src, f"scoring.engagement[{i}]", partial(EngagementRule, **r))
        for i, r in enumerate(data.get("engagement", []))
    ]
    grades: Mapping[str, float] | LetterGrading = data.get("grades", DEFAULT_GRADES)
    if "letter_grading" in data:
        if "grades" in data:
            raise src.error("scoring.letter_grading", "give either grades or letter_grading.")
        lg = data["letter_grading"]
        criteria = [
            _guarded(
                src,
                f"scoring.letter_grading.criteria[{i}]",
                partial(GradeCriterion, c["name"], c["when"], c.get("thirds", 1)),
            )
            for i, c in enumerate(lg.get("criteria", []))
        ]
        grades = LetterGrading(criteria, start=lg.get("start", "D"))
    kwargs = {k: data[k] for k in ("fit_cap", "engagement_cap", "floor", "group_caps") if k in data}
    return ScoringModel(fit=fit, engagement=engagement, grades=grades, **kwargs)


def _personas(data: Mapping[str, Any], src: Source) -> PersonaMatcher:
    personas = []
    for i, p in enumerate(data.get("list", [])):
        traits = [
            _guarded(
                src,
                f"personas.list[{i}].traits[{j}]",
                partial(
                    Trait, t["when"], weight=t.get("weight", 1.0), required=t.get("required", False)
                ),
            )
            for j, t in enumerate(p.get("traits", []))
        ]
        personas.append(
            _guarded(
                src,
                f"personas.list[{i}]",
                partial(Persona, p["name"], traits, description=p.get("description", "")),
            )
        )
    return PersonaMatcher(personas, min_confidence=data.get("min_confidence", 0.0))


def _sla(data: Mapping[str, Any] | None, src: Source) -> tuple[SLA | None, BusinessCalendar | None]:
    if data is None:
        return None, None
    kwargs = {k: data[k] for k in ("first_touch", "touch_kinds", "stage") if k in data}
    if isinstance(kwargs["first_touch"], relativedelta):
        raise src.error(
            "sla.first_touch", "a first-touch promise must be a fixed length, not months."
        )
    sla = _guarded(src, "sla", partial(SLA, **kwargs))
    calendar = None
    if data.get("calendar") is not None:  # the converter reads the file's calendar table
        calendar = _guarded(
            src, "sla.calendar", partial(structure, BusinessCalendar, data["calendar"])
        )
    return sla, calendar


def _check_references(pb: PlaybookParts, src: Source, *, custom: bool) -> None:
    """Stages and facts that rules name must exist; a near miss gets a suggestion.

    ``custom``: the file wrote its own lifecycle (else its guards are `mql` and `sql`)."""
    stages = set(pb.lifecycle.stage_names)
    if pb.sla is not None and pb.sla.stage not in stages:
        raise src.error(
            "sla.stage",
            f"{pb.sla.stage!r} is not a stage (stages: {', '.join(pb.lifecycle.stage_names)}).",
            suggestion=_close(pb.sla.stage, stages),
        )
    facts = (
        BUILTIN_FACTS
        | {f.name for f in pb.forms}
        | set(pb.known_facts)
        | set(pb.data.rename.values())
        | set(pb.data.types)
    )
    if pb.predictive is not None:
        facts |= {"probability", "predictive_grade"}
    rules: list[tuple[str, Condition]] = []
    rules += [(f"scoring.fit[{i}].when", r.condition) for i, r in enumerate(pb.scoring.fit)]
    rules += [
        (f"personas.list[{i}].traits[{j}].when", t.condition)
        for i, p in enumerate(pb.personas.personas)
        for j, t in enumerate(p.traits)
    ]
    guards = {} if custom else {"qualify": "lifecycle.mql", "accept": "lifecycle.sql"}
    rules += [
        (guards.get(t.trigger, f"lifecycle.transitions[{i}].when"), t.when)
        for i, t in enumerate(pb.lifecycle.transitions)
    ]
    if isinstance(pb.scoring.grades, LetterGrading):
        rules += [
            (f"scoring.letter_grading.criteria[{i}].when", c.condition)
            for i, c in enumerate(pb.scoring.grades.criteria)
        ]
    for path, condition in rules:
        for name in sorted(condition.fields - facts):
            raise src.error(
                path,
                f"reads the fact {name!r}, which no form field, known_facts entry or built-in "
                "fact provides (add it to known_facts if it comes from elsewhere).",
                piece=name,
                suggestion=_close(name, facts),
            )


def _close(word: str, options: set[str] | frozenset[str]) -> str | None:
    found = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.75)
    return found[0] if found else None
