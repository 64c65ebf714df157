"""Learned scores on the bank-marketing data, beside scikit-learn, on the same folds.

5-fold StratifiedKFold (shuffle, random_state=0) over the 41,188 contacts, `duration` left out
(it is known only after the call): ROC AUC, Brier and fit time of

- LeadScorer(kind="additive") and LeadScorer(kind="naive_bayes"),
- LogisticRegression on one-hot categories (min_frequency 10) and scaled numbers,
- HistGradientBoostingClassifier with native categoricals.

Then the leak: the additive scorer and gradient boosting again with `duration`. Last,
`PredictiveModel.predict` per lead against the leanest plain code doing the same work: a
hand-written sum of dict and bisect look-ups building the same contributions dict.

Run: .venv/bin/python benchmarks/bench_predict.py [--quick]   (--quick: 2 folds, no leak run)
"""

from __future__ import annotations

import csv
import math
import sys
import time
import warnings
from bisect import bisect_right
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from smarketing.predict import LeadScorer

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bank-marketing.csv"
NUMBERS = ("age", "duration", "campaign", "pdays", "previous")


def read_bank(path: Path = DATA) -> tuple[list[str], list[dict[str, str]], np.ndarray]:
    """The header (without the outcome), the raw rows, and the 0/1 outcome."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        raw = list(reader)
        header = [c for c in reader.fieldnames or () if c != "output"]
    return header, raw, np.array([int(r["output"] == "yes") for r in raw])


def facts(raw: list[dict[str, str]], columns: list[str]) -> list[dict[str, object]]:
    """Rows as fact mappings: numbers as numbers, `unknown` and pdays=999 left out (unknown)."""
    out = []
    for row in raw:
        lead: dict[str, object] = {}
        for key in columns:
            text = row[key]
            if text == "unknown" or (key == "pdays" and text == "999"):
                continue
            lead[key] = float(text) if key in NUMBERS else text
        out.append(lead)
    return out


def table(raw: list[dict[str, str]], columns: list[str]) -> tuple[np.ndarray, int, int]:
    """The raw file as scikit-learn's reference figures read it: numbers, then categories."""
    numbers = [c for c in columns if c in NUMBERS]
    texts = [c for c in columns if c not in NUMBERS]
    data = [[float(r[c]) for c in numbers] + [r[c] for c in texts] for r in raw]
    return np.array(data, dtype=object), len(numbers), len(texts)


def logistic(n_num: int, n_cat: int) -> Any:
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), list(range(n_num))),
            (
                "cat",
                OneHotEncoder(min_frequency=10, handle_unknown="infrequent_if_exist"),
                list(range(n_num, n_num + n_cat)),
            ),
        ]
    )
    return make_pipeline(pre, LogisticRegression(max_iter=2000))


def boosting(n_num: int, n_cat: int) -> Any:
    pre = ColumnTransformer(
        [
            ("num", "passthrough", list(range(n_num))),
            (
                "cat",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
                list(range(n_num, n_num + n_cat)),
            ),
        ]
    )
    model = HistGradientBoostingClassifier(
        categorical_features=list(range(n_num, n_num + n_cat)), random_state=0
    )
    return make_pipeline(pre, model)


def run(raw: list[dict[str, str]], y: np.ndarray, columns: list[str], folds: int) -> None:
    rows = facts(raw, columns)
    both, n_num, n_cat = table(raw, columns)
    models = {
        "LeadScorer additive": lambda: LeadScorer(kind="additive", random_state=0),
        "LeadScorer naive_bayes": lambda: LeadScorer(kind="naive_bayes"),
        "LogisticRegression": lambda: logistic(n_num, n_cat),
        "HistGradientBoosting": lambda: boosting(n_num, n_cat),
    }
    results: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in models}
    split = StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(both, y)
    for k, (train, test) in enumerate(split):
        if k >= folds:
            break
        for name, make in models.items():
            model = make()
            if name.startswith("LeadScorer"):
                x_train: Any = [rows[i] for i in train]
                x_test: Any = [rows[i] for i in test]
            else:
                x_train, x_test = both[train], both[test]
            start, cpu = time.perf_counter(), time.process_time()
            model.fit(x_train, y[train])
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            p = model.predict_proba(x_test)[:, 1]
            auc, brier = roc_auc_score(y[test], p), brier_score_loss(y[test], p)
            results[name].append((auc, brier, seconds, cpu))
    # Wall time depends on what else runs on the machine; CPU time (all threads) less so.
    print(f"| model ({folds} folds) | ROC AUC (mean ± std) | Brier | fit s wall | fit s CPU |")
    print("|---|---|---|---|---|")
    for name, rs in results.items():
        auc = np.array([r[0] for r in rs])
        print(
            f"| {name} | {auc.mean():.4f} ± {auc.std():.4f} | "
            f"{np.mean([r[1] for r in rs]):.4f} | {np.mean([r[2] for r in rs]):.1f} | "
            f"{np.mean([r[3] for r in rs]):.1f} |",
            flush=True,
        )


def bench_predict(raw: list[dict[str, str]], y: np.ndarray, columns: list[str]) -> None:
    x = facts(raw, columns)
    model = LeadScorer(kind="additive", random_state=0).fit(x[:20000], y[:20000]).model_
    leads = x[20000:30000]
    # The baseline: the same look-ups, hand-written over plain dicts and lists.
    tables = []
    for shape in model.shapes:
        levels = {level: i + 2 for i, level in enumerate(shape.bins.levels)}
        tables.append((shape.name, levels or None, list(shape.bins.edges), list(shape.scores)))
    pairs = [
        (
            p.name,
            p.left.field,
            p.left.slot,
            p.right.field,
            p.right.slot,
            p.right.size,
            list(p.scores),
        )
        for p in model.pairs
    ]
    base = model.base

    def baseline(facts: dict[str, object]) -> tuple[float, dict[str, float]]:
        contributions = {}
        z = base
        for name, levels, edges, scores in tables:
            value = facts.get(name)
            if value is None:
                points = scores[0]
            elif levels is not None:
                points = scores[levels.get(value, 1)]  # type: ignore[call-overload]
            else:
                points = scores[2 + bisect_right(edges, value)]  # type: ignore[arg-type]
            contributions[name] = points
            z += points
        for name, left, left_slot, right, right_slot, width, scores in pairs:
            points = scores[left_slot(facts.get(left)) * width + right_slot(facts.get(right))]
            contributions[name] = points
            z += points
        return 1.0 / (1.0 + math.exp(-z)), contributions

    for lead in leads[:50]:  # the same answers
        assert abs(baseline(lead)[0] - model.predict(lead).probability) < 1e-12
    timings = {}
    for name, fn in (("baseline", baseline), ("PredictiveModel.predict", model.predict)):
        best = math.inf
        for _ in range(5):
            start = time.perf_counter()
            for lead in leads:
                fn(lead)
            best = min(best, time.perf_counter() - start)
        timings[name] = best / len(leads) * 1e6
    ratio = timings["PredictiveModel.predict"] / timings["baseline"]
    print(
        f"predict per lead: {timings['PredictiveModel.predict']:.2f} µs, hand-written look-ups "
        f"{timings['baseline']:.2f} µs: ratio {ratio:.2f} ({len(model.shapes)} fields, "
        f"{len(model.pairs)} pairs)"
    )


def main() -> None:
    # scikit-learn 1.9's ColumnTransformer warns about its own joblib use; not ours to fix.
    warnings.filterwarnings("ignore", message=".*sklearn.utils.parallel.delayed.*")
    quick = "--quick" in sys.argv
    header, raw, y = read_bank()
    columns = [c for c in header if c != "duration"]
    print(f"bank-marketing: {len(raw)} contacts, {y.mean():.1%} subscribed\n")
    print("Without `duration` (known only after the call):")
    run(raw, y, columns, 2 if quick else 5)
    if not quick:
        print("\nWith `duration`: the leak (the AUC jumps; the score cannot be that good in use):")
        run(raw, y, header, 5)
    print()
    bench_predict(raw, y, columns)


if __name__ == "__main__":
    main()
