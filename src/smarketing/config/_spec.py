"""The description of the playbook file (``SPEC``): every key, its type and meaning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from smarketing._durations import DURATION_PATTERN, MAX_DURATION_LENGTH
from smarketing._validate import MAX_POINTS
from smarketing.conditions import MAX_NAME_LENGTH
from smarketing.dataspec import COLUMN_TYPES, DELIMITERS
from smarketing.lifecycle._parts import STAGE_PATTERN, TRIGGER_PATTERN
from smarketing.profiling import FIELD_NAME_PATTERN
from smarketing.serialisation import DAYS

#: The largest float: a number in the file is one a float can hold.
MAX_NUMBER: Final = 1.7976931348623157e308

# --- the description of the file ----------------------------------------------------------------


@attrs.frozen
class Key:
    """One key of the playbook file: its type, what it means, and what lies under it."""

    kind: str
    doc: str
    keys: Mapping[str, Key] | None = None
    items: Key | None = None
    values: Key | None = None
    #: What the names of a map are (None: any text).
    names: Key | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    #: ``false`` switches it off (no cap, no SLA, wall-clock time) in place of the default's.
    falsy: bool = False
    #: The least and the most a number may be (else the rule of its kind, ``RULES``).
    low: float | None = None
    high: float | None = None

    @property
    def rule(self) -> Rule:
        """What a leaf of this kind may be (``RULES``), with this key's own bounds."""
        rule = RULES[self.kind]
        low = rule.low if self.low is None else self.low
        high = rule.high if self.high is None else self.high
        choices = self.choices or rule.choices
        return attrs.evolve(rule, low=low, high=high, choices=choices)


@attrs.frozen
class Rule:
    """What a leaf of the file may be, for the checks (``_check``) and the JSON Schema
    (``_schema``) alike: its JSON types, the pattern its text matches whole, its length and its
    bounds. Patterns are written so that Python's ``re`` and ECMA 262 read them alike
    (``[0-9]``, not ``\\d``; spaces, not ``\\s``). What no schema can say (a condition's
    grammar, a duration's length, a date's calendar) the checks add as errors, never the
    other way round: data that loads is data the schema takes.
    """

    #: The JSON types it may be: string, integer, number, boolean, object.
    types: tuple[str, ...]
    #: What it is, as an error says it is expected ("text", "a whole number").
    expected: str
    pattern: str | None = None
    #: What text of the pattern looks like, for errors ("a time like '09:00'").
    like: str | None = None
    min_length: int = 0
    max_length: int | None = None
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    #: The JSON Schema format the text has (the pattern says it too).
    format: str | None = None


_TEXT = ("string",)
RULES: Final[Mapping[str, Rule]] = {
    "string": Rule(_TEXT, "text", min_length=1),
    "text": Rule(_TEXT, "text"),
    "column": Rule(_TEXT, "a column name", min_length=1),
    # The schema says what a pattern can; the checks add what it cannot (printable text, as
    # `field()` requires of a fact name).
    "fact": Rule(
        _TEXT,
        "a fact name",
        pattern="(?!__)[^`]*",
        like="a fact name (no backquotes, not starting with '__')",
        min_length=1,
        max_length=MAX_NAME_LENGTH,
    ),
    "stage": Rule(
        _TEXT,
        "text",
        pattern=STAGE_PATTERN,
        like="a stage name (letters, digits, '_' or '-', starting with a letter)",
    ),
    "trigger": Rule(
        _TEXT,
        "text",
        pattern=TRIGGER_PATTERN,
        like="a trigger name (letters, digits and '_', not starting with a digit)",
    ),
    "field": Rule(
        _TEXT, "text", pattern=FIELD_NAME_PATTERN, like="a field name of letters, digits and '_'"
    ),
    "condition": Rule(_TEXT, "a condition as text", min_length=1),
    "bool_or_condition": Rule(("boolean", "string"), "true, false or a condition", min_length=1),
    "duration": Rule(
        _TEXT, "a duration as text", pattern=DURATION_PATTERN, max_length=MAX_DURATION_LENGTH
    ),
    "clock": Rule(
        _TEXT,
        "a time as text",
        pattern="(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?",
        like="a time like '09:00'",
    ),
    "date": Rule(
        _TEXT,
        "a date as text",
        pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}",
        like="a date like '2026-12-25'",
        format="date",
    ),
    "bool": Rule(("boolean",), "true or false"),
    "int": Rule(("integer",), "a whole number"),
    "number": Rule(("number",), "a number", low=-MAX_NUMBER, high=MAX_NUMBER),
    "data": Rule(("object",), "a table"),
}


def _k(kind: str, doc: str, **kw: Any) -> Key:
    return Key(kind, doc, **kw)


def _table(doc: str, keys: dict[str, Key], **kw: Any) -> Key:
    return Key("table", doc, keys=keys, **kw)


def _list(doc: str, items: Key) -> Key:
    return Key("list", doc, items=items)


STAGE: Final = _k("stage", "a stage name")
_NAMES = _list("field names", _k("field", "a field name"))


def _points(doc: str, **kw: Any) -> Key:
    return _k("number", doc, low=-MAX_POINTS, high=MAX_POINTS, **kw)


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
                    "column",
                    "The id column's name (id), or false to number the rows 1, 2, ...",
                    falsy=True,
                ),
                "missing": _list(
                    "Cell texts that mean 'not answered', besides an empty cell.",
                    Key("text", "a placeholder such as 'Select'"),
                ),
                "rename": Key(
                    "map",
                    'File column name = fact name, e.g. { "Lead Source" = "source" }.',
                    values=_k("fact", "the fact name"),
                ),
                "types": Key(
                    "map",
                    "Fact name = its type; without one a cell is a number only when the number "
                    "writes back to the same text.",
                    values=_k("string", "a column type", choices=COLUMN_TYPES),
                    names=_k("fact", "a fact name"),
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
            _k("fact", "a fact name"),
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
                            "trigger": _k("trigger", "The trigger's name.", required=True),
                            "source": _list("The stages it leaves.", STAGE),
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
                "fit_cap": _points(
                    "The most fit points a lead can have (false: no cap).", falsy=True
                ),
                "engagement_cap": _points(
                    "The most engagement points a lead can have (false: no cap).", falsy=True
                ),
                "floor": _points(
                    "The least engagement points (default 0; false: no floor).", falsy=True
                ),
                "group_caps": Key(
                    "map",
                    "The most points each engagement group can give.",
                    values=_points("a cap"),
                ),
                "grades": Key(
                    "map",
                    "Grade thresholds on fit, e.g. { A = 40, B = 25, C = 10, D = 0 }.",
                    values=_points("the least fit for the grade"),
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
                                    "thirds": _k(
                                        "int", "How many thirds of a letter (1).", low=1, high=12
                                    ),
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
                            "points": _points("Its points (may be negative).", required=True),
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
                            "points": _points("Points per activity.", required=True),
                            "where": _k("condition", "A condition on the activity's properties."),
                            "half_life": _k("duration", "Exponential decay's half-life."),
                            "lose": _k("number", "Linear decay: the share lost per `per`."),
                            "per": _k("duration", "Linear decay's period."),
                            "within": _k("duration", "Count only activities this recent."),
                            "max_count": _k("int", "Count only the most recent N.", low=1),
                            "group": _k("string", "A group that group_caps can cap."),
                        },
                    ),
                ),
            },
        ),
        "personas": _table(
            "Buyer personas.",
            {
                "min_confidence": _k(
                    "number", "The least confidence for a match (0 to 1).", low=0, high=1
                ),
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
                "max_fields": _k("int", "The most fields on one form (3).", low=1),
                "fields": _list(
                    "The catalog, in queue order.",
                    _table(
                        "One form field.",
                        {
                            "name": _k("field", "The field (a fact name).", required=True),
                            "label": _k("string", "What the form shows."),
                            "friction": _k("number", "How costly it is to answer (1)."),
                            "requires": _NAMES,
                            "from_stage": _k("stage", "Asked from this stage on."),
                            "until_stage": _k("stage", "Asked up to this stage."),
                            "refresh_after": _k("duration", "Asked again when this old."),
                            "always": _k("bool", "Shown on every form, pre-filled."),
                            "after_submissions": _k("int", "Shown after this many forms.", low=0),
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
                        "days": _list("Working days.", _k("string", "a day", choices=DAYS)),
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
