"""Tests for ``smf.assess`` and its column step for the derived facts, on every backend.

The oracle is the library itself, in Python: ``fact_view`` for the derived facts and
``Playbook.assess_many`` for the assessments. Every backend of ``tests/backends.py`` must give
the same rows.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import narwhals as nw
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smarketing as sm
import smarketing.frames as smf
from smarketing import testing as sst
from smarketing.conditions import Condition
from smarketing.demo import DEFAULT_START, population
from smarketing.facts import fact_view
from smarketing.frames._assess import EXACT_TRAITS
from smarketing.frames._facts import derive_facts
from smarketing.frames._frame import schema, wrap
from smarketing.personas import DEPARTMENTS, SENIORITIES

sys.path.insert(0, str(Path(__file__).parent))
from backends import BACKENDS, rows_by, to_backend
from title_corpus import CORPUS

#: Examples per backend: the in-process ones are cheap; Dask plans slowly (its optimiser walks
#: the whole expression graph) and Spark runs jobs, so they get one example each.
EXAMPLES = {"pandas": 6, "pyarrow": 8, "duckdb": 6, "dask": 1, "pyspark": 1}
FAST = 12

TITLES = sorted({title for title, _, _ in CORPUS})
DERIVED = ("seniority", "department")


def spark_marked(backends: Sequence[str]) -> list[Any]:
    """The backends as parameters, Spark's in the one xdist group that owns the JVM."""
    return [
        pytest.param(b, marks=pytest.mark.xdist_group("spark")) if b == "pyspark" else b
        for b in backends
    ]


def examples(backend: str) -> Any:
    return settings(max_examples=EXAMPLES.get(backend, FAST), deadline=None)


def text_schema(columns: Mapping[str, Sequence[object]], names: Sequence[str]) -> dict[str, Any]:
    import pyarrow as pa

    return {name: pa.string() for name in names if name in columns}


# --- the derived facts ---------------------------------------------------------------------------

titles = st.one_of(st.none(), st.sampled_from(TITLES), st.text(max_size=12))
profiles = st.lists(
    st.fixed_dictionaries(
        {
            "job_title": titles,
            "seniority": st.one_of(st.none(), st.none(), st.sampled_from(SENIORITIES), st.just("")),
            "department": st.one_of(st.none(), st.none(), st.sampled_from(DEPARTMENTS)),
        }
    ),
    max_size=10,
)


def profile_columns(rows: Sequence[Mapping[str, object]], given: Sequence[str]) -> dict[str, list]:
    columns: dict[str, list[object]] = {"id": [str(i) for i in range(len(rows))]}
    for name in ("job_title", *given):
        columns[name] = [row[name] for row in rows]
    return columns


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b not in ("dask", "pyspark")])
def test_derived_facts_are_what_the_fact_view_reads(backend: str) -> None:
    """seniority and department on the frame equal the fact view's, given columns winning.

    (Dask and Spark derive them in the assess test below, whose playbooks read them.)
    """

    @examples(backend)
    @given(rows=profiles, given_columns=st.sampled_from([(), ("seniority",), DERIVED]))
    def check(rows: list[dict[str, object]], given_columns: tuple[str, ...]) -> None:
        columns = profile_columns(rows, given_columns)
        native = to_backend(backend, columns, schema=text_schema(columns, ["job_title", *DERIVED]))
        frame = wrap(native, "leads")
        out, types = derive_facts(frame, schema(frame), "leads")
        got = rows_by(out.to_native())
        for i, row in enumerate(rows):
            view = fact_view({k: row[k] for k in ("job_title", *given_columns)})
            assert got[str(i)]["seniority"] == view.get("seniority"), row
            assert got[str(i)]["department"] == view.get("department"), row
        assert all(types[name] == nw.String for name in DERIVED)

    check()


def test_a_frame_without_a_title_derives_nothing() -> None:
    """No job_title (or one that is not text): the frame and its types are returned as they are."""
    for columns in ({"id": ["1"]}, {"id": ["1"], "job_title": [3]}):
        frame = wrap(to_backend("polars", columns), "leads")
        out, types = derive_facts(frame, schema(frame), "leads")
        assert out is frame
        assert types == schema(frame)


def test_an_all_null_given_column_is_filled_from_the_title() -> None:
    """A seniority column with no values (no type either) is filled as an absent one would be."""
    frame = wrap(
        to_backend("polars", {"id": ["1"], "job_title": ["CMO"], "seniority": [None]}), "x"
    )
    out, _ = derive_facts(frame, schema(frame), "leads")
    assert rows_by(out.to_native())["1"]["seniority"] == "c-level"


def test_a_given_column_that_is_not_text_is_rejected_by_name() -> None:
    """Derived seniority is text: a number column of that name cannot hold it."""
    columns = {"id": ["1"], "job_title": ["CMO"], "department": [7]}
    frame = wrap(to_backend("pandas", columns), "leads")
    with pytest.raises(sm.ValidationError, match="'department'"):
        derive_facts(frame, schema(frame), "smf.assess(leads)")


# --- smf.assess equals assess_many ---------------------------------------------------------------

AT = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
DEFAULT = sm.Playbook.default()
KINDS = ("demo_request", "page_view", "webinar", "email_open", "email_click", "unsubscribe")
#: The lead columns of the generated frames, with their types (a frame's column has one type).
LEAD_TYPES = {
    "id": pa.string(),
    "stage": pa.string(),
    "source": pa.string(),
    "created_at": pa.timestamp("us", tz="UTC"),
    "job_title": pa.string(),
    "seniority": pa.string(),
    "department": pa.string(),
    "company_size": pa.int64(),
    "industry": pa.string(),
    "country": pa.string(),
    "email": pa.string(),
    "budget": pa.string(),
}
FIELDS = {
    "job_title": st.none() | st.sampled_from(TITLES),
    "seniority": st.none() | st.none() | st.none() | st.sampled_from(SENIORITIES),
    "department": st.none() | st.none() | st.none() | st.sampled_from(DEPARTMENTS),
    "company_size": st.none() | st.integers(1, 10_000) | st.sampled_from((50, 200, 5000)),
    "industry": st.none() | st.sampled_from(("software", "saas", "fintech", "retail")),
    "country": st.none() | st.sampled_from(("US", "DE", "BR")),
    "email": st.none() | st.sampled_from(("ana@gmail.com", "bo@acme.io")),
    "budget": st.none() | st.just("10k"),
}
#: What conditions in generated playbooks read: lead facts, derived facts, the score's facts.
READ = (*FIELDS, "stage", "score", "fit", "engagement", "grade")

MQL = st.sampled_from(
    (
        "score >= 50 and grade in ('A', 'B')",
        "department == 'marketing'",
        "stage == 'prospect' and fit > 10",
        "seniority in ('vp', 'c-level') or score > 40",
        "exists(budget) or engagement >= 20",
    )
).map(sm.parse_condition) | sst.conditions(READ, max_leaves=3)


def default_lifecycle(mql: Condition) -> sm.Lifecycle:
    return sm.Lifecycle.default(mql=mql)


def cycling_lifecycle(heat: Condition) -> sm.Lifecycle:
    """Automatic moves that chain and loop back: the walk never enters a stage twice."""
    return sm.Lifecycle(
        stages=["new", "warm", "hot", "cold"],
        initial="new",
        transitions=[
            sm.Transition("warm_up", "new", "warm", auto=sm.field("engagement") > 0),
            sm.Transition("heat", "warm", "hot", auto=heat),
            sm.Transition("cool", "hot", "cold", auto=sm.field("grade").is_in({"C", "D"})),
            sm.Transition("rewarm", "cold", "warm", auto=True),
            sm.Transition("restart", "cold", "new", auto=sm.field("fit") >= 0),
            sm.Transition("drop", ["new", "warm"], "cold"),
        ],
    )


@st.composite
def playbooks(draw: st.DrawFn) -> sm.Playbook:
    mql = draw(MQL)
    lifecycle = draw(st.sampled_from((default_lifecycle, cycling_lifecycle)))(mql)
    personas = draw(st.just(DEFAULT.personas) | sst.persona_matchers(READ, max_personas=4))
    return sm.Playbook(lifecycle=lifecycle, scoring=DEFAULT.scoring, personas=personas)


@st.composite
def populations(
    draw: st.DrawFn, lifecycle: sm.Lifecycle
) -> tuple[list[sm.Lead], list[str | None], list[sm.Activity]]:
    """Leads (with the stage their frame row gives: null for some) and their activities."""
    leads, stages = [], []
    for i in range(draw(st.integers(0, 8))):
        stage = draw(st.none() | st.sampled_from(lifecycle.stage_names))
        created = AT - timedelta(hours=draw(st.integers(-48, 2000)))
        fields = {name: draw(values) for name, values in FIELDS.items()}
        source = draw(st.none() | st.sampled_from(("webinar", "ads")))
        lead = sm.Lead.new(
            f"L{i}", at=created, fields=fields, source=source, stage=stage or lifecycle.initial
        )
        leads.append(lead)
        stages.append(stage)
    ids = [lead.id for lead in leads] or ["nobody"]
    activity = st.builds(
        lambda lead_id, kind, hours, url: sm.Activity(
            lead_id, kind, AT - timedelta(hours=hours), {"url": url} if url else {}
        ),
        st.sampled_from(ids),
        st.sampled_from(KINDS),
        st.integers(-24, 3000),
        st.none() | st.sampled_from(("/pricing", "/blog")),
    )
    return leads, stages, draw(st.lists(activity, max_size=15))


def lead_columns(leads: Sequence[sm.Lead], stages: Sequence[str | None]) -> dict[str, list]:
    columns: dict[str, list[object]] = {
        "id": [lead.id for lead in leads],
        "stage": list(stages),
        "source": [lead.source for lead in leads],
        "created_at": [lead.created_at for lead in leads],
    }
    for name in FIELDS:
        columns[name] = [lead.value(name) for lead in leads]
    return columns


def activity_columns(activities: Sequence[sm.Activity]) -> dict[str, list]:
    return {
        "lead_id": [a.lead_id for a in activities],
        "kind": [a.kind for a in activities],
        "at": [a.at for a in activities],
        "url": [a.properties.get("url") for a in activities],
    }


ACTIVITY_TYPES = {
    "lead_id": pa.string(),
    "kind": pa.string(),
    "at": pa.timestamp("us", tz="UTC"),
    "url": pa.string(),
}


def expected_rows(
    pb: sm.Playbook, leads: Sequence[sm.Lead], activities: Sequence[sm.Activity]
) -> dict[str, dict[str, object]]:
    """What assess_many says, as the row smf.assess gives for each lead."""
    rows = {}
    for a in pb.assess_many(leads, activities, at=AT):
        rows[a.lead_id] = {
            "id": a.lead_id,
            "fit": a.score.fit,
            "engagement": a.score.engagement,
            "total": a.score.total,
            "grade": a.score.grade,
            "persona": None if a.persona is None else a.persona.persona.name,
            "confidence": None if a.persona is None else a.persona.confidence,
            "qualifies": a.qualifies,
        }
    return rows


def assert_rows_equal(got: Mapping[object, Mapping[str, object]], want: Mapping) -> None:
    assert set(got) == set(want)
    for key, row in want.items():
        for name, value in row.items():
            if isinstance(value, float):
                assert got[key][name] == pytest.approx(value, abs=1e-9), (key, name)
            else:
                assert got[key][name] == value, (key, name)


def assessed(
    backend: str,
    pb: sm.Playbook,
    leads: Sequence[sm.Lead],
    stages: Sequence[str | None],
    activities: Sequence[sm.Activity],
) -> dict[object, dict[str, object]]:
    frame = to_backend(backend, lead_columns(leads, stages), schema=LEAD_TYPES)
    acts = to_backend(backend, activity_columns(activities), schema=ACTIVITY_TYPES)
    out = smf.assess(pb, frame, acts, at=AT)
    assert type(out) is type(frame)  # eager stays eager, lazy stays lazy, of the same kind
    assert nw.from_native(out).collect_schema().names() == OUTPUT
    return rows_by(out)


@pytest.mark.parametrize("backend", spark_marked(BACKENDS))
def test_assess_equals_assess_many(backend: str) -> None:
    """Every backend gives the rows assess_many gives: score, persona, confidence, qualifies."""

    @examples(backend)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        pb = data.draw(playbooks())
        leads, stages, activities = data.draw(populations(pb.lifecycle))
        got = assessed(backend, pb, leads, stages, activities)
        assert_rows_equal(got, expected_rows(pb, leads, activities))

    check()


OUTPUT = ["id", "fit", "engagement", "total", "grade", "persona", "confidence", "qualifies"]


# --- the cases the generated playbooks do not reach -----------------------------------------------


def test_the_default_playbook_on_the_demo_leads() -> None:
    """The demo's population, assessed with Polars, is what assess_many says of it."""
    pop = population(1500, seed=3, start=DEFAULT_START)
    at = DEFAULT_START + timedelta(days=120)  # some leads are created later: they stay put
    leads, activities = list(pop.leads), list(pop.activities)
    names = sorted({name for lead in leads for name in lead.fields})
    columns: dict[str, list[object]] = {
        "id": [lead.id for lead in leads],
        "source": [lead.source for lead in leads],
        "created_at": [lead.created_at for lead in leads],
    }
    columns.update({name: [lead.value(name) for lead in leads] for name in names})
    frame = to_backend("polars", columns)
    acts = pl.DataFrame(
        {
            "lead_id": [a.lead_id for a in activities],
            "kind": [a.kind for a in activities],
            "at": [a.at for a in activities],
            **{
                key: [a.properties.get(key) for a in activities]
                for key in sorted({k for a in activities for k in a.properties})
            },
        }
    )
    out = smf.assess(DEFAULT, frame, acts, at=at)
    want = {}
    for a in DEFAULT.assess_many(leads, activities, at=at):
        want[a.lead_id] = {
            "total": a.score.total,
            "grade": a.score.grade,
            "persona": None if a.persona is None else a.persona.persona.name,
            "confidence": None if a.persona is None else a.persona.confidence,
            "qualifies": a.qualifies,
        }
    assert_rows_equal(rows_by(out), want)
    assert out["id"].to_list() == columns["id"]  # an eager frame keeps the leads' order
    qualified = {a["qualifies"] for a in want.values()}
    assert {"suspect", "prospect", "mql"} <= qualified
    assert len({a["persona"] for a in want.values()}) >= 4


def frame_and_leads(
    columns: Mapping[str, Sequence[object]],
) -> tuple[Any, list[sm.Lead]]:
    """A Polars frame of ``columns`` and the same leads as Python objects (created a day ago)."""
    names = [n for n in columns if n not in ("id", "stage")]
    leads = [
        sm.Lead.new(
            lead_id,
            at=AT - timedelta(days=1),
            fields={n: columns[n][i] for n in names},
            stage=columns["stage"][i] if "stage" in columns else "suspect",
        )
        for i, lead_id in enumerate(columns["id"])
    ]
    return pl.DataFrame(dict(columns), strict=False), leads


def check_polars(pb: sm.Playbook, columns: Mapping[str, Sequence[object]]) -> None:
    frame, leads = frame_and_leads(columns)
    assert_rows_equal(rows_by(smf.assess(pb, frame, at=AT)), expected_rows(pb, leads, []))


def with_personas(*personas: sm.Persona, min_confidence: float = 0.0) -> sm.Playbook:
    matcher = sm.PersonaMatcher(personas, min_confidence=min_confidence)
    return sm.Playbook(lifecycle=DEFAULT.lifecycle, scoring=DEFAULT.scoring, personas=matcher)


class TestPersonas:
    def test_ties_break_in_the_order_given_to_the_last_bit(self) -> None:
        """Shares that are equal only when summed exactly tie, and the first persona wins."""
        weights = (0.1, 0.2, 0.3)
        traits = [sm.Trait(sm.field(n).exists(), w) for n, w in zip("abc", weights, strict=True)]
        first = sm.Persona("first", traits=traits)
        second = sm.Persona("second", traits=list(reversed(traits)))
        columns = {"id": ["1", "2", "3"], "a": [1, 1, None], "b": [1, None, 1], "c": [1, 1, 1]}
        for pb in (with_personas(first, second), with_personas(second, first)):
            check_polars(pb, columns)

    def test_a_full_match_is_a_confidence_of_exactly_one_whatever_the_weight(self) -> None:
        """A persona whose traits all hold has confidence 1.0, so it ties with another that
        does and the first given wins (Polars 2 divided by a literal column's reciprocal:
        1.899.../1.899... was 0.9999999999999999, and the second persona won)."""
        when = sm.field("job_title") == ""
        odd = sm.Persona("odd weight", [sm.Trait(when, 1.8990093032137794)])
        whole = sm.Persona("whole weight", [sm.Trait(when, 1.0)])
        columns = {"id": ["L0", "L1", "L2"], "job_title": [None, "", None]}
        check_polars(with_personas(odd, whole), columns)
        frame, _ = frame_and_leads(columns)
        out = rows_by(smf.assess(with_personas(odd, whole), frame, at=AT))
        assert (out["L1"]["persona"], out["L1"]["confidence"]) == ("odd weight", 1.0)

    def test_many_traits_are_summed_in_order(self) -> None:
        """A persona of more traits than the exact table lists: whole weights sum exactly."""
        names = [f"t{i}" for i in range(EXACT_TRAITS + 2)]
        big = sm.Persona(
            "big", [sm.Trait(sm.field(n) == 1, weight=i + 1) for i, n in enumerate(names)]
        )
        rows = [[1, None, 0, 1, 1, 1, 1, 0, 1, 1], [0] * 10, [1] * 10]
        columns: dict[str, list[object]] = {"id": ["1", "2", "3"]}
        for i, name in enumerate(names):
            columns[name] = [row[i % len(row)] for row in rows]
        check_polars(with_personas(big, min_confidence=0.3), columns)

    def test_required_traits_min_confidence_and_no_personas(self) -> None:
        """A required trait known not to hold rules a persona out; too little confidence is none."""
        leader = sm.Persona(
            "leader",
            [
                sm.Trait(sm.field("department") == "sales", 3, required=True),
                sm.Trait(sm.field("x") > 1),
            ],
        )
        columns = {
            "id": ["1", "2", "3", "4"],
            "job_title": ["VP Sales", "CFO", None, "VP Sales"],
            "x": [5, 5, 5, None],
        }
        check_polars(with_personas(leader, min_confidence=0.9), columns)
        check_polars(with_personas(leader), columns)
        out = smf.assess(with_personas(), pl.DataFrame(columns), at=AT)
        assert out["persona"].to_list() == [None] * 4
        assert out["confidence"].to_list() == [None] * 4


class TestQualifies:
    def test_stages_given_missing_null_or_unknown(self) -> None:
        """No stage column: the initial stage; null: the initial; one the lifecycle lacks: null."""
        columns = {"id": ["1", "2"], "job_title": ["CMO", "CMO"], "budget": ["1k", None]}
        check_polars(DEFAULT, columns)
        frame = pl.DataFrame({**columns, "stage": [None, "nowhere"]})
        out = smf.assess(DEFAULT, frame, at=AT)
        assert out["qualifies"].to_list() == ["suspect", None]

    def test_a_lead_assessed_before_its_last_change_stays_where_it_is(self) -> None:
        """updated_at (else created_at) after at: qualifies is the lead's own stage."""
        acts = pl.DataFrame({"lead_id": ["1", "2"], "kind": ["demo_request"] * 2, "at": [AT] * 2})
        later = AT + timedelta(minutes=1)
        frame = pl.DataFrame({"id": ["1", "2"], "created_at": [AT, later]})
        assert smf.assess(DEFAULT, frame, acts, at=AT)["qualifies"].to_list() == [
            "prospect",
            "suspect",
        ]
        updated = frame.with_columns(updated_at=pl.Series([later, AT]))
        assert smf.assess(DEFAULT, updated, acts, at=AT)["qualifies"].to_list() == [
            "suspect",
            "prospect",
        ]

    def test_a_lifecycle_without_automatic_moves_leaves_every_lead_put(self) -> None:
        manual = sm.Lifecycle(
            stages=["a", "b"], initial="a", transitions=[sm.Transition("go", "a", "b")]
        )
        pb = sm.Playbook(lifecycle=manual, scoring=DEFAULT.scoring, personas=DEFAULT.personas)
        check_polars(pb, {"id": ["1", "2"], "stage": ["a", "b"]})


class TestBadInput:
    def test_wrong_arguments_are_validation_errors(self) -> None:
        frame = pl.DataFrame({"id": ["1"]})
        with pytest.raises(sm.ValidationError, match="Playbook"):
            smf.assess(DEFAULT.scoring, frame, at=AT)  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError, match="at="):
            smf.assess(DEFAULT, frame, at=datetime(2026, 1, 1))
        with pytest.raises(sm.ValidationError, match="'id'"):
            smf.assess(DEFAULT, pl.DataFrame({"name": ["x"]}), at=AT)
        with pytest.raises(sm.ValidationError, match="DataFrame"):
            smf.assess(DEFAULT, [{"id": "1"}], at=AT)

    @pytest.mark.parametrize(
        ("column", "values", "expected"),
        [
            ("stage", [3], "'stage'"),
            ("created_at", [datetime(2026, 1, 1)], "'created_at'"),
            ("updated_at", ["yesterday"], "'updated_at'"),
        ],
    )
    def test_columns_of_the_wrong_type_are_named(
        self, column: str, values: list[object], expected: str
    ) -> None:
        with pytest.raises(sm.ValidationError, match=expected):
            smf.assess(DEFAULT, pl.DataFrame({"id": ["1"], column: values}), at=AT)

    def test_definitions_smf_assess_cannot_follow_are_config_errors(self) -> None:
        """An automatic move that needs a reason, or one that reads the learned score."""
        needs_reason = sm.Lifecycle(
            stages=["a", "b"],
            initial="a",
            transitions=[sm.Transition("go", "a", "b", auto=True, requires_reason=True)],
        )
        reads_prediction = sm.Lifecycle.default(mql=sm.parse_condition("probability > 0.5"))
        frame = pl.DataFrame({"id": ["1"]})
        for lifecycle, match in ((needs_reason, "needs a reason"), (reads_prediction, "learned")):
            pb = sm.Playbook(
                lifecycle=lifecycle,
                scoring=DEFAULT.scoring,
                personas=DEFAULT.personas,
                predictive=sm.PredictiveModel(base=0.0),
            )
            with pytest.raises(sm.ConfigError, match=match):
                smf.assess(pb, frame, at=AT)
