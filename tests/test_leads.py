"""Leads, field values, activities and stage changes."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm
from smarketing import _trusted
from smarketing import testing as sst
from smarketing.leads import group_by_lead, trusted_activity, trusted_lead

NAIVE = datetime(2026, 1, 5, 9, 0)


class TestNewLeads:
    def test_a_new_lead_starts_as_a_suspect_with_its_fields(self, t0: datetime) -> None:
        """Lead.new records the fields as learned at creation, from the lead's source."""
        lead = sm.Lead.new("L-1", at=t0, fields={"email": "ana@acme.io"}, source="webinar")
        assert lead.stage == "suspect"
        assert lead.high_water == "suspect"
        assert lead.created_at == t0
        assert lead.history == ()
        assert lead.fields["email"] == sm.FieldValue("ana@acme.io", t0, "webinar")
        assert lead.value("email") == "ana@acme.io"
        assert lead.value("phone") is None
        assert lead.value("phone", "n/a") == "n/a"

    def test_a_lead_can_start_in_a_custom_initial_stage(self, t0: datetime) -> None:
        """stage= sets the stage a custom lifecycle starts in."""
        lead = sm.Lead.new("W-1", at=t0, fields={}, stage="inquiry")
        assert (lead.stage, lead.high_water, lead.initial_stage) == ("inquiry",) * 3

    def test_naive_datetimes_are_rejected_everywhere(self, t0: datetime) -> None:
        """Every time stamp must carry a zone."""
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            sm.Lead.new("L-1", at=NAIVE)
        lead = sm.Lead.new("L-1", at=t0)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            lead.learn({"a": 1}, at=NAIVE)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            lead.time_in_stage("suspect", at=NAIVE)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            sm.Activity("L-1", "call", NAIVE)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            sm.StageChange("a", "b", "go", NAIVE)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            sm.FieldValue(1, NAIVE)
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            sm.FieldValue(1, "2026-01-01")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("fields", "problem"),
        [
            ({"stage": "mql"}, "reserved"),
            ({"id": "x"}, "reserved"),
            ({"": 1}, "non-empty string"),
            ({1: 1}, "non-empty string"),
            ({"a": float("inf")}, "finite"),
            ({"a": {"nested": 1}}, "text, a number"),
            ({"a": [1, None]}, r"field 'a'\[1\]"),
        ],
    )
    def test_bad_fields_are_named(self, t0: datetime, fields: dict, problem: str) -> None:
        """A bad field name or value is a ValidationError naming the lead and the field."""
        with pytest.raises(sm.ValidationError, match=problem) as info:
            sm.Lead.new("L-9", at=t0, fields=fields)
        assert "L-9" in str(info.value)

    def test_fields_must_be_a_mapping(self, t0: datetime) -> None:
        """A list of fields is not silently accepted."""
        with pytest.raises(sm.ValidationError, match="mapping"):
            sm.Lead.new("L-1", at=t0, fields=[("a", 1)])  # type: ignore[arg-type]

    @pytest.mark.parametrize("bad", ["", None, 5])
    def test_stages_must_be_text(self, t0: datetime, bad: object) -> None:
        """Empty or non-text stages are rejected."""
        with pytest.raises(sm.ValidationError, match="non-empty string"):
            sm.Lead.new("L-1", at=t0, stage=bad)  # type: ignore[arg-type]

    @pytest.mark.parametrize("bad", ["", None, 7.0, True, ("a",)])
    def test_ids_must_be_text_or_whole_numbers(self, t0: datetime, bad: object) -> None:
        """An id is text as written; 7.0 is not silently turned into '7'."""
        with pytest.raises(sm.ValidationError, match="lead id must be"):
            sm.Lead.new(bad, at=t0)  # type: ignore[arg-type]

    def test_a_whole_number_id_becomes_its_digits(self, t0: datetime) -> None:
        """Lead.new(7) is lead '7'; '007' stays '007'."""
        assert sm.Lead.new(7, at=t0).id == "7"
        assert sm.Lead.new("007", at=t0).id == "007"

    @pytest.mark.parametrize("unknown", [None, float("nan")])
    def test_none_and_nan_are_unknown_facts_left_out(self, t0: datetime, unknown: object) -> None:
        """A missing cell in a data scientist's frame is a fact not given, not an error."""
        lead = sm.Lead.new("L-1", at=t0, fields={"a": unknown, "b": 1})
        assert dict(lead.facts()) == {"b": 1, "id": "L-1", "stage": "suspect", "source": None}
        assert lead.learn({"a": unknown}, at=t0) is lead

    def test_numpy_and_pandas_values_are_plain_values(self, t0: datetime) -> None:
        """numpy scalars are numbers and booleans; pd.NA, pd.NaT and np.nan are unknown."""
        np = pytest.importorskip("numpy")
        pd = pytest.importorskip("pandas")
        lead = sm.Lead.new(
            np.int64(7),
            at=t0,
            fields={
                "size": np.int64(250),
                "score": np.float32(1.5),
                "ok": np.bool_(True),
                "name": np.str_("Ana"),
                "gone": np.nan,
                "na": pd.NA,
                "nat": pd.NaT,
                "day": np.datetime64("NaT"),
            },
        )
        assert lead.id == "7"
        facts = lead.facts()
        assert facts["size"] == 250 and type(facts["size"]) is int
        assert facts["score"] == 1.5 and type(facts["score"]) is float
        assert facts["ok"] is True
        assert type(facts["name"]) is str
        assert not {"gone", "na", "nat", "day"} & set(facts)

    def test_subclasses_of_numbers_and_text_are_plain_values(self, t0: datetime) -> None:
        """An IntEnum is its number; a numpy array of one value that value; of several, an
        error naming the field (a list is how a field holds several values)."""
        np = pytest.importorskip("numpy")

        class Size(enum.IntEnum):
            LARGE = 500

        lead = sm.Lead.new("L-1", at=t0, fields={"size": Size.LARGE, "visits": np.array([3])})
        assert (lead.value("size"), type(lead.value("size"))) == (500, int)
        assert (lead.value("visits"), type(lead.value("visits"))) == (3, int)
        with pytest.raises(sm.ValidationError) as info:
            sm.Lead.new("L-1", at=t0, fields={"tags": np.array([1, 2])})
        assert str(info.value) == (
            "lead 'L-1': field 'tags' must be text, a number, a boolean or a list of those "
            "(got array([1, 2]))."
        )
        assert info.value.where == "lead 'L-1': field 'tags'"
        assert info.value.expected == "str, int, float, bool or list"

    def test_lists_become_tuples(self, t0: datetime) -> None:
        """A multi-value field is stored immutably."""
        lead = sm.Lead.new("L-1", at=t0, fields={"tags": ["a", "b"]})
        assert lead.value("tags") == ("a", "b")


class TestLearning:
    def test_learn_returns_a_new_lead_and_leaves_the_old_one(self, t0: datetime) -> None:
        """Leads are values: learning makes a new one."""
        lead = sm.Lead.new("L-1", at=t0, fields={"a": 1})
        later = lead.learn({"a": 2, "b": "x"}, at=t0 + timedelta(days=1), source="form")
        assert lead.value("a") == 1
        assert "b" not in lead.fields
        assert later.value("a") == 2
        assert later.fields["b"] == sm.FieldValue("x", t0 + timedelta(days=1), "form")

    def test_learning_nothing_returns_the_same_lead(self, t0: datetime) -> None:
        """No values, no change."""
        lead = sm.Lead.new("L-1", at=t0)
        assert lead.learn({}, at=t0) is lead

    def test_a_failed_learn_leaves_the_lead_untouched(self, t0: datetime) -> None:
        """Nothing is half-applied."""
        lead = sm.Lead.new("L-1", at=t0, fields={"a": 1})
        with pytest.raises(sm.ValidationError):
            lead.learn({"a": 5, "b": {"nested": 1}}, at=t0)
        assert lead.value("a") == 1

    def test_fields_cannot_be_mutated(self, t0: datetime) -> None:
        """The fields mapping is read-only and the lead is frozen."""
        lead = sm.Lead.new("L-1", at=t0, fields={"a": 1})
        with pytest.raises(TypeError):
            lead.fields["a"] = sm.FieldValue(2, t0)  # type: ignore[index]
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            lead.stage = "mql"  # type: ignore[misc]

    def test_the_callers_dict_does_not_leak_into_the_lead(self, t0: datetime) -> None:
        """Changing the dict given to Lead.new changes nothing."""
        fields = {"a": 1}
        lead = sm.Lead.new("L-1", at=t0, fields=fields)
        fields["a"] = 2
        assert lead.value("a") == 1

    def test_facts_merge_fields_and_the_leads_own_attributes(self, t0: datetime) -> None:
        """facts() gives conditions everything they can read."""
        lead = sm.Lead.new("L-1", at=t0, fields={"a": 1}, source="ads")
        assert lead.facts() == {"a": 1, "id": "L-1", "stage": "suspect", "source": "ads"}

    @given(sst.leads(), st.dictionaries(sst.field_names(), sst.fact_values(), max_size=3))
    def test_learning_keeps_every_other_field(self, lead: sm.Lead, values: dict) -> None:
        """learn overwrites only what it is given."""
        later = lead.learn(values, at=lead.created_at + timedelta(hours=1))
        for name, fv in lead.fields.items():
            if name not in values:
                assert later.fields[name] == fv
        for name, value in values.items():
            expected = tuple(value) if isinstance(value, list) else value
            assert later.value(name) == expected


class TestHistory:
    def _moved(self, t0: datetime) -> sm.Lead:
        lc = sm.Lifecycle.default()
        lead = sm.Lead.new("L-1", at=t0)
        lead = lc.fire(lead, "engage", at=t0 + timedelta(days=1))
        lead = lc.fire(
            lead, "qualify", at=t0 + timedelta(days=3), facts={"score": 80, "grade": "A"}
        )
        lead = lc.fire(lead, "recycle", at=t0 + timedelta(days=4), reason="no budget")
        lead = lc.fire(lead, "reengage", at=t0 + timedelta(days=10))
        return lc.fire(
            lead, "qualify", at=t0 + timedelta(days=12), facts={"score": 80, "grade": "A"}
        )

    def test_entered_gives_the_last_entry(self, t0: datetime) -> None:
        """entered() is when the lead last entered a stage."""
        lead = self._moved(t0)
        assert lead.entered("mql") == t0 + timedelta(days=12)
        assert lead.entered("prospect") == t0 + timedelta(days=10)
        assert lead.entered("suspect") == t0
        assert lead.entered("customer") is None
        assert lead.updated_at == t0 + timedelta(days=12)

    def test_time_in_stage_adds_up_every_visit(self, t0: datetime) -> None:
        """Cumulative time, counting the current visit up to at."""
        lead = self._moved(t0)
        at = t0 + timedelta(days=20)
        assert lead.time_in_stage("prospect", at=at) == timedelta(days=2 + 2)
        assert lead.time_in_stage("mql", at=at) == timedelta(days=1 + 8)
        assert lead.time_in_stage("suspect", at=at) == timedelta(days=1)
        assert lead.time_in_stage("customer", at=at) == timedelta(0)

    def test_time_in_stage_stops_at_the_given_time(self, t0: datetime) -> None:
        """Only the history up to at counts."""
        lead = self._moved(t0)
        assert lead.time_in_stage("prospect", at=t0 + timedelta(days=2)) == timedelta(days=1)
        assert lead.time_in_stage("suspect", at=t0 - timedelta(days=1)) == timedelta(0)

    @given(sst.histories())
    def test_time_in_stages_adds_up_to_the_lead_age(self, lead: sm.Lead) -> None:
        """Every moment of a lead's life is spent in exactly one stage."""
        at = lead.updated_at + timedelta(days=1)
        stages = {lead.initial_stage, *(c.to_stage for c in lead.history)}
        total = sum((lead.time_in_stage(s, at=at) for s in stages), timedelta(0))
        assert total == at - lead.created_at

    def test_history_must_be_a_tuple(self, t0: datetime) -> None:
        """A list history is rejected rather than silently shared."""
        with pytest.raises(sm.ValidationError, match="tuple"):
            sm.Lead("L-1", "suspect", t0, history=[])  # type: ignore[arg-type]

    def test_fields_must_hold_field_values(self, t0: datetime) -> None:
        """Raw values in the fields mapping are rejected."""
        with pytest.raises(sm.ValidationError, match="FieldValue"):
            sm.Lead("L-1", "suspect", t0, fields={"a": 1})  # type: ignore[dict-item]
        with pytest.raises(sm.ValidationError, match="mapping"):
            sm.Lead("L-1", "suspect", t0, fields=[1])  # type: ignore[arg-type]


class TestActivities:
    def test_properties_are_frozen_copies(self, t0: datetime) -> None:
        """An activity's properties cannot change under it."""
        props = {"url": "/pricing"}
        a = sm.Activity("L-1", "page_view", t0, props)
        props["url"] = "/blog"
        assert a.properties["url"] == "/pricing"
        with pytest.raises(TypeError):
            a.properties["url"] = "x"  # type: ignore[index]
        assert sm.Activity("L-1", "call", t0).properties == {}

    def test_properties_must_be_a_mapping(self, t0: datetime) -> None:
        """Anything else is a ValidationError."""
        with pytest.raises(sm.ValidationError, match="mapping"):
            sm.Activity("L-1", "call", t0, ["x"])  # type: ignore[arg-type]

    def test_group_by_lead_keeps_order_within_each_lead(self, t0: datetime) -> None:
        """One pass, groups in first-seen order, activities in given order."""
        acts = [
            sm.Activity("B", "call", t0),
            sm.Activity("A", "call", t0 + timedelta(hours=1)),
            sm.Activity("B", "meeting", t0 + timedelta(hours=2)),
        ]
        groups = group_by_lead(acts)
        assert list(groups) == ["B", "A"]
        assert [a.kind for a in groups["B"]] == ["call", "meeting"]

    def test_activities_in_other_zones_compare_by_instant(self) -> None:
        """Aware times in different zones are the same instant."""
        utc = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
        plus2 = utc.astimezone(timezone(timedelta(hours=2)))
        assert sm.Activity("L", "call", utc) == sm.Activity("L", "call", plus2)


@pytest.mark.parametrize("bad", [None, float("nan"), "", True, 1.5])
def test_a_bad_lead_id_is_named_as_given(bad: object) -> None:
    """The error shows the id the caller passed, not the library's marker for an unknown one."""
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(sm.ValidationError) as info:
        sm.Lead.new(bad, at=at)  # type: ignore[arg-type]
    assert str(info.value) == (f"a lead id must be non-empty text or a whole number (got {bad!r}).")
    assert info.value.value is bad
    assert info.value.where == "Lead.id"


class TestBuiltFromParts:
    """The values hot paths build from their classes' twins (``smarketing._trusted``) are the
    classes' own frozen instances, equal to the ones their constructors build."""

    def test_a_read_lead_and_its_moves_are_leads_and_stage_changes(self, t0: datetime) -> None:
        lead = trusted_lead("L-1", "suspect", t0, "web", {"size": 80})
        assert type(lead) is sm.Lead and type(lead.fields["size"]) is sm.FieldValue
        assert lead == sm.Lead.new("L-1", at=t0, fields={"size": 80}, source="web")
        moved = sm.Lifecycle.default().fire(lead, "engage", at=t0, actor="ana")
        assert type(moved) is sm.Lead and type(moved.history[0]) is sm.StageChange
        assert moved.history == (sm.StageChange("suspect", "prospect", "engage", t0, "ana"),)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            moved.stage = "customer"  # type: ignore[misc]

    def test_scores_matches_and_activities_are_their_classes(self, t0: datetime) -> None:
        activity = trusted_activity("L-1", "email_open", t0, {})
        assert type(activity) is sm.Activity
        assert activity == sm.Activity("L-1", "email_open", t0)
        lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing"})
        playbook = sm.Playbook.default()
        score = playbook.scoring.score(lead, [activity], at=t0)
        assert type(score) is sm.Score
        match = playbook.personas.match(lead)
        assert match is not None and type(match) is sm.PersonaMatch

    def test_a_class_of_another_layout_has_no_twin(self) -> None:
        @attrs.frozen  # with a __weakref__ slot, laid out apart from the others
        class Weak:
            a: int

        with pytest.raises(TypeError, match="layout"):
            _trusted.parts(Weak)
