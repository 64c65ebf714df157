"""The lead lifecycle: stages, the triggers that move leads between them, and their guards.

One :class:`transitions.Machine` is built per lifecycle definition, validated once, and never
attached to a lead: leads are plain frozen values and ``fire`` returns a new one.

>>> from datetime import datetime, timedelta, timezone
>>> import smarketing as sm
>>> lc = sm.Lifecycle.default()
>>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
>>> lead = sm.Lead.new("L-1", at=t0, fields={"email": "ana@acme.io"})
>>> lead = lc.fire(lead, "engage", at=t0 + timedelta(hours=1))
>>> lead.stage, lead.high_water
('prospect', 'prospect')
"""

from __future__ import annotations

from smarketing.lifecycle import _data as _data  # the parts' shapes, for the converter
from smarketing.lifecycle._lifecycle import DEFAULT_MQL, DEFAULT_SQL, Lifecycle
from smarketing.lifecycle._parts import Stage, Transition

__all__ = ["DEFAULT_MQL", "DEFAULT_SQL", "Lifecycle", "Stage", "Transition"]
