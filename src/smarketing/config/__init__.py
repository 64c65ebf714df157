"""The playbook file: reading, checking and writing it. An adapter at the edge of the library.

One description of the file's keys (``SPEC``) drives everything: the checks (unknown keys with
a suggestion, types, key paths, lines), the JSON Schema shipped for editors, and the reference
in the docs. Conditions are written in the condition language's text form and durations as
``"4h"``, ``"30d"``, ``"12mo"`` or ISO 8601.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, time
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

import attrs
from dateutil.relativedelta import relativedelta

from smarketing._calendar import BusinessCalendar, zone_name
from smarketing._durations import format_duration, parse_duration
from smarketing.conditions import Condition, parse_condition
from smarketing.dataspec import COLUMN_TYPES, DELIMITERS, DataSpec
from smarketing.errors import ConfigError, SmarketingError, ValidationError
from smarketing.funnel import SLA
from smarketing.lifecycle import DEFAULT_MQL, DEFAULT_SQL, Lifecycle, Stage, Transition
from smarketing.personas import DERIVED_FACTS, Persona, PersonaMatcher, Trait
from smarketing.playbook import Playbook
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

__all__ = [
    "SPEC",
    "Key",
    "default_playbook",
    "from_dict",
    "json_schema",
    "load",
    "to_dict",
]

T = TypeVar("T")

DEFAULT_FILE: Final = "default_playbook.toml"
SCHEMA_FILE: Final = "playbook.schema.json"
#: Facts every lead has or every playbook computes, besides form fields and known_facts.
BUILTIN_FACTS: Final = frozenset(
    {"id", "stage", "source", "score", "fit", "engagement", "grade", *DERIVED_FACTS}
)
_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DEFAULT_STAGES: Final = (
    "suspect",
    "prospect",
    "mql",
    "sql",
    "customer",
    "recycled",
    "disqualified",
)


# --- the description of the file ----------------------------------------------------------------


@attrs.frozen
class Key:
    """One key of the playbook file: its type, what it means, and what lies under it."""

    kind: str
    doc: str
    keys: Mapping[str, Key] | None = None
    items: Key | None = None
    values: Key | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    #: ``false`` switches it off (no cap, no SLA, wall-clock time) in place of the default's.
    falsy: bool = False


def _k(kind: str, doc: str, **kw: Any) -> Key:
    return Key(kind, doc, **kw)


def _table(doc: str, keys: dict[str, Key], **kw: Any) -> Key:
    return Key("table", doc, keys=keys, **kw)


def _list(doc: str, items: Key) -> Key:
    return Key("list", doc, items=items)


_STAGE = _k("stage", "a stage name")
_NAMES = _list("field names", _k("string", "a field name"))

_PREDICTIVE: Final = _table(
    "A learned score (smarketing.predict): assessments then carry the facts `probability` and "
    "`predictive_grade`. Give `model`, a JSON file written by `smarketing train` (a path "
    "relative to the playbook file), or the model's data itself (`sm.to_dict(model)`).",
    {
        "model": _k("string", "A model JSON file, relative to the playbook file."),
        "base": _k("number", "The base log-odds."),
        "shapes": _list("One learned shape per field.", _k("data", "a shape: bins and scores")),
        "pairs": _list("Pairwise terms.", _k("data", "a pair: two bins and their scores")),
        "grades": Key(
            "map",
            "predictive_grade thresholds on the probability.",
            values=_k("number", "a probability"),
        ),
        "kind": _k("string", "How it was learned: additive or naive_bayes."),
    },
)
SPEC: Final[Key] = _table(
    "A playbook: the agreement between sales and marketing.",
    {
        "data": _table(
            "How files are read: the id column, placeholders, column names and types.",
            {
                "id": _k(
                    "string_or_false",
                    "The id column's name (id), or false to number the rows 1, 2, ...",
                ),
                "missing": _list(
                    "Cell texts that mean 'not answered', besides an empty cell.",
                    Key("text", "a placeholder such as 'Select'"),
                ),
                "rename": Key(
                    "map",
                    'File column name = fact name, e.g. { "Lead Source" = "source" }.',
                    values=_k("string", "the fact name"),
                ),
                "types": Key(
                    "map",
                    "Fact name = its type; without one a cell is a number only when the number "
                    "writes back to the same text.",
                    values=_k("string", "a column type", choices=COLUMN_TYPES),
                ),
                "dayfirst": _k("bool", "Read 03/04/2026 as 3 April (false)."),
                "delimiter": _k(
                    "string", "The CSV delimiter (sniffed when omitted).", choices=DELIMITERS
                ),
                "timezone": _k("string", "The zone of timestamps written without one (UTC)."),
            },
        ),
        "known_facts": _list(
            "Facts leads may have that no form asks (enrichment, CRM fields); rules may read them.",
            _k("string", "a fact name"),
        ),
        "lifecycle": _table(
            "The stages and triggers. Give mql/sql (and max_age) for the default lifecycle, or "
            "initial/stages/transitions for your own.",
            {
                "mql": _k("condition", "The MQL definition: guards `qualify`."),
                "sql": _k("condition", "The SQL definition: guards `accept`."),
                "max_age": Key(
                    "map",
                    "The SLA of each stage: a lead that sits longer is stale.",
                    values=_k("duration", "a maximum time in the stage"),
                ),
                "initial": _k("stage", "A custom lifecycle's initial stage."),
                "stages": _list(
                    "A custom lifecycle's stages, in main-path order.",
                    _k(
                        "stage_entry",
                        "A stage name, or a table with name, max_age, closed, terminal.",
                        keys={
                            "name": _k("stage", "The stage name.", required=True),
                            "max_age": _k("duration", "Its SLA."),
                            "closed": _k("bool", "Won or out: not an open stage."),
                            "terminal": _k("bool", "Nothing leaves it."),
                        },
                    ),
                ),
                "transitions": _list(
                    "A custom lifecycle's triggers.",
                    _table(
                        "One trigger.",
                        {
                            "trigger": _k("string", "The trigger's name.", required=True),
                            "source": _list("The stages it leaves.", _STAGE),
                            "dest": _k("stage", "The stage it enters.", required=True),
                            "when": _k("condition", "The guard, checked on every firing."),
                            "auto": _k(
                                "bool_or_condition",
                                "Whether `advance` takes it: true, false, or a condition.",
                            ),
                            "requires_reason": _k("bool", "Firing it needs a reason."),
                        },
                    ),
                ),
            },
        ),
        "scoring": _table(
            "Fit and engagement scoring.",
            {
                "fit_cap": _k(
                    "number", "The most fit points a lead can have (false: no cap).", falsy=True
                ),
                "engagement_cap": _k(
                    "number",
                    "The most engagement points a lead can have (false: no cap).",
                    falsy=True,
                ),
                "floor": _k("number", "The least engagement points (default 0)."),
                "group_caps": Key(
                    "map",
                    "The most points each engagement group can give.",
                    values=_k("number", "a cap"),
                ),
                "grades": Key(
                    "map",
                    "Grade thresholds on fit, e.g. { A = 40, B = 25, C = 10, D = 0 }.",
                    values=_k("number", "the least fit for the grade"),
                ),
                "letter_grading": _table(
                    "Pardot-style letter grades instead of thresholds.",
                    {
                        "start": _k("string", "The starting grade (default D)."),
                        "criteria": _list(
                            "Each moves the grade a number of thirds up when it holds, down "
                            "when it does not.",
                            _table(
                                "One criterion.",
                                {
                                    "name": _k("string", "Its name.", required=True),
                                    "when": _k("condition", "The criterion.", required=True),
                                    "thirds": _k("int", "How many thirds of a letter (1)."),
                                },
                            ),
                        ),
                    },
                ),
                "fit": _list(
                    "Points for who the lead is.",
                    _table(
                        "One fit rule.",
                        {
                            "name": _k("string", "Its name.", required=True),
                            "when": _k("condition", "When it applies.", required=True),
                            "points": _k("number", "Its points (may be negative).", required=True),
                        },
                    ),
                ),
                "engagement": _list(
                    "Points for what the lead does, decaying with age.",
                    _table(
                        "One engagement rule.",
                        {
                            "name": _k("string", "Its name.", required=True),
                            "kind": _k("string", "The activity kind.", required=True),
                            "points": _k("number", "Points per activity.", required=True),
                            "where": _k("condition", "A condition on the activity's properties."),
                            "half_life": _k("duration", "Exponential decay's half-life."),
                            "lose": _k("number", "Linear decay: the share lost per `per`."),
                            "per": _k("duration", "Linear decay's period."),
                            "within": _k("duration", "Count only activities this recent."),
                            "max_count": _k("int", "Count only the most recent N."),
                            "group": _k("string", "A group that group_caps can cap."),
                        },
                    ),
                ),
            },
        ),
        "personas": _table(
            "Buyer personas.",
            {
                "min_confidence": _k("number", "The least confidence for a match (0 to 1)."),
                "list": _list(
                    "The personas, in order (the order breaks ties).",
                    _table(
                        "One persona.",
                        {
                            "name": _k("string", "Its name.", required=True),
                            "description": _k("string", "Who they are."),
                            "traits": _list(
                                "What marks them.",
                                _table(
                                    "One trait.",
                                    {
                                        "when": _k("condition", "The trait.", required=True),
                                        "weight": _k("number", "How much it counts (1)."),
                                        "required": _k("bool", "A persona needs it."),
                                    },
                                ),
                            ),
                        },
                    ),
                ),
            },
        ),
        "forms": _table(
            "The form catalog for progressive profiling.",
            {
                "max_fields": _k("int", "The most fields on one form (3)."),
                "fields": _list(
                    "The catalog, in queue order.",
                    _table(
                        "One form field.",
                        {
                            "name": _k("string", "The field (a fact name).", required=True),
                            "label": _k("string", "What the form shows."),
                            "friction": _k("number", "How costly it is to answer (1)."),
                            "requires": _NAMES,
                            "from_stage": _k("stage", "Asked from this stage on."),
                            "until_stage": _k("stage", "Asked up to this stage."),
                            "refresh_after": _k("duration", "Asked again when this old."),
                            "always": _k("bool", "Shown on every form, pre-filled."),
                            "after_submissions": _k("int", "Shown after this many forms."),
                        },
                    ),
                ),
            },
        ),
        "sla": _table(
            "Sales' first-touch promise (false: none).",
            {
                "first_touch": _k("duration", "How long sales has.", required=True),
                "touch_kinds": _list("Activity kinds that count.", _k("string", "a kind")),
                "stage": _k("stage", "The stage whose entry starts the clock (mql)."),
                "calendar": _table(
                    "Business hours for the clock; false for wall-clock time.",
                    {
                        "timezone": _k("string", "An IANA zone name (UTC)."),
                        "days": _list("Working days.", _k("string", "a day", choices=_DAYS)),
                        "start": _k("clock", "Opening time, 'HH:MM'."),
                        "end": _k("clock", "Closing time, 'HH:MM'."),
                        "holidays": _list("Days off.", _k("date", "YYYY-MM-DD")),
                    },
                    falsy=True,
                ),
            },
            falsy=True,
        ),
        "predictive": _PREDICTIVE,
    },
)
SECTIONS: Final = ("data", "known_facts", "lifecycle", "scoring", "personas", "forms", "sla")
#: Keys that stand for one another: writing one drops the default's other (a custom lifecycle
#: drops the default's mql/sql/max_age; letter grades drop the default's grade thresholds).
_ALTERNATIVES: Final = {
    "lifecycle": (
        frozenset({"initial", "stages", "transitions"}),
        frozenset({"mql", "sql", "max_age"}),
    ),
    "scoring": (frozenset({"letter_grading"}), frozenset({"grades"})),
}
#: A default key that belongs to another: a file that writes its own engagement rules starts
#: without the default's group caps (they name the default rules' groups).
_BELONGS: Final = {"scoring": {"group_caps": "engagement"}}


# --- errors -----------------------------------------------------------------------------------


class _Source:
    """Where the data came from, to name it in errors (and find a key's line when we can)."""

    def __init__(self, name: str | None, text: str | None = None) -> None:
        self.name = name
        self.text = text
        self.worded: set[int] = set()  # errors already worded for the file, passed on as is

    def error(
        self, path: str, problem: str, *, piece: object = None, suggestion: str | None = None
    ) -> ConfigError:
        line = self.line_of(path)
        where = self.name or "playbook"
        at = f":{line}" if line else ""
        key = f" {path}:" if path else ""
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        msg = f"{where}{at}:{key} {problem}{hint}"
        error = ConfigError(
            msg, source=self.name, key=path or None, line=line, piece=piece, suggestion=suggestion
        )
        self.worded.add(id(error))
        return error

    def line_of(self, path: str) -> int | None:
        """The line of the last key of ``path`` in the file, when it can be found."""
        if not self.text or not path:
            return None
        names = [n for n in re.split(r"[.\[\]]", path) if n and not n.isdigit()]
        lines = self.text.splitlines()
        start = 0
        for depth, name in enumerate(names):
            pattern = re.compile(
                rf"^\s*\[\[?\s*{re.escape('.'.join(names[: depth + 1]))}\s*\]\]?"
                rf"|(^|[\s{{,]){re.escape(name)}\s*="
            )
            for number in range(start, len(lines)):
                if pattern.search(lines[number]):
                    start = number
                    break
            else:
                return None
        return start + 1


# --- checking data against the description ------------------------------------------------------


def _check(value: object, key: Key, path: str, src: _Source) -> Any:
    """``value`` checked against ``key``; errors name the path."""
    kind = key.kind
    if value is False and key.falsy:
        return None
    if kind == "table":
        return _check_table(value, key, path, src)
    if kind == "stage_entry":
        if isinstance(value, str):
            return value
        return _check_table(value, key, path, src)
    if kind == "list":
        if not isinstance(value, list):
            raise src.error(path, f"expected a list, got {_type(value)}", piece=value)
        assert key.items is not None
        return [_check(v, key.items, f"{path}[{i}]", src) for i, v in enumerate(value)]
    if kind == "map":
        if not isinstance(value, Mapping):
            raise src.error(path, f"expected a table, got {_type(value)}", piece=value)
        assert key.values is not None
        return {k: _check(v, key.values, f"{path}.{k}", src) for k, v in value.items()}
    return _check_leaf(value, key, path, src)


def _check_table(value: object, key: Key, path: str, src: _Source) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise src.error(path, f"expected a table, got {_type(value)}", piece=value)
    assert key.keys is not None
    out: dict[str, Any] = {}
    for name, item in value.items():
        sub = f"{path}.{name}" if path else str(name)
        spec = key.keys.get(name)
        if spec is None:
            close = difflib.get_close_matches(str(name), list(key.keys), n=1, cutoff=0.6)
            known = ", ".join(key.keys)
            raise src.error(
                sub,
                f"unknown key {name!r} (known here: {known}).",
                piece=name,
                suggestion=close[0] if close else None,
            )
        out[name] = _check(item, spec, sub, src)
    for name, spec in key.keys.items():
        if spec.required and name not in out:
            raise src.error(path, f"{name!r} is required here.", piece=None)
    return out


def _check_leaf(value: object, key: Key, path: str, src: _Source) -> Any:
    kind = key.kind
    if kind in ("string", "stage"):
        if not isinstance(value, str) or not value:
            raise src.error(path, f"expected text, got {_type(value)}", piece=value)
        if key.choices and value.lower() not in key.choices:
            raise src.error(path, f"{value!r} is not one of {', '.join(key.choices)}.", piece=value)
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise src.error(path, f"expected text, got {_type(value)}", piece=value)
        return value
    if kind == "string_or_false":
        if value is False:
            return None
        if not isinstance(value, str) or not value:
            raise src.error(
                path, f"expected a column name or false, got {_type(value)}", piece=value
            )
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise src.error(path, f"expected true or false, got {_type(value)}", piece=value)
        return value
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise src.error(path, f"expected a whole number, got {_type(value)}", piece=value)
        return value
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):  # type: ignore[arg-type]
            raise src.error(path, f"expected a number, got {_type(value)}", piece=value)
        return value
    if kind == "data":  # checked by the type it is read as (see _predictive)
        if not isinstance(value, Mapping):
            raise src.error(path, f"expected a table, got {_type(value)}", piece=value)
        return value
    if kind == "condition":
        return _condition(value, path, src)
    if kind == "bool_or_condition":
        return value if isinstance(value, bool) else _condition(value, path, src)
    if kind == "duration":
        try:
            return parse_duration(value)
        except ConfigError as exc:
            problem = str(exc).split(" is not a duration ", 1)[-1]
            raise src.error(path, f"{value!r} is not a duration {problem}", piece=value) from None
    if kind == "clock":
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise src.error(path, f"{value!r} is not a time like '09:00'", piece=value) from None
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise src.error(
                path, f"{value!r} is not a date like '2026-12-25'", piece=value
            ) from None
    raise AssertionError(kind)  # pragma: no cover - the SPEC uses only the kinds above


def _condition(value: object, path: str, src: _Source) -> Condition:
    if not isinstance(value, str):
        raise src.error(path, f"expected a condition as text, got {_type(value)}", piece=value)
    try:
        return parse_condition(value)
    except ConfigError as exc:
        problem = str(exc).removeprefix(f"condition {value!r}: ")
        raise src.error(path, f"{value!r}: {problem}", piece=exc.piece) from None


def _type(value: object) -> str:
    names = {str: "text", bool: "a boolean", int: "a number", float: "a number", list: "a list"}
    if isinstance(value, Mapping):
        return "a table"
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"


# --- building a playbook ------------------------------------------------------------------------


def load(path: str | Path) -> Playbook:
    """Read a playbook TOML file. A bad file is a ``ConfigError`` naming file, key and line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{p}: cannot read the playbook ({exc.strerror or exc})."
        raise ConfigError(msg, source=str(p)) from None
    except UnicodeDecodeError as exc:
        msg = f"{p}: not UTF-8 text ({exc.reason})."
        raise ConfigError(msg, source=str(p)) from None
    return loads(text, source=str(p))


def loads(text: str, *, source: str | None = None) -> Playbook:
    """A playbook from TOML text."""
    src = _Source(source, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        where = f"{source or 'playbook'}" + (f":{line}" if line else "")
        msg = f"{where}: not valid TOML ({exc})."
        raise ConfigError(msg, source=source, line=line) from None
    return _build(data, src)


def from_dict(data: Mapping[str, Any], *, source: str | None = None) -> Playbook:
    """A playbook from data shaped like the file; an omitted section takes the default's."""
    return _build(data, _Source(source))


def _packaged(name: str) -> str:
    """The text of a file shipped inside the package."""
    return resources.files("smarketing").joinpath(name).read_text(encoding="utf-8")


def default_data() -> dict[str, Any]:
    """The embedded default playbook, as data."""
    return tomllib.loads(_packaged(DEFAULT_FILE))


def default_playbook() -> Playbook:
    """The embedded default playbook."""
    return loads(_packaged(DEFAULT_FILE), source=f"<smarketing>/{DEFAULT_FILE}")


def effective_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The playbook data as it is read: each section written merged over the default's,
    key by key (tables merge, lists replace); an omitted section is the default's."""
    return _merged(default_data(), data)


def _merged(default: Mapping[str, Any], given: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    out = dict(default)
    if path in _ALTERNATIVES:
        for written, dropped in (_ALTERNATIVES[path], _ALTERNATIVES[path][::-1]):
            if written & set(given):
                for name in dropped:
                    out.pop(name, None)
    for name, owner in _BELONGS.get(path, {}).items():
        if owner in given and name not in given:
            out.pop(name, None)
    for name, value in given.items():
        here = f"{path}.{name}" if path else str(name)
        base = out.get(name)
        if isinstance(value, Mapping) and isinstance(base, Mapping) and here not in _REPLACED:
            out[name] = _merged(base, value, here)
        else:
            out[name] = value
    return out


#: Tables that a file gives whole rather than key by key: a map of names to values.
_REPLACED: Final = frozenset(
    {"lifecycle.max_age", "scoring.grades", "scoring.group_caps", "data.rename", "data.types"}
)


def _build(data: Mapping[str, Any], src: _Source) -> Playbook:
    _check(data, SPEC, "", src)  # the file as written: errors name its own keys and lines
    checked = _check(effective_data(data), SPEC, "", src)
    lifecycle = _guarded(src, "lifecycle", partial(_lifecycle, checked.get("lifecycle", {}), src))
    scoring = _guarded(src, "scoring", partial(_scoring, checked.get("scoring", {}), src))
    personas = _guarded(src, "personas", partial(_personas, checked.get("personas", {}), src))
    forms = checked.get("forms", {})
    fields = [
        _guarded(src, f"forms.fields[{i}]", partial(FormField, **_renamed(f)))
        for i, f in enumerate(forms.get("fields", []))
    ]
    sla, calendar = _sla(checked.get("sla"), src)
    spec = _guarded(src, "data", partial(_data_spec, checked.get("data", {})))
    index = {f.name: i for i, f in enumerate(fields)}
    playbook = _guarded(
        src,
        "forms",
        partial(
            Playbook,
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
    _check_references(playbook, src)
    return playbook


def _data_spec(data: Mapping[str, Any]) -> DataSpec:
    kwargs = dict(data)
    if "missing" in kwargs:
        kwargs["missing"] = tuple(kwargs["missing"])
    return DataSpec(**kwargs)


def _predictive(data: Mapping[str, Any] | None, src: _Source) -> PredictiveModel | None:
    """The learned model: its data inline, or read from the JSON file ``model`` names."""
    if data is None:
        return None
    from smarketing.serialisation import from_dict as structure

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
    try:
        return structure(PredictiveModel, raw)
    except ValidationError as exc:
        raise src.error(path, str(exc), piece=exc.where) from None


def _guarded(
    src: _Source, path: str, build: Callable[[], T], fields: Mapping[str, int] | None = None
) -> T:
    """Run a constructor; its own errors become ConfigErrors naming the key path.

    ``fields`` maps form field names to their index, to name a field's key path.
    """
    fields = fields or {}
    try:
        return build()
    except SmarketingError as exc:
        if id(exc) in src.worded:
            raise
        key = exc.key if isinstance(exc, ConfigError) and exc.key else None
        where = path if key is None or key.startswith(path) else f"{path}.{key}"
        if path == "forms" and key is not None and key.split(".")[0] in fields:
            name, _, rest = key.partition(".")
            where = f"forms.fields[{fields[name]}]" + (f".{rest}" if rest else "")
        raise src.error(where, str(exc), piece=getattr(exc, "piece", None)) from None


def _renamed(field: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(field)
    if "requires" in out:
        out["requires"] = tuple(out["requires"])
    return out


def _lifecycle(data: Mapping[str, Any], src: _Source) -> Lifecycle:
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
                _guarded(src, f"lifecycle.transitions[{i}]", partial(Transition, **spec))
            )
        return Lifecycle(stages=stages, initial=data["initial"], transitions=transitions)
    return Lifecycle.default(
        mql=data.get("mql", DEFAULT_MQL),
        sql=data.get("sql", DEFAULT_SQL),
        max_age=data.get("max_age"),
    )


def _scoring(data: Mapping[str, Any], src: _Source) -> ScoringModel:
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


def _personas(data: Mapping[str, Any], src: _Source) -> PersonaMatcher:
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


def _sla(
    data: Mapping[str, Any] | None, src: _Source
) -> tuple[SLA | None, BusinessCalendar | None]:
    if data is None:
        return None, None
    kwargs = {k: data[k] for k in ("first_touch", "touch_kinds", "stage") if k in data}
    if isinstance(kwargs["first_touch"], relativedelta):
        raise src.error(
            "sla.first_touch", "a first-touch promise must be a fixed length, not months."
        )
    sla = _guarded(src, "sla", partial(SLA, **kwargs))
    calendar = None
    if data.get("calendar") is not None:
        c = data["calendar"]
        spec: dict[str, Any] = {}
        if "timezone" in c:
            spec["tz"] = c["timezone"]
        if "days" in c:
            spec["days"] = [_DAYS.index(d.lower()) for d in c["days"]]
        for name in ("start", "end", "holidays"):
            if name in c:
                spec[name] = c[name]
        calendar = _guarded(src, "sla.calendar", partial(BusinessCalendar, **spec))
    return sla, calendar


def _check_references(pb: Playbook, src: _Source) -> None:
    """Stages and facts that rules name must exist; a near miss gets a suggestion."""
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
    rules += [(f"lifecycle ({t.trigger}).when", t.when) for t in pb.lifecycle.transitions]
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


# --- writing a playbook -------------------------------------------------------------------------


def to_dict(pb: Playbook) -> dict[str, Any]:
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
        from smarketing.serialisation import to_dict as unstructure

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
                "days": [_DAYS[d] for d in cal.days],
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


# --- TOML text ----------------------------------------------------------------------------------

_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+\Z")


def to_toml(data: Mapping[str, Any]) -> str:
    """Playbook data (``pb.to_dict()``) as TOML text that reads back to the same data.

    Scalars and lists of scalars first, then one ``[table]`` per table; lists of tables are
    written as arrays of inline tables, one per line, as a person writes rules.
    """
    lines: list[str] = []
    _toml_table(data, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml_table(data: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping) and _has_table(v)}
    if path and (len(tables) < len(data) or not data):
        lines += ["", f"[{'.'.join(_toml_key(p) for p in path)}]"]
    for key, value in data.items():
        if key in tables:
            continue
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            lines.append(f"{_toml_key(key)} = [")
            lines += [f"  {_toml_value(v)}," for v in value]
            lines.append("]")
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in tables.items():
        _toml_table(value, [*path, key], lines)


def _has_table(value: Mapping[str, Any]) -> bool:
    """Whether a table is written as a [section] (it holds more than a few plain values)."""
    return any(isinstance(v, Mapping | list) for v in value.values()) or len(value) > 3


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    msg = f"cannot write {value!r} as TOML"  # pragma: no cover - to_dict gives only the above
    raise TypeError(msg)  # pragma: no cover


def commented_default() -> str:
    """The default playbook file as shipped, with its comments: a file to start from."""
    return _packaged(DEFAULT_FILE)


# --- the JSON Schema ----------------------------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the playbook file, generated from ``SPEC`` (for editor completion)."""
    schema = _schema(SPEC)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://smarketing.dev/playbook.schema.json",
        "title": "smarketing playbook",
        **schema,
    }


_DURATION_PATTERN: Final = r"^\s*(P.*|(\d+(\.\d+)?\s*[A-Za-z]+[\s,]*)+)$"


def _schema(key: Key) -> dict[str, Any]:
    if key.falsy:
        plain = _schema(attrs.evolve(key, falsy=False))
        doc = plain.pop("description")
        return {"description": doc, "oneOf": [plain, {"const": False}]}
    base: dict[str, Any] = {"description": key.doc}
    kind = key.kind
    if kind in ("table", "stage_entry"):
        assert key.keys is not None
        table: dict[str, Any] = {
            **base,
            "type": "object",
            "properties": {name: _schema(k) for name, k in key.keys.items()},
            "additionalProperties": False,
        }
        required = [name for name, k in key.keys.items() if k.required]
        if required:
            table["required"] = required
        if kind == "stage_entry":
            return {"description": key.doc, "oneOf": [{"type": "string"}, table]}
        return table
    if kind == "list":
        assert key.items is not None
        return {**base, "type": "array", "items": _schema(key.items)}
    if kind == "map":
        assert key.values is not None
        return {**base, "type": "object", "additionalProperties": _schema(key.values)}
    simples: dict[str, dict[str, Any]] = {
        "string": {"type": "string", "minLength": 1},
        "text": {"type": "string"},
        "string_or_false": {"oneOf": [{"type": "string", "minLength": 1}, {"const": False}]},
        "stage": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_-]*$"},
        "bool": {"type": "boolean"},
        "int": {"type": "integer"},
        "number": {"type": "number"},
        "condition": {"type": "string", "minLength": 1},
        "data": {"type": "object"},
        "bool_or_condition": {"type": ["boolean", "string"]},
        "duration": {"type": "string", "pattern": _DURATION_PATTERN},
        "clock": {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$"},
        "date": {"type": "string", "format": "date"},
    }
    simple = simples[kind]
    if key.choices:
        simple = {"type": "string", "enum": list(key.choices)}
    return {**base, **simple}


def shipped_schema() -> dict[str, Any]:
    """The JSON Schema file shipped inside the package."""
    return json.loads(_packaged(SCHEMA_FILE))  # type: ignore[no-any-return]
