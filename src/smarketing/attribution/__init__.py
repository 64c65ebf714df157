"""Attribution and ROI: which marketing produced the MQLs, SQLs and customers, and at what cost.

A *touch* is an activity that carries a channel (its ``channel`` property by default). A lead's
*journey* is its touches, oldest first, up to the moment it reached the *milestone* (its first
entry into ``mql``, ``sql`` or ``customer``, read from ``lead.history``); a lead that has not
reached it by the end of the window is a journey that did not convert. `attribute` splits each
conversion over the journey's touches by a *model* and returns a frozen `Attribution`, whose
credit always adds up to the conversions (or to their revenue, with ``value=``); a conversion
with no touch at all is credited to ``None`` ("no touch"), never dropped.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> lc = sm.Lifecycle.default()
>>> lead = sm.Lead.new("L-1", at=t0 + timedelta(days=2))
>>> lead = lc.fire(lead, "engage", at=t0 + timedelta(days=3))
>>> lead = lc.fire(lead, "qualify", at=t0 + timedelta(days=4), facts={"score": 70, "grade": "A"})
>>> touches = [
...     sm.Activity("L-1", "page_view", t0, {"channel": "paid_search"}),
...     sm.Activity("L-1", "email_click", t0 + timedelta(days=1), {"channel": "email"}),
...     sm.Activity("L-1", "webinar", t0 + timedelta(days=2), {"channel": "webinar"}),
... ]
>>> a = sm.attribute([lead], touches, model="u_shaped", milestone="mql")
>>> {channel: round(credit, 6) for channel, credit in a.credit.items()}
{'email': 0.2, 'paid_search': 0.4, 'webinar': 0.4}

The Markov model's removal effects are solved exactly on the absorbing chain (a linear solve,
not a simulation), and the Shapley values of the coverage game in closed form:

>>> paths = {
...     ("A", "B", "A", "B", "B", "A"): (1, 0),
...     ("A", "B", "B", "A", "A"): (1, 0),
...     ("A", "A"): (1, 0),
... }
>>> dict(sm.markov_credit(paths).credit)
{'A': 2.0, 'B': 1.0}
"""

from smarketing.attribution import _data as _data  # the values' shapes, for the converter
from smarketing.attribution._attribute import attribute
from smarketing.attribution._checks import MODELS, check_model, check_stage
from smarketing.attribution._checks import Paths as Paths
from smarketing.attribution._journeys import ChannelSpec as ChannelSpec
from smarketing.attribution._markov import K as K
from smarketing.attribution._markov import MarkovCredit, markov_credit
from smarketing.attribution._result import Attribution, ModelComparison
from smarketing.attribution._roi import ROI, ChannelROI, Cost
from smarketing.attribution._shapley import shapley_credit

__all__ = [
    "MODELS",
    "ROI",
    "Attribution",
    "ChannelROI",
    "Cost",
    "MarkovCredit",
    "ModelComparison",
    "attribute",
    "check_model",
    "check_stage",
    "markov_credit",
    "shapley_credit",
]
