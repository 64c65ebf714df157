"""`smf.score`: a frame of leads scored on every backend as `ScoringModel.score_many` scores the
same leads and activities as Python objects (to 1e-9), with contribution columns that add up to
the total exactly."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smarketing as sm
import smarketing.testing as sst
from smarketing.facts import fact_view

sys.path.insert(0, str(Path(__file__).parent))
from backends import BACKENDS, EAGER, LAZY, collect, need, rows_by, to_backend

nw = pytest.importorskip("narwhals")
pa = pytest.importorskip("pyarrow")
smf = pytest.importorskip("smarketing.frames")

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

AT = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
NON_SPARK = tuple(b for b in BACKENDS if b != "pyspark")

#: Lead columns, one per family (a float one with NaN), and the activities' property columns.
LEAD_TYPES = {
    "id": pa.string(),
    "industry": pa.string(),
    "size": pa.int64(),
    "rate": pa.float64(),
    "vip": pa.bool_(),
}
FACTS = ("industry", "size", "rate", "vip")
KINDS = ("page_view", "email_open", "webinar", "demo_request")
ACT_TYPES = {
    "lead_id": pa.string(),
    "kind": pa.string(),
    "at": pa.timestamp("us", tz="UTC"),
    "url": pa.string(),
    "campaign": pa.string(),
}
TEXT = st.sampled_from(("saas", "SaaS", "software", "/pricing", "/blog", "a", "", "ß"))
LEAD_VALUES = {
    "industry": st.none() | TEXT | st.text("abS '", max_size=4),
    "size": st.none() | st.integers(-100, 100) | st.sampled_from((0, 50, 200, 5000)),
    "rate": st.none() | st.just(math.nan) | st.floats(-100, 100, allow_nan=False),
    "vip": st.none() | st.booleans(),
}
#: Ages from the future (ignored) to past every window; whole days and odd microseconds.
AGES = st.integers(-3 * 86_400_000_000, 400 * 86_400_000_000) | st.sampled_from(
    (0, 1, 86_400_000_000, 30 * 86_400_000_000)
)


@st.composite
def data(draw: st.DrawFn, max_leads: int = 12, max_activities: int = 40) -> tuple[Any, Any]:
    """Leads and activities as columns (None is null), with some activities of unknown leads."""
    n = draw(st.integers(1, max_leads))
    ids = [f"L{i}" for i in range(n)]
    leads: dict[str, list[object]] = {"id": ids}
    for name in FACTS:
        leads[name] = [draw(LEAD_VALUES[name]) for _ in ids]
    m = draw(st.integers(0, max_activities))
    owners = st.sampled_from((*ids, "nobody"))
    acts: dict[str, list[object]] = {
        "lead_id": [draw(owners) for _ in range(m)],
        "kind": [draw(st.sampled_from((*KINDS, "other"))) for _ in range(m)],
        "at": [AT - timedelta(microseconds=draw(AGES)) for _ in range(m)],
        "url": [draw(st.none() | TEXT) for _ in range(m)],
        "campaign": [draw(st.none() | TEXT) for _ in range(m)],
    }
    return leads, acts


MODELS = sst.scoring_models(FACTS, KINDS, max_rules=4)


def python_scores(
    model: sm.ScoringModel,
    leads: Mapping[str, list[object]],
    acts: Mapping[str, list[object]],
    *,
    derive: bool = False,
) -> dict[str, sm.Score]:
    """The oracle: the same leads and activities as Python objects, through score_many."""
    names = [k for k in leads if k != "id"]
    objects = []
    for i, lead_id in enumerate(leads["id"]):
        fields = {k: leads[k][i] for k in names if leads[k][i] is not None}
        objects.append(sm.Lead.new(str(lead_id), at=AT - timedelta(days=500), fields=fields))
    activities = [
        sm.Activity(
            str(acts["lead_id"][j]),
            str(acts["kind"][j]),
            acts["at"][j],  # type: ignore[arg-type]
            properties={
                k: acts[k][j]
                for k in acts
                if k not in ("lead_id", "kind", "at") and acts[k][j] is not None
            },
        )
        for j in range(len(acts["lead_id"]))
    ]
    views = [fact_view(lead) for lead in objects] if derive else None
    scores = model.score_many(objects, activities, at=AT, facts=views)
    return {lead.id: s for lead, s in zip(objects, scores, strict=True)}


def frames(
    backend: str, leads: Mapping[str, list[object]], acts: Mapping[str, list[object]]
) -> tuple[Any, Any]:
    lead_types = {k: LEAD_TYPES.get(k) for k in leads}  # others: as pyarrow infers them
    return to_backend(backend, leads, schema=lead_types), to_backend(
        backend, acts, schema=ACT_TYPES
    )


def assert_equal(out: Any, expected: Mapping[str, sm.Score], model: sm.ScoringModel) -> None:
    rows = rows_by(out)
    assert sorted(rows) == sorted(expected)
    for lead_id, score in expected.items():
        row = rows[lead_id]
        where = f"lead {lead_id}: {row} vs {score}"
        assert row["fit"] == pytest.approx(score.fit, abs=1e-9), where
        assert row["engagement"] == pytest.approx(score.engagement, abs=1e-9), where
        assert row["total"] == pytest.approx(score.total, abs=1e-9), where
        assert row["grade"] == score.grade, where
        parts = contribution_columns(row, model)
        if parts:
            # the columns add up to the total exactly, in any order, as a Score's do
            assert math.fsum(parts.values()) == row["total"] == sum(parts.values()), where
            by_name: dict[str, float] = {}
            for c in score.contributions:
                name = f"group_caps[{c.group}]" if c.rule == "group_caps" else c.rule
                by_name[name] = by_name.get(name, 0.0) + c.points
            for name, points in parts.items():
                assert points == pytest.approx(by_name.get(name, 0.0), abs=1e-9), (name, where)


def contribution_columns(row: Mapping[str, object], model: sm.ScoringModel) -> dict[str, float]:
    shown = ("id", "fit", "engagement", "total", "grade", "__index_level_0__")
    return {k: v for k, v in row.items() if k not in shown}  # type: ignore[misc]


#: Examples per backend: each is one plan over one frame of many rows.
EXAMPLES = {"polars": 30, "dask": 3, "pandas": 8}


@pytest.mark.parametrize("backend", NON_SPARK)
def test_score_equals_score_many(backend: str) -> None:
    need(backend)

    @settings(
        max_examples=EXAMPLES.get(backend, 12),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(model=MODELS, given_data=data(), contributions=st.booleans())
    def run(model: sm.ScoringModel, given_data: tuple[Any, Any], contributions: bool) -> None:
        leads, acts = given_data
        native_leads, native_acts = frames(backend, leads, acts)
        out = smf.score(model, native_leads, native_acts, at=AT, contributions=contributions)
        assert_equal(out, python_scores(model, leads, acts), model)

    run()


@pytest.mark.xdist_group("spark")
class TestOnSpark:
    @settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(model=MODELS, given_data=data(max_leads=15, max_activities=60))
    def test_score_equals_score_many(
        self, model: sm.ScoringModel, given_data: tuple[Any, Any]
    ) -> None:
        need("pyspark")
        leads, acts = given_data
        native_leads, native_acts = frames("pyspark", leads, acts)
        out = smf.score(model, native_leads, native_acts, at=AT, contributions=True)
        assert_equal(out, python_scores(model, leads, acts), model)

    def test_the_guides_spark_job_runs(self) -> None:
        """docs/frames.md's PySpark example (fenced "py", which the docs page test leaves out)."""
        need("pyspark")
        from backends import spark

        spark()  # the test run's one session: the example's getOrCreate() finds it
        page = Path(__file__).resolve().parent.parent / "docs" / "frames.md"
        text = page.read_text(encoding="utf-8")
        blocks = re.findall(r"^```py\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
        assert len(blocks) == 1 and "SparkSession" in blocks[0]
        exec(compile(blocks[0], f"{page}:spark", "exec"), {"__name__": "docs_frames_spark"})

    def test_the_default_playbook_runs_as_spark_sql_without_python_udfs(self) -> None:
        need("pyspark")
        leads, acts = default_data()
        pb = sm.Playbook.default()
        out = smf.score(pb, *frames("pyspark", leads, acts), at=AT, contributions=True)
        plan = out._jdf.queryExecution().toString()
        for udf in ("PythonUDF", "BatchEvalPython", "ArrowEvalPython"):
            assert udf not in plan
        assert "Join" in plan and "Aggregate" in plan  # the plan is Spark's own
        assert_equal(out, python_scores(pb.scoring, leads, acts, derive=True), pb.scoring)


def default_data() -> tuple[dict[str, list[object]], dict[str, list[object]]]:
    """Leads and activities that reach every default rule, cap and the floor."""
    titles = [
        "VP Marketing",
        "Marketing Intern",
        "CEO",
        "Sales Manager",
        None,
        "Data Engineer",
        "Director of Sales",
    ]
    industries = ["software", "saas", "fintech", "retail", None]
    n = 28
    leads: dict[str, list[object]] = {
        "id": [f"L{i}" for i in range(n)],
        "industry": [industries[i % 5] for i in range(n)],
        "company_size": [[None, 10, 50, 300, 6000, 5001][i % 6] for i in range(n)],
        "country": [["US", "DE", "JP", None][i % 4] for i in range(n)],
        "email": [["a@gmail.com", "b@acme.io", None][i % 3] for i in range(n)],
        "job_title": [titles[i % 7] for i in range(n)],
    }
    kinds = [
        "demo_request",
        "page_view",
        "webinar",
        "event_visit",
        "email_open",
        "email_click",
        "unsubscribe",
        "content_download",
        "call",
    ]
    urls = ["/pricing", "/blog", "/Pricing/plans", None]
    m = 200
    acts: dict[str, list[object]] = {
        "lead_id": [f"L{(j * 7 + j // 9) % (n + 2)}" for j in range(m)],
        "kind": [kinds[(j * 5) % 9] for j in range(m)],
        "at": [AT - timedelta(hours=(j * 37) % 2000 - 24) for j in range(m)],
        "url": [urls[j % 4] for j in range(m)],
        "campaign": [None] * m,
    }
    # and leads that reach the caps and the floor: web and e-mail groups, the engagement cap,
    # an unsubscribe that the floor catches
    crafted = [
        *(("L1", "page_view", h, "/pricing") for h in (1, 2, 3, 4, 5)),
        *(("L1", "page_view", h, "/blog") for h in range(10)),
        *(("L2", "email_click", h, None) for h in range(8)),
        *(("L3", k, 2, None) for k in ("demo_request", "demo_request", "webinar", "event_visit")),
        *(("L3", "demo_request", h, None) for h in (5, 6)),
        ("L4", "unsubscribe", 1, None),
    ]
    for lead_id, kind, hours, url in crafted:
        acts["lead_id"].append(lead_id)
        acts["kind"].append(kind)
        acts["at"].append(AT - timedelta(hours=hours))
        acts["url"].append(url)
        acts["campaign"].append(None)
    return leads, acts


@pytest.mark.parametrize("backend", NON_SPARK)
def test_the_default_playbook_scores_as_the_playbook_does(backend: str) -> None:
    """A playbook scores with its model over the leads' derived facts (seniority, department)."""
    leads, acts = default_data()
    pb = sm.Playbook.default()
    out = smf.score(pb, *frames(backend, leads, acts), at=AT, contributions=True)
    expected = python_scores(pb.scoring, leads, acts, derive=True)
    assert_equal(out, expected, pb.scoring)
    # the derived facts are what made the difference for the decision-maker rule
    assert any(c.rule == "decision maker" for s in expected.values() for c in s.contributions)
    assert {s.grade for s in expected.values()} >= {"A", "B"}
    kinds = {c.rule for s in expected.values() for c in s.contributions if c.kind == "adjustment"}
    assert {"floor", "group_caps", "engagement_cap"} <= kinds


def test_a_scoring_model_reads_the_columns_as_they_are() -> None:
    """A bare model derives nothing: a job title is not a seniority."""
    pl = pytest.importorskip("polars")
    model = sm.Playbook.default().scoring
    leads = pl.DataFrame({"id": ["a"], "job_title": ["VP Marketing"]})
    by_model = smf.score(model, leads, at=AT)
    by_playbook = smf.score(sm.Playbook.default(), leads, at=AT)
    assert by_model["fit"].to_list() == [0.0]
    assert by_playbook["fit"].to_list() == [25.0]  # decision maker + in a buying team


@pytest.mark.parametrize("backend", EAGER)
def test_eager_in_same_kind_out_in_the_leads_order(backend: str) -> None:
    leads, acts = default_data()
    native_leads, native_acts = frames(backend, leads, acts)
    out = smf.score(sm.Playbook.default(), native_leads, native_acts, at=AT)
    assert type(out) is type(native_leads)
    assert collect(out)["id"] == leads["id"]
    assert list(collect(out))[:5] == ["id", "fit", "engagement", "total", "grade"]


@pytest.mark.parametrize("backend", [b for b in LAZY if b != "pyspark"])
def test_lazy_in_lazy_out(backend: str) -> None:
    leads, acts = default_data()
    native_leads, native_acts = frames(backend, leads, acts)
    out = smf.score(sm.Playbook.default().scoring, native_leads, native_acts, at=AT)
    assert type(out) is type(native_leads)
    assert isinstance(nw.from_native(out), nw.LazyFrame)


def test_without_activities_engagement_is_the_floor() -> None:
    pl = pytest.importorskip("polars")
    model = sm.ScoringModel(
        engagement=[sm.EngagementRule("demo", kind="demo_request", points=40)],
        floor=5.0,
        engagement_cap=50,
    )
    out = smf.score(model, pl.DataFrame({"id": ["a", "b"]}), at=AT, contributions=True)
    assert out["engagement"].to_list() == [5.0, 5.0]
    assert out["floor"].to_list() == [5.0, 5.0]
    lead = sm.Lead.new("a", at=AT)
    assert model.score(lead, at=AT).engagement == 5.0


def test_a_naive_at_is_an_error() -> None:
    pl = pytest.importorskip("polars")
    with pytest.raises(sm.ValidationError, match="at"):
        smf.score(sm.ScoringModel(), pl.DataFrame({"id": ["a"]}), at=datetime(2026, 1, 1))


class TestBadInput:
    """Bad frames are ValidationErrors naming the column, raised before any work."""

    def model(self) -> sm.ScoringModel:
        return sm.Playbook.default().scoring

    def test_no_id_column(self) -> None:
        pl = pytest.importorskip("polars")
        with pytest.raises(sm.ValidationError, match="'id'"):
            smf.score(self.model(), pl.DataFrame({"name": ["a"]}), at=AT)

    @pytest.mark.parametrize("missing", ["lead_id", "kind", "at"])
    def test_an_activities_frame_without_a_column(self, missing: str) -> None:
        pl = pytest.importorskip("polars")
        acts = pl.DataFrame({"lead_id": ["a"], "kind": ["webinar"], "at": [AT]}).drop(missing)
        with pytest.raises(sm.ValidationError, match=repr(missing)):
            smf.score(self.model(), pl.DataFrame({"id": ["a"]}), acts, at=AT)

    def test_naive_activity_times(self) -> None:
        pl = pytest.importorskip("polars")
        acts = pl.DataFrame({"lead_id": ["a"], "kind": ["webinar"], "at": [datetime(2026, 1, 1)]})
        with pytest.raises(sm.ValidationError, match="'at'"):
            smf.score(self.model(), pl.DataFrame({"id": ["a"]}), acts, at=AT)

    def test_activity_kinds_that_are_not_text(self) -> None:
        pl = pytest.importorskip("polars")
        acts = pl.DataFrame({"lead_id": ["a"], "kind": [1], "at": [AT]})
        with pytest.raises(sm.ValidationError, match="'kind'"):
            smf.score(self.model(), pl.DataFrame({"id": ["a"]}), acts, at=AT)

    def test_a_fact_column_of_dates(self) -> None:
        pl = pytest.importorskip("polars")
        leads = pl.DataFrame({"id": ["a"], "company_size": [AT.date()]})
        with pytest.raises(sm.ValidationError, match="'company_size'"):
            smf.score(self.model(), leads, at=AT)

    def test_a_property_column_of_dates(self) -> None:
        pl = pytest.importorskip("polars")
        acts = pl.DataFrame(
            {"lead_id": ["a"], "kind": ["page_view"], "at": [AT], "url": [AT.date()]}
        )
        with pytest.raises(sm.ValidationError, match="'url'"):
            smf.score(self.model(), pl.DataFrame({"id": ["a"]}), acts, at=AT)

    def test_leads_and_activities_of_different_libraries(self) -> None:
        pl = pytest.importorskip("polars")
        pd = pytest.importorskip("pandas")
        acts = pd.DataFrame({"lead_id": ["a"], "kind": ["webinar"], "at": [AT]})
        with pytest.raises(sm.ValidationError, match="same kind of frame"):
            smf.score(self.model(), pl.DataFrame({"id": ["a"]}), acts, at=AT)

    def test_not_a_frame_or_not_a_model(self) -> None:
        pl = pytest.importorskip("polars")
        with pytest.raises(sm.ValidationError, match="DataFrame"):
            smf.score(self.model(), [{"id": "a"}], at=AT)
        with pytest.raises(sm.ValidationError, match="Playbook or a ScoringModel"):
            smf.score("default", pl.DataFrame({"id": ["a"]}), at=AT)  # type: ignore[arg-type]

    def test_a_rule_named_like_a_score_column(self) -> None:
        pl = pytest.importorskip("polars")
        model = sm.ScoringModel(fit=[sm.FitRule("total", sm.field("x") == 1, 5)])
        with pytest.raises(sm.ValidationError, match="'total'"):
            smf.score(model, pl.DataFrame({"id": ["a"]}), at=AT, contributions=True)
        assert smf.score(model, pl.DataFrame({"id": ["a"]}), at=AT)["total"].to_list() == [0.0]


def test_ids_of_other_types_join_as_text() -> None:
    """Numeric ids in the leads and text lead ids in the activities name the same leads."""
    pl = pytest.importorskip("polars")
    model = sm.ScoringModel(engagement=[sm.EngagementRule("demo", kind="demo_request", points=40)])
    leads = pl.DataFrame({"id": [7, 8]})
    acts = pl.DataFrame(
        {"lead_id": ["7"], "kind": ["demo_request"], "at": [AT - timedelta(days=1)]}
    )
    assert smf.score(model, leads, acts, at=AT)["engagement"].to_list() == [40.0, 0.0]


def test_max_count_keeps_the_most_recent_repeats_with_ties() -> None:
    pl = pytest.importorskip("polars")
    rule = sm.EngagementRule(
        "views", kind="page_view", points=10, half_life=timedelta(days=7), max_count=3
    )
    model = sm.ScoringModel(engagement=[rule], engagement_cap=None)
    days = [1, 2, 2, 2, 5, 9, 0]
    acts = pl.DataFrame(
        {
            "lead_id": ["a"] * len(days),
            "kind": ["page_view"] * len(days),
            "at": [AT - timedelta(days=d) for d in days],
        }
    )
    got = smf.score(model, pl.DataFrame({"id": ["a"]}), acts, at=AT)["engagement"].to_list()
    activities = [sm.Activity("a", "page_view", AT - timedelta(days=d)) for d in days]
    expected = model.score(
        sm.Lead.new("a", at=AT - timedelta(days=30)), activities, at=AT
    ).engagement
    assert got == [pytest.approx(expected, abs=1e-9)]
    assert expected == pytest.approx(10 * (1 + 0.5 ** (1 / 7) + 0.5 ** (2 / 7)), abs=1e-9)


@pytest.mark.parametrize(
    "backend", [*NON_SPARK, pytest.param("pyspark", marks=pytest.mark.xdist_group("spark"))]
)
def test_snapping_rounds_half_to_even_as_python_does(backend: str) -> None:
    """Ties on the grid, negative ones too, round to even on every backend."""
    need(backend)
    from smarketing.frames._score import _snap_expr
    from smarketing.scoring._common import _snap

    grid = 2.0**-30
    values = [k * grid / 2 for k in (-5, -3, -1, 1, 3, 5, 7)] + [
        0.1,
        -0.1,
        3 * grid / 4,
        -3 * grid / 4,
        2.0**22 + 0.3,
        -(2.0**23),
    ]
    rows = list(range(len(values)))
    frame = nw.from_native(to_backend(backend, {"row": rows, "x": values}))
    got = rows_by(frame.select(nw.col("row"), _snap_expr(nw.col("x")).alias("s")), "row")
    assert [got[row]["s"] for row in rows] == [_snap(v) for v in values]
