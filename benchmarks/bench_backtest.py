"""backtest against the floor of scoring every lead once, and a 10-threshold sweep against it.

The demo's population (100,000 leads by default) is simulated under the default playbook, so
the leads carry their recorded histories and the activities include the sales team's touches.
Then, over the demo's window:

  (a) the floor: `ScoringModel.score_many` scoring every lead once at the window's end under
      the baseline (what a naive "score everyone now" comparison costs for one playbook);
  (b) `sm.backtest`: every lead replayed exactly under the baseline (the default playbook)
      and a candidate with a stricter MQL threshold (score >= 65), in one pass;
  (c) `Backtest.sweep("score", ...)`: ten thresholds from 40 to 85, in one pass.

Checks first that the baseline reproduces the demo's recorded MQLs. Prints seconds per run
(best of --repeat), the ratio (b)/(a) (target <= 10x) and (c)/(b) (target <= 2x).
Run: python benchmarks/bench_backtest.py [--leads N] [--repeat R]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import TypeVar

import smarketing as sm
from smarketing.demo import DEFAULT_START, population, simulate

T = TypeVar("T")
THRESHOLDS = [40, 45, 50, 55, 60, 65, 70, 75, 80, 85]


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The best wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    assert result is not None
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    t = time.perf_counter()
    sim = simulate(population(args.leads, seed=0, start=DEFAULT_START), seed=0)
    print(
        f"demo: {len(sim.leads):,} leads, {len(sim.activities):,} activities, "
        f"{sum(len(x.history) for x in sim.leads):,} stage changes "
        f"(simulated in {time.perf_counter() - t:.1f}s)"
    )
    baseline = sim.playbook
    candidate = sm.Playbook.from_dict({"lifecycle": {"mql": "score >= 65 and grade in ('A', 'B')"}})
    leads, activities = list(sim.leads), list(sim.activities)

    floor, _ = best(lambda: baseline.scoring.score_many(leads, activities, at=sim.end), args.repeat)
    run, bt = best(
        lambda: sm.backtest(
            leads,
            activities,
            baseline=baseline,
            candidate=candidate,
            start=sim.start,
            end=sim.end,
        ),
        args.repeat,
    )
    recorded = {
        x.id: next((c.at for c in x.history if c.to_stage == "mql"), None) for x in sim.leads
    }
    replayed = {r.lead_id: r.baseline for r in bt.leads}
    assert replayed == recorded, "the baseline does not reproduce the recorded MQLs"
    sweep_time, sweep = best(lambda: bt.sweep("score", THRESHOLDS), args.repeat)
    row = {r.threshold: r for r in sweep.rows}[65.0]
    assert (row.mqls, row.captured) == (bt.mqls.candidate, bt.captured.candidate)

    print(
        f"MQLs: baseline {bt.mqls.baseline:,} (= recorded), candidate {bt.mqls.candidate:,}; "
        f"precision {bt.precision.baseline:.1%} -> {bt.precision.candidate:.1%}"
    )
    print(f"(a) score_many once at the end  {floor:8.2f}s")
    print(f"(b) backtest, two playbooks     {run:8.2f}s   (b)/(a) = {run / floor:5.1f}x  (<= 10x)")
    print(
        f"(c) sweep, {len(THRESHOLDS)} thresholds        {sweep_time:8.2f}s   "
        f"(c)/(b) = {sweep_time / run:5.2f}x  (<= 2x)"
    )


if __name__ == "__main__":
    main()
