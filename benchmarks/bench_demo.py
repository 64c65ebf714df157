"""`smarketing demo --leads 100000` end to end: wall time, peak memory, and where the time goes.

Three measurements:

  1. the command itself, run as a user runs it (``python -m smarketing demo --leads N`` with
     stdout to /dev/null): wall time and the child's peak resident memory (goal: under a
     minute at 100,000 leads on a 2-core machine);
  2. the same work in this process, phase by phase: building the population, the hour-by-hour
     simulation, the funnel report, the story;
  3. a cProfile of the command in this process (slower than 1, as profiling is), summarised:
     the phases' cumulative time and the functions with the most time of their own.

Run: python benchmarks/bench_demo.py [--leads N] [--seed S] [--no-profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

from smarketing.cli import main
from smarketing.demo import DEFAULT_START, population, report, simulate

#: Functions whose cumulative time tells where the demo's time goes.
PHASES = (
    ("_population.py", "population"),
    ("_simulation.py", "simulate"),
    ("playbook.py", "advance_many"),
    ("scoring.py", "score_many"),
    ("playbook.py", "_derived"),
    ("lifecycle.py", "advance"),
    ("_calendar.py", "add"),
    ("_story.py", "report"),
    ("_compute.py", "funnel_report"),
    ("_report.py", "by"),
)


def end_to_end(leads: int, seed: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the command in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "smarketing", "demo", "--leads", str(leads), "--seed", str(seed)],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024  # ru_maxrss is in KiB on Linux


def phases(leads: int, seed: int) -> list[tuple[str, float]]:
    """Each phase of the demo, timed in this process (as the command runs them)."""
    out: list[tuple[str, float]] = []
    t = time.perf_counter()
    gc.disable()
    pop = population(leads, seed=seed, start=DEFAULT_START)
    gc.enable()
    gc.freeze()
    out.append((f"population: {len(pop.activities):,} activities", time.perf_counter() - t))
    t = time.perf_counter()
    sim = simulate(pop, seed=seed)
    changes = sum(len(lead.history) for lead in sim.leads)
    out.append((f"simulate: {changes:,} stage changes", time.perf_counter() - t))
    t = time.perf_counter()
    funnel = sim.report()
    out.append(("funnel report", time.perf_counter() - t))
    t = time.perf_counter()
    text = report(sim, funnel, seed=seed)
    out.append((f"story: {len(text.splitlines())} lines", time.perf_counter() - t))
    gc.unfreeze()
    return out


def profile(leads: int, seed: int, top: int = 15) -> str:
    """A cProfile summary of ``main(["demo", ...])``: phases, then the top functions."""
    profiler = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()):
        profiler.runcall(main, ["demo", "--leads", str(leads), "--seed", str(seed)])
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = max(cum for _cc, _nc, _tt, cum, _callers in entries.values())
    lines = [f"profiled run: {total:.1f} s (profiling slows it down)", "", "phases (cumulative):"]
    for file, name in PHASES:
        for (path, _line, func), (_cc, calls, _tt, cum, _callers) in entries.items():
            if func == name and Path(path).name == file:
                lines.append(f"  {cum:7.2f} s {100 * cum / total:5.1f}%  {file}:{func} x{calls:,}")
                break
    lines += ["", f"top {top} by own time:"]
    ranked = sorted(entries.items(), key=lambda item: -item[1][2])[:top]
    for (path, line, func), (_cc, calls, own, cum, _callers) in ranked:
        where = f"{Path(path).name}:{line}({func})" if line else func
        lines.append(f"  {own:7.2f} s own {cum:7.2f} s cum  x{calls:<9,} {where}")
    return "\n".join(lines)


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    print(f"smarketing demo --leads {args.leads:,} --seed {args.seed}")
    wall, peak = end_to_end(args.leads, args.seed)
    verdict = "under" if wall < 60 else "OVER"
    print(f"\nend to end: {wall:.1f} s wall ({verdict} the 60 s goal), peak RSS {peak:.0f} MiB")
    print("\nphases (in process):")
    for label, seconds in phases(args.leads, args.seed):
        print(f"  {seconds:7.2f} s  {label}")
    if not args.no_profile:
        print()
        print(profile(args.leads, args.seed))


if __name__ == "__main__":
    run()
