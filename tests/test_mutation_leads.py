"""Leads' promises pinned down for mutation testing: what the field checks let through, what
their errors say, and what the trusted readers' leads and activities hold.

Every library value is built inside a test, never at import: mutmut's workers import the
library (and this module) before they switch a mutant on.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

import attrs
import pytest

import smarketing as sm
from smarketing import leads

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
NAIVE = datetime(2026, 1, 5, 9, 0)
SURROGATE = "\ud800"
UTF8 = "text that can be written as UTF-8 (without a lone surrogate such as '\\ud800')"


class NoOffset(tzinfo):
    """A zone that does not know its offset: the time it is attached to is still naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


class Moment(datetime):
    """A subclass of datetime, as pandas' Timestamp is one."""


def naive_message(where: str, moment: datetime) -> str:
    return (
        f"{where} must be timezone-aware (got the naive datetime {moment.isoformat()}); "
        "attach a zone, e.g. datetime(..., tzinfo=timezone.utc)."
    )


# --- _aware: the time stamps of FieldValue, StageChange, Lead and Activity ---------------------


def _field_value(at: object) -> object:
    return sm.FieldValue(1, at)  # type: ignore[arg-type]


def _stage_change(at: object) -> object:
    return sm.StageChange("a", "b", "go", at)  # type: ignore[arg-type]


def _lead(at: object) -> object:
    return sm.Lead("L-1", "suspect", at)  # type: ignore[arg-type]


def _activity(at: object) -> object:
    return sm.Activity("L-1", "call", at)  # type: ignore[arg-type]


STAMPED = [
    pytest.param(_field_value, "FieldValue.learned_at", id="FieldValue"),
    pytest.param(_stage_change, "StageChange.at", id="StageChange"),
    pytest.param(_lead, "Lead.created_at", id="Lead"),
    pytest.param(_activity, "Activity.at", id="Activity"),
]


class TestAwareTimes:
    @pytest.mark.parametrize(("build", "where"), STAMPED)
    def test_a_naive_time_is_named_with_its_field(self, build: Any, where: str) -> None:
        """A naive time is a ValidationError naming the field, the time and what is expected."""
        with pytest.raises(sm.ValidationError) as info:
            build(NAIVE)
        assert str(info.value) == naive_message(where, NAIVE)
        assert info.value.value == NAIVE
        assert info.value.where == where
        assert info.value.expected == "an aware datetime"

    @pytest.mark.parametrize(("build", "where"), STAMPED)
    def test_a_zone_without_an_offset_is_naive(self, build: Any, where: str) -> None:
        """A tzinfo whose utcoffset() is None does not make a time aware."""
        moment = datetime(2026, 1, 5, 9, 0, tzinfo=NoOffset())
        with pytest.raises(sm.ValidationError) as info:
            build(moment)
        assert str(info.value) == naive_message(where, moment)
        assert info.value.value is moment

    @pytest.mark.parametrize(("build", "where"), STAMPED)
    def test_text_is_not_a_time(self, build: Any, where: str) -> None:
        """A time written as text is a ValidationError, not an AttributeError."""
        with pytest.raises(sm.ValidationError) as info:
            build("2026-01-05")
        assert str(info.value) == (f"{where} must be a timezone-aware datetime (got '2026-01-05').")
        assert info.value.value == "2026-01-05"

    @pytest.mark.parametrize(("build", "where"), STAMPED)
    def test_aware_times_and_their_subclasses_are_kept(self, build: Any, where: str) -> None:
        """An aware datetime, or an aware instance of a subclass, is accepted as given."""
        for moment in (T0, Moment(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=2)))):
            built = build(moment)
            field = where.rpartition(".")[2]
            assert getattr(built, field) is moment

    def test_the_validator_checks_what_it_is_given(self) -> None:
        """The validator _aware builds (called when a class is defined) names its field and
        rejects every naive or non-datetime value; mutmut's workers reach it only when it is
        built in the test, since the library's classes are built at import."""
        validate = leads._aware("Stamp.at")
        attribute = attrs.fields(sm.StageChange).at
        assert validate(None, attribute, T0) is None
        assert validate(None, attribute, Moment(2026, 1, 5, tzinfo=timezone.utc)) is None
        noon = datetime(2026, 1, 5, 12, 0, tzinfo=NoOffset())
        for bad, message in [
            (NAIVE, naive_message("Stamp.at", NAIVE)),
            (noon, naive_message("Stamp.at", noon)),
            ("2026-01-05", "Stamp.at must be a timezone-aware datetime (got '2026-01-05')."),
            (None, "Stamp.at must be a timezone-aware datetime (got None)."),
        ]:
            with pytest.raises(sm.ValidationError) as info:
                validate(None, attribute, bad)
            assert str(info.value) == message
            assert info.value.value is bad
            assert info.value.where == "Stamp.at"
            assert info.value.expected == "an aware datetime"


# --- _text: ids, stages, kinds, sources, actors and reasons -----------------------------------


def _change(**given: object) -> sm.StageChange:
    parts: dict[str, object] = {"from_stage": "a", "to_stage": "b", "trigger": "go", "at": T0}
    parts.update(given)
    return sm.StageChange(**parts)  # type: ignore[arg-type]


def _built_lead(**given: object) -> sm.Lead:
    parts: dict[str, object] = {"id": "L-1", "stage": "suspect", "created_at": T0}
    parts.update(given)
    return sm.Lead(**parts)  # type: ignore[arg-type]


def _built_activity(**given: object) -> sm.Activity:
    parts: dict[str, object] = {"lead_id": "L-1", "kind": "call", "at": T0}
    parts.update(given)
    return sm.Activity(**parts)  # type: ignore[arg-type]


def _built_field_value(**given: object) -> sm.FieldValue:
    parts: dict[str, object] = {"value": 1, "learned_at": T0}
    parts.update(given)
    return sm.FieldValue(**parts)  # type: ignore[arg-type]


REQUIRED_TEXT = [
    pytest.param(_built_lead, "id", "Lead.id", id="Lead.id"),
    pytest.param(_built_lead, "stage", "Lead.stage", id="Lead.stage"),
    pytest.param(_built_lead, "high_water", "Lead.high_water", id="Lead.high_water"),
    pytest.param(_change, "from_stage", "StageChange.from_stage", id="from_stage"),
    pytest.param(_change, "to_stage", "StageChange.to_stage", id="to_stage"),
    pytest.param(_change, "trigger", "StageChange.trigger", id="trigger"),
    pytest.param(_built_activity, "lead_id", "Activity.lead_id", id="Activity.lead_id"),
    pytest.param(_built_activity, "kind", "Activity.kind", id="Activity.kind"),
]

OPTIONAL_TEXT = [
    pytest.param(_built_lead, "source", "Lead.source", id="Lead.source"),
    pytest.param(_built_field_value, "source", "FieldValue.source", id="FieldValue.source"),
    pytest.param(_change, "actor", "StageChange.actor", id="actor"),
    pytest.param(_change, "reason", "StageChange.reason", id="reason"),
]


class TestTextFields:
    @pytest.mark.parametrize(("build", "name", "where"), REQUIRED_TEXT)
    @pytest.mark.parametrize("bad", ["", None, 5])
    def test_required_text_must_be_a_non_empty_string(
        self, build: Any, name: str, where: str, bad: object
    ) -> None:
        """An empty, missing or non-text value is named with its field and the bad value."""
        with pytest.raises(sm.ValidationError) as info:
            build(**{name: bad})
        assert str(info.value) == f"{where} must be a non-empty string (got {bad!r})."
        assert info.value.value == bad
        assert info.value.where == where
        assert info.value.expected == "a non-empty string"

    @pytest.mark.parametrize(("build", "name", "where"), [*REQUIRED_TEXT, *OPTIONAL_TEXT])
    def test_text_that_utf8_cannot_write_is_refused(
        self, build: Any, name: str, where: str
    ) -> None:
        """A lone surrogate (which only an escape can make) is refused, required or not."""
        with pytest.raises(sm.ValidationError) as info:
            build(**{name: "x" + SURROGATE})
        assert str(info.value) == f"{where} must be {UTF8} (got 'x\\ud800')."
        assert info.value.value == "x" + SURROGATE
        assert info.value.where == where

    @pytest.mark.parametrize(("build", "name", "where"), [*REQUIRED_TEXT, *OPTIONAL_TEXT])
    def test_any_writable_text_is_kept(self, build: Any, name: str, where: str) -> None:
        """Non-ASCII text that UTF-8 can write is kept as given."""
        assert getattr(build(**{name: "Zoë"}), name) == "Zoë"

    @pytest.mark.parametrize(("build", "name", "where"), OPTIONAL_TEXT)
    def test_optional_text_may_be_none(self, build: Any, name: str, where: str) -> None:
        """None is accepted where the text is optional."""
        assert getattr(build(**{name: None}), name) is None

    @pytest.mark.parametrize(("build", "name", "where"), OPTIONAL_TEXT)
    @pytest.mark.parametrize("bad", ["", 5])
    def test_optional_text_says_none_is_welcome(
        self, build: Any, name: str, where: str, bad: object
    ) -> None:
        """An empty or non-text optional value is an error that offers None instead."""
        with pytest.raises(sm.ValidationError) as info:
            build(**{name: bad})
        assert str(info.value) == f"{where} must be a non-empty string or None (got {bad!r})."
        assert info.value.value == bad
        assert info.value.where == where
        assert info.value.expected == "a non-empty string or None"

    def test_the_validators_check_what_they_are_given(self) -> None:
        """The validators _text builds (called when a class is defined) check every value, a
        required one refusing None; built in the test, so that mutmut's workers reach them."""
        attribute = attrs.fields(sm.Activity).kind
        required = leads._text("Thing.name")
        optional = leads._text("Thing.note", optional=True)
        for validate in (required, optional):
            assert validate(None, attribute, "call") is None
            assert validate(None, attribute, "Zoë") is None
        assert optional(None, attribute, None) is None
        cases: list[tuple[Any, object, str, str]] = [
            (required, None, "Thing.name", "a non-empty string"),
            (required, "", "Thing.name", "a non-empty string"),
            (required, 5, "Thing.name", "a non-empty string"),
            (required, "x" + SURROGATE, "Thing.name", UTF8),
            (optional, "", "Thing.note", "a non-empty string or None"),
            (optional, 5, "Thing.note", "a non-empty string or None"),
            (optional, "x" + SURROGATE, "Thing.note", UTF8),
        ]
        for validate, bad, where, expected in cases:
            with pytest.raises(sm.ValidationError) as info:
                validate(None, attribute, bad)
            assert str(info.value) == f"{where} must be {expected} (got {bad!r})."
            assert info.value.value == bad
            assert info.value.where == where
            assert info.value.expected == expected


# --- Lead.time_in_stage -----------------------------------------------------------------------


class TestTimeInStage:
    def test_a_naive_time_names_the_lead_and_the_call(self) -> None:
        """time_in_stage(at=naive) says which lead and which call it was."""
        lead = sm.Lead.new("L-7", at=T0)
        with pytest.raises(sm.ValidationError) as info:
            lead.time_in_stage("suspect", at=NAIVE)
        where = "lead 'L-7': time_in_stage(at=...)"
        assert str(info.value) == naive_message(where, NAIVE)
        assert info.value.where == where


# --- check_value: the readers' own check of a value from a JSON file ---------------------------


class TestCheckValue:
    def test_values_come_back_as_the_library_holds_them(self) -> None:
        """Text, numbers and booleans come back as given, lists as tuples."""
        assert leads.check_value("pro", "plan") == "pro"
        assert leads.check_value(12, "size") == 12
        assert leads.check_value(True, "paid") is True
        assert leads.check_value([1, "a", 2.5], "tags") == (1, "a", 2.5)

    def test_a_bad_value_is_named_by_where(self) -> None:
        """A value that is no fact is a ValidationError naming where it was found."""
        with pytest.raises(sm.ValidationError) as info:
            leads.check_value({"a": 1}, "plan")
        assert str(info.value) == (
            "plan must be text, a number, a boolean or a list of those (got {'a': 1})."
        )
        assert info.value.value == {"a": 1}
        assert info.value.where == "plan"
        assert info.value.expected == "str, int, float, bool or list"

    def test_an_item_of_a_list_is_named_by_its_place(self) -> None:
        """A bad item of a list names the list and the item's index."""
        with pytest.raises(sm.ValidationError) as info:
            leads.check_value([1, float("inf")], "scores")
        assert str(info.value) == "scores[1] must be a finite number (got inf)."
        assert info.value.where == "scores[1]"

    def test_a_json_list_cell_is_read_as_a_tuple(self) -> None:
        """A lead file in JSON Lines reads a list cell as a tuple fact."""
        text = '{"id": "L-1", "tags": ["a", 2]}\n'
        result = sm.read_leads("leads.jsonl", at=T0, stream=io.StringIO(text))
        assert result.rejects == ()
        assert [lead.value("tags") for lead in result.records] == [("a", 2)]

    def test_a_bad_json_cell_is_a_reject_naming_its_column(self) -> None:
        """A JSON object in a cell is no fact: the row is rejected, the column named."""
        text = '{"id": "L-1", "plan": {"a": 1}}\n'
        result = sm.read_leads("leads.jsonl", at=T0, stream=io.StringIO(text))
        assert result.records == ()
        assert len(result.rejects) == 1
        assert (
            "plan must be text, a number, a boolean or a list of those (got {'a': 1})"
            in result.rejects[0].reason
        )


# --- not_an_activity: the error for something that is not an activity --------------------------


class TestNotAnActivity:
    def test_an_item_of_many_is_named_by_its_place(self) -> None:
        """group_by_lead names the owner, the item's place, the item and what was expected."""
        good = sm.Activity("L-1", "call", T0)
        with pytest.raises(sm.ValidationError) as info:
            leads.group_by_lead([good, "x"], owner="funnel_report")
        assert str(info.value) == (
            "funnel_report needs Activity values; activities[1] must be an Activity (got 'x')."
        )
        assert info.value.value == "x"
        assert info.value.where == "activities[1]"
        assert info.value.expected == "Activity"

    def test_activities_that_are_no_collection_are_named_with_the_owner(self) -> None:
        """group_by_lead handed one value, not a collection of them, names its owner."""
        with pytest.raises(sm.ValidationError) as info:
            leads.group_by_lead(5, owner="funnel_report")  # type: ignore[arg-type]
        assert str(info.value) == "funnel_report(activities) must be a collection (got 5)."
        assert info.value.where == "funnel_report(activities)"

    def test_a_whole_number_too_long_to_write_names_the_lead_and_field(self) -> None:
        """Over 4,300 digits: the error says which lead and field, and how long it is."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new("L-1", at=T0, fields={"n": 10**4300})
        assert str(info.value) == (
            "lead 'L-1': field 'n' must be a whole number of at most 4,300 digits "
            "(got an integer of about 4,301 digits)."
        )
        assert info.value.where == "lead 'L-1': field 'n'"

    def test_a_thing_among_leads_is_named_by_its_place(self) -> None:
        """not_a_lead says where among the leads the stranger is, and what it is."""
        error = leads.not_a_lead({"id": "B"}, 3)
        assert str(error) == "leads[3] must be a Lead (got {'id': 'B'})."
        assert (error.value, error.where, error.expected) == ({"id": "B"}, "leads[3]", "Lead")

    def test_without_a_place_the_activities_are_named(self) -> None:
        """ScoringModel.score, reading one lead's activities, names them all."""
        model = sm.ScoringModel(engagement=[sm.EngagementRule("call", kind="call", points=7)])
        lead = sm.Lead.new("L-1", at=T0)
        with pytest.raises(sm.ValidationError) as info:
            model.score(lead, [sm.Activity("L-1", "call", T0), 42], at=T0)  # type: ignore[list-item]
        assert str(info.value) == (
            "ScoringModel needs Activity values; activities must be an Activity (got 42)."
        )
        assert info.value.value == 42
        assert info.value.where == "activities"
        assert info.value.expected == "Activity"

    def test_the_error_itself(self) -> None:
        """not_an_activity builds the error (it does not raise it), with or without a place."""
        error = leads.not_an_activity(None, "report")
        assert isinstance(error, sm.ValidationError)
        assert (
            str(error) == "report needs Activity values; activities must be an Activity (got None)."
        )
        assert (error.value, error.where, error.expected) == (None, "activities", "Activity")
        error = leads.not_an_activity(3.5, "report", 0)
        assert (error.value, error.where, error.expected) == (3.5, "activities[0]", "Activity")


# --- trusted_lead and trusted_activity: what the readers build ---------------------------------


class TestReadLeadsAndActivities:
    def test_a_read_lead_equals_the_one_lead_new_builds(self) -> None:
        """A lead read from a file is the lead Lead.new builds from the same parts: its fields
        learned when it was created, from its source; no history; high water its stage."""
        text = (
            "id,created_at,stage,source,plan,size\n"
            "L-1,2026-01-02T00:00:00+00:00,mql,webinar,pro,12\n"
        )
        result = sm.read_leads("leads.csv", at=T0, stream=io.StringIO(text))
        created = datetime(2026, 1, 2, tzinfo=timezone.utc)
        expected = sm.Lead.new(
            "L-1", at=created, fields={"plan": "pro", "size": 12}, source="webinar", stage="mql"
        )
        (lead,) = result.records
        assert lead == expected
        assert lead.fields["plan"] == sm.FieldValue("pro", created, "webinar")
        assert (lead.source, lead.history, lead.high_water) == ("webinar", (), "mql")

    def test_a_read_lead_without_fields_has_none(self) -> None:
        """A lead with empty cells only knows no field, and was created ``at``."""
        text = "id,created_at,stage,source,plan\nL-2,,,,\n"
        (lead,) = sm.read_leads("leads.csv", at=T0, stream=io.StringIO(text)).records
        assert lead == sm.Lead.new("L-2", at=T0)
        assert dict(lead.fields) == {}
        assert (lead.history, lead.high_water, lead.source) == ((), "suspect", None)

    def test_a_read_activity_equals_the_one_activity_builds(self) -> None:
        """A read activity is the Activity of the same parts, property columns included."""
        text = (
            "lead_id,kind,at,url\n"
            "L-1,page_view,2026-01-02T00:00:00+00:00,/pricing\n"
            "L-2,call,2026-01-03T00:00:00+00:00,\n"
        )
        result = sm.read_activities("acts.csv", stream=io.StringIO(text))
        day2, day3 = (datetime(2026, 1, d, tzinfo=timezone.utc) for d in (2, 3))
        assert result.records == (
            sm.Activity("L-1", "page_view", day2, {"url": "/pricing"}),
            sm.Activity("L-2", "call", day3),
        )
        viewed, called = result.records
        assert (viewed.lead_id, viewed.kind, viewed.at) == ("L-1", "page_view", day2)
        assert dict(viewed.properties) == {"url": "/pricing"}
        assert (called.lead_id, called.kind, called.at) == ("L-2", "call", day3)
        assert dict(called.properties) == {}


# --- Lead.new and Lead.learn: their checks of the time, the id and the fields -----------------


class TestNewAndLearn:
    def test_new_names_itself_for_a_naive_time(self) -> None:
        """Lead.new(at=naive) names the call."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new("L-1", at=NAIVE)
        assert str(info.value) == naive_message("Lead.new(at=...)", NAIVE)
        assert info.value.where == "Lead.new(at=...)"

    def test_learn_names_the_lead_for_a_naive_time(self) -> None:
        """learn(at=naive) names the lead and the call."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new("L-1", at=T0).learn({"a": 1}, at=NAIVE)
        where = "lead 'L-1': learn(at=...)"
        assert str(info.value) == naive_message(where, NAIVE)
        assert info.value.where == where

    def test_learn_names_the_lead_for_a_bad_field(self) -> None:
        """A reserved name given to learn is an error naming the lead."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new("L-1", at=T0).learn({"stage": "mql"}, at=T0)
        assert str(info.value) == (
            "lead 'L-1': 'stage' is not a profile field; it is set from the lead itself "
            "(reserved: id, source, stage)."
        )
        assert info.value.value == "stage"
        assert info.value.where == "lead 'L-1'"
        assert info.value.expected == "a field name"

    @pytest.mark.parametrize("bad", ["", True, 2.5])
    def test_a_bad_id_is_named(self, bad: object) -> None:
        """An id that is neither non-empty text nor a whole number carries the id."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new(bad, at=T0)  # type: ignore[arg-type]
        assert str(info.value) == (
            f"a lead id must be non-empty text or a whole number (got {bad!r})."
        )
        assert info.value.value == bad
        assert type(info.value.value) is type(bad)
        assert info.value.where == "Lead.id"
        assert info.value.expected == "text or a whole number"

    def test_fields_that_are_no_mapping_are_named(self) -> None:
        """Fields given as pairs carry the value, the lead and what was expected."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new("L-1", at=T0, fields=[("a", 1)])  # type: ignore[arg-type]
        assert str(info.value) == (
            "lead 'L-1': fields must be a mapping of names to values (got [('a', 1)])."
        )
        assert info.value.value == [("a", 1)]
        assert info.value.where == "lead 'L-1'"
        assert info.value.expected == "a mapping"

    def test_a_field_name_that_is_no_text_is_named(self) -> None:
        """A number as a field name carries the name, the lead and what was expected."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new("L-1", at=T0, fields={1: 2})  # type: ignore[dict-item]
        assert str(info.value) == "lead 'L-1': a field name must be a non-empty string (got 1)."
        assert info.value.value == 1
        assert info.value.where == "lead 'L-1'"
        assert info.value.expected == "a field name"

    def test_a_field_name_utf8_cannot_write_is_named(self) -> None:
        """A field name with a lone surrogate is refused, naming the lead."""
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new("L-1", at=T0, fields={"x" + SURROGATE: 1})
        where = "lead 'L-1': a field name"
        assert str(info.value) == f"{where} must be {UTF8} (got 'x\\ud800')."
        assert info.value.where == where
        assert info.value.expected == UTF8


# --- the constructors' own checks: each error's text, value, place and expectation --------------


def _error_of(build: Any) -> sm.ValidationError:
    with pytest.raises(sm.ValidationError) as info:
        build()
    return info.value


class TestConstructorChecks:
    def test_a_history_that_is_no_tuple_is_named(self) -> None:
        """Lead.history must be a tuple: the error holds the value, the field and the type."""
        error = _error_of(lambda: sm.Lead("L-1", "mql", T0, history=["x"]))
        assert str(error) == "Lead.history must be a tuple of StageChange (got ['x'])."
        assert (error.value, error.where, error.expected) == (["x"], "Lead.history", "a tuple")

    def test_a_history_item_that_is_no_change_is_named_by_its_place(self) -> None:
        """Each item of the history is a StageChange; a stray one is named by its index."""
        change = _change()
        error = _error_of(lambda: sm.Lead("L-1", "mql", T0, history=(change, "x")))
        assert str(error) == "Lead.history[1] must be a StageChange (got 'x')."
        assert (error.value, error.where, error.expected) == (
            "x",
            "Lead.history[1]",
            "StageChange",
        )

    def test_fields_that_are_no_mapping_are_named(self) -> None:
        """Lead.fields must be a mapping of names to FieldValue."""
        error = _error_of(lambda: sm.Lead("L-1", "mql", T0, fields=[1]))
        assert str(error) == "Lead.fields must be a mapping of names to FieldValue (got [1])."
        assert (error.value, error.where, error.expected) == ([1], "Lead.fields", "a mapping")

    def test_a_field_name_that_is_no_utf8_is_a_validation_error(self) -> None:
        """A field name with a lone surrogate cannot be written out: it is refused, named."""
        value = sm.FieldValue(1, T0)
        error = _error_of(lambda: sm.Lead("L-1", "mql", T0, fields={"x" + SURROGATE: value}))
        assert type(error) is sm.ValidationError
        assert error.where == "Lead.fields: a field name"
        assert str(error) == f"Lead.fields: a field name must be {UTF8} (got 'x\\ud800')."

    def test_properties_that_are_no_mapping_are_named(self) -> None:
        """Activity.properties must be a mapping."""
        error = _error_of(lambda: sm.Activity("L-1", "call", T0, properties=[1]))
        assert str(error) == "Activity.properties must be a mapping (got [1])."
        assert (error.value, error.where, error.expected) == (
            [1],
            "Activity.properties",
            "a mapping",
        )

    def test_read_only_properties_are_kept_as_they_are(self) -> None:
        """A read-only mapping is shared, not copied; a dict is copied into a read-only one."""
        from types import MappingProxyType

        shared = MappingProxyType({"url": "/pricing"})
        assert sm.Activity("L-1", "view", T0, properties=shared).properties is shared
        given = {"url": "/pricing"}
        copied = sm.Activity("L-1", "view", T0, properties=given).properties
        assert copied == given
        assert copied is not given
        assert type(copied) is MappingProxyType

    def test_a_field_value_that_is_not_finite_is_named(self) -> None:
        """FieldValue's value is checked as a fact: NaN is refused, its error names the value."""
        error = _error_of(lambda: sm.FieldValue(float("inf"), T0))
        assert str(error) == "field value must be a finite number (got inf)."
        assert (error.value, error.where, error.expected) == (
            float("inf"),
            "field value",
            "a finite number",
        )

    def test_an_unknown_fact_value_says_to_leave_it_out(self) -> None:
        """None as a fact value: the error says to leave the fact out instead."""
        error = _error_of(lambda: leads.check_value(None, "plan"))
        assert str(error) == (
            "plan is None: an unknown fact is one the lead has not given, "
            "so leave it out instead of passing None."
        )
        assert (error.where, error.expected) == ("plan", "str, int, float, bool or list")

    def test_text_that_is_no_utf8_is_named_by_where(self) -> None:
        """A text fact with a lone surrogate is refused under the name it was given."""
        error = _error_of(lambda: leads.check_value("a" + SURROGATE, "plan"))
        assert type(error) is sm.ValidationError
        assert error.where == "plan"

    def test_group_by_lead_names_itself_by_default(self) -> None:
        """Without an owner, group_by_lead's error names group_by_lead."""
        error = _error_of(lambda: leads.group_by_lead(["x"]))
        assert str(error).startswith("group_by_lead needs Activity values;")


# --- the trusted paths: what moved_lead and rebuilt keep and replace -----------------------------


class TestTrustedPaths:
    def test_a_move_keeps_the_source_and_checks_actor_and_reason(self) -> None:
        """moved_lead keeps what the move does not change; a bad actor or reason is named."""
        lead = sm.Lead.new("L-1", at=T0, source="webinar", stage="mql")
        moved = leads.moved_lead(lead, "sql", "accept", T0, "ana", "fit", "sql")
        assert (moved.source, moved.stage, moved.high_water) == ("webinar", "sql", "sql")
        assert moved.history[-1].actor == "ana"
        assert moved.history[-1].reason == "fit"
        for place, args in (("actor", ("", None)), ("reason", (None, 1))):
            error = _error_of(
                lambda args=args: leads.moved_lead(lead, "sql", "accept", T0, *args, "sql")
            )
            assert error.where == f"StageChange.{place}"

    def test_rebuilt_replaces_only_the_parts_given(self) -> None:
        """Each part given replaces the lead's own; every other part is kept."""
        lead = sm.Lead.new("L-1", at=T0, source="webinar", stage="mql", fields={"x": 1})
        change = _change()
        assert leads.rebuilt(lead) == lead
        assert leads.rebuilt(lead).source == "webinar"
        again = leads.rebuilt(lead, stage="sql", history=(change,), high_water="customer")
        assert (again.stage, again.history, again.high_water) == ("sql", (change,), "customer")
        assert (again.id, again.source, again.fields) == (lead.id, "webinar", lead.fields)
        kept = leads.rebuilt(lead, stage="sql")
        assert (kept.high_water, kept.history) == ("mql", ())


# --- plain: the values the library holds, numpy's scalars recognised by their module -----------


def _scalar_type(module: str, item: Any) -> type:
    """A type that offers ``item()`` as numpy's scalars do, from ``module``."""
    return type("Scalar", (), {"__module__": module, "item": item})


class TestPlain:
    def test_a_text_subclass_becomes_the_same_plain_text(self) -> None:
        class Name(str):
            pass

        got = leads.plain(Name("Acme"))
        assert got == "Acme"
        assert type(got) is str

    def test_a_scalar_of_a_numpy_module_gives_its_python_value(self) -> None:
        scalar = _scalar_type("numpy.testing", lambda self: 7)()
        assert leads.plain(scalar) == 7

    def test_a_scalar_whose_item_is_itself_is_kept(self) -> None:
        """``item()`` answering a value of the same type: kept as it is, never unwrapped
        again and again."""
        cls = _scalar_type("numpy", lambda self: self)
        scalar = cls()
        assert leads.plain(scalar) is scalar

    def test_an_item_method_outside_numpy_is_not_called(self) -> None:
        calls: list[object] = []
        cls = _scalar_type("mylib", lambda self: calls.append(self) or 1)
        value = cls()
        assert leads.plain(value) is value
        assert calls == []

    def test_an_item_that_is_no_method_is_not_called(self) -> None:
        cls = type("Scalar", (), {"__module__": "numpy", "item": 5})
        value = cls()
        assert leads.plain(value) is value


class TestFieldsOfTheConstructor:
    def test_a_field_that_is_not_a_field_value_is_named(self) -> None:
        t = datetime(2026, 1, 1, tzinfo=timezone.utc)
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead("L", "suspect", t, None, {"a": 5}, (), "suspect")  # type: ignore[dict-item]
        assert str(info.value) == "Lead.fields['a'] must be a FieldValue (got 5)."
        assert (info.value.value, info.value.where, info.value.expected) == (
            5,
            "Lead.fields['a']",
            "FieldValue",
        )
