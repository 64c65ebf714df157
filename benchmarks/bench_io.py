"""Reading real-sized files, and `smarketing score` on them end to end.

The files: the demo population's 100,000 leads and their ~550,000 activities, written as CSV.

  1. reading: ``sm.read_leads`` + ``sm.read_activities`` (every row checked, typed, kept as
     frozen values, rejects with their raw text) against the floor, Python's own ``csv``
     module reading the same files into dicts (``csv.DictReader``, no checks, no types).
     Target: within 2x of the floor. Both are timed in CPU time (best of --repeat), which a
     busy machine disturbs less than wall time.
  2. the command: ``smarketing score LEADS --activities FILE -o OUT`` in a child process, as
     a user runs it (its leads shared among one process per CPU, ``--jobs``): wall time, and
     the peak memory of the command and the children it forks together. Targets: under
     10 s, under 300 MiB.

Run: python benchmarks/bench_io.py [--leads N] [--repeat R]
"""

from __future__ import annotations

import argparse
import csv
import gc
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import smarketing as sm
from smarketing.cli._demo import _activity_table, _lead_table
from smarketing.cli._fork import usable_cpus
from smarketing.demo import DEFAULT_START, population
from smarketing.io import write_rows

AT = "2026-07-01T00:00:00+00:00"
# The child's own peak: VmHWM is its memory's high-water mark since exec. ru_maxrss is not: on
# Linux it keeps the peak of the forked parent (the benchmark's own 400 MiB of leads).
CHILD = """
import resource, sys
from smarketing.cli import main
status = main(sys.argv[1:])
used = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = used.ru_utime + used.ru_stime + kids.ru_utime + kids.ru_stime
peak = used.ru_maxrss / 1024
try:
    with open("/proc/self/status") as f:
        peak = next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
except OSError:
    pass
print(f"cpu {cpu:.2f} peak {peak:.0f}", file=sys.stderr)
sys.exit(status)
"""


def files(folder: Path, leads: int) -> tuple[Path, Path, int, int]:
    pop = population(leads, seed=0, start=DEFAULT_START)
    lead_path, activity_path = folder / "leads.csv", folder / "activities.csv"
    write_rows(lead_path, *_lead_table(pop.leads))
    write_rows(activity_path, *_activity_table(pop.activities))
    return lead_path, activity_path, len(pop.leads), len(pop.activities)


def floor(leads: Path, activities: Path) -> tuple[float, int]:
    """The leanest reading: the csv module into dicts."""
    started = time.process_time()
    with leads.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with activities.open(newline="", encoding="utf-8") as f:
        rows += list(csv.DictReader(f))
    return time.process_time() - started, len(rows)


def library(leads: Path, activities: Path) -> tuple[float, int]:
    """The library's reading: every row checked, typed and kept as a frozen value."""
    moment = datetime.fromisoformat(AT)
    started = time.process_time()
    got = sm.read_leads(leads, at=moment)
    acts = sm.read_activities(activities)
    elapsed = time.process_time() - started
    assert not got.rejects, got.rejects[:3]
    assert not acts.rejects, acts.rejects[:3]
    return elapsed, len(got.leads) + len(acts.records)


def best(run: object, repeat: int, *args: Path) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeat):
        gc.collect()
        seconds, count = run(*args)  # type: ignore[operator]
        times.append(seconds)
    return min(times), count


def command(leads: Path, activities: Path, out: Path) -> tuple[float, float, float]:
    argv = ["score", str(leads), "--activities", str(activities), "--at", AT, "-o", str(out)]
    return child(argv)


def child(argv: list[str]) -> tuple[float, float, float]:
    """``smarketing ARGV`` in a child process, run twice: its wall time and CPU time (its own
    and its children's) from the first run, its peak memory in MiB from the second.

    The memory is the command's and its forked children's together (``score`` shares its
    leads among processes): the sum of their proportional set sizes (a page that k of them
    share counts 1/k in each, so the sum is the memory they take), sampled every 50 ms, or the
    command's own high-water mark where that is higher. Sampling walks the processes' page
    tables, which slows them: so the timed run is not sampled.
    """
    started = time.perf_counter()
    err = _ran(argv, sample=False)[0]
    wall = time.perf_counter() - started
    cpu = float(err.strip().splitlines()[-1].split()[1])
    err, sampled = _ran(argv, sample=True)
    own = float(err.strip().splitlines()[-1].split()[3])
    return wall, cpu, max(own, sampled / 1024)


def _ran(argv: list[str], *, sample: bool) -> tuple[str, int]:
    """The command's stderr, and the peak of its processes' summed PSS (KiB) if sampled."""
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampled = 0
    if sample:
        while process.poll() is None:
            sampled = max(sampled, tree_pss(process.pid))
            time.sleep(0.05)
    assert process.stderr is not None
    err = process.stderr.read()
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, argv, stderr=err)
    return err, sampled


def tree_pss(pid: int) -> int:
    """The proportional set size (KiB) of a process and all its descendants (0 when gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(p) for p in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue  # it ended meanwhile
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        leads, activities, n_leads, n_acts = files(folder, args.leads)
        size = (leads.stat().st_size + activities.stat().st_size) / 2**20
        print(f"files: {n_leads:,} leads, {n_acts:,} activities, {size:.1f} MiB of CSV")
        base, rows = best(floor, args.repeat, leads, activities)
        ours, records = best(library, args.repeat, leads, activities)
        assert rows == records == n_leads + n_acts
        print(f"floor   csv.DictReader into dicts:           {base:6.2f} s CPU")
        print(f"ours    sm.read_leads + sm.read_activities:  {ours:6.2f} s CPU")
        print(f"reading ratio to the floor: {ours / base:.2f}x (target 2x)")
        wall, cpu, peak = command(leads, activities, folder / "scores.csv")
        print(
            f"smarketing score: {wall:.1f} s wall, {cpu:.1f} s CPU in all, {peak:.0f} MiB peak "
            f"with its children ({usable_cpus()} processes; targets 10 s, 300 MiB)"
        )


if __name__ == "__main__":
    main()
