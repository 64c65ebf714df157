"""to_dict / from_dict: JSON-safe, exact round trips, and errors that name the path."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given

import smarketing as sm
from smarketing import testing as sst


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


class TestRoundTrips:
    @given(sst.histories())
    def test_leads_with_histories_round_trip_through_json(self, lead: sm.Lead) -> None:
        """from_dict(Lead, json(to_dict(lead))) == lead."""
        assert sm.from_dict(sm.Lead, through_json(sm.to_dict(lead))) == lead

    @given(sst.activities())
    def test_activities_round_trip(self, activity: sm.Activity) -> None:
        """Activities and their properties survive JSON."""
        assert sm.from_dict(sm.Activity, through_json(sm.to_dict(activity))) == activity

    @given(sst.conditions())
    def test_conditions_serialise_as_their_text(self, c: sm.Condition) -> None:
        """A condition's data is its text form."""
        data = sm.to_dict(c)
        assert data == str(c)
        assert sm.from_dict(sm.Condition, through_json(data)) == c

    def test_field_values_and_stage_changes_round_trip(self, t0: datetime) -> None:
        """The small value types round-trip on their own too."""
        fv = sm.FieldValue(("a", 1, 2.5, True), t0, "form")
        assert sm.to_dict(fv)["value"] == ["a", 1, 2.5, True]
        assert sm.from_dict(sm.FieldValue, through_json(sm.to_dict(fv))) == fv
        ch = sm.StageChange("mql", "recycled", "recycle", t0, "sales:jo", "no budget")
        assert sm.from_dict(sm.StageChange, through_json(sm.to_dict(ch))) == ch

    def test_types_survive_exactly(self, t0: datetime) -> None:
        """Ints stay ints, floats floats, booleans booleans."""
        lead = sm.Lead.new("L", at=t0, fields={"i": 1, "f": 1.0, "b": True, "s": "1"})
        back = sm.from_dict(sm.Lead, through_json(sm.to_dict(lead)))
        assert [type(back.value(n)) for n in "ifbs"] == [int, float, bool, str]

    def test_activity_properties_become_json_safe(self, t0: datetime) -> None:
        """Nested tuples and datetimes in properties are written as JSON values."""
        a = sm.Activity("L", "call", t0, {"tags": ("a",), "when": t0, "n": {"x": (1,)}})
        assert sm.to_dict(a)["properties"] == {
            "tags": ["a"],
            "when": t0.isoformat(),
            "n": {"x": [1]},
        }


class TestMalformedData:
    def _lead_data(self, t0: datetime) -> dict[str, Any]:
        lc = sm.Lifecycle.default()
        lead = lc.fire(sm.Lead.new("L", at=t0, fields={"a": 1}), "engage", at=t0)
        return through_json(sm.to_dict(lead))

    @pytest.mark.parametrize(
        ("mutate", "path", "problem"),
        [
            (
                lambda d: d["history"][0].update(at="2026-01-01T00:00:00"),
                "$.history[0].at",
                "no time zone",
            ),
            (
                lambda d: d["history"][0].update(at="yesterday"),
                "$.history[0].at",
                "not an ISO 8601",
            ),
            (lambda d: d["history"][0].update(at=5), "$.history[0].at", "ISO 8601"),
            (
                lambda d: d["history"][0].pop("trigger"),
                "$.history[0].trigger",
                "required field missing",
            ),
            (lambda d: d.update(extra=1), "$", "unknown keys"),
            (lambda d: d.update(id=5), "$.id", "expected text"),
            (lambda d: d.update(fields=[]), "$.fields", "mapping"),
            (lambda d: d["fields"]["a"].update(value=None), "$.fields['a']", "leave it out"),
            (lambda d: d["fields"]["a"].update(value={"x": 1}), "$.fields['a']", "text, a number"),
            (
                lambda d: d.update(history=[{"to_stage": 1}]),
                "$.history[0]",
                "required field missing",
            ),
            (lambda d: d.update(stage=""), "$", "non-empty string"),
            (lambda d: d.update(history=5), "$.history", "invalid value for tuple"),
        ],
    )
    def test_errors_name_the_path_inside_the_data(
        self, t0: datetime, mutate: Any, path: str, problem: str
    ) -> None:
        """A ValidationError names where in the data the problem is."""
        data = self._lead_data(t0)
        mutate(data)
        with pytest.raises(sm.ValidationError, match=problem) as info:
            sm.from_dict(sm.Lead, data)
        assert path in str(info.value)

    def test_a_non_mapping_is_rejected(self) -> None:
        """from_dict needs a mapping."""
        with pytest.raises(sm.ValidationError, match=r"\$: expected a mapping"):
            sm.from_dict(sm.Lead, ["L"])

    def test_a_bad_condition_text_is_a_validation_error(self) -> None:
        """Condition data that does not parse is named."""
        with pytest.raises(sm.ValidationError, match="not valid syntax"):
            sm.from_dict(sm.Condition, "a ==")
        assert sm.from_dict(sm.Condition, sm.always()) == sm.always()

    def test_the_parsers_error_is_worded_once_and_kept_as_the_cause(self) -> None:
        """from_dict words the parser's ConfigError once, as data's error, and chains it."""
        with pytest.raises(sm.ValidationError) as info:
            sm.from_dict(sm.Condition, "a ==")
        err, cause = info.value, info.value.__cause__
        assert isinstance(cause, sm.ConfigError)
        assert str(err) == f"$: {cause}"
        assert (err.where, err.expected, err.value) == ("$", "a condition's text", "a ==")

    def test_unknown_types_are_named(self, t0: datetime) -> None:
        """Only public value types are supported."""
        with pytest.raises(sm.ValidationError, match="does not know"):
            sm.to_dict(object())
        with pytest.raises(sm.ValidationError, match="does not know"):
            sm.from_dict(dict, {})

    @pytest.mark.parametrize(("target", "name"), [("Lead", "'Lead'"), (3, "3")])
    def test_what_is_not_a_class_is_named_too(self, target: Any, name: str) -> None:
        """A type's name, or any value, in place of the class is an error naming it."""
        with pytest.raises(sm.ValidationError) as info:
            sm.from_dict(target, {})
        assert str(info.value).startswith(f"from_dict() does not know {name}; it knows ")
        assert (info.value.value, info.value.where) == (target, "from_dict")
        assert "Lead" in str(info.value.expected)

    def test_already_structured_times_are_accepted(self, t0: datetime) -> None:
        """from_dict accepts datetime objects as well as their text."""
        data = {"lead_id": "L", "kind": "call", "at": t0 + timedelta(hours=1)}
        assert sm.from_dict(sm.Activity, data).at == t0 + timedelta(hours=1)
        data["at"] = datetime(2026, 1, 1)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            sm.from_dict(sm.Activity, data)


class TestMoreMalformedData:
    def test_activity_properties_must_be_a_mapping(self, t0: datetime) -> None:
        """A list of properties is named as such."""
        data = {"lead_id": "L", "kind": "call", "at": t0.isoformat(), "properties": [1]}
        with pytest.raises(sm.ValidationError, match=r"expected a mapping.*\$\.properties"):
            sm.from_dict(sm.Activity, data)

    def test_errors_raised_by_the_classes_themselves_are_wrapped(self, t0: datetime) -> None:
        """A value the class rejects after structuring still names the data."""
        data = {"value": 1, "learned_at": t0.isoformat(), "source": ""}
        with pytest.raises(sm.ValidationError, match="cannot read a FieldValue") as info:
            sm.from_dict(sm.FieldValue, data)
        assert info.value.expected == "FieldValue"


class TestDurations:
    def test_durations_are_written_as_in_a_playbook(self) -> None:
        """timedelta and relativedelta values serialise as short duration text."""
        from datetime import timedelta as td

        from dateutil.relativedelta import relativedelta

        from smarketing._convert import CONVERTER as _CONVERTER

        assert _CONVERTER.unstructure(td(hours=4)) == "4h"
        assert _CONVERTER.unstructure(relativedelta(months=12)) == "12mo"
        assert _CONVERTER.structure("P30D", td) == td(days=30)
        assert _CONVERTER.structure("12 months", relativedelta) == relativedelta(years=1)
        with pytest.raises(sm.ValidationError, match="calendar length"):
            _CONVERTER.structure("12mo", td)
        with pytest.raises(sm.ValidationError, match="not a duration"):
            _CONVERTER.structure("soon", td)


class TestPlaybookValues:
    def test_form_fields_assessments_and_playbooks_round_trip(self, t0: datetime) -> None:
        """Every playbook value survives JSON, including pre-filled list values."""
        pb = sm.Playbook.from_dict(
            {
                "forms": {
                    "fields": [
                        {"name": "tags", "always": True},
                        {"name": "country", "refresh_after": "12mo"},
                        {"name": "industry"},
                    ]
                },
                "known_facts": ["company_size", "budget", "timeline", "email"],
            }
        )
        for f in pb.forms:
            assert sm.from_dict(sm.FormField, through_json(sm.to_dict(f))) == f
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing", "tags": ["a"]})
        a = pb.assess(lead, [sm.Activity("L-1", "demo_request", t0)], at=t0)
        assert a.next_fields.fields[0].value == ("a",)
        assert sm.from_dict(sm.Assessment, through_json(sm.to_dict(a))) == a
        assert sm.from_dict(sm.Playbook, through_json(sm.to_dict(pb))) == pb

    def test_a_bad_playbook_is_a_validation_error_here(self) -> None:
        """from_dict speaks ValidationError, naming the key."""
        with pytest.raises(sm.ValidationError, match="fit_capp") as info:
            sm.from_dict(sm.Playbook, {"scoring": {"fit_capp": 1}})
        assert info.value.where == "scoring.fit_capp"
        with pytest.raises(sm.ValidationError, match="expected a mapping"):
            sm.from_dict(sm.Playbook, [])


class TestRegisteredShapes:
    """The converter's core (`smarketing._convert`) knows a type once the type registers it."""

    @pytest.fixture
    def registry(self, monkeypatch: pytest.MonkeyPatch) -> Any:
        """A copy of the registry, so that a type made here is forgotten afterwards."""
        from smarketing import _convert

        monkeypatch.setattr(_convert, "_KNOWN", dict(_convert._KNOWN))
        _convert._WRITES.clear()
        yield _convert
        _convert._WRITES.clear()

    def test_a_registered_shape_is_written_and_read_in_the_vocabulary(self, registry: Any) -> None:
        """A type unknown until it registers: then written with its hooks, durations as '4h'."""
        import attrs
        from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

        @attrs.frozen
        class Window:
            name: str
            length: timedelta

        with pytest.raises(sm.ValidationError, match="does not know Window"):
            sm.to_dict(Window("w", timedelta(hours=4)))

        @registry.shapes(Window)
        def _as_data(conv: Any) -> None:
            when = {"name": registry.WHEN}
            conv.register_unstructure_hook(Window, make_dict_unstructure_fn(Window, conv, **when))
            conv.register_structure_hook(Window, make_dict_structure_fn(Window, conv, **when))

        window = Window("w", timedelta(hours=4))
        assert sm.to_dict(window) == {"when": "w", "length": "4h"}
        assert sm.from_dict(Window, through_json(sm.to_dict(window))) == window

    def test_a_written_only_shape_is_refused_by_from_dict_by_name(self, registry: Any) -> None:
        """Written only: to_dict writes it, from_dict says it is not read back."""
        import attrs

        @attrs.frozen
        class Table:
            rows: tuple[int, ...]

        registry.shapes(Table, written_only=True)(lambda _conv: None)
        assert sm.to_dict(Table((1, 2))) == {"rows": [1, 2]}
        with pytest.raises(sm.ValidationError, match=r"does not know 'Table' .*written only"):
            sm.from_dict(Table, {"rows": [1, 2]})

    def test_a_condition_node_type_reads_its_text(self) -> None:
        """from_dict(Compare, text) reads the text as from_dict(Condition, text) does."""
        c = sm.field("score") >= 60
        assert sm.from_dict(type(c), "score >= 60") == c
        with pytest.raises(sm.ValidationError, match=r"^\$: "):
            sm.from_dict(type(c), "score >=")

    def test_a_condition_node_type_reads_only_its_own_kind(self) -> None:
        """Text of another kind of condition is an error naming both kinds, not a value of
        the wrong type."""
        is_in = type(sm.field("x").is_in({1, 2}))
        with pytest.raises(sm.ValidationError) as info:
            sm.from_dict(is_in, "x == 1")
        assert str(info.value) == "$: 'x == 1' reads as Compare, not IsIn."
        assert (info.value.where, info.value.expected) == ("$", "IsIn")
        negated = sm.from_dict(type(~sm.field("x").is_in({1, 2})), "x not in (1, 2)")
        assert negated == ~sm.field("x").is_in({1, 2})
