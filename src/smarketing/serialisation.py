"""Plain, JSON-safe dicts for every public value type, and back, with exact round trips.

The public face of the one cattrs converter (``smarketing._convert``). The converter speaks
the playbook file's vocabulary (a condition is written ``when``, as its text; durations as
``"4h"``), and each type gives it its shape beside the type, so the domain modules call down
into it and never up. ``report.to_dict()`` and ``pb.to_dict()`` are calls into it.

>>> from datetime import datetime, timezone
>>> import smarketing as sm
>>> lead = sm.Lead.new("L-1", at=datetime(2026, 1, 5, 9, tzinfo=timezone.utc), fields={"size": 40})
>>> data = sm.to_dict(lead)
>>> data["fields"]["size"]
{'value': 40, 'learned_at': '2026-01-05T09:00:00+00:00', 'source': None}
>>> sm.from_dict(sm.Lead, data) == lead
True

``pickle`` and ``copy`` take every such value apart through the same data, so a playbook and
its leads cross to other processes (``multiprocessing``, ``concurrent.futures``) whole, its
compiled conditions built again there:

>>> import pickle
>>> pickle.loads(pickle.dumps(lead)) == lead
True
"""

from __future__ import annotations

from smarketing._calendar import DAYS as DAYS  # working days as the playbook file names them
from smarketing._convert import from_dict, to_dict

__all__ = ["from_dict", "to_dict"]
