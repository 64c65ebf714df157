"""Every public value type round-trips through the one converter and through JSON.

The types are found, not listed by hand: every attrs class that ``smarketing.__all__`` names,
and every public attrs class their fields hold. A new one fails
``test_every_public_value_type_is_covered`` until it gets a strategy here (or a reason why it
is not data).
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import pickle
import typing
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smarketing as sm
from smarketing import demo
from smarketing import testing as sst
from smarketing.dataspec import COLUMN_TYPES, DELIMITERS
from smarketing.feedback import Definition, Group
from smarketing.funnel._report import Inputs

START = datetime(2026, 1, 5, tzinfo=timezone.utc)
NAMES = sst.FIELD_NAMES
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")
DEFAULT = sm.Playbook.default()
STAGES = ("suspect", "prospect", "mql", "sql", "customer", "recycled", "disqualified")


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data, allow_nan=False))


def public_value_types() -> set[type]:
    """Every attrs class in ``sm.__all__``, and every public attrs class their fields hold."""

    def leaves(hint: object) -> list[object]:
        args = typing.get_args(hint)
        return [hint] if not args else [x for a in args for x in leaves(a)]

    found: set[type] = set()
    todo = [getattr(sm, n) for n in sm.__all__]
    while todo:
        cls = todo.pop()
        if not (isinstance(cls, type) and attrs.has(cls)) or cls in found:
            continue
        if cls.__name__.startswith("_"):
            continue
        found.add(cls)
        hints = typing.get_type_hints(cls)
        todo += [leaf for f in attrs.fields(cls) if f.init for leaf in leaves(hints[f.name])]
    return found


# --- strategies for the values the library computes ----------------------------------------


@functools.lru_cache(maxsize=8)
def simulation(seed: int) -> demo.Simulation:
    """A small synthetic quarter: leads with histories, activities and the sales team's touches."""
    return demo.simulate(demo.population(60, seed=seed, start=START, days=90), seed=seed)


seeds = st.integers(0, 3)
simulations = seeds.map(simulation)
funnels = simulations.map(lambda s: s.report())
STRICTER = sm.Playbook.from_dict({"lifecycle": {"mql": "score >= 70 and grade in ('A', 'B')"}})


@functools.lru_cache(maxsize=8)
def feedback(seed: int) -> sm.FeedbackReport:
    """Sales' reactions to the quarter's MQLs, loose enough on a small sample to suggest."""
    s = simulation(seed)
    return sm.feedback_report(
        s.leads, s.activities, playbook=s.playbook, start=s.start, end=s.end,
        min_sample=2, alpha=0.5, min_ratio=1.0,
    )  # fmt: skip


@functools.lru_cache(maxsize=8)
def attribution(seed: int) -> sm.Attribution:
    s = simulation(seed)
    return sm.attribute(s.leads, s.activities)


@functools.lru_cache(maxsize=8)
def backtest(seed: int) -> sm.Backtest:
    s = simulation(seed)
    return sm.backtest(
        s.leads, s.activities, baseline=s.playbook, candidate=STRICTER, start=s.start, end=s.end
    )


feedbacks = seeds.map(feedback)
attributions = seeds.map(attribution)
backtests = seeds.map(backtest)
sweeps = backtests.map(lambda b: b.sweep("score", [40, 60]))


@functools.lru_cache(maxsize=8)
def roi(seed: int) -> sm.ROI:
    """Cost and credit per channel, and per campaign (an activity's kind names its campaign)."""
    s = simulation(seed)
    touches = [
        sm.Activity(a.lead_id, a.kind, a.at, {**a.properties, "campaign": a.kind})
        for a in s.activities
    ]
    return sm.attribute(s.leads, touches, campaign="campaign").roi(demo.costs(s))


rois = seeds.map(roi)


@st.composite
def scores(draw: st.DrawFn) -> sm.Score:
    model = draw(sst.scoring_models())
    lead = draw(sst.leads())
    acts = draw(st.lists(sst.activities(lead_ids=(lead.id,)), max_size=6))
    return model.score(lead, acts, at=draw(sst.aware_datetimes()))


@st.composite
def assessments(draw: st.DrawFn) -> sm.Assessment:
    lead = draw(sst.leads())
    acts = draw(st.lists(sst.activities(lead_ids=(lead.id,)), max_size=6))
    at = lead.created_at + draw(st.timedeltas(timedelta(0), timedelta(days=60)))
    pb = attrs.evolve(DEFAULT, predictive=draw(st.none() | predictive_models()))
    return pb.assess(lead, acts, at=at)


weights = st.floats(-3.0, 3.0, allow_nan=False)


@st.composite
def bins(draw: st.DrawFn, field: str) -> sm.Bins:
    if draw(st.booleans()):
        edges = draw(st.lists(st.integers(-1000, 1000), min_size=1, max_size=3, unique=True))
        return sm.Bins(field, edges=sorted(edges))
    levels = st.sampled_from(("saas", "retail", "bank", "true"))
    return sm.Bins(field, levels=draw(st.lists(levels, min_size=1, max_size=3, unique=True)))


def scored(size: int) -> st.SearchStrategy[list[float]]:
    return st.lists(weights, min_size=size, max_size=size)


@st.composite
def predictive_models(draw: st.DrawFn) -> sm.PredictiveModel:
    """Learned scores: a shape per field and, for two fields or more, a pairwise term."""
    fields = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    cuts = [draw(bins(f)) for f in fields]
    shapes = [sm.Shape(b, scores=draw(scored(b.size))) for b in cuts]
    pairs = [
        sm.Pair(left, right, scores=draw(scored(left.size * right.size)))
        for left, right in itertools.pairwise(cuts[:2])
    ]
    grades = draw(st.sampled_from(({"A": 0.5, "B": 0.2, "C": 0.0}, {"hot": 0.7, "cold": 0.0})))
    return sm.PredictiveModel(base=draw(weights), shapes=shapes, pairs=pairs, grades=grades)


def sampled(values: st.SearchStrategy[Any], pick: Callable[[Any], Any]) -> st.SearchStrategy[Any]:
    """One element of what ``pick`` finds inside a drawn value (skipping values with none)."""
    return values.map(lambda v: tuple(pick(v))).filter(bool).flatmap(st.sampled_from)


durations = st.timedeltas(timedelta(seconds=1), timedelta(days=400))
stage_names = st.sampled_from(STAGES)
texts = st.text(min_size=1, max_size=12)
stages = st.builds(
    sm.Stage, stage_names, max_age=st.none() | durations, closed=st.booleans(),
    terminal=st.booleans(),
)  # fmt: skip
transitions = st.builds(
    sm.Transition,
    trigger=st.sampled_from(("engage", "qualify", "accept", "win")),
    source=st.lists(stage_names, min_size=1, max_size=3, unique=True),
    dest=stage_names,
    when=sst.conditions(),
    auto=st.booleans() | sst.conditions(),
    requires_reason=st.booleans(),
)


@st.composite
def lifecycles(draw: st.DrawFn) -> sm.Lifecycle:
    if draw(st.booleans()):
        max_age = draw(st.dictionaries(stage_names, durations, max_size=2))
        return sm.Lifecycle.default(
            mql=draw(sst.conditions()), sql=draw(sst.conditions()), max_age=max_age
        )
    names = draw(st.lists(st.sampled_from(STAGES), min_size=2, max_size=5, unique=True))
    moves = [
        sm.Transition(f"to_{b}", source=[a], dest=b, when=draw(sst.conditions()))
        for a, b in itertools.pairwise(names)
    ]
    return sm.Lifecycle(stages=names, initial=names[0], transitions=moves)


calendars = st.builds(
    sm.BusinessCalendar,
    tz=st.sampled_from(ZONES),
    days=st.sets(st.integers(0, 6), min_size=1).map(sorted),
    start=st.sampled_from((time(8), time(9, 30))),
    end=st.sampled_from((time(17), time(18, 15))),
    holidays=st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=3),
)
data_specs = st.builds(
    sm.DataSpec,
    id=st.none() | st.sampled_from(("id", "Lead ID")),
    missing=st.lists(st.sampled_from(("Select", "n/a", "-")), unique=True).map(tuple),
    rename=st.dictionaries(st.sampled_from(("Lead Source", "Org")), st.sampled_from(NAMES)),
    types=st.dictionaries(st.sampled_from(NAMES), st.sampled_from(COLUMN_TYPES)),
    dayfirst=st.booleans(),
    delimiter=st.none() | st.sampled_from(DELIMITERS),
    timezone=st.sampled_from(ZONES),
)
slas = st.builds(
    sm.SLA,
    first_touch=durations,
    touch_kinds=st.lists(st.sampled_from(("call", "meeting")), min_size=1, unique=True),
    stage=stage_names,
)
form_fields = st.builds(
    sm.FormField,
    name=st.sampled_from(NAMES),
    label=st.text(max_size=8),
    friction=st.floats(0.5, 3.0),
    from_stage=st.none() | st.just("prospect"),
    refresh_after=st.none() | durations,
    always=st.booleans(),
    after_submissions=st.integers(0, 3),
)


@st.composite
def playbooks(draw: st.DrawFn) -> sm.Playbook:
    """Playbooks from drawn parts, whose rules read only facts the playbook knows."""
    base = DEFAULT
    sla = draw(st.none() | slas.map(lambda s: attrs.evolve(s, stage="mql")))
    return attrs.evolve(
        base,
        scoring=draw(sst.scoring_models()),
        personas=draw(sst.persona_matchers()),
        sla=sla,
        calendar=draw(st.none() | calendars) if sla is not None else None,
        known_facts=tuple(NAMES),
        data=draw(data_specs),
    )


#: Each public value type and values of it. Reports that write only their numbers are in
#: WRITTEN_ONLY; types that are not data (a planner, a file's reading result) in NOT_DATA.
VALUES: dict[type, st.SearchStrategy[Any]] = {
    sm.Lead: sst.histories(),
    sm.FieldValue: st.builds(
        sm.FieldValue, sst.fact_values(), sst.aware_datetimes(), st.none() | texts
    ),
    sm.Activity: sst.activities(),
    sm.StageChange: sampled(sst.histories(), lambda lead: lead.history),
    sm.FitRule: sst.fit_rules(),
    sm.EngagementRule: sst.engagement_rules(),
    sm.GradeCriterion: sampled(sst.letter_gradings(), lambda g: g.criteria),
    sm.LetterGrading: sst.letter_gradings(),
    sm.ScoringModel: sst.scoring_models(),
    sm.Score: scores(),
    sm.Contribution: sampled(scores(), lambda s: s.contributions),
    sm.Trait: sst.traits(),
    sm.Persona: sst.personas(),
    sm.PersonaMatcher: sst.persona_matchers(),
    sm.PersonaMatch: st.tuples(sst.persona_matchers(), sst.facts())
    .flatmap(lambda mf: st.sampled_from(mf[0].rank(mf[1]) or [None]))
    .filter(bool),
    sm.JobTitle: st.text(max_size=30).map(sm.parse_title),
    sm.SLA: slas,
    sm.SLABreach: sampled(funnels, lambda r: r.sla_breaches),
    sm.SLASummary: funnels.map(lambda r: r.sla_summary).filter(bool),
    sm.FunnelReport: funnels,
    sm.TimeInStage: sampled(
        funnels, lambda r: [t for s in r.stages if (t := r.durations(s)) is not None]
    ),
    sm.FormField: form_fields,
    sm.PlannedField: sampled(assessments(), lambda a: a.next_fields.fields),
    sm.FormPlan: assessments().map(lambda a: a.next_fields),
    sm.Assessment: assessments(),
    sm.Prediction: assessments().map(lambda a: a.prediction).filter(bool),
    sm.Bins: st.sampled_from(NAMES).flatmap(bins),
    sm.Shape: sampled(predictive_models(), lambda m: m.shapes),
    sm.Pair: sampled(predictive_models(), lambda m: m.pairs),
    sm.PredictiveModel: predictive_models(),
    sm.FeedbackReport: feedbacks,
    sm.Outcomes: feedbacks.map(lambda fb: fb.overall),
    sm.Reaction: sampled(feedbacks, lambda fb: fb.overall.rejected),
    sm.Suggestion: sampled(feedbacks, lambda fb: fb.suggestions),
    Group: sampled(feedbacks, lambda fb: fb.groups),
    Definition: sampled(feedbacks, lambda fb: fb.definitions),
    sm.Cost: simulations.map(demo.costs).filter(bool).flatmap(st.sampled_from),
    sm.ChannelROI: sampled(
        simulations, lambda s: sm.attribute(s.leads, s.activities).roi(demo.costs(s)).channels
    ),
    sm.MarkovCredit: st.builds(
        sm.markov_credit,
        st.dictionaries(
            st.lists(st.sampled_from(("email", "paid", "organic")), min_size=1, max_size=3).map(
                tuple
            ),
            st.tuples(st.integers(0, 9), st.integers(0, 9)),
            min_size=1,
        ),
        order=st.integers(1, 2),
    ),
    sm.Stage: stages,
    sm.Transition: transitions,
    sm.Lifecycle: lifecycles(),
    sm.BusinessCalendar: calendars,
    sm.DataSpec: data_specs,
    sm.Playbook: playbooks(),
    sm.Backtest: backtests,
    sm.ROI: rois,
    sm.ModelComparison: attributions.map(lambda a: a.compare(["linear", "first_touch"])),
    sm.PlaybookResult: backtests.map(lambda b: b.candidate),
    sm.LeadReplay: sampled(backtests, lambda b: b.leads),
    sm.Sweep: sweeps,
    sm.SweepRow: sampled(sweeps, lambda s: s.rows),
}
#: Reports the converter writes and from_dict refuses: why, and values of each.
WRITTEN_ONLY: dict[type, tuple[str, st.SearchStrategy[Any]]] = {
    sm.Attribution: ("roi(), compare() and paths re-credit the journeys, not in its data",
                     attributions),
}  # fmt: skip
NOT_DATA: dict[type, str] = {
    sm.ProfilePlanner: "built from a playbook's parts (pb.planner); the playbook is the data",
    sm.WallClock: "no data: wall-clock time",
    sm.ReadResult: "the result of reading a file: its records are the data",
    sm.Reject: "a rejected input row, reported with its line and raw text",
    Inputs: "the leads a funnel report was counted from, kept for its breakdowns, never written",
    sm.Compared: "a backtest's figure under both playbooks, a view of its two results",
    sm.MQLChange: "a backtest's changed MQL, a view of its leads (Backtest.changed)",
}


def _names(types: set[type]) -> list[str]:
    return sorted(t.__name__ for t in types)


class TestCoverage:
    def test_every_public_value_type_is_covered(self) -> None:
        """Each public attrs class round-trips here, is written only, or is named as not data."""
        covered = set(VALUES) | set(WRITTEN_ONLY) | set(NOT_DATA)
        found = public_value_types()
        assert _names(found - covered) == [], "give these a strategy in VALUES"
        assert _names(covered - found) == [], "these are no longer public value types"

    @pytest.mark.parametrize("cls", list(NOT_DATA), ids=lambda c: c.__name__)
    def test_what_is_not_data_is_refused_by_name(self, cls: type) -> None:
        """to_dict and from_dict name a type that is not data instead of guessing."""
        with pytest.raises(sm.ValidationError, match="does not know"):
            sm.from_dict(cls, {})


class TestRoundTrips:
    @pytest.mark.parametrize("cls", list(VALUES), ids=lambda c: c.__name__)
    def test_values_round_trip_through_the_converter_and_json(self, cls: type) -> None:
        """from_dict(type(x), json(to_dict(x))) == x, and its data is JSON as it is."""

        @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
        @given(VALUES[cls])
        def round_trip(value: Any) -> None:
            assert type(value) is cls
            data = sm.to_dict(value)
            assert through_json(data) == data
            assert sm.from_dict(cls, through_json(data)) == value

        round_trip()

    @pytest.mark.parametrize("cls", list(VALUES), ids=lambda c: c.__name__)
    def test_values_pickle_and_copy_as_their_data(self, cls: type) -> None:
        """pickle, copy.copy and copy.deepcopy give an equal value of the same type, also for
        values holding compiled conditions or read-only mappings."""

        @settings(max_examples=10, suppress_health_check=[HealthCheck.too_slow])
        @given(VALUES[cls])
        def copies(value: Any) -> None:
            for copied in (pickle.loads(pickle.dumps(value)), copy.copy(value)):
                assert type(copied) is cls
                assert copied == value
            assert copy.deepcopy(value) == value

        copies()

    def test_a_subclass_pickles_as_python_would(self) -> None:
        """A subclass of a value type is not what from_dict reads: it is taken apart by its
        slots, and comes back as the subclass."""
        change = _Relabelled("suspect", "prospect", "engage", START)
        copied = pickle.loads(pickle.dumps(change))
        assert type(copied) is _Relabelled and copied == change

    @pytest.mark.parametrize("cls", list(WRITTEN_ONLY), ids=lambda c: c.__name__)
    def test_reports_write_json_safe_numbers(self, cls: type) -> None:
        """A report that is written only gives JSON-safe data, the same as its own to_dict,
        and from_dict names it as a type it does not read."""

        @settings(max_examples=4, suppress_health_check=[HealthCheck.too_slow])
        @given(WRITTEN_ONLY[cls][1])
        def written(value: Any) -> None:
            assert type(value) is cls
            data = sm.to_dict(value)
            assert data == value.to_dict()
            assert through_json(data) == through_json(through_json(data))
            with pytest.raises(sm.ValidationError, match="does not know"):
                sm.from_dict(cls, data)

        written()


def _strategy(cls: type) -> st.SearchStrategy[Any]:
    return VALUES[cls] if cls in VALUES else WRITTEN_ONLY[cls][1]


WRITES_ITSELF = sorted(
    (c for c in (*VALUES, *WRITTEN_ONLY) if callable(getattr(c, "to_dict", None))),
    key=lambda c: c.__name__,
)


class TestOneDataPath:
    def test_the_lists_are_the_converters(self) -> None:
        """What the converter writes only is WRITTEN_ONLY, and every other value it reads."""
        from smarketing import _convert

        written_only = {cls for cls, how in _convert._KNOWN.items() if how is False}
        assert _names(written_only) == _names(set(WRITTEN_ONLY))
        assert _names(set(VALUES) - set(_convert._KNOWN)) == []
        assert all(reason for reason, _ in WRITTEN_ONLY.values())

    def test_the_types_with_a_to_dict_method_are_known(self) -> None:
        """The reports and the playbook, at least: a new one joins this test by itself."""
        names = {c.__name__ for c in WRITES_ITSELF}
        expected = {"Attribution", "ROI", "ModelComparison", "Backtest", "Sweep"}
        assert names >= expected | {"FunnelReport", "Playbook"}

    @pytest.mark.parametrize("cls", WRITES_ITSELF, ids=lambda c: c.__name__)
    def test_a_to_dict_method_is_a_call_into_the_converter(
        self, cls: type, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """x.to_dict() is the converter's data for x, and nothing else: a type that writes
        its own data beside the converter fails here."""
        from smarketing import _convert

        @settings(max_examples=2, suppress_health_check=[HealthCheck.too_slow])
        @given(_strategy(cls))
        def delegates(value: Any) -> None:
            assert value.to_dict() == sm.to_dict(value)
            asked: list[object] = []
            sentinel = object()

            def spy(obj: object) -> object:
                asked.append(obj)
                return sentinel

            with monkeypatch.context() as patch:
                patch.setattr(_convert, "to_dict", spy)
                assert value.to_dict() is sentinel
            assert asked == [value]

        delegates()

    def test_a_from_dict_method_is_a_call_into_the_converter(self) -> None:
        """FunnelReport.from_dict reads through the converter, as sm.from_dict does."""
        report = simulation(0).report()
        data = through_json(report.to_dict())
        assert sm.FunnelReport.from_dict(data) == sm.from_dict(sm.FunnelReport, data) == report


class TestVocabulary:
    def test_conditions_are_written_when_as_in_the_playbook_file(self) -> None:
        """A rule, a criterion, a trait and a transition all name their condition `when`."""
        pb = sm.Playbook.default()
        assert "when" in sm.to_dict(pb.scoring.fit[0])
        assert "when" in sm.to_dict(pb.personas.personas[0].traits[0])
        assert "when" in sm.to_dict(pb.lifecycle.transitions[0])
        section = pb.to_dict()["scoring"]["fit"][0]
        assert section == sm.to_dict(pb.scoring.fit[0])

    def test_durations_are_written_as_in_the_playbook_file(self) -> None:
        """'4h' in an SLA and in the playbook's sla section alike."""
        pb = sm.Playbook.default()
        assert pb.sla is not None
        assert sm.to_dict(pb.sla)["first_touch"] == pb.to_dict()["sla"]["first_touch"] == "4h"

    def test_the_playbook_file_is_the_converter_data_in_its_sections(self) -> None:
        """pb.to_dict() holds the converter's data for each part, nulls left out."""
        pb = sm.Playbook.default()
        data = pb.to_dict()
        assert data["forms"]["fields"] == [sm.to_dict(f) for f in pb.forms]
        assert data["personas"]["list"] == sm.to_dict(pb.personas)["personas"]
        assert pb.calendar is not None
        assert data["sla"]["calendar"] == sm.to_dict(pb.calendar)


class TestMalformedParts:
    def test_a_calendar_names_a_bad_day_and_a_bad_time(self) -> None:
        """Business hours read from data name the day or the time that is wrong."""
        with pytest.raises(sm.ValidationError, match="'someday' is not a day"):
            sm.from_dict(sm.BusinessCalendar, {"days": ["mon", "someday"]})
        with pytest.raises(sm.ValidationError, match="a time of day such as '09:00'"):
            sm.from_dict(sm.BusinessCalendar, {"start": "noon"})

    def test_a_lifecycle_names_stages_that_are_not_a_list(self) -> None:
        """A lifecycle's stages are a list of names or tables."""
        data = {"stages": "suspect", "initial": "suspect", "transitions": []}
        with pytest.raises(sm.ValidationError, match=r"expected a list of stages.*\$\.stages"):
            sm.from_dict(sm.Lifecycle, data)

    def test_a_backtest_reads_its_figures_as_written(self) -> None:
        """A count is a whole number, a figure a number, the unknown leads a list of ids."""
        data = through_json(sm.to_dict(backtest(0)))
        data["sqls"], data["unknown_leads"] = "3", "L-1"
        data["leads"][0]["baseline_score"] = True
        with pytest.raises(sm.ValidationError) as info:
            sm.from_dict(sm.Backtest, data)
        message = str(info.value)
        assert "expected a whole number (got '3') @ $.sqls" in message
        assert "expected a list (got 'L-1') @ $.unknown_leads" in message
        assert "expected a number (got True) @ $.leads[0].baseline_score" in message

    def test_a_backtest_read_back_has_no_replays_to_sweep(self) -> None:
        """Its figures and breakdowns are there; sweep() says it needs the leads."""
        original = backtest(0)
        read = sm.from_dict(sm.Backtest, through_json(sm.to_dict(original)))
        assert read.to_markdown() == original.to_markdown()
        assert read.by("source") == original.by("source")
        with pytest.raises(sm.ValidationError, match="rebuilt from data"):
            read.sweep("score", [40])

    def test_an_roi_table_reads_its_figures_and_derives_the_rest_again(self) -> None:
        """A row's own figures are read as written; cost per conversion and ROI are derived."""
        table = roi(0)
        assert table.campaigns, "the strategy makes campaign rows"
        data = through_json(sm.to_dict(table))
        data["channels"][0]["roi"] = 1e9  # derived: read back, derived again
        assert sm.from_dict(sm.ROI, data) == table
        data["channels"][0]["cost"] = "5"
        data["campaigns"] = "none"
        with pytest.raises(sm.ValidationError) as info:
            sm.from_dict(sm.ROI, data)
        assert "expected a number (got '5') @ $.channels[0].cost" in str(info.value)
        assert "expected a list (got 'none') @ $.campaigns" in str(info.value)

    def test_a_model_comparison_reads_channel_credit_pairs(self) -> None:
        """Each model's column is [channel, credit] pairs, as written."""
        data = through_json(sm.to_dict(attribution(0).compare(["linear", "first_touch"])))
        data["credit"]["linear"][0] = ["email"]
        data["models"] = "linear"
        with pytest.raises(sm.ValidationError) as info:
            sm.from_dict(sm.ModelComparison, data)
        message = str(info.value)
        assert "expected [channel, credit] (got ['email']) @ $.credit['linear'][0]" in message
        assert "expected a list (got 'linear') @ $.models" in message

    def test_the_old_condition_key_is_named_as_unknown(self) -> None:
        """One vocabulary: a rule written with `condition` instead of `when` is refused."""
        with pytest.raises(sm.ValidationError, match="unknown keys"):
            sm.from_dict(sm.FitRule, {"name": "f", "condition": "a == 1", "points": 1})


class _Relabelled(sm.StageChange):
    """A user's own subclass of a value type (module level, so that pickle can name it)."""
