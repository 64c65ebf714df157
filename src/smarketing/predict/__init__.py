"""Learned lead scores: train, explain and evaluate them, and check the hand-set rules.

``pip install "smarketing[predict]"`` (numpy). The fitted model, ``scorer.model_``, is a
:class:`~smarketing.PredictiveModel`: plain frozen data that the pure core applies without
numpy, that round-trips through :func:`~smarketing.to_dict` and that a playbook's
``predictive`` section carries.

>>> import random
>>> from smarketing.predict import LeadScorer
>>> rng = random.Random(0)
>>> X = [{"size": rng.randint(1, 500), "industry": rng.choice(["saas", "retail"])}
...      for _ in range(400)]
>>> y = [int(rng.random() < (0.6 if x["industry"] == "saas" else 0.1)) for x in X]
>>> scorer = LeadScorer(random_state=0).fit(X, y)
>>> p = scorer.model_.predict({"size": 40, "industry": "saas"})
>>> p.contributions["industry"] > 0
True
"""

from smarketing.predict._audit import Audit, RuleAudit, audit
from smarketing.predict._evaluate import (
    CalibrationBin,
    Decile,
    Evaluation,
    GradeRow,
    evaluate,
    leak_suspects,
    roc_auc,
    stratified_folds,
)
from smarketing.predict._inputs import DataConversionWarning
from smarketing.predict._inputs import Floats as Floats
from smarketing.predict._inputs import Ints as Ints
from smarketing.predict._scorer import LeadScorer

# The not-fitted error is named as this module's (pickling finds it here).
from smarketing.predict._scorer import _NotFittedError as _NotFittedError
from smarketing.predict._training import TrainingSet, training_set

__all__ = [
    "Audit",
    "CalibrationBin",
    "DataConversionWarning",
    "Decile",
    "Evaluation",
    "GradeRow",
    "LeadScorer",
    "RuleAudit",
    "TrainingSet",
    "audit",
    "evaluate",
    "leak_suspects",
    "roc_auc",
    "stratified_folds",
    "training_set",
]
