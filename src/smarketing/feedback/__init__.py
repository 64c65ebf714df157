"""The feedback loop: what sales did with marketing's MQLs, traced back to the definitions.

Marketing hands leads over when its definitions say so; sales accepts them, recycles them with
a reason, or rules them out. `feedback_report` reads every handoff (an entry into the MQL stage
inside the window) and what sales did next, and breaks the outcome down by what marketing
knew at the handoff: the MQL definition that fired, the persona, the source, the grade, each
fit rule that matched, each kind of activity the lead had done, and how soon sales first
touched it. `FeedbackReport.suggestions` turns the clearest differences into short sentences
that carry their counts, and only when the evidence is strong enough not to be noise.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> pb = sm.Playbook.default()
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> lead = sm.Lead.new("L-1", at=t0, fields={"email": "jo@gmail.com"}, source="webinar")
>>> lead = pb.lifecycle.fire(lead, "engage", at=t0, facts={"engagement": 5})
>>> lead = pb.lifecycle.fire(lead, "qualify", at=t0, facts={"score": 90, "grade": "A"})
>>> lead = pb.lifecycle.fire(lead, "recycle", at=t0 + timedelta(hours=5), reason="no budget")
>>> fb = sm.feedback_report([lead], [], playbook=pb, start=t0, end=t0 + timedelta(days=7))
>>> fb.overall.handoffs, fb.overall.accepted, fb.by_reason
(1, 0, {'no budget': 1})
>>> fb.by_rule["free e-mail address"].inside.rejected
(Reaction(stage='recycled', reason='no budget', count=1),)

Counting rules:

* A *handoff* is an entry into the MQL stage (``stage=``) inside ``[start, end]``; a lead
  handed over twice (recycled, then back) counts twice. Its *outcome* is the lead's next stage
  change by ``end``: into a later main-path stage is *accepted*, into any other stage is a
  *rejection* with that stage and its reason, and no change yet is *pending*.
* Rates are over the *decided* handoffs (accepted or rejected), so that recent, still
  pending handoffs do not dilute them. They are ``None`` when nothing was decided.
* What marketing knew is taken as of the handoff: the fields learned by then and the
  activities done by then, assessed with the playbook (score, grade, fit rules, persona).
"""

from __future__ import annotations

from smarketing.feedback._compute import feedback_report
from smarketing.feedback._report import (
    DIMENSIONS,
    Comparison,
    Definition,
    FeedbackReport,
    Group,
    Outcomes,
    Reaction,
    Suggestion,
)
from smarketing.feedback._report import FIRST_TOUCH as FIRST_TOUCH  # the buckets, in order
from smarketing.feedback._report import PlaybookLike as PlaybookLike  # the port it reads

__all__ = [
    "DIMENSIONS",
    "Comparison",
    "Definition",
    "FeedbackReport",
    "Group",
    "Outcomes",
    "Reaction",
    "Suggestion",
    "feedback_report",
]
