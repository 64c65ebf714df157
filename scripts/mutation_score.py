"""Print mutmut's score per core module: killed / (killed + survived) of the mutants tested.

Run after ``mutmut run`` (``make mutation`` does both). Reads ``mutmut results --all true``.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

MODULES = ("conditions", "leads", "lifecycle", "scoring", "personas", "profiling", "funnel")


def main() -> int:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts: dict[str, Counter[str]] = {m: Counter() for m in MODULES}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        parts = name.split(".")
        module = parts[1] if len(parts) > 1 and parts[0] == "smarketing" else None
        if module in counts:
            counts[module][status.strip()] += 1
    for module, c in counts.items():
        tested = c["killed"] + c["survived"]
        score = f"{100 * c['killed'] / tested:5.1f}%" if tested else "  n/a"
        rest = ", ".join(
            f"{k} {v}" for k, v in sorted(c.items()) if k not in {"killed", "survived"}
        )
        print(
            f"{module:<11} {score}  killed {c['killed']}, survived {c['survived']}"
            + (f", {rest}" if rest else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
