"""Print mutmut's score per core module: the share of its mutants the tests detect.

Run after ``mutmut run`` (``make mutation`` does both). Reads ``mutmut results --all true``.
A mutant is detected when a test fails (``killed``) or the tests outlast mutmut's bound on the
mutant (``timeout``: a hang is a failure too). A mutant no test reaches (``no tests``) counts as
undetected, as a survivor does; one mutmut has not run yet (``not checked``) is left out and
printed, so a partial run says it is partial.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

MODULES = ("conditions", "leads", "lifecycle", "scoring", "personas", "profiling", "funnel")
SHOWN = ("killed", "timeout", "survived", "no tests")  # the statuses the score counts


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
        detected = c["killed"] + c["timeout"]
        counted = sum(c[k] for k in SHOWN)
        score = f"{100 * detected / counted:5.1f}%" if counted else "  n/a"
        rest = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if k not in SHOWN)
        print(
            f"{module:<11} {score}  "
            + ", ".join(f"{k} {c[k]}" for k in SHOWN)
            + (f", {rest}" if rest else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
