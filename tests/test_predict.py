"""Learned scores: the estimator, its checks, evaluation, point-in-time sets and the audit."""

from __future__ import annotations

import csv
import math
import pickle
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import smarketing as sm
from smarketing.predict import (
    DataConversionWarning,
    Evaluation,
    LeadScorer,
    audit,
    evaluate,
    roc_auc,
    stratified_folds,
    training_set,
)

BANK = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-marketing.csv"


def synthetic(n: int = 600, seed: int = 0) -> tuple[list[dict[str, object]], np.ndarray]:
    """Leads whose conversion depends on industry, size and (jointly) region x plan."""
    rng = random.Random(seed)
    rows, ys = [], []
    for _ in range(n):
        row: dict[str, object] = {
            "industry": rng.choice(
                ["saas", "retail", "bank", "rare"] if rng.random() > 0.001 else ["odd"]
            ),
            "size": rng.choice([rng.randint(1, 1000), None, math.nan]),
            "region": rng.choice(["eu", "us"]),
            "plan": rng.choice(["free", "pro"]),
        }
        z = -1.5 + (1.2 if row["industry"] == "saas" else 0.0)
        size = row["size"]
        z += 0.002 * size if isinstance(size, int) else -0.5
        z += 1.0 if (row["region"], row["plan"]) == ("eu", "pro") else 0.0
        rows.append(row)
        ys.append(int(rng.random() < 1 / (1 + math.exp(-z))))
    return rows, np.array(ys)


FAST = {"max_rounds": 60, "random_state": 0}


@parametrize_with_checks(
    [LeadScorer(**FAST), LeadScorer(kind="naive_bayes")],  # type: ignore[arg-type]
)
def test_scikit_learn_estimator_checks(estimator: Any, check: Any) -> None:
    """LeadScorer passes scikit-learn's check_estimator, for both kinds."""
    check(estimator)


class TestLeadScorer:
    def test_the_fitted_model_gives_predict_probas_probabilities(self) -> None:
        """scorer.model_ (pure Python) and predict_proba (numpy) agree to 1e-9."""
        X, y = synthetic()
        for kind in ("additive", "naive_bayes"):
            scorer = LeadScorer(kind=kind, random_state=0).fit(X, y)
            p = scorer.predict_proba(X)[:, 1]
            core = [scorer.model_.predict(row).probability for row in X]
            assert np.allclose(p, core, atol=1e-9, rtol=0)
            assert scorer.model_.kind == kind
            same = sm.from_dict(sm.PredictiveModel, sm.to_dict(scorer.model_))
            assert [same.predict(r).probability for r in X[:20]] == core[:20]

    def test_explain_sums_with_the_base_to_the_log_odds(self) -> None:
        """explain(X)'s contributions plus base give decision_function."""
        X, y = synthetic()
        scorer = LeadScorer(random_state=0).fit(X, y)
        z = scorer.decision_function(X)
        for row, explained in zip(z, scorer.explain(X), strict=True):
            assert explained.log_odds == pytest.approx(row, abs=1e-9)
        assert scorer.model_.pairs, "the region x plan effect is found as a pair"
        names = {p.name for p in scorer.model_.pairs}
        assert "region x plan" in names

    def test_it_learns_the_shapes_in_the_data(self) -> None:
        """SaaS scores above retail; missing size is its own level; rare levels are pooled."""
        X, y = synthetic(2000)
        model = LeadScorer(random_state=0).fit(X, y).model_
        industry = next(s for s in model.shapes if s.name == "industry")
        level = dict(zip(industry.bins.levels, industry.scores[2:], strict=True))
        assert level["saas"] > level["retail"] + 0.5
        assert "odd" not in level  # seen < min_level_count times: pooled as "other"
        assert roc_auc(y, LeadScorer(random_state=0).fit(X, y).predict_proba(X)[:, 1]) > 0.75

    def test_a_random_state_makes_it_deterministic(self) -> None:
        """The same random_state gives the same model; the model pickles."""
        X, y = synthetic()
        a = LeadScorer(random_state=3).fit(X, y)
        assert a.model_ == LeadScorer(random_state=3).fit(X, y).model_
        assert pickle.loads(pickle.dumps(a)).model_ == a.model_

    def test_naive_bayes_is_odoos_formula(self) -> None:
        """Sw/(Sw+Sl) with frequencies from 0.1, unknown and unseen values skipped."""
        X = [{"c": "a"}, {"c": "a"}, {"c": "b"}, {"c": None}, {"c": "b"}, {"c": "a"}]
        y = [1, 0, 0, 1, 0, 1]
        scorer = LeadScorer(kind="naive_bayes").fit(X, y)
        won_total, lost_total = (2.1 + 0.1), (1.1 + 2.1)

        def odoo(value: object) -> float:
            sw, sl = 3 / 6, 3 / 6
            freq = {"a": (2.1, 1.1), "b": (0.1, 2.1)}
            if value in freq:
                sw *= freq[value][0] / won_total
                sl *= freq[value][1] / lost_total
            return sw / (sw + sl)

        for value in ("a", "b", "zzz", None):
            got = scorer.model_.predict({"c": value}).probability
            assert got == pytest.approx(odoo(value), abs=1e-12)

    def test_dataframes_give_the_same_model_as_fact_mappings(self) -> None:
        """A pandas DataFrame (NaN as unknown) is read as the rows it holds."""
        pd = pytest.importorskip("pandas")
        X, y = synthetic(300)
        frame = pd.DataFrame(X)
        a = LeadScorer(**FAST).fit(frame, y)
        b = LeadScorer(**FAST).fit(X, y)
        assert a.model_ == b.model_
        assert list(a.feature_names_in_) == ["industry", "size", "region", "plan"]
        assert np.allclose(a.predict_proba(frame), b.predict_proba(X))

    def test_polars_frames_are_read_too(self) -> None:
        """A Polars DataFrame works like pandas'."""
        pl = pytest.importorskip("polars")
        X, y = synthetic(300)
        rows = [{k: (None if v != v else v) for k, v in r.items()} for r in X]
        a = LeadScorer(**FAST).fit(pl.DataFrame(rows), y)
        assert a.model_ == LeadScorer(**FAST).fit(rows, y).model_

    def test_leads_and_absent_columns_are_read_as_their_fields(self, t0: datetime) -> None:
        """Leads give their fields; a column the model reads but X lacks is unknown."""
        X, y = synthetic(300)
        scorer = LeadScorer(**FAST).fit(X, y)
        lead = sm.Lead.new("L-1", at=t0, fields={"industry": "saas"})
        p = scorer.predict_proba([lead])[0, 1]
        assert p == pytest.approx(scorer.model_.predict({"industry": "saas"}).probability)

    def test_params_are_introspected_like_scikit_learns(self) -> None:
        """get_params/set_params/clone/repr work from __init__'s signature."""
        scorer = LeadScorer(kind="naive_bayes", bags=3)
        assert scorer.get_params()["bags"] == 3
        assert repr(scorer) == "LeadScorer(kind='naive_bayes', bags=3)"
        assert clone(scorer).get_params() == scorer.get_params()
        assert scorer.set_params(bags=5) is scorer and scorer.bags == 5
        with pytest.raises(sm.ValidationError, match="no parameter 'nope'"):
            scorer.set_params(nope=1)

    @pytest.mark.parametrize(
        ("X", "y", "words"),
        [
            ([{"a": 1}, {"a": 2}], [1, 1], "1 class"),
            ([], [], "empty"),
            ([{"a": 1}, {"a": "x"}, {"a": 3}], [0, 1, 0], r"column 'a' mixes numbers \(row 0"),
            ([{"a": 1}, {"a": 2}, {"a": 3}], [0, float("nan"), 1], r"y, row 1"),
            ([{"a": 1}, {"a": 2}], [0, None], r"y, row 1"),
            ([{"a": 1}, {"a": [1]}], [0, 1], r"column 'a', row 1"),
            ([{"a": 1}, {"a": math.inf}], [0, 1], r"column 'a', row 1: inf"),
            ([{"a": 1}, {"a": 2}], [0, 1, 1], "3 outcomes but X has 2 rows"),
            ([{"a": 1}, {"a": 2}, {"a": 3}], [0, 1, 2], "Only binary"),
            ([{"a": 1}, {"a": 2}], [0.5, 1], "continuous"),
            ([{"a": 1}, {"a": 2}], np.array(["a", 1], dtype=object), "mixes"),
        ],
    )
    def test_bad_input_names_the_column_or_row(self, X: Any, y: Any, words: str) -> None:
        """Single class, empty set, mixed column, NaN label: a ValidationError that says where."""
        with pytest.raises(sm.ValidationError, match=words):
            LeadScorer(**FAST).fit(X, y)

    @pytest.mark.parametrize(
        ("params", "words"),
        [
            ({"kind": "forest"}, "kind must be one of"),
            ({"learning_rate": 0}, "learning_rate"),
            ({"bags": True}, "bags"),
            ({"max_bins": 1}, "max_bins"),
        ],
    )
    def test_bad_parameters_are_reported_at_fit(self, params: dict[str, Any], words: str) -> None:
        """__init__ stores; fit checks and names the parameter."""
        X, y = synthetic(50)
        with pytest.raises(sm.ValidationError, match=words):
            LeadScorer(**params).fit(X, y)

    def test_a_column_vector_y_is_read_with_a_warning(self) -> None:
        """As scikit-learn does, y of shape (n, 1) warns and is flattened."""
        X, y = synthetic(100)
        with pytest.warns(DataConversionWarning):
            LeadScorer(kind="naive_bayes").fit(X, y.reshape(-1, 1))

    def test_unfitted_and_misshapen_calls_are_errors(self) -> None:
        """Before fit, and with the wrong number of array columns, a ValidationError."""
        with pytest.raises(sm.ValidationError, match="not fitted"):
            LeadScorer().predict([{"a": 1}])
        scorer = LeadScorer(kind="naive_bayes").fit(np.array([[1.0, 2.0], [2.0, 1.0]]), [0, 1])
        with pytest.raises(sm.ValidationError, match="X has 1 features"):
            scorer.predict(np.array([[1.0]]))
        with pytest.raises(sm.ValidationError, match="Reshape"):
            scorer.predict(np.array([1.0]))


class TestEvaluate:
    @settings(max_examples=50)
    @given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 5)), min_size=2))
    def test_auc_matches_scikit_learn_with_ties(self, pairs: list[tuple[int, int]]) -> None:
        """roc_auc equals sklearn.metrics.roc_auc_score, ties counted half."""
        y = [a for a, _ in pairs]
        s = [b for _, b in pairs]
        if len(set(y)) < 2:
            with pytest.raises(sm.ValidationError):
                roc_auc(y, s)
        else:
            assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))

    def test_cross_validation_metrics_match_scikit_learns(self) -> None:
        """Per-fold AUC, Brier and log loss, averaged, as sklearn.metrics computes them."""
        X, y = synthetic(500)
        scorer = LeadScorer(**FAST)
        ev = evaluate(scorer, X, y, folds=3, random_state=1)
        aucs, briers, losses = [], [], []
        for test in stratified_folds(y, 3, random_state=1):
            train = np.setdiff1d(np.arange(len(y)), test)
            fitted = clone(scorer).fit([X[i] for i in train], y[train])
            p = fitted.predict_proba([X[i] for i in test])[:, 1]
            aucs.append(roc_auc_score(y[test], p))
            briers.append(brier_score_loss(y[test], p))
            losses.append(log_loss(y[test], p, labels=[0, 1]))
        assert ev.auc == pytest.approx(np.mean(aucs), abs=1e-12)
        assert ev.brier == pytest.approx(np.mean(briers), abs=1e-12)
        assert ev.log_loss == pytest.approx(np.mean(losses), abs=1e-9)
        assert ev.folds == 3 and ev.leads == 500
        assert sum(d.leads for d in ev.lift) == 500
        assert ev.lift[-1].gain == pytest.approx(1.0)
        assert sum(c.leads for c in ev.calibration) == 500
        assert sum(g.leads for g in ev.by_grade) == 500
        text = ev.to_markdown()
        assert "| decile |" in text and "| grade |" in text and "| predicted |" in text

    def test_stratified_folds_partition_the_rows_and_keep_the_rate(self) -> None:
        """Every row is in one fold; each fold has its share of conversions."""
        y = np.array([1] * 30 + [0] * 70)
        folds = stratified_folds(y, 5, random_state=0)
        assert sorted(np.concatenate(folds).tolist()) == list(range(100))
        assert [int(y[f].sum()) for f in folds] == [6] * 5

    def test_a_time_ordered_split_trains_on_the_older_leads(self) -> None:
        """order= tests on the newest share only."""
        X, y = synthetic(300)
        order = list(range(300))
        ev = evaluate(LeadScorer(kind="naive_bayes"), X, y, order=order, test_size=0.25)
        assert (ev.split, ev.leads, ev.folds) == ("time-ordered", 75, 1)
        with pytest.raises(sm.ValidationError, match="order has 2 times"):
            evaluate(LeadScorer(), X, y, order=[1, 2])
        with pytest.raises(sm.ValidationError, match="folds"):
            evaluate(LeadScorer(), X, y, folds=1)
        with pytest.raises(sm.ValidationError, match="empty"):
            evaluate(LeadScorer(), [], [])

    def test_a_hand_set_score_is_evaluated_from_its_points(self) -> None:
        """from_scores: AUC and lift for any score; Brier only for probabilities."""
        ev = Evaluation.from_scores([0, 0, 1, 1], [10, 20, 30, 5], grades=["D", "C", "A", "D"])
        assert ev.auc == 0.5 and ev.brier is None and not ev.calibration
        assert [g.grade for g in ev.by_grade] == ["A", "C", "D"]
        assert "Brier" not in ev.to_markdown()
        probs = Evaluation.from_scores([0, 1], [0.2, 0.9], probabilities=True)
        assert probs.brier == pytest.approx(brier_score_loss([0, 1], [0.2, 0.9]))


@pytest.fixture
def history(t0: datetime) -> list[sm.Lead]:
    """Three leads: one converts (its budget learned after it did), one does not, one never MQL."""

    def lead(i: int, fields: dict[str, object], stages: list[tuple[str, int]]) -> sm.Lead:
        x = sm.Lead.new(f"L-{i}", at=t0, fields=fields, source="webinar")
        changes = []
        current = "suspect"
        for stage, day in stages:
            changes.append(sm.StageChange(current, stage, "t", t0 + timedelta(days=day)))
            current = stage
        return sm.Lead(x.id, current, t0, x.source, x.fields, tuple(changes), current)

    won = lead(1, {"industry": "saas"}, [("mql", 2), ("sql", 5), ("customer", 9)])
    won = won.learn({"budget": 1000, "size": 50}, at=t0 + timedelta(days=10))
    won = won.learn({"phone": "1"}, at=t0 + timedelta(days=1))
    lost = lead(2, {"industry": "retail", "size": 5}, [("mql", 3)])
    lost = lost.learn({"budget": 10}, at=t0 + timedelta(days=1))
    never = lead(3, {"industry": "bank"}, [])
    return [won, lost, never]


class TestTrainingSet:
    def test_rows_hold_what_was_known_at_the_decision_time(
        self, history: list[sm.Lead], t0: datetime
    ) -> None:
        """Facts and activities after entering mql are not in the row; the outcome is."""
        acts = [
            sm.Activity("L-1", "visit", t0 + timedelta(days=1)),
            sm.Activity("L-1", "visit", t0 + timedelta(days=4)),
            sm.Activity("L-2", "demo", t0 + timedelta(days=1)),
        ]
        ds = training_set(history, acts, outcome="customer", at="mql")
        assert ds.lead_ids == ("L-1", "L-2") and ds.skipped == 1
        assert ds.y == (1, 0)
        assert ds.X[0] == {
            "industry": "saas",
            "phone": "1",
            "source": "webinar",
            "visit_count": 1,
            "demo_count": 0,
        }
        assert ds.X[1]["budget"] == 10 and ds.X[1]["size"] == 5
        assert ds.at == (t0 + timedelta(days=2), t0 + timedelta(days=3))
        assert set(ds.leaks) == {"budget", "size"}  # learned after L-1 became a customer

    def test_other_decision_times(self, history: list[sm.Lead], t0: datetime) -> None:
        """at='created', a fixed time, or another stage; leads past the outcome are skipped."""
        created = training_set(history, outcome="sql", at="created")
        assert created.y == (1, 0, 0)
        fixed = training_set(history, outcome="sql", at=t0 + timedelta(days=6))
        assert fixed.lead_ids == ("L-2", "L-3") and fixed.skipped == 1
        with pytest.raises(sm.ValidationError, match="at must be"):
            training_set(history, at="")
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            training_set(history, at=datetime(2026, 1, 1))


class TestAudit:
    def test_each_fit_rule_against_the_outcomes(self) -> None:
        """Matched leads, conversion when matched and not, lift, suggested points (brute force)."""
        rows = [{"industry": "saas"}] * 10 + [{"industry": "retail"}] * 30
        y = [1] * 6 + [0] * 4 + [1] * 3 + [0] * 27
        ds = sm.predict.TrainingSet.from_rows(rows, y)
        with pytest.raises(sm.ValidationError, match="outcomes for"):
            sm.predict.TrainingSet.from_rows(rows, y[:3])
        model = sm.ScoringModel(
            fit=[
                sm.FitRule("saas", sm.field("industry") == "saas", points=10),
                sm.FitRule("retail", sm.field("industry") == "retail", points=20),
                sm.FitRule("vp", sm.field("seniority") == "vp", points=5),
            ]
        )
        table = audit(model, ds)
        saas, retail, vp = table.rules
        assert (saas.matched, saas.conversion_matched, saas.conversion_unmatched) == (10, 0.6, 0.1)
        assert saas.lift == pytest.approx(0.6 / (9 / 40))
        ratio = math.log(6.5 * 27.5 / (4.5 * 3.5))
        assert saas.suggested_points == pytest.approx(ratio * 30 / (2 * ratio))
        assert retail.suggested_points == pytest.approx(-saas.suggested_points)
        assert (vp.matched, vp.conversion_matched, vp.suggested_points) == (0, None, None)
        text = table.to_markdown()
        assert "| saas | 10 | 10 | 60.0% | 10.0% | 2.67 | +15 |" in text
        with pytest.raises(sm.ValidationError, match="ScoringModel"):
            audit("model", ds)  # type: ignore[arg-type]
        with pytest.raises(sm.ValidationError, match="empty"):
            audit(model, sm.predict.TrainingSet((), (), (), (), {}, 0))


def read_bank(n: int) -> tuple[list[dict[str, object]], np.ndarray]:
    numbers = {"age", "duration", "campaign", "pdays", "previous"}
    rows, ys = [], []
    with BANK.open(newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i % (41188 // n) == 0:
                ys.append(int(row.pop("output") == "yes"))
                rows.append(
                    {
                        k: float(v) if k in numbers else v
                        for k, v in row.items()
                        if v != "unknown" and not (k == "pdays" and v == "999")
                    }
                )
    return rows, np.array(ys)


@pytest.mark.skipif(not BANK.exists(), reason="the shared bank-marketing data is not here")
def test_on_a_slice_of_the_bank_data_the_leak_shows() -> None:
    """Without duration the additive score beats naive Bayes; with it the AUC jumps."""
    rows, y = read_bank(3000)
    honest = [{k: v for k, v in r.items() if k != "duration"} for r in rows]
    additive = evaluate(LeadScorer(random_state=0), honest, y, folds=3)
    bayes = evaluate(LeadScorer(kind="naive_bayes"), honest, y, folds=3)
    leaky = evaluate(LeadScorer(random_state=0), rows, y, folds=3)
    assert 0.7 < additive.auc < 0.85
    assert additive.auc > bayes.auc - 0.02
    assert leaky.auc > additive.auc + 0.08


def test_a_trained_model_in_a_playbook_drives_advance(t0: datetime) -> None:
    """Train on point-in-time rows, put model_ in the playbook, and advance on its grade."""
    X, y = synthetic(800)
    scorer = LeadScorer(**FAST).fit(X, y)
    data = sm.Playbook.default().to_dict()
    data["lifecycle"]["mql"] = "predictive_grade == 'A'"
    data["predictive"] = sm.to_dict(scorer.model_)
    pb = sm.Playbook.from_dict(data)
    ranked = sorted(X, key=lambda r: scorer.model_.predict(r).probability)
    leads = [
        sm.Lead.new(
            f"L-{i}", at=t0, fields={k: v for k, v in row.items() if v is not None and v == v}
        )
        for i, row in enumerate((ranked[0], ranked[-1]))
    ]
    acts = [sm.Activity(lead.id, "page_view", t0) for lead in leads]
    assert [pb.advance(lead, acts, at=t0).stage for lead in leads] == ["prospect", "mql"]


def test_leak_suspects_are_fields_recorded_because_of_the_outcome() -> None:
    """A field present only for converted leads is a suspect; a unique id is not."""
    X, y = synthetic(400)
    rows = [
        {**r, "email": f"{i}@x.io", **({"budget": 10.0} if label else {})}
        for i, (r, label) in enumerate(zip(X, y, strict=True))
    ]
    assert list(sm.predict.leak_suspects(rows, y)) == ["budget"]


class TestCommands:
    def write_files(self, folder: Path, n: int = 120, words: bool = False) -> tuple[Path, Path]:
        folder.mkdir(exist_ok=True)
        rng = random.Random(1)
        leads = ["id,created_at,source,industry,size,Converted,budget"]
        history = ["lead_id,from_stage,to_stage,trigger,at"]
        for i in range(n):
            industry = rng.choice(["saas", "retail"])
            won = rng.random() < (0.7 if industry == "saas" else 0.2)
            label = ("yes" if won else "no") if words and i % 2 else int(won)
            leads.append(
                f"L-{i},2026-01-01T00:00:00+00:00,web,{industry},{rng.randint(1, 99)},{label},"
                + ("500" if won else "")
            )
            history.append(f"L-{i},suspect,prospect,engage,2026-01-02T00:00:00+00:00")
            history.append(f"L-{i},prospect,mql,qualify,2026-01-03T00:00:00+00:00")
            if won:
                history.append(f"L-{i},mql,sql,accept,2026-01-04T00:00:00+00:00")
        (folder / "leads.csv").write_text("\n".join(leads) + "\n")
        (folder / "history.csv").write_text("\n".join(history) + "\n")
        return folder / "leads.csv", folder / "history.csv"

    def test_train_writes_a_model_a_playbook_can_name(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """smarketing train ... -o model.json; [predictive] model = "model.json" reads it."""
        from smarketing.cli import main

        leads, history = self.write_files(tmp_path)
        out = tmp_path / "model.json"
        args = [str(leads), "--history", str(history), "--outcome", "sql", "-o", str(out)]
        assert main(["train", *args]) == 0
        captured = capsys.readouterr()
        assert "trained on 120 leads" in captured.out
        assert "'budget' is a likely leak" in captured.err
        assert main(["train", *args, "--at", "2026-01-03T12:00:00+00:00"]) == 0
        (tmp_path / "pb.toml").write_text('[predictive]\nmodel = "model.json"\n')
        pb = sm.Playbook.from_toml(tmp_path / "pb.toml")
        assert pb.predictive is not None and "industry" in pb.predictive.fields
        assert main(["train", *args[:-1], str(tmp_path / "model.csv")]) == 2

    def test_evaluate_compares_the_hand_set_and_learned_scores(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """smarketing evaluate LEADS --outcome-column Converted: both scores' AUC and lift."""
        from smarketing.cli import main

        leads, _ = self.write_files(tmp_path, words=True)
        at = ["--at", "2026-02-01T00:00:00+00:00", "--folds", "3"]
        assert main(["evaluate", str(leads), "--outcome-column", "Converted", *at]) == 0
        text = capsys.readouterr().out
        assert "## The hand-set score" in text and "## A learned score (additive" in text
        assert text.count("**ROC AUC") == 2
        model = tmp_path / "model.json"
        train = self.write_files(tmp_path / "train")
        main(
            [
                "train",
                str(train[0]),
                "--history",
                str(train[1]),
                "--outcome",
                "sql",
                "-o",
                str(model),
            ]
        )
        (tmp_path / "pb.toml").write_text('[predictive]\nmodel = "model.json"\n')
        report = tmp_path / "report.md"
        argv = ["evaluate", str(leads), "--outcome-column", "Converted", *at, "-o", str(report)]
        assert main([*argv, "--playbook", str(tmp_path / "pb.toml")]) == 0
        assert "## The playbook's learned model" in report.read_text()
        assert "- `budget`: ROC AUC 1.000 alone" in report.read_text()
        capsys.readouterr()
        assert main(["evaluate", str(leads), "--outcome-column", "Nope", *at]) == 2
        assert "no column 'Nope'" in capsys.readouterr().err
        bad = tmp_path / "bad.csv"
        bad.write_text(leads.read_text().replace(",yes,", ",maybe,", 1))
        assert main(["evaluate", str(bad), "--outcome-column", "Converted", *at]) == 2
        assert "'maybe'" in capsys.readouterr().err

    def test_evaluate_names_no_leak_where_there_is_none(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without the budget column (known only for the won leads) no field is a leak."""
        from smarketing.cli import main

        leads, _ = self.write_files(tmp_path, n=60)
        lines = leads.read_text().splitlines()
        leads.write_text("".join(line.rsplit(",", 1)[0] + "\n" for line in lines))
        at = ["--at", "2026-02-01T00:00:00+00:00", "--folds", "3"]
        assert main(["evaluate", str(leads), "--outcome-column", "Converted", *at]) == 0
        text = capsys.readouterr().out
        assert text.count("**ROC AUC") == 2
        assert "## Likely leaks" not in text and "budget" not in text


class TestEdges:
    def test_odd_tables_are_read_or_rejected(self) -> None:
        """Ragged rows and 2-D outcomes are errors; numpy scalars are numbers."""
        with pytest.raises(sm.ValidationError, match="a DataFrame, a list of fact mappings"):
            LeadScorer().fit([[1, 2], [1]], [0, 1])
        with pytest.raises(sm.ValidationError, match="one outcome per row"):
            LeadScorer().fit([{"a": 1}, {"a": 2}], [[0, 1], [1, 0]])
        X = [{"a": np.float64(i), "b": None if i % 3 else np.str_("x")} for i in range(40)]
        y = [i % 2 for i in range(40)]
        model = LeadScorer(kind="naive_bayes").fit(X, y).model_
        assert [s.bins.kind for s in model.shapes] == ["number", "category"]
        with pytest.raises(sm.ValidationError, match=r"column 'a' mixes .* \(row 2"):
            LeadScorer().fit([{"a": None}, {"a": 1}, {"a": "x"}], [0, 1, 0])

    def test_a_field_with_no_signal_puts_every_lead_in_one_grade(self) -> None:
        """When every lead gets the same probability, grade thresholds cannot part them."""
        X = [{"a": "x"}] * 4
        scorer = LeadScorer(kind="naive_bayes").fit(X, [0, 1, 0, 1])
        assert {p.grade for p in scorer.explain(X)} == {"C"}
        assert dict(scorer.model_.grades) == {"C": 0.5, "D": 0.0}

    def test_two_leads_are_enough_to_fit(self) -> None:
        """With too few rows to hold any out, boosting stops on the training loss."""
        scorer = LeadScorer(max_rounds=5, bags=1).fit([{"a": 1.0}, {"a": 2.0}], [0, 1])
        assert scorer.predict([{"a": 2.0}])[0] == 1

    def test_not_fitted_without_scikit_learn(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without scikit-learn loaded, the error is smarketing's own."""
        import sys

        monkeypatch.delitem(sys.modules, "sklearn.exceptions")
        with pytest.raises(sm.ValidationError) as info:
            LeadScorer().predict_proba([{"a": 1}])
        assert type(info.value).__module__ == "smarketing.predict"
        assert isinstance(info.value, AttributeError)

    def test_an_evaluation_without_grades_has_no_grade_table(self) -> None:
        """to_markdown() leaves out what is not there."""
        text = Evaluation.from_scores([0, 1, 1], [1, 2, 3]).to_markdown()
        assert "| grade |" not in text and "| decile |" in text

    def test_an_absolute_model_path_is_read_as_it_is(self, tmp_path: Path) -> None:
        """[predictive] model may be an absolute path; from_dict without a source too."""
        model = LeadScorer(kind="naive_bayes").fit([{"a": 1}, {"a": 2}], [0, 1]).model_
        path = tmp_path / "m.json"
        path.write_text(__import__("json").dumps(sm.to_dict(model)))
        pb = sm.Playbook.from_dict({"predictive": {"model": str(path)}})
        assert pb.predictive == model
