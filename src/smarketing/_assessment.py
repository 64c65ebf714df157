"""An assessment: where a lead stands under a playbook, and why (``Playbook.assess`` gives it).

It lives below the playbook so that the converter can write it without importing the facade.
"""

from __future__ import annotations

import attrs

from smarketing import _convert
from smarketing.personas import PersonaMatch
from smarketing.predictive import Prediction
from smarketing.profiling import FormPlan
from smarketing.scoring import Score

__all__ = ["Assessment"]


@attrs.frozen
class Assessment:
    """Where a lead stands under a playbook, and why.

    ``score`` is its :class:`~smarketing.Score`, ``persona`` its best
    :class:`~smarketing.PersonaMatch` (or ``None``), ``stage`` its stage, ``allowed`` the
    triggers that would succeed now, ``next_fields`` the :class:`~smarketing.FormPlan`
    for its next form, and ``qualifies`` the stage the definitions put it in now: where the
    automatic transitions would take it (its own stage when none applies). ``prediction`` is
    the playbook's learned score (:class:`~smarketing.Prediction`), when it has one.
    """

    lead_id: str
    score: Score
    persona: PersonaMatch | None
    stage: str
    allowed: tuple[str, ...]
    next_fields: FormPlan
    qualifies: str
    prediction: Prediction | None = None

    def explain(self) -> str:
        """A readable account: stage, score breakdown, persona, allowed triggers, next fields."""
        persona = self.persona.explain() if self.persona is not None else "no persona matches"
        lines = [
            f"Lead {self.lead_id}: stage {self.stage}",
            "",
            self.score.explain(),
            *(["", "Learned score:", self.prediction.explain()] if self.prediction else []),
            "",
            persona,
            "",
            "Allowed now: " + (", ".join(self.allowed) if self.allowed else "nothing"),
            *([f"Qualifies now for: {self.qualifies}"] if self.qualifies != self.stage else []),
            "",
            "Next form:",
            *("  " + line for line in self.next_fields.explain().splitlines()),
        ]
        return "\n".join(lines)


_convert.plain(Assessment)
