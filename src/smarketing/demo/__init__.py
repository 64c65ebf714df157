"""The demo: synthetic leads and activities, and the playbook at work on them, day by day.

The same seed gives the same population and the same story, byte for byte, on every machine:
everything is drawn from one ``random.Random(seed)`` and the start time comes in as ``start=``.
`population` makes the leads and what they do; `simulate` runs a playbook over them event by
event, as a real-time CRM would, with a small simulated sales team working the MQLs; `story`
tells what happened.

>>> from datetime import datetime, timezone
>>> from smarketing.demo import population, simulate, story
>>> pop = population(3, seed=7, start=datetime(2026, 1, 1, tzinfo=timezone.utc))
>>> [lead.id for lead in pop.leads]
['L-00001', 'L-00002', 'L-00003']
>>> pop == population(3, seed=7, start=datetime(2026, 1, 1, tzinfo=timezone.utc))
True
>>> sim = simulate(population(300, seed=7, start=datetime(2026, 1, 5, tzinfo=timezone.utc)))
>>> sorted({lead.stage for lead in sim.leads})
['customer', 'disqualified', 'mql', 'prospect', 'recycled', 'sql', 'suspect']
>>> story(sim).splitlines()[0]
'# The smarketing demo'
"""

from __future__ import annotations

from smarketing.demo._chart import funnel_chart

# Besides `__all__`, the tables the demo draws from (upper case) stay importable from here.
from smarketing.demo._population import (  # noqa: F401
    COUNTRIES,
    FIRST,
    FREE_MAIL,
    INDUSTRIES,
    KIND_CHANNELS,
    LAST,
    SOURCES,
    SUFFIXES,
    SYLLABLES,
    TITLES,
    WEB_CHANNELS,
    Population,
    population,
)
from smarketing.demo._simulation import (  # noqa: F401
    ACCEPT,
    BUDGETS,
    DEFAULT_START,
    DISQUALIFY,
    FORGOTTEN,
    LOST_REASONS,
    NURTURE,
    RECYCLE_REASONS,
    REENGAGE_KINDS,
    REPS,
    TIMELINES,
    TRIGGERS,
    WIN,
    Simulation,
    simulate,
)
from smarketing.demo._spend import (
    MONTHLY_SPEND,  # noqa: F401
    costs,
)
from smarketing.demo._story import report, story

__all__ = [
    "DEFAULT_START",
    "Population",
    "Simulation",
    "costs",
    "funnel_chart",
    "population",
    "report",
    "simulate",
    "story",
]
