"""feedback_report against a hand-written loop doing the same per-handoff work, on the demo.

The demo's simulated leads (the default playbook, four reps accepting and recycling MQLs with
reasons that depend on who the lead is). Two ways to trace sales' reactions back:

  (a) smarketing's feedback_report: every handoff assessed as of its MQL entry (fields and
      activities known by then), outcomes broken down by seven dimensions, the comparisons and
      the suggestions, with the inputs checked;
  (b) a hand-written loop doing the same per-handoff work: for each MQL entry, the lead as it
      was then, Playbook.assess, the activity kinds done by then and the working time to the
      first sales touch; outcomes counted per persona, grade and fit rule (no comparisons, no
      tests, no other dimensions, no input checks).

Both must give the same acceptance per persona. Prints seconds per run, handoffs per second and
the ratio (a)/(b) (target <= 1.3x: the assessment is the work, the breakdowns are cheap).
Run: python benchmarks/bench_feedback.py [--leads N]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable

import attrs

import smarketing as sm
from smarketing.demo import DEFAULT_START, Simulation, population, simulate


def baseline(sim: Simulation) -> dict[str | None, tuple[int, int]]:
    """Accepted and decided handoffs per persona (and outcomes per grade and rule), plainly."""
    pb, acts = sim.playbook, {}
    for a in sim.activities:
        acts.setdefault(a.lead_id, []).append(a)
    path = pb.lifecycle.main_path
    later = set(path[path.index("mql") + 1 :])
    touch = set(pb.sla.touch_kinds) if pb.sla is not None else {"call", "sales_email", "meeting"}
    accepted: Counter[str | None] = Counter()
    decided: Counter[str | None] = Counter()
    outcomes: Counter[tuple[str, object]] = Counter()
    for lead in sim.leads:
        done = acts.get(lead.id, [])
        for i, change in enumerate(lead.history):
            at = change.at
            if change.to_stage != "mql" or not sim.start <= at <= sim.end:
                continue
            nxt = lead.history[i + 1] if i + 1 < len(lead.history) else None
            if nxt is not None and nxt.at > sim.end:
                nxt = None
            fields = {k: v for k, v in lead.fields.items() if v.learned_at <= at}
            then = attrs.evolve(lead, stage="mql", fields=fields, history=lead.history[: i + 1])
            a = pb.assess(then, done, at=at)
            kinds = {x.kind for x in done if x.at <= at and x.kind not in touch}
            touches = [x.at for x in done if x.kind in touch and at <= x.at <= sim.end]
            waited = pb.clock.between(at, min(touches)) if touches else None
            if nxt is None:
                continue
            persona = None if a.persona is None else a.persona.persona.name
            outcome = "accepted" if nxt.to_stage in later else (nxt.to_stage, nxt.reason)
            decided[persona] += 1
            accepted[persona] += outcome == "accepted"
            outcomes["grade", (a.score.grade, outcome)] += 1
            outcomes["touch", (waited is None, outcome)] += 1
            for c in a.score.contributions:
                if c.kind == "fit":
                    outcomes["rule", (c.rule, outcome)] += 1
            for kind in kinds:
                outcomes["kind", (kind, outcome)] += 1
    return {p: (accepted[p], decided[p]) for p in decided}


def timed(run: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - began)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=5000)
    args = parser.parse_args()
    sim = simulate(population(args.leads, seed=0, start=DEFAULT_START))
    ours, fb = timed(
        lambda: sm.feedback_report(
            sim.leads, sim.activities, playbook=sim.playbook, start=sim.start, end=sim.end
        )
    )
    theirs, plain = timed(lambda: baseline(sim))
    assert isinstance(fb, sm.FeedbackReport)
    assert isinstance(plain, dict)
    got = {p: (o.accepted, o.decided) for p, o in fb.by("persona").items() if o.decided}
    assert got == plain, (got, plain)
    n = fb.overall.handoffs
    print(f"{args.leads:,} leads, {n:,} handoffs, {len(fb.suggestions)} suggestions")
    print(f"  feedback_report   {ours:7.3f} s  {n / ours:9,.0f} handoffs/s")
    print(f"  hand-written loop {theirs:7.3f} s  {n / theirs:9,.0f} handoffs/s")
    print(f"  ratio {ours / theirs:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
