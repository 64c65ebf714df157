"""The playbook: its file, its checks, and the calls a CRM makes with it."""

from __future__ import annotations

import functools
import json
import multiprocessing
import tomllib
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

import smarketing as sm
from smarketing import config

T0 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pb() -> sm.Playbook:
    return sm.Playbook.default()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "playbook.toml"
    path.write_text(text, encoding="utf-8")
    return path


class TestDefaultPlaybook:
    def test_is_a_realistic_b2b_saas_agreement(self, pb: sm.Playbook) -> None:
        """Default lifecycle, decaying engagement, five personas, a dozen fields, an SLA."""
        assert pb.lifecycle.main_path == ("suspect", "prospect", "mql", "sql", "customer")
        assert len(pb.scoring.fit) >= 6
        assert all(r.decay != "none" for r in pb.scoring.engagement)
        assert len(pb.personas.personas) == 5
        assert 10 <= len(pb.forms) <= 14
        assert pb.sla is not None and pb.sla.first_touch == timedelta(hours=4)
        assert pb.calendar is not None

    def test_round_trips_through_its_dict_form(self, pb: sm.Playbook) -> None:
        """from_dict(pb.to_dict()) == pb, also through JSON."""
        assert sm.Playbook.from_dict(pb.to_dict()) == pb
        assert sm.Playbook.from_dict(json.loads(json.dumps(pb.to_dict()))) == pb

    def test_validates_against_the_shipped_json_schema(self) -> None:
        """The JSON Schema shipped for editors accepts the default file."""
        jsonschema.validate(config.default_data(), config.shipped_schema())

    def test_the_shipped_schema_is_generated_from_the_spec(self) -> None:
        """The schema file is what json_schema() produces (regenerate it when SPEC changes)."""
        assert config.shipped_schema() == config.json_schema()

    def test_the_schema_rejects_unknown_keys(self) -> None:
        """Editors flag typos too."""
        data = config.default_data()
        data["scoring"]["fit_capp"] = 1
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(data, config.shipped_schema())

    def test_written_out_as_toml_it_reads_back(self, pb: sm.Playbook, tmp_path: Path) -> None:
        """to_dict() is TOML-shaped: written as TOML, from_toml reads the same playbook."""
        path = write(tmp_path, _to_toml(pb.to_dict()))
        assert sm.Playbook.from_toml(path) == pb


class TestCustomPlaybooks:
    def test_omitted_sections_take_the_defaults(self, pb: sm.Playbook) -> None:
        """A file with only scoring keeps the default lifecycle, personas, forms and SLA."""
        custom = sm.Playbook.from_dict(
            {"scoring": {"fit": [{"name": "big", "when": "company_size > 100", "points": 10}]}}
        )
        assert [r.name for r in custom.scoring.fit] == ["big"]
        assert custom.lifecycle == pb.lifecycle
        assert custom.personas == pb.personas
        assert custom.forms == pb.forms

    def test_a_custom_lifecycle(self) -> None:
        """A demand waterfall with its own stages and guards."""
        data = {
            "known_facts": ["accepted_by"],
            "lifecycle": {
                "initial": "inquiry",
                "stages": ["inquiry", {"name": "mql", "max_age": "2d"}, "sal",
                           {"name": "won", "terminal": True}, {"name": "lost", "closed": True}],
                "transitions": [
                    {"trigger": "qualify", "source": ["inquiry"], "dest": "mql",
                     "when": "score >= 50", "auto": True},
                    {"trigger": "accept", "source": ["mql"], "dest": "sal",
                     "when": "exists(accepted_by)"},
                    {"trigger": "win", "source": ["sal"], "dest": "won"},
                    {"trigger": "lose", "source": ["mql", "sal"], "dest": "lost",
                     "requires_reason": True, "auto": "score < 0"},
                ],
            },
            "forms": {"fields": [{"name": "company", "from_stage": "sal"}]},
            "scoring": {"fit": [{"name": "named", "when": "exists(company)", "points": 5}]},
            "personas": {"list": []},
            "sla": {"first_touch": "1d", "stage": "mql"},
        }  # fmt: skip
        custom = sm.Playbook.from_dict(data)
        assert custom.lifecycle.main_path == ("inquiry", "mql", "sal", "won")
        assert custom.lifecycle.stage("mql").max_age == timedelta(days=2)
        assert custom.calendar == sm.Playbook.default().calendar  # merged from the default's
        assert sm.Playbook.from_dict(custom.to_dict()) == custom

    def test_letter_grading(self) -> None:
        """Pardot-style grades in the file."""
        data = {
            "scoring": {
                "letter_grading": {
                    "start": "C",
                    "criteria": [{"name": "vp", "when": "seniority == 'vp'", "thirds": 2}],
                }
            }
        }
        custom = sm.Playbook.from_dict(data)
        assert isinstance(custom.scoring.grades, sm.LetterGrading)
        assert sm.Playbook.from_dict(custom.to_dict()) == custom

    def test_every_duration_form_is_accepted(self) -> None:
        """'30d', '12 months', ISO 8601 'P30D' all read."""
        for text, expected in (("30d", timedelta(days=30)), ("P30D", timedelta(days=30))):
            data = {"lifecycle": {"max_age": {"mql": text}}}
            assert sm.Playbook.from_dict(data).lifecycle.stage("mql").max_age == expected
        fields = {
            "forms": {"fields": [{"name": "country", "refresh_after": "12 months"}]},
            "known_facts": ["industry", "company_size", "email", "company", "budget", "timeline"],
        }
        assert sm.Playbook.from_dict(fields).forms[0].refresh_after is not None


class TestErrors:
    @pytest.mark.parametrize("name", ["__dict__", "a`b", "", "x\ny"])
    def test_known_facts_built_in_python_are_fact_names(self, name: str) -> None:
        """Playbook(known_facts=...) holds each name to the rule conditions read names by."""
        with pytest.raises(sm.ConfigError, match="is not a fact name") as info:
            attrs.evolve(sm.Playbook.default(), known_facts=("email", name))
        assert info.value.key == "known_facts[1]"

    @pytest.mark.parametrize(
        ("data", "key", "problem"),
        [
            ({"scoring": {"fit_capp": 5}}, "scoring.fit_capp", "Did you mean 'fit_cap'?"),
            ({"lifecycel": {}}, "lifecycel", "Did you mean 'lifecycle'?"),
            ({"scoring": {"fit": [{"name": "x", "when": "industry ==", "points": 1}]}},
             "scoring.fit[0].when", "not valid syntax"),
            ({"scoring": {"fit": [{"name": "x", "when": "a == 1"}]}}, "scoring.fit[0]",
             "'points' is required"),
            ({"scoring": {"fit": [{"name": "x", "when": "industy == 'saas'", "points": 1}]}},
             "scoring.fit[0].when", "Did you mean 'industry'?"),
            ({"scoring": {"engagement": [{"name": "x", "kind": "k", "points": 1,
                                          "half_life": "soon"}]}},
             "scoring.engagement[0].half_life", "not a duration"),
            ({"scoring": {"engagement": [{"name": "x", "kind": "k", "points": 1,
                                          "half_life": "-3d"}]}},
             "scoring.engagement[0].half_life", "not a duration"),
            ({"scoring": {"engagement_cap": "lots"}}, "scoring.engagement_cap",
             "expected a number"),
            ({"scoring": {"grades": ["A"]}}, "scoring.grades", "expected a table"),
            ({"forms": {"fields": [{"name": "budget", "from_stage": "mq"}]}},
             "forms.fields[0]", "from_stage 'mq' is not a stage"),
            ({"sla": {"first_touch": "4h", "stage": "mq"}}, "sla.stage", "Did you mean 'mql'?"),
            ({"sla": {"first_touch": "1mo"}}, "sla.first_touch", "fixed length"),
            ({"sla": {"first_touch": "4h", "calendar": {"days": ["monday"]}}},
             "sla.calendar.days[0]", "not one of mon"),
            ({"sla": {"first_touch": "4h", "calendar": {"start": "9am"}}},
             "sla.calendar.start", "not a time"),
            ({"sla": {"first_touch": "4h", "calendar": {"holidays": ["25.12."]}}},
             "sla.calendar.holidays[0]", "not a date"),
            ({"sla": {"first_touch": "4h", "calendar": {"timezone": "Mars/Base"}}},
             "sla.calendar", "Mars/Base"),
            ({"lifecycle": {"mql": "score >= 50", "stages": ["a"]}}, "lifecycle.mql",
             "applies to the default lifecycle"),
            ({"lifecycle": {"stages": ["a"], "initial": "a"}}, "lifecycle",
             "needs 'transitions'"),
            ({"lifecycle": {"initial": "a", "stages": ["a", "b"], "transitions": []}},
             "lifecycle", "no trigger leads from 'a' to the stage 'b'"),
            ({"lifecycle": {"initial": "a", "stages": ["a", "b"],
                            "transitions": [{"trigger": "go on", "dest": "b", "source": ["a"]}]}},
             "lifecycle.transitions[0].trigger", "'go on' is not a trigger name"),
            ({"personas": {"list": [{"name": "X", "traits": []}]}}, "personas.list[0]",
             "trait"),
            ({"personas": {"list": [{"name": "X", "traits": [{"when": "department == 'hr'",
                                                             "weight": 0}]}]}},
             "personas.list[0].traits[0]", "weight"),
            ({"known_facts": "email"}, "known_facts", "expected a list"),
            ({"scoring": []}, "scoring", "expected a table, got a list"),
            ({"scoring": {"fit": ["x"]}}, "scoring.fit[0]", "expected a table"),
            ({"lifecycle": {"max_age": 5}}, "lifecycle.max_age", "expected a table"),
            ({"personas": {"list": [{"name": 5, "traits": []}]}}, "personas.list[0].name",
             "expected text"),
            ({"scoring": {"fit": [{"name": "", "when": "a == 1", "points": 1}]}},
             "scoring.fit[0].name", "^pb.toml: scoring.fit\\[0\\].name: expected text, got empty "
             "text$"),
            ({"personas": {"list": [{"name": "X", "traits": [{"when": "a == 1",
                                                             "required": "yes"}]}]}},
             "personas.list[0].traits[0].required", "expected true or false"),
            ({"forms": {"max_fields": 2.5}}, "forms.max_fields", "expected a whole number"),
            ({"lifecycle": {"mql": 60}}, "lifecycle.mql", "condition as text"),
            ({"lifecycle": {"mql": {"a": 1}}}, "lifecycle.mql", "got a table"),
            ({"scoring": {"grades": {"A": 1}, "letter_grading": {"criteria": []}}},
             "scoring.letter_grading", "either grades or letter_grading"),
        ],
    )  # fmt: skip
    def test_bad_data_names_the_key_and_the_problem(
        self, data: dict[str, Any], key: str, problem: str
    ) -> None:
        """Every mistake is a ConfigError with the key path and a readable problem."""
        with pytest.raises(sm.ConfigError, match=problem) as info:
            sm.Playbook.from_dict(data, source="pb.toml")
        assert info.value.key is not None and info.value.key.startswith(key)
        assert str(info.value).startswith("pb.toml")

    def test_a_constructors_error_is_named_for_the_file_and_kept_as_the_cause(self) -> None:
        """The reader words a part's own error once: file and key path added, the original's
        value and expected kept, and the original chained as the cause."""
        data = {"personas": {"list": [{"name": "X", "traits": [{"when": "a == 1", "weight": 0}]}]}}
        with pytest.raises(sm.ConfigError) as info:
            sm.Playbook.from_dict(data, source="pb.toml")
        err, cause = info.value, info.value.__cause__
        assert isinstance(cause, sm.SmarketingError)
        assert str(err) == f"pb.toml: personas.list[0].traits[0].weight: {cause}"
        assert err.value == 0
        assert (err.value, err.expected) == (cause.value, cause.expected)  # type: ignore[attr-defined]
        assert err.key == "personas.list[0].traits[0].weight"

    def test_errors_in_a_file_name_the_file_and_line(self, tmp_path: Path) -> None:
        """A typo in a file is named with its line."""
        path = write(tmp_path, "[scoring]\nengagement_cap = 100\nfit_capp = 5\n")
        with pytest.raises(sm.ConfigError) as info:
            sm.Playbook.from_toml(path)
        err = info.value
        assert (err.source, err.line, err.key, err.suggestion) == (
            str(path),
            3,
            "scoring.fit_capp",
            "fit_cap",
        )
        assert str(err).startswith(f"{path}:3: scoring.fit_capp: unknown key 'fit_capp'")

    def test_a_condition_error_in_an_inline_table_has_its_line(self, tmp_path: Path) -> None:
        """Keys inside arrays of inline tables are found too."""
        text = (
            "[scoring]\nfit = [\n"
            '  { name = "a", when = "industry == \'saas\'", points = 5 },\n'
            '  { name = "b", when = "company_size >>= 5", points = 5 },\n]\n'
        )
        with pytest.raises(sm.ConfigError, match=r"scoring\.fit") as info:
            sm.Playbook.from_toml(write(tmp_path, text))
        assert info.value.line in (3, 4)

    def test_toml_syntax_errors_name_the_line(self, tmp_path: Path) -> None:
        """A broken file is named with its line, never a traceback."""
        path = write(tmp_path, "[scoring]\nfit_cap = \n")
        with pytest.raises(sm.ConfigError, match="not valid TOML") as info:
            sm.Playbook.from_toml(path)
        assert info.value.line == 2
        assert str(info.value).startswith(f"{path}:2: ")

    def test_unreadable_files_are_config_errors(self, tmp_path: Path) -> None:
        """A missing or binary file is named."""
        with pytest.raises(sm.ConfigError, match="cannot read"):
            sm.Playbook.from_toml(tmp_path / "nope.toml")
        bad = tmp_path / "bin.toml"
        bad.write_bytes(b"\xff\xfe")
        with pytest.raises(sm.ConfigError, match="not UTF-8"):
            sm.Playbook.from_toml(bad)

    def test_the_parts_must_have_the_right_types(self) -> None:
        """Building a Playbook from parts checks them."""
        with pytest.raises(sm.ConfigError, match="lifecycle must be a Lifecycle"):
            sm.Playbook(
                lifecycle="default", scoring=sm.ScoringModel(), personas=sm.PersonaMatcher([])
            )  # type: ignore[arg-type]


class TestAssess:
    def test_assess_explains_score_persona_stage_and_next_fields(self, pb: sm.Playbook) -> None:
        """The one call a CRM makes to show a rep why a lead is where it is."""
        lead = sm.Lead.new(
            "L-1", at=T0, fields={"job_title": "VP Marketing", "industry": "software"}
        )
        acts = [sm.Activity("L-1", "demo_request", T0), sm.Activity("L-2", "demo_request", T0)]
        a = pb.assess(lead, acts, at=T0 + timedelta(hours=1))
        assert a.stage == "suspect"
        assert a.score.grade == "A"
        assert a.persona is not None and a.persona.persona.name == "Marketing leader"
        assert a.allowed == ("engage", "disqualify")
        assert a.next_fields.names[:2] == ("company", "company_size")
        text = a.explain()
        assert text.startswith("Lead L-1: stage suspect")
        assert "decision maker" in text and "Next form:" in text

    def test_rules_see_the_seniority_and_department_of_the_title(self, pb: sm.Playbook) -> None:
        """Fit rules on seniority count for a lead that only gave a job title."""
        lead = sm.Lead.new("L-1", at=T0, fields={"job_title": "CMO"})
        names = [c.rule for c in pb.assess(lead, [], at=T0).score.contributions]
        assert "decision maker" in names and "in a buying team" in names
        assert "seniority" not in lead.fields

    def test_assess_many_equals_assess(self, pb: sm.Playbook) -> None:
        """The batch path gives the same answers, in order."""
        leads = [
            sm.Lead.new(f"L-{i}", at=T0, fields={"job_title": t})
            for i, t in enumerate(("VP Sales", "Engineer", "Student"))
        ]
        acts = [sm.Activity("L-1", "webinar", T0), sm.Activity("L-0", "demo_request", T0)]
        at = T0 + timedelta(days=1)
        assert list(pb.assess_many(leads, acts, at=at)) == [
            pb.assess(x, acts, at=at) for x in leads
        ]

    def test_advance_applies_the_automatic_transitions(self, pb: sm.Playbook) -> None:
        """A well-fitting lead that asked for a demo becomes an MQL; its input is unchanged."""
        lead = sm.Lead.new("L-1", at=T0, fields={"job_title": "VP Marketing", "industry": "saas"})
        acts = [sm.Activity("L-1", "demo_request", T0)]
        moved = pb.advance(lead, acts, at=T0 + timedelta(hours=1))
        assert moved.stage == "mql"
        assert lead.stage == "suspect"
        assert pb.advance_many([lead], acts, at=T0 + timedelta(hours=1)) == [moved]

    def test_a_lead_with_no_activity_stays_put(self, pb: sm.Playbook) -> None:
        """No engagement, no engage."""
        lead = sm.Lead.new("L-1", at=T0)
        assert pb.advance(lead, [], at=T0) == lead

    def test_naive_times_are_rejected(self, pb: sm.Playbook) -> None:
        """Time comes in aware."""
        lead = sm.Lead.new("L-1", at=T0)
        for call in (pb.assess, pb.advance):
            with pytest.raises(sm.ValidationError, match="timezone-aware"):
                call(lead, [], at=datetime(2026, 1, 1))

    def test_the_clock_is_the_business_calendar(self, pb: sm.Playbook) -> None:
        """SLA clocks run on the playbook's calendar; wall-clock without one."""
        assert pb.clock == pb.calendar
        keeps = sm.Playbook.from_dict({"sla": {"first_touch": "1h"}})
        assert keeps.clock == pb.calendar  # the section merges: the default's calendar stays
        wall = sm.Playbook.from_dict({"sla": {"first_touch": "1h", "calendar": False}})
        assert isinstance(wall.clock, sm.WallClock)


class TestMoreShapes:
    def test_values_already_parsed_by_toml_are_accepted(self) -> None:
        """TOML's own times and dates (not strings) work in the calendar."""
        from datetime import date, time

        data = {
            "sla": {
                "first_touch": "2h",
                "calendar": {
                    "timezone": "Europe/Berlin",
                    "start": time(8, 30),
                    "end": time(16),
                    "holidays": [date(2026, 12, 25)],
                },
            },
            "scoring": {"floor": -10, "fit": [], "engagement": [], "group_caps": {}},
        }
        pb = sm.Playbook.from_dict(data)
        assert pb.calendar is not None and pb.calendar.start == time(8, 30)
        back = sm.Playbook.from_dict(pb.to_dict())
        assert back == pb
        assert pb.to_dict()["sla"]["calendar"]["timezone"] == "Europe/Berlin"
        assert pb.to_dict()["scoring"]["floor"] == -10

    def test_a_playbook_without_an_sla_writes_none(self) -> None:
        """A playbook without an SLA writes sla = false, which reads back as no SLA."""
        pb = sm.Playbook.default()
        bare = sm.Playbook(
            lifecycle=pb.lifecycle,
            scoring=pb.scoring,
            personas=pb.personas,
            forms=pb.forms,
            known_facts=pb.known_facts,
        )
        assert bare.to_dict()["sla"] is False
        assert sm.Playbook.from_dict(bare.to_dict()).sla is None
        assert bare.clock == sm.WallClock()

    def test_zone_names_come_back_from_zoneinfo_too(self) -> None:
        """A calendar built with a zoneinfo zone writes its key."""
        from zoneinfo import ZoneInfo

        pb = sm.Playbook.default()
        cal = sm.BusinessCalendar(ZoneInfo("America/New_York"))
        custom = sm.Playbook(
            lifecycle=pb.lifecycle,
            scoring=pb.scoring,
            personas=pb.personas,
            sla=pb.sla,
            calendar=cal,
        )
        assert custom.to_dict()["sla"]["calendar"]["timezone"] == "America/New_York"


class TestSpecAndDocs:
    def test_the_reference_documents_every_key(self) -> None:
        """docs/reference/playbook.md names every key of the file."""
        text = (ROOT / "docs" / "reference" / "playbook.md").read_text(encoding="utf-8")
        missing = [path for path in _paths(config.SPEC) if f"`{path}`" not in text]
        assert missing == []


def _paths(key: config.Key, prefix: str = "") -> list[str]:
    out: list[str] = []
    for name, sub in (key.keys or {}).items():
        path = f"{prefix}{name}"
        out.append(path)
        if sub.kind == "table":
            out += _paths(sub, f"{path}.")
        elif sub.kind == "list" and sub.items is not None and sub.items.keys:
            out += _paths(sub.items, f"{path}[].")
    return out


def _to_toml(data: dict[str, Any]) -> str:
    """A tiny TOML writer for the test: top-level tables of scalars, lists and inline tables."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for section, body in data.items():
        if isinstance(body, dict):
            lines.append(f"[{section}]")
            lines += [f"{k} = {value(v)}" for k, v in body.items()]
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)
    return text


def test_a_playbook_assesses_leads_in_other_processes(t0: datetime) -> None:
    """A playbook and its leads cross to a process pool (pickled as their data) and the
    assessments come back equal to the ones made here."""
    playbook = sm.Playbook.default()
    leads = [
        sm.Lead.new(f"L-{i}", at=t0, fields={"job_title": "VP Marketing", "company_size": 50 * i})
        for i in range(1, 4)
    ]
    assess = functools.partial(playbook.assess, activities=(), at=t0 + timedelta(days=1))
    context = multiprocessing.get_context("spawn")  # nothing inherited: all of it pickled
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        assessed = list(pool.map(assess, leads))
    assert assessed == [assess(lead) for lead in leads]
