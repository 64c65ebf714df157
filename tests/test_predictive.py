"""The learned score as plain data: slots, sums that explain themselves, exact round trips."""

from __future__ import annotations

import json
import math
import pickle
from bisect import bisect_right
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import smarketing as sm
from smarketing.predictive import MISSING, OTHER

numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
edges = st.lists(numbers, max_size=6, unique=True).map(lambda xs: tuple(sorted(xs)))
levels = st.lists(st.text(min_size=1, max_size=5), max_size=5, unique=True).map(tuple)
scores = st.floats(min_value=-5, max_value=5, allow_nan=False)


@st.composite
def bins(draw: st.DrawFn, name: str) -> sm.Bins:
    if draw(st.booleans()):
        return sm.Bins(name, levels=draw(levels.filter(bool)))
    return sm.Bins(name, edges=draw(edges))


@st.composite
def models(draw: st.DrawFn) -> sm.PredictiveModel:
    names = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4, unique=True))
    shapes = []
    for name in names:
        b = draw(bins(name))
        shapes.append(sm.Shape(b, draw(st.lists(scores, min_size=b.size, max_size=b.size))))
    pairs = []
    if len(names) >= 2 and draw(st.booleans()):
        left, right = draw(bins(names[0])), draw(bins(names[1]))
        size = left.size * right.size
        pairs.append(sm.Pair(left, right, draw(st.lists(scores, min_size=size, max_size=size))))
    base = draw(scores)
    return sm.PredictiveModel(base=base, shapes=shapes, pairs=pairs)


facts_values = st.one_of(st.none(), numbers, st.text(max_size=5), st.just(math.nan), st.booleans())
facts = st.dictionaries(st.sampled_from("abcdef"), facts_values)


def company_model() -> sm.PredictiveModel:
    size = sm.Bins("company_size", edges=(50, 200))
    industry = sm.Bins("industry", levels=("saas", "retail"))
    return sm.PredictiveModel(
        base=-2.0,
        shapes=[
            sm.Shape(size, scores=(0.0, -0.1, -0.5, 0.2, 0.9)),
            sm.Shape(industry, scores=(0.1, -0.2, 0.7, -0.4)),
        ],
        pairs=[sm.Pair(size, industry, scores=[0.01 * i for i in range(20)])],
        grades={"A": 0.5, "B": 0.2, "C": 0.0},
    )


class TestBins:
    @given(edges, numbers)
    def test_a_number_falls_in_the_bin_bisect_finds(
        self, cuts: tuple[float, ...], x: float
    ) -> None:
        """Slot 2 + bisect_right(edges, x): a value on an edge belongs to the bin above it."""
        assert sm.Bins("n", edges=cuts).slot(x) == 2 + bisect_right(cuts, x)

    def test_unknown_and_foreign_values_have_their_own_slots(self) -> None:
        """None and NaN are missing; text in a number field, an unseen level, are other."""
        number, category = sm.Bins("n", edges=(1.0,)), sm.Bins("c", levels=("x", "true"))
        assert [number.slot(v) for v in (None, math.nan, "1", True, 0, 1)] == [
            MISSING,
            MISSING,
            OTHER,
            OTHER,
            2,
            3,
        ]
        assert [category.slot(v) for v in (None, "y", "x", True)] == [MISSING, OTHER, 2, 3]

    def test_slots_have_readable_labels(self) -> None:
        """Ranges for numbers, levels for categories."""
        number = sm.Bins("n", edges=(1.0, 2.5))
        assert [number.label(i) for i in range(number.size)] == [
            "missing",
            "other",
            "[-inf, 1)",
            "[1, 2.5)",
            "[2.5, inf)",
        ]
        assert sm.Bins("c", levels=("x",)).label(2) == "x"
        assert (number.kind, sm.Bins("c", levels=("x",)).kind) == ("number", "category")

    @pytest.mark.parametrize(
        ("kwargs", "words"),
        [
            ({"field": ""}, "field name"),
            ({"field": "n", "edges": (1, 2), "levels": ("a",)}, "not both"),
            ({"field": "n", "edges": (2, 1)}, "strictly increasing"),
            ({"field": "n", "levels": ("a", "a")}, "distinct"),
            ({"field": "n", "levels": (1,)}, "text"),
            ({"field": "n", "levels": "ab"}, "a list"),
            ({"field": "n", "edges": (math.inf,)}, "finite"),
            ({"field": "n", "edges": 3}, "a list"),
        ],
    )
    def test_bad_bins_are_rejected_by_name(self, kwargs: dict[str, object], words: str) -> None:
        """Each mistake is a ConfigError (a bad definition) saying what was expected."""
        with pytest.raises(sm.ConfigError, match=words):
            sm.Bins(**kwargs)  # type: ignore[arg-type]


class TestModel:
    @given(models(), facts)
    def test_contributions_sum_with_the_base_to_the_log_odds(
        self, model: sm.PredictiveModel, given_facts: dict[str, object]
    ) -> None:
        """probability = sigmoid(base + sum of contributions), one per shape and pair."""
        p = model.predict(given_facts)
        assert set(p.contributions) == {s.name for s in model.shapes} | {
            q.name for q in model.pairs
        }
        assert p.probability == pytest.approx(1 / (1 + math.exp(-p.log_odds)), abs=1e-12)
        assert p.grade == model.grade(p.probability)

    @given(models(), facts)
    def test_each_contribution_is_its_slots_score(
        self, model: sm.PredictiveModel, given_facts: dict[str, object]
    ) -> None:
        """The compiled look-ups agree with Bins.slot, the readable definition."""
        p = model.predict(given_facts)
        for shape in model.shapes:
            expected = shape.scores[shape.bins.slot(given_facts.get(shape.name))]
            assert p.contributions[shape.name] == expected
        for pair in model.pairs:
            i = pair.left.slot(given_facts.get(pair.left.field))
            j = pair.right.slot(given_facts.get(pair.right.field))
            assert p.contributions[pair.name] == pair.scores[i * pair.right.size + j]

    @given(models())
    def test_models_round_trip_through_json_and_pickle(self, model: sm.PredictiveModel) -> None:
        """from_dict(json(to_dict(model))) == model, and it predicts the same."""
        back = sm.from_dict(sm.PredictiveModel, json.loads(json.dumps(sm.to_dict(model))))
        assert back == model
        assert pickle.loads(pickle.dumps(model)) == model
        assert back.predict({}).probability == model.predict({}).probability

    def test_a_lead_is_scored_on_its_fields(self, t0: datetime) -> None:
        """A Lead gives its field values; numpy-like number subclasses are numbers."""
        model = company_model()
        lead = sm.Lead.new("L-1", at=t0, fields={"company_size": 250, "industry": "saas"})
        p = model.predict(lead)
        assert p.contributions["company_size"] == 0.9
        assert p.contributions["industry"] == 0.7
        assert p.contributions["company_size x industry"] == pytest.approx(0.01 * (4 * 4 + 2))

        class Number(float):
            pass

        assert model.predict({"company_size": Number(250)}).contributions["company_size"] == 0.9
        assert model.predict({"company_size": True}).contributions["company_size"] == -0.1

    def test_predictions_explain_themselves_and_give_facts(self) -> None:
        """explain() lists the contributions, largest first; facts() feed MQL definitions."""
        p = company_model().predict({"company_size": 10, "industry": "saas"})
        text = p.explain()
        assert text.splitlines()[0].startswith(f"probability {p.probability:.3f}")
        assert [line.split()[-1] for line in text.splitlines()[1:3]] == ["industry", "company_size"]
        assert p.facts() == {"probability": p.probability, "predictive_grade": p.grade}
        assert sm.from_dict(sm.Prediction, json.loads(json.dumps(sm.to_dict(p)))) == p

    def test_grades_are_the_highest_threshold_reached(self) -> None:
        """A probability below every threshold gets the lowest grade."""
        model = sm.PredictiveModel(base=0.0, grades={"A": 0.5, "B": 0.2})
        assert [model.grade(p) for p in (0.9, 0.5, 0.3, 0.1)] == ["A", "A", "B", "B"]
        assert model.fields == frozenset()
        assert company_model().fields == {"company_size", "industry"}

    @pytest.mark.parametrize(
        ("make", "words"),
        [
            (lambda: sm.PredictiveModel(base="1"), "finite number"),
            (lambda: sm.PredictiveModel(base=0, shapes="ab"), "a list of Shape"),
            (lambda: sm.PredictiveModel(base=0, pairs=[1]), "a Pair"),
            (lambda: sm.PredictiveModel(base=0, grades={}), "mapping"),
            (lambda: sm.PredictiveModel(base=0, grades={"": 0.1}), "grade name"),
            (lambda: sm.PredictiveModel(base=0, grades={"A": 2}), "between 0 and 1"),
            (lambda: sm.PredictiveModel(base=0, grades={"A": 0.1, "B": 0.1}), "distinct"),
            (
                lambda: sm.PredictiveModel(base=0, shapes=[sm.Shape(sm.Bins("a"), (0, 0, 0))] * 2),
                "one shape per field",
            ),
            (lambda: sm.Shape(sm.Bins("a"), (0.0,)), "3 scores"),
            (lambda: sm.Shape("a", (0.0,)), "a Bins"),  # type: ignore[arg-type]
            (lambda: sm.Pair(sm.Bins("a"), "b", ()), "a Bins"),  # type: ignore[arg-type]
            (lambda: sm.Pair(sm.Bins("a"), sm.Bins("a"), ()), "other than"),
            (lambda: sm.Pair(sm.Bins("a"), sm.Bins("b"), (0.0,)), "9 scores"),
        ],
    )
    def test_bad_models_are_rejected(self, make: object, words: str) -> None:
        """A model built from malformed parts is a ConfigError naming the part."""
        with pytest.raises(sm.ConfigError, match=words):
            make()  # type: ignore[operator]

    def test_predicting_from_something_else_is_bad_input(self) -> None:
        """A lead or a mapping of facts goes in; anything else is a ValidationError."""
        with pytest.raises(sm.ValidationError, match="a Lead or a mapping"):
            company_model().predict(["a"])  # type: ignore[arg-type]

    def test_malformed_data_names_its_path(self) -> None:
        """from_dict reports where inside the data the problem is."""
        data = sm.to_dict(company_model())
        data["shapes"][0]["scores"] = ["x"] * 5
        with pytest.raises(sm.ValidationError, match="PredictiveModel"):
            sm.from_dict(sm.PredictiveModel, data)


def learned_playbook(model: sm.PredictiveModel) -> sm.Playbook:
    data = sm.Playbook.default().to_dict()
    data["lifecycle"]["mql"] = "predictive_grade in ('A', 'B') and probability >= 0.3"
    data["predictive"] = sm.to_dict(model)
    return sm.Playbook.from_dict(data)


class TestPlaybook:
    def test_a_learned_model_drives_advance(self, t0: datetime) -> None:
        """An MQL definition on probability and predictive_grade qualifies the likely lead."""
        pb = learned_playbook(company_model())
        likely = sm.Lead.new("L-1", at=t0, fields={"company_size": 250, "industry": "saas"})
        unlikely = sm.Lead.new("L-2", at=t0, fields={"company_size": 10, "industry": "retail"})
        visit = [sm.Activity("L-1", "page_view", t0), sm.Activity("L-2", "page_view", t0)]
        assert pb.advance(likely, visit, at=t0).stage == "mql"
        assert pb.advance(unlikely, visit, at=t0).stage == "prospect"
        stages = [x.stage for x in pb.advance_many([likely, unlikely], visit, at=t0)]
        assert stages == ["mql", "prospect"]

    def test_assessments_carry_and_explain_the_learned_score(self, t0: datetime) -> None:
        """a.prediction holds the learned score; explain() shows it beside the hand-set points."""
        model = company_model()
        pb = learned_playbook(model)
        lead = sm.Lead.new("L-1", at=t0, fields={"company_size": 250, "industry": "saas"})
        a = pb.assess(lead, [], at=t0)
        assert a.prediction == model.predict(lead)
        text = a.explain()
        assert "Learned score:" in text and text.index("score ") < text.index("Learned score:")
        many = list(pb.assess_many([lead], [], at=t0))
        assert many[0].prediction == a.prediction
        assert sm.from_dict(sm.Assessment, json.loads(json.dumps(sm.to_dict(a)))) == a
        assert sm.Playbook.default().assess(lead, [], at=t0).prediction is None

    def test_the_model_sees_only_what_was_known_at_the_time(self, t0: datetime) -> None:
        """Facts learned and activities after `at` are not given to the model."""
        from datetime import timedelta

        pb = learned_playbook(company_model())
        lead = sm.Lead.new("L-1", at=t0, fields={"industry": "saas"})
        lead = lead.learn({"company_size": 250}, at=t0 + timedelta(days=2))
        early = pb.assess(lead, [], at=t0 + timedelta(days=1)).prediction
        assert early is not None and early.contributions["company_size"] == 0.0  # missing

    def test_the_section_round_trips_and_can_name_a_file(self, tmp_path: object) -> None:
        """pb.to_dict() carries the model's data; a TOML file may point at a JSON file."""
        from pathlib import Path

        folder = Path(str(tmp_path))
        model = company_model()
        pb = learned_playbook(model)
        assert sm.Playbook.from_dict(pb.to_dict()) == pb
        (folder / "model.json").write_text(json.dumps(sm.to_dict(model)))
        toml = '[predictive]\nmodel = "model.json"\n'
        (folder / "playbook.toml").write_text(toml)
        assert sm.Playbook.from_toml(folder / "playbook.toml").predictive == model

    @pytest.mark.parametrize(
        ("section", "words"),
        [
            ({"model": "missing.json"}, "cannot read the model file"),
            ({"model": "bad.json"}, "is not a JSON model"),
            ({"model": "model.json", "base": 1}, "not both"),
            ({"base": "x"}, "predictive.base: expected a number"),
            ({"base": 1, "grades": {"A": 2}}, "predictive: cannot read a PredictiveModel"),
            ({"shapes": [1]}, "expected a table"),
        ],
    )
    def test_a_bad_section_names_its_key(
        self, tmp_path: object, section: object, words: str
    ) -> None:
        """A bad predictive section is a ConfigError naming the key."""
        from pathlib import Path

        folder = Path(str(tmp_path))
        (folder / "bad.json").write_text("{not json")
        with pytest.raises(sm.ConfigError, match=words):
            sm.Playbook.from_dict({"predictive": section}, source=str(folder / "pb.toml"))

    def test_rules_may_read_the_learned_facts_only_with_a_model(self) -> None:
        """Without a predictive section, an MQL definition on probability is an unknown fact."""
        with pytest.raises(sm.ConfigError, match="probability"):
            sm.Playbook.from_dict({"lifecycle": {"mql": "probability >= 0.5"}})
        pb = sm.Playbook.default()
        with pytest.raises(sm.ConfigError, match="PredictiveModel or None"):
            sm.Playbook(pb.lifecycle, pb.scoring, pb.personas, predictive="x")  # type: ignore[arg-type]
