"""Backtests: what a changed lead definition would have done, replayed over the recorded past.

Scores are computed at read time from recorded activities and facts (each with its
``learned_at``), so the past can be replayed under any playbook. `backtest` replays every lead
in time order under a baseline and a candidate playbook; a lead becomes an MQL under a playbook
the first time the playbook's automatic transitions would take it there. The replay is exact:
the definition is evaluated at every recorded event (the lead's creation, an activity, a learned
fact) and, between events, at the first microsecond where decay, a look-back window or a cap
makes it change (`next_move`, the one place that answers "when does the definition next
change"; the demo's simulation uses it too, as a real-time CRM would).

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> pb = sm.Playbook.default()
>>> lead = sm.Lead.new("L-1", at=t0, fields={"job_title": "VP Marketing", "industry": "software"})
>>> demo = sm.Activity("L-1", "demo_request", t0 + timedelta(days=2))
>>> end = t0 + timedelta(days=30)
>>> bt = sm.backtest([lead], [demo], baseline=pb, candidate=pb, start=t0, end=end)
>>> bt.mqls
Compared(baseline=1, candidate=1)
>>> bt.leads[0].candidate == demo.at
True
"""

from smarketing.backtest import _data as _data  # the results' shapes, for the converter
from smarketing.backtest._moves import AutoMoves, next_move
from smarketing.backtest._replay import backtest
from smarketing.backtest._result import Backtest, Compared, LeadReplay, MQLChange, PlaybookResult
from smarketing.backtest._result import Dimension as Dimension
from smarketing.backtest._sweep import Sweep, SweepRow
from smarketing.backtest._timeline import CUSTOMER as CUSTOMER
from smarketing.backtest._timeline import MQL as MQL
from smarketing.backtest._timeline import SQL as SQL

__all__ = [
    "AutoMoves",
    "Backtest",
    "Compared",
    "LeadReplay",
    "MQLChange",
    "PlaybookResult",
    "Sweep",
    "SweepRow",
    "backtest",
    "next_move",
]
