"""markov_credit against a NumPy absorbing-chain solve and a Monte-Carlo estimate; the touch
models over the demo's leads against a hand-written linear split.

Part 1: 100,000 journeys over 12 channels (lengths 1 to 10, conversion more likely with some
channels than others), aggregated into ``{path: (conversions, non_conversions)}``:

  (a) smarketing's markov_credit (pure Python: counting, then Gaussian elimination per
      removed channel);
  (b) a hand-written NumPy solve: the same counting in a Python loop over the paths, the
      transition matrix by np.bincount, then np.linalg.solve with and without each channel;
  (c) a Monte-Carlo estimate as ChannelAttribution makes it: 100,000 walks of the chain
      (vectorised in NumPy) with and without each channel.

(a) and (b) must agree to 1e-9; prints the times, (a)/(b) (target <= 2x), and (c)'s time and
its error against the exact credit.

Part 2: the demo's population (100,000 leads by default) simulated, then `attribute` with each
touch model (target: each under 5 s), against (d) a hand-written linear split over the same
journeys (group the activities, keep those with a channel up to the first customer entry,
split each conversion evenly), which must give the same credit.
Run: python benchmarks/bench_attribution.py [--journeys N] [--leads N (0: skip part 2)] [--walks N]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

import smarketing as sm
from smarketing.demo import DEFAULT_START, population, simulate

CHANNELS = tuple(f"ch{i:02d}" for i in range(12))
Paths = dict[tuple[str, ...], tuple[int, int]]


def make_paths(journeys: int, seed: int = 0) -> Paths:
    """Journeys of 1 to 10 touches; each channel nudges the chance of converting."""
    rng = random.Random(seed)
    lift = {c: rng.uniform(-0.6, 0.9) for c in CHANNELS}
    weights = [rng.uniform(0.5, 3.0) for _ in CHANNELS]
    paths: dict[tuple[str, ...], list[int]] = {}
    for _ in range(journeys):
        length = min(10, 1 + int(rng.expovariate(0.45)))
        path = tuple(rng.choices(CHANNELS, weights=weights, k=length))
        score = -2.2 + sum(lift[c] for c in set(path)) * 0.5
        converted = rng.random() < 1 / (1 + np.exp(-score))
        entry = paths.setdefault(path, [0, 0])
        entry[0 if converted else 1] += 1
    return {p: (c, n) for p, (c, n) in paths.items()}


# --- (b) the hand-written NumPy solve ---------------------------------------------------------


def transition_matrix(paths: Paths) -> tuple[np.ndarray, int]:
    """Row-stochastic matrix over start (0), the channels (1..n), conversion, null."""
    index = {c: i + 1 for i, c in enumerate(CHANNELS)}
    n = len(CHANNELS)
    size, conv, null = n + 3, n + 1, n + 2
    src: list[int] = []
    dst: list[int] = []
    weight: list[int] = []
    for path, (c, nn) in paths.items():
        previous, last = 0, None
        for channel in path:
            if channel == last:
                continue  # consecutive repeats are one state
            j = index[channel]
            src.append(previous)
            dst.append(j)
            weight.append(c + nn)
            previous, last = j, channel
        if c:
            src.append(previous)
            dst.append(conv)
            weight.append(c)
        if nn:
            src.append(previous)
            dst.append(null)
            weight.append(nn)
    flat = np.asarray(src) * size + np.asarray(dst)
    counts = np.bincount(flat, weights=weight, minlength=size * size).reshape(size, size)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0), n


def numpy_markov(paths: Paths) -> dict[str, float]:
    p, n = transition_matrix(paths)
    conv = n + 1

    def conversion(removed: int | None) -> float:
        kept = [i for i in range(n + 1) if i != removed]
        q = p[np.ix_(kept, kept)]
        x = np.linalg.solve(np.eye(len(kept)) - q, p[kept, conv])
        return float(x[0])

    base = conversion(None)
    effects = np.array([1 - conversion(i + 1) / base for i in range(n)])
    conversions = sum(c for c, _ in paths.values())
    return dict(zip(CHANNELS, conversions * effects / effects.sum(), strict=True))


# --- (c) the Monte-Carlo estimate -------------------------------------------------------------


def monte_carlo_markov(paths: Paths, walks: int, seed: int = 0) -> dict[str, float]:
    """Walk the chain `walks` times from the start, with and without each channel."""
    p, n = transition_matrix(paths)
    conv, null = n + 1, n + 2
    cumulative = np.cumsum(p, axis=1)
    rng = np.random.default_rng(seed)

    def conversion(removed: int | None) -> float:
        state = np.zeros(walks, dtype=np.int64)
        converted = 0
        while state.size:
            u = rng.random(state.size)
            state = (cumulative[state] < u[:, None]).sum(axis=1)
            if removed is not None:
                state[state == removed] = null
            converted += int((state == conv).sum())
            state = state[state < conv]
        return converted / walks

    base = conversion(None)
    effects = np.array([1 - conversion(i + 1) / base for i in range(n)])
    conversions = sum(c for c, _ in paths.values())
    return dict(zip(CHANNELS, conversions * effects / effects.sum(), strict=True))


# --- (d) the hand-written linear split --------------------------------------------------------


def hand_linear(leads: Sequence[sm.Lead], activities: Sequence[sm.Activity]) -> dict[str, float]:
    by_lead: dict[str, list[tuple[object, str]]] = {}
    for a in activities:
        channel = a.properties.get("channel")
        if channel is not None:
            by_lead.setdefault(a.lead_id, []).append((a.at, str(channel)))
    credit: dict[str, float] = {}
    for lead in leads:
        won = next((c.at for c in lead.history if c.to_stage == "customer"), None)
        if won is None:
            continue
        touches = [c for at, c in by_lead.get(lead.id, ()) if at <= won]  # type: ignore[operator]
        for channel in touches:
            credit[channel] = credit.get(channel, 0.0) + 1 / len(touches)
    return credit


# --- measuring --------------------------------------------------------------------------------


def best_seconds(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    return best, result


def best_cpu_seconds(fn: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """Best wall time and best CPU time of this process (the machine may be shared)."""
    wall = cpu = float("inf")
    result = None
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - began)
        cpu = min(cpu, time.process_time() - began_cpu)
    return wall, cpu, result


def max_error(got: Mapping[str, float], exact: Mapping[str, float]) -> float:
    return max(abs(got[c] - exact[c]) for c in exact)


def part_one(journeys: int, walks: int, repeats: int) -> None:
    paths = make_paths(journeys)
    conversions = sum(c for c, _ in paths.values())
    print(
        f"{journeys:,} journeys over {len(CHANNELS)} channels: {len(paths):,} distinct paths, "
        f"{conversions:,} conversions"
    )
    a_time, a = best_seconds(lambda: sm.markov_credit(paths), repeats)
    b_time, b = best_seconds(lambda: numpy_markov(paths), repeats)
    exact = dict(a.credit)  # type: ignore[attr-defined]
    assert max_error(b, exact) < 1e-9 * conversions, max_error(b, exact)  # type: ignore[arg-type]
    c_time, c = best_seconds(lambda: monte_carlo_markov(paths, walks), 1)
    error = max_error(c, exact)  # type: ignore[arg-type]
    top = max(exact.values())
    print(f"(a) markov_credit          {a_time:8.3f} s")
    print(f"(b) NumPy absorbing chain  {b_time:8.3f} s   agree to 1e-9")
    print(f"(c) Monte Carlo, {walks:,} walks {c_time:8.3f} s   max error {error:.1f} conversions")
    print(f"    ({error / top:.1%} of the largest channel's credit, {top:.0f})")
    print(f"(a)/(b): {a_time / b_time:.2f}x   target <= 2x;  (a)/(c): {a_time / c_time:.2f}x")
    order2, _ = best_seconds(lambda: sm.markov_credit(paths, order=2), 1)
    print(f"markov_credit(order=2)     {order2:8.3f} s   (for information)")


def part_two(leads: int, repeats: int) -> None:
    began = time.perf_counter()
    sim = simulate(population(leads, seed=0, start=DEFAULT_START), seed=0)
    customers = sum(lead.stage == "customer" for lead in sim.leads)
    print(
        f"\nthe demo: {leads:,} leads, {len(sim.activities):,} activities, {customers:,} "
        f"customers, simulated in {time.perf_counter() - began:.0f} s"
    )
    gc.collect()
    gc.freeze()
    d_wall, d_cpu, d = best_cpu_seconds(lambda: hand_linear(sim.leads, sim.activities), repeats)
    models = [m for m in sm.attribution.MODELS if m not in ("markov", "shapley")]
    times = {}
    print("                                  wall      CPU   (target: under 5 s)")
    for model in models:
        wall, cpu, result = best_cpu_seconds(
            lambda m=model: sm.attribute(sim.leads, sim.activities, model=m), repeats
        )
        times[model] = cpu
        if model == "linear":
            credit = {c: v for c, v in result.credit.items() if c is not None}  # type: ignore[attr-defined]
            assert max_error(credit, d) < 1e-6, max_error(credit, d)  # type: ignore[arg-type]
        flag = "ok" if wall < 5 else "OVER 5 s"
        print(f"attribute(model={model!r:16s}) {wall:7.2f} s {cpu:7.2f} s  {flag}")
    print(f"(d) hand-written linear        {d_wall:7.2f} s {d_cpu:7.2f} s")
    print(f"linear / hand-written (CPU): {times['linear'] / d_cpu:.2f}x")
    for model in ("markov", "shapley"):
        wall, cpu, _ = best_cpu_seconds(
            lambda m=model: sm.attribute(sim.leads, sim.activities, model=m), 1
        )
        print(f"attribute(model={model!r:16s}) {wall:7.2f} s {cpu:7.2f} s  (for information)")
    gc.unfreeze()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=100_000)
    parser.add_argument("--walks", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    part_one(args.journeys, args.walks, args.repeats)
    if args.leads:  # --leads 0: the Markov comparison only
        part_two(args.leads, args.repeats)


if __name__ == "__main__":
    main()
