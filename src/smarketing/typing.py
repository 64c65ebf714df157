"""The types that appear in smarketing's public signatures, for annotating code that uses it.

>>> from datetime import timedelta
>>> from smarketing.typing import Duration, FactValue
>>> def remind_after(period: Duration) -> str: ...
>>> value: FactValue = ("saas", "software")

- ``FactValue``: what a lead's profile field holds (text, a number, a boolean, or a tuple of
  those); ``Scalar``: a literal a condition compares a fact with.
- ``FactsOrLead``: what personas and letter grades read: a lead or a mapping of facts.
- ``Duration``: a fixed (``timedelta``) or calendar (``relativedelta``) length of time.
- ``ContributionKind``: a score contribution's kind, ``"fit"``, ``"engagement"`` or
  ``"adjustment"``.
- ``FunnelDimension`` (``FunnelReport.by``), ``BacktestDimension`` (``Backtest.by``),
  ``ChannelSpec`` (``attribute(channel=...)``) and ``Paths`` (``markov_credit`` and
  ``shapley_credit``'s journeys).
"""

from __future__ import annotations

from smarketing._durations import Duration
from smarketing.attribution import ChannelSpec, Paths
from smarketing.backtest import Dimension as BacktestDimension
from smarketing.conditions import Scalar
from smarketing.facts import FactsOrLead
from smarketing.funnel import Dimension as FunnelDimension
from smarketing.leads import FactValue
from smarketing.scoring import ContributionKind

__all__ = [
    "BacktestDimension",
    "ChannelSpec",
    "ContributionKind",
    "Duration",
    "FactValue",
    "FactsOrLead",
    "FunnelDimension",
    "Paths",
    "Scalar",
]
