"""Scoring's values as data, in the playbook file's vocabulary (a rule's condition is `when`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from smarketing import _convert
from smarketing._convert import RAW, WHEN
from smarketing.scoring._grades import GradeCriterion, LetterGrading
from smarketing.scoring._model import ScoringModel
from smarketing.scoring._rules import EngagementRule, FitRule
from smarketing.scoring._score import Contribution, Score


@attrs.frozen
class _ScoreData:
    """A score as data: its contributions listed in full, so that errors name their path."""

    fit: Any
    engagement: Any
    total: Any
    grade: str
    contributions: list[Contribution]

    def score(self) -> Score:
        return Score(self.fit, self.engagement, self.total, self.grade, self.contributions)


@_convert.shapes(
    FitRule, EngagementRule, GradeCriterion, LetterGrading, ScoringModel, Contribution, Score
)
def _as_data(conv: cattrs.Converter) -> None:
    # Numbers reach the classes as they are in the data (RAW), so that "3" is reported.
    for rule in (FitRule, GradeCriterion):
        conv.register_unstructure_hook(rule, make_dict_unstructure_fn(rule, conv, condition=WHEN))
    conv.register_structure_hook(
        FitRule, make_dict_structure_fn(FitRule, conv, condition=WHEN, points=RAW)
    )
    conv.register_structure_hook(
        EngagementRule,
        make_dict_structure_fn(EngagementRule, conv, points=RAW, lose=RAW, max_count=RAW),
    )
    conv.register_structure_hook(
        GradeCriterion, make_dict_structure_fn(GradeCriterion, conv, condition=WHEN, thirds=RAW)
    )
    conv.register_structure_hook(
        Contribution, make_dict_structure_fn(Contribution, conv, points=RAW, count=RAW)
    )

    # Grades are thresholds ({"A": 40, ...}) or a letter grading ({"start", "criteria"}).
    def grades(value: object, _type: object) -> Mapping[str, Any] | LetterGrading:
        if isinstance(value, Mapping) and isinstance(value.get("criteria"), list):
            return conv.structure(value, LetterGrading)
        return _convert.structure_mapping(value, _type)

    conv.register_structure_hook_func(lambda t: t == Mapping[str, float] | LetterGrading, grades)
    conv.register_structure_hook(
        ScoringModel,
        make_dict_structure_fn(
            ScoringModel, conv, fit_cap=RAW, engagement_cap=RAW, group_caps=RAW, floor=RAW
        ),
    )
    # A score keeps its contributions compactly; its data lists them in full.
    conv.register_unstructure_hook(
        Score,
        lambda s: {
            "fit": s.fit,
            "engagement": s.engagement,
            "total": s.total,
            "grade": s.grade,
            "contributions": [conv.unstructure(c) for c in s.contributions],
        },
    )
    conv.register_structure_hook(
        Score, lambda v, _: _ScoreData.score(conv.structure(v, _ScoreData))
    )
