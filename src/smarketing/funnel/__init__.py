"""Funnel, velocity and SLA analytics over lead histories: the numbers both teams share.

`funnel_report` reads each lead's stage changes once (and the activities once, for the SLA)
and returns a frozen `FunnelReport`: how many leads reached each stage inside a window, how
many went on, how long they stayed, why sales handed them back, which sit past their stage's
`max_age`, and whether sales followed up on new MQLs in time.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> lc = sm.Lifecycle.default()
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> ana = lc.fire(sm.Lead.new("L-1", at=t0), "engage", at=t0 + timedelta(days=2))
>>> bo = sm.Lead.new("L-2", at=t0 + timedelta(days=1))
>>> r = sm.funnel_report([ana, bo], lifecycle=lc, start=t0, end=t0 + timedelta(days=30))
>>> r.reached("suspect"), r.conversion("suspect", "prospect"), r.velocity("suspect")
(2, 0.5, datetime.timedelta(days=2))

Counting rules, stated once here and in the funnel guide:

* Only events inside the window ``[start, end]`` (both ends included) count. A lead's creation
  is its entry into its initial stage; each stage change is an exit and an entry. Leads created
  after ``end`` are not part of the report at all.
* By default a lead counts once per stage: its first entry inside the window. With
  ``count_returns=True`` every entry counts, so a lead that is recycled and comes back to
  ``mql`` counts twice there.
* Counts with no data are 0; rates and times with no data are ``None``.
"""

from __future__ import annotations

from smarketing.funnel import _data as _data  # the report's shape, for the converter
from smarketing.funnel._compute import funnel_report
from smarketing.funnel._report import Dimension as Dimension  # what `by` takes
from smarketing.funnel._report import FunnelReport, TimeInStage
from smarketing.funnel._sla import DEFAULT_TOUCH_KINDS, SLA, SLABreach, SLASummary

__all__ = [
    "DEFAULT_TOUCH_KINDS",
    "SLA",
    "FunnelReport",
    "SLABreach",
    "SLASummary",
    "TimeInStage",
    "funnel_report",
]
