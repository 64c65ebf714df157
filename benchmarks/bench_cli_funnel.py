"""`smarketing funnel` on the demo's files: wall time, CPU time and peak memory of the command.

The files are what ``smarketing demo --leads N --out DIR`` writes (leads, their stage
histories, their activities); ``--dir`` reuses a folder written before, since the demo itself
takes minutes at 100,000 leads. Two runs of the command in a child process, as a user runs it:
the funnel alone (leads and history) and with the SLA checked over the activities. Targets (at
100,000 leads, with the activities): under 8 s and under 300 MiB.

Run: python benchmarks/bench_cli_funnel.py [--leads N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_io import child


def demo_files(folder: Path, leads: int) -> None:
    argv = ["demo", "--leads", str(leads), "--out", str(folder)]
    subprocess.run(
        [sys.executable, "-m", "smarketing", *argv], check=True, capture_output=True, text=True
    )


def command(folder: Path, activities: bool, out: Path) -> tuple[float, float, float]:
    argv = ["funnel", str(folder / "leads.csv"), "--history", str(folder / "history.csv")]
    if activities:
        argv += ["--activities", str(folder / "activities.csv")]
    argv += ["-o", str(out)]
    return child(argv)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="a demo --out folder to reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir
        if folder is None:
            folder = Path(tmp)
            began = time.perf_counter()
            demo_files(folder, args.leads)
            took = time.perf_counter() - began
            print(f"demo files for {args.leads:,} leads written in {took:.0f} s")
        lines = {
            name: sum(1 for _ in (folder / name).open(encoding="utf-8")) - 1
            for name in ("leads.csv", "history.csv", "activities.csv")
        }
        print(", ".join(f"{n:,} lines of {name}" for name, n in lines.items()))
        for activities, label in ((False, "leads + history"), (True, "with activities (SLA)")):
            wall, cpu, peak = command(folder, activities, Path(tmp) / "funnel.md")
            print(
                f"smarketing funnel, {label:22s} {wall:5.1f} s wall, {cpu:5.1f} s CPU, "
                f"{peak:4.0f} MiB peak"
            )
        print("targets (with activities, 100,000 leads): 8 s, 300 MiB")


if __name__ == "__main__":
    main()
