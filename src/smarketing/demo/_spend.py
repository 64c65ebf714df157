"""What marketing spent in the demo: monthly costs per channel, scaled to the population."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from smarketing.attribution import Cost
from smarketing.demo._simulation import Simulation

__all__ = ["MONTHLY_SPEND", "costs"]

#: What marketing spends on each channel per month, for every 2,000 leads the demo makes.
MONTHLY_SPEND: Final = {
    "paid_search": 6000.0,
    "event": 4500.0,
    "outbound": 5000.0,
    "webinar": 2500.0,
    "content": 2000.0,
    "organic": 1500.0,
    "referral": 1000.0,
    "email": 800.0,
}


def costs(sim: Simulation) -> list[Cost]:
    """What marketing spent per channel, one record per month of the simulated period.

    Spend follows `MONTHLY_SPEND`, scaled to the number of leads; a month cut by the period's
    start or end costs its share of days.
    """
    scale = len(sim.leads) / 2000
    records: list[Cost] = []
    first, last = sim.start.date(), sim.end.date()
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        begins, ends = max(month, first), min(following, last)
        share = (ends - begins).days / (following - month).days
        if share > 0:
            for channel, amount in MONTHLY_SPEND.items():
                records.append(Cost(channel, None, begins, round(amount * scale * share, 2)))
        month = following
    return records
