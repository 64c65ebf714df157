"""Lead scoring: fit (who the lead is) and engagement (what the lead did), kept apart.

Fit rules are conditions over the lead's facts; engagement rules count activities of a kind,
decayed by age, inside a look-back window, capped per rule, per group and in total, with a
floor. Scores are computed at read time from the rules, the lead and its activities, so a rule
change re-scores everyone on the next call and nothing needs a nightly job.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> model = sm.ScoringModel(
...     fit=[sm.FitRule("software company", sm.field("industry") == "software", points=15)],
...     engagement=[sm.EngagementRule("demo request", kind="demo_request", points=30,
...                                   half_life=timedelta(days=30))],
... )
>>> t = datetime(2026, 3, 2, tzinfo=timezone.utc)
>>> lead = sm.Lead.new("L-1", at=t - timedelta(days=60), fields={"industry": "software"})
>>> demo = sm.Activity("L-1", "demo_request", t - timedelta(days=30))
>>> s = model.score(lead, [demo], at=t)
>>> s.total, s.grade
(30.0, 'C')
>>> print(s.explain())
score 30 = fit 15 + engagement 15, grade C
  fit         +15  software company
  engagement  +15  demo request (1 activity)
"""

from __future__ import annotations

from smarketing.scoring import _data as _data  # the values' shapes, for the converter
from smarketing.scoring._common import DEFAULT_GRADES as DEFAULT_GRADES  # kept importable
from smarketing.scoring._common import LETTER_GRADES as LETTER_GRADES  # kept importable
from smarketing.scoring._common import ContributionKind as ContributionKind  # smarketing.typing
from smarketing.scoring._grades import GradeCriterion, LetterGrading
from smarketing.scoring._model import ScoringModel
from smarketing.scoring._model import _Fit as _Fit  # the backtest replays fit sides
from smarketing.scoring._rules import EngagementRule, FitRule
from smarketing.scoring._score import Contribution, Score
from smarketing.scoring._score import _make_score as _make_score  # the backtest builds scores

__all__ = [
    "Contribution",
    "EngagementRule",
    "FitRule",
    "GradeCriterion",
    "LetterGrading",
    "Score",
    "ScoringModel",
]
