"""The playbook's JSON Schema and its checks are one description (issue 11).

Both are made from ``config.SPEC`` and its leaf rules (``config._spec.RULES``): the schema is
what an editor sees, the checks what ``Playbook.from_dict`` and ``from_toml`` do. So every
playbook the schema takes either loads or is a ``ConfigError`` (a condition's grammar, a
duration's length, a reference to a missing fact: what no schema can say), never another
exception; and every playbook that loads is one the schema takes.

Schema-valid data is drawn by walking the schema: its objects, lists and alternatives here, its
leaves (patterns, bounds, formats) by hypothesis-jsonschema. (hypothesis-jsonschema 0.23.1
cannot draw objects with the Hypothesis in the dev extras: its object strategy calls
``many.more()``, which Hypothesis 6.170 removed; its leaves work.)
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import smarketing as sm
from smarketing import config
from smarketing import testing as sst
from smarketing.config._schema import schema_text
from smarketing.config._spec import RULES

SCHEMA = config.json_schema()
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=FORMATS)
Leaf = Callable[[dict[str, Any]], st.SearchStrategy[Any]]


def schema_valid(data: object) -> bool:
    return VALIDATOR.is_valid(data)


def loads(data: Mapping[str, Any]) -> bool:
    """Whether the data loads; a ConfigError is False, anything else raises."""
    try:
        sm.Playbook.from_dict(data)
    except sm.ConfigError:
        return False
    return True


# --- drawing data by walking the schema ---------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.text(max_size=6) | st.sampled_from(("mql", "sql", "A", "B", "web", "Lead Source"))


def _bare(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("description", "$schema", "$id", "title")}


def strict_leaf(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A leaf the schema takes, drawn by hypothesis-jsonschema (text of a pattern by
    Hypothesis' own from_regex, which draws a long pattern faster)."""
    if schema.get("type") == "object":  # a model's shapes and pairs: any table
        return st.dictionaries(st.text(max_size=5), json_values, max_size=3)
    pattern = schema.get("pattern")
    if pattern is not None:  # from_regex does not hold to lookarounds and formats: filtered
        takes = jsonschema.Draft202012Validator(schema, format_checker=FORMATS).is_valid
        if schema.get("format") == "date":
            return st.dates().map(date.isoformat).filter(takes)
        body = pattern.removeprefix("^(?:").removesuffix(")$(?!\\n)")
        return st.from_regex(body, fullmatch=True).filter(takes)
    return from_schema(schema)


def walk(schema: Mapping[str, Any], leaf: Leaf) -> st.SearchStrategy[Any]:
    """Data shaped by ``schema``: its tables, lists and alternatives, with ``leaf`` drawing
    each leaf (``strict_leaf`` gives data the schema takes)."""
    schema = _bare(schema)
    if "anyOf" in schema:
        return st.one_of([walk(s, leaf) for s in schema["anyOf"]])
    if "const" in schema:
        return st.just(schema["const"])
    if schema.get("type") == "array":
        return st.lists(walk(schema["items"], leaf), max_size=3)
    if schema.get("type") == "object" and "properties" in schema:
        props = {k: walk(v, leaf) for k, v in schema["properties"].items()}
        required = schema.get("required", [])
        return st.fixed_dictionaries(
            {k: props[k] for k in required},
            optional={k: v for k, v in props.items() if k not in required},
        )
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        names = keys
        if "propertyNames" in schema:  # names the schema takes (its own rule for them)
            takes = jsonschema.Draft202012Validator(schema["propertyNames"]).is_valid
            names = keys.filter(takes)
        return st.dictionaries(names, walk(schema["additionalProperties"], leaf), max_size=3)
    return leaf(schema)


def near_misses(value: Any) -> st.SearchStrategy[Any]:
    """``value`` as careless data gets it wrong: case, spaces, a newline, other digits, a float
    for an integer, a number too large for a float, the wrong type."""
    if isinstance(value, str):
        return st.sampled_from(
            [
                value.upper(),
                value.lower(),
                value.title(),
                f"{value}\n",
                f" {value}",
                f"{value} ",
                f"\t{value}",
                value.replace(":", ""),
                value.replace("-", ""),
                value.translate(str.maketrans(string.digits, "٠١٢٣٤٥٦٧٨٩")),
                value[:2],
                "",
                "\ud800",
            ]
        )
    if isinstance(value, bool):
        return st.sampled_from([int(value), str(value).lower(), None])
    if isinstance(value, int | float):
        return st.sampled_from([float(value), int(value) + 0.5, 10**400, -(10**400), str(value)])
    return st.just(value)


def loose_leaf(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A leaf the schema takes, or a near miss of one."""
    strict = strict_leaf(schema)
    return strict | strict.flatmap(near_misses)


strict_playbooks = walk(SCHEMA, strict_leaf)
loose_playbooks = walk(SCHEMA, loose_leaf)
budget = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestOneDescription:
    @budget
    @given(strict_playbooks)
    def test_a_schema_valid_playbook_loads_or_is_a_config_error(self, data: dict[str, Any]) -> None:
        """What the schema takes loads, or fails with a ConfigError (never a traceback)."""
        assert schema_valid(data), data  # the walk draws only what the schema takes
        loads(data)

    @budget
    @given(loose_playbooks)
    def test_the_schema_and_the_checks_agree_both_ways(self, data: dict[str, Any]) -> None:
        """Near misses too: data that loads is data the schema takes, and data the schema
        takes loads or is a ConfigError."""
        if loads(data):
            assert schema_valid(data), data

    @pytest.mark.parametrize(
        ("data", "valid"),
        [
            ({"sla": {"first_touch": "4h", "calendar": {"days": ["MON"]}}}, False),
            ({"sla": {"first_touch": "4h", "calendar": {"days": ["mon"]}}}, True),
            ({"sla": {"first_touch": "4h", "calendar": {"start": "09"}}}, False),
            ({"sla": {"first_touch": "4h", "calendar": {"start": "0900"}}}, False),
            ({"sla": {"first_touch": "4h", "calendar": {"start": "24:00"}}}, False),
            ({"sla": {"first_touch": "4h", "calendar": {"start": "08:30"}}}, True),
            ({"sla": {"first_touch": "4h", "calendar": {"holidays": ["20261225"]}}}, False),
            ({"sla": {"first_touch": "4h", "calendar": {"holidays": ["2026-12-25"]}}}, True),
            ({"sla": {"first_touch": "pt4h"}}, True),  # ISO 8601 in any case, as documented
            ({"sla": {"first_touch": "PT4H"}}, True),
            ({"sla": {"first_touch": "\t4h"}}, False),
            ({"sla": {"first_touch": "٤h"}}, False),  # digits are 0-9
            ({"sla": {"first_touch": "4h", "stage": "mql\n"}}, False),
            ({"sla": {"first_touch": "4h", "stage": "mql"}}, True),
            ({"forms": {"max_fields": 3.0}}, True),  # JSON has one number 3: 3.0 is 3
            ({"forms": {"max_fields": 3.5}}, False),
            ({"forms": {"max_fields": 0}}, False),
            ({"scoring": {"fit_cap": 10**400}}, False),
            ({"scoring": {"fit_cap": 1e18}}, True),
            ({"scoring": {"fit_cap": 1.5e18}}, False),
            ({"personas": {"min_confidence": 1.5}}, False),
            ({"forms": {"fields": [{"name": "bad name"}]}}, False),
            ({"lifecycle": {"max_age": {"mql": "30d"}}}, True),
        ],
    )
    def test_the_reported_disagreements_are_gone(self, data: dict[str, Any], valid: bool) -> None:
        """Each case of issue 11, and its neighbours: the schema and the checks give one
        verdict (the stricter, documented form: days in lower case, 'HH:MM', 'YYYY-MM-DD',
        digits 0-9; ISO 8601 durations read in any case, as the duration reader documents)."""
        assert schema_valid(data) is valid
        assert loads(data) is valid

    def test_the_max_fields_of_3_0_reads_as_3(self) -> None:
        """A whole float is the integer it equals, as in JSON Schema."""
        pb = sm.Playbook.from_dict({"forms": {"max_fields": 3.0}})
        assert pb.max_fields == 3
        assert type(pb.max_fields) is int

    def test_the_errors_say_what_is_expected(self) -> None:
        """Each rule names what it wanted, with the key."""
        cases = {
            "sla.calendar.start": ({"calendar": {"start": "09"}}, "not a time like '09:00'"),
            "sla.stage": ({"stage": "mql\n"}, "is not a stage name"),
            "sla.calendar.days[0]": ({"calendar": {"days": ["MON"]}}, "Did you mean 'mon'"),
            "sla.calendar.holidays[0]": (
                {"calendar": {"holidays": ["2026-02-30"]}},
                "'2026-02-30' is not a date like '2026-12-25'",
            ),
            "sla.first_touch": (
                {"first_touch": "4h" + " " * 99},
                r"'4h {98}\.\.\.' is longer than 100 characters",
            ),
        }
        for key, (sla, says) in cases.items():
            with pytest.raises(sm.ConfigError, match=says) as info:
                sm.Playbook.from_dict({"sla": {"first_touch": "4h", **sla}}, source="pb.toml")
            assert info.value.key == key
        with pytest.raises(sm.ConfigError, match=r"from -1e\+18 to 1e\+18") as info:
            sm.Playbook.from_dict({"scoring": {"fit_cap": 10**400}})
        assert info.value.key == "scoring.fit_cap"

    def test_a_bound_on_one_side_is_named_alone(self) -> None:
        """A number past a rule's only bound says "at least" or "at most" (no key of the file
        has an upper bound alone today; the wording is ready for one)."""
        from smarketing.config._check import Source, _bounded
        from smarketing.config._spec import Rule

        for rule, value, bound in [
            (Rule(("number",), "a number", high=5), 6, "of at most 5"),
            (Rule(("number",), "a number", low=1), 0, "of at least 1"),
        ]:
            with pytest.raises(sm.ConfigError) as info:
                _bounded(value, rule, "forms.max_fields", Source("pb.toml"))
            assert str(info.value) == (
                f"pb.toml: forms.max_fields: expected a number {bound}, got a number ({value})"
            )
            assert (info.value.key, info.value.piece) == ("forms.max_fields", value)

    def test_a_duration_given_as_a_timedelta_in_data_is_read(self) -> None:
        """from_dict takes a duration already read; anything else that is not text is an
        error naming the key."""
        pb = sm.Playbook.from_dict({"sla": {"first_touch": timedelta(hours=4)}})
        assert pb.sla is not None and pb.sla.first_touch == timedelta(hours=4)
        with pytest.raises(sm.ConfigError) as info:
            sm.Playbook.from_dict({"sla": {"first_touch": 4}}, source="pb.toml")
        assert info.value.key == "sla.first_touch"
        assert "4 is not a duration (it is not text)" in str(info.value)


# --- what loads, the schema takes ---------------------------------------------------------------

NAMES = sst.FIELD_NAMES
DEFAULT = sm.Playbook.default()


@st.composite
def built_playbooks(draw: st.DrawFn) -> sm.Playbook:
    """Playbooks built with the library's own builders, any list or optional part empty."""
    known = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    forms = [
        sm.FormField(name, friction=draw(st.sampled_from((0.5, 1.0, 2.0))))
        for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
    ]
    readable = tuple(dict.fromkeys([*known, *(f.name for f in forms)])) or ("score",)
    sla = draw(
        st.none()
        | st.builds(
            sm.SLA,
            first_touch=st.timedeltas(timedelta(minutes=1), timedelta(days=30)),
            touch_kinds=st.lists(st.sampled_from(("call", "meeting")), min_size=1, unique=True),
        )
    )
    calendar = draw(
        st.none()
        | st.builds(
            sm.BusinessCalendar,
            tz=st.sampled_from(("UTC", "Europe/Berlin")),
            days=st.sets(st.integers(0, 6), min_size=1).map(sorted),
            holidays=st.frozensets(st.dates(), max_size=2),
        )
    )
    return attrs.evolve(
        DEFAULT,
        lifecycle=sm.Lifecycle.default(
            mql=draw(sst.conditions(names=readable, max_leaves=3)),
            sql=draw(sst.conditions(names=readable, max_leaves=3)),
        ),
        scoring=draw(sst.scoring_models(names=readable)),
        personas=draw(sst.persona_matchers(names=readable)),
        forms=forms,
        max_fields=draw(st.integers(1, 5)),
        known_facts=known,
        sla=sla,
        calendar=calendar if sla is not None else None,
    )


class TestWhatLoadsTheSchemaTakes:
    def test_the_default_playbook(self) -> None:
        """The embedded default, as written and as to_dict writes it."""
        VALIDATOR.validate(config.default_data())
        VALIDATOR.validate(DEFAULT.to_dict())

    @budget
    @given(built_playbooks())
    def test_a_built_playbook_validates_and_round_trips(self, pb: sm.Playbook) -> None:
        """pb -> to_dict -> from_dict is pb, for every list or optional part empty or not
        (known_facts = [], no forms, no SLA, no calendar), and its data is schema-valid."""
        data = pb.to_dict()
        VALIDATOR.validate(json.loads(json.dumps(data)))
        assert sm.Playbook.from_dict(data) == pb

    def test_known_facts_empty_survives_the_file(self, tmp_path: Path) -> None:
        """known_facts = [] is kept through to_dict/from_dict and through TOML."""
        pb = attrs.evolve(
            DEFAULT,
            lifecycle=sm.Lifecycle.default(
                mql=sm.parse_condition("score >= 50"), sql=sm.parse_condition("score >= 80")
            ),
            scoring=sm.ScoringModel(),
            personas=sm.PersonaMatcher([]),
            known_facts=(),
            forms=(),
            sla=None,
            calendar=None,
        )
        data = pb.to_dict()
        assert data["known_facts"] == []
        assert sm.Playbook.from_dict(data) == pb
        path = tmp_path / "pb.toml"
        path.write_text(config.to_toml(data), encoding="utf-8")
        assert sm.Playbook.from_toml(path) == pb
        assert sm.Playbook.from_toml(path).known_facts == ()


class TestTheShippedFile:
    def test_the_schema_file_is_up_to_date(self) -> None:
        """playbook.schema.json is json_schema() as its generator writes it, byte for byte
        (run `python -m smarketing.config._schema` after changing SPEC or RULES)."""
        shipped = Path(config.__file__).parent.parent / config.SCHEMA_FILE
        assert shipped.read_text(encoding="utf-8") == schema_text()

    def test_every_rule_is_used_and_its_pattern_compiles_alike(self) -> None:
        """Each leaf rule describes some key, and its pattern has no Python-only syntax."""
        used: set[str] = set()

        def kinds(key: config.Key) -> None:
            used.add(key.kind)
            for sub in [*(key.keys or {}).values(), key.items, key.values]:
                if sub is not None:
                    kinds(sub)

        kinds(config.SPEC)
        assert set(RULES) <= used
        for rule in RULES.values():
            if rule.pattern is not None:
                assert "(?P" not in rule.pattern
                assert "\\d" not in rule.pattern
                assert "\\s" not in rule.pattern
                assert "\\Z" not in rule.pattern
