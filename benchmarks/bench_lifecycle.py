"""Lifecycle.fire against transitions used naively and against a hand-written floor.

Every lead is taken suspect → prospect → mql → sql → customer (four triggers, two guarded):

  (a) transitions, one Machine per lead (the naive use of the dependency);
  (b) transitions, one Machine with add_model (the package's own advice for many models);
  (c) smarketing's Lifecycle.fire;
  (d) a hand-written immutable equivalent: a dict of transitions, the same guards, and the
      new frozen Lead and StageChange built directly by their constructors;
  (e) the lean floor: a tuple per lead and per change (``NamedTuple``s, built by their
      constructors), a dict per transition table, the MQL and SQL
      guards as hand-written ``if``s, the same history kept (issue 18's target: (c) at most
      1.5x (e)).

Prints time and memory per lead for each, and the ratios. Run: python benchmarks/bench_lifecycle.py
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from transitions import Machine

import smarketing as sm

T0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
PATH = ("engage", "qualify", "accept", "win")
FACTS = {"score": 80, "grade": "A"}
LC = sm.Lifecycle.default()
MQL = next(t.when for t in LC.transitions if t.trigger == "qualify")
SQL = next(t.when for t in LC.transitions if t.trigger == "accept")
STATES = list(LC.stage_names)
TRANSITIONS = [
    {"trigger": t.trigger, "source": list(t.source), "dest": t.dest} for t in LC.transitions
]


def make_leads(n: int) -> list[sm.Lead]:
    fields = {"email": "x@acme.io", "budget": "40k", "timeline": "Q3", "company_size": 120}
    return [sm.Lead.new(f"L-{i}", at=T0, fields=fields, source="webinar") for i in range(n)]


def times(step: int) -> list[datetime]:
    return [T0 + timedelta(minutes=step * 10 + i) for i in range(1, len(PATH) + 1)]


AT = times(0)


# --- (a) and (b): transitions' own models ----------------------------------------------------


class Model:
    """What a transitions user writes: a mutable object the machine decorates."""

    def __init__(self, lead: sm.Lead) -> None:
        self.lead = lead
        self.facts = {**lead.facts(), **FACTS}

    def is_mql(self, *_: Any, **__: Any) -> bool:
        return MQL.evaluate(self.facts) is True

    def is_sql(self, *_: Any, **__: Any) -> bool:
        return SQL.evaluate(self.facts) is True


def guarded(transitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for t in transitions:
        t = dict(t)
        if t["trigger"] == "qualify":
            t["conditions"] = "is_mql"
        elif t["trigger"] == "accept":
            t["conditions"] = "is_sql"
        out.append(t)
    return out


GUARDED = guarded(TRANSITIONS)


def run_machine_per_lead(leads: list[sm.Lead]) -> list[Any]:
    kept = []
    for lead in leads:
        model = Model(lead)
        Machine(
            model=model,
            states=STATES,
            transitions=GUARDED,
            initial="suspect",
            auto_transitions=False,
        )
        for trigger in PATH:
            model.trigger(trigger)
        kept.append(model)
    return kept


def run_shared_machine(leads: list[sm.Lead]) -> list[Any]:
    machine = Machine(
        model=None, states=STATES, transitions=GUARDED, initial="suspect", auto_transitions=False
    )
    kept: list[Any] = [machine]
    for lead in leads:
        model = Model(lead)
        machine.add_model(model)
        for trigger in PATH:
            model.trigger(trigger)
        kept.append(model)
    return kept


# --- (c) smarketing ---------------------------------------------------------------------------


def run_lifecycle(leads: list[sm.Lead]) -> list[sm.Lead]:
    fire, at, facts = LC.fire, AT, FACTS
    out = []
    for lead in leads:
        lead = fire(lead, "engage", at=at[0])
        lead = fire(lead, "qualify", at=at[1], facts=facts)
        lead = fire(lead, "accept", at=at[2], facts=facts)
        lead = fire(lead, "win", at=at[3])
        out.append(lead)
    return out


# --- (d) the hand-written floor ----------------------------------------------------------------

TABLE = {
    (s, t.trigger): (t.dest, None if t.when == sm.always() else t.when)
    for t in LC.transitions
    for s in t.source
}


def hand_fire(lead: sm.Lead, trigger: str, at: datetime, facts: dict[str, Any]) -> sm.Lead:
    dest, guard = TABLE[(lead.stage, trigger)]
    if guard is not None and guard.evaluate(facts) is not True:
        raise ValueError(trigger)
    change = sm.StageChange(lead.stage, dest, trigger, at)
    return sm.Lead(
        lead.id, dest, lead.created_at, lead.source, lead.fields, (*lead.history, change), dest
    )


def run_hand_written(leads: list[sm.Lead]) -> list[sm.Lead]:
    at = AT
    out = []
    for lead in leads:
        facts = {**lead.facts(), **FACTS}
        lead = hand_fire(lead, "engage", at[0], facts)
        lead = hand_fire(lead, "qualify", at[1], facts)
        lead = hand_fire(lead, "accept", at[2], facts)
        lead = hand_fire(lead, "win", at[3], facts)
        out.append(lead)
    return out


# --- (e) the lean floor ------------------------------------------------------------------------


class LeanChange(NamedTuple):
    from_stage: str
    to_stage: str
    trigger: str
    at: datetime
    actor: str | None
    reason: str | None


class LeanLead(NamedTuple):
    id: str
    stage: str
    created_at: datetime
    source: str | None
    fields: Any
    history: tuple[LeanChange, ...]
    high_water: str


def _mql(facts: dict[str, Any]) -> bool:
    score, grade = facts.get("score"), facts.get("grade")
    return score is not None and score >= 60 and grade in ("A", "B")


def _sql(facts: dict[str, Any]) -> bool:
    return facts.get("budget") is not None and facts.get("timeline") is not None


LEAN_TABLE = {
    (s, t.trigger): (t.dest, {"qualify": _mql, "accept": _sql}.get(t.trigger))
    for t in LC.transitions
    for s in t.source
}


def lean_fire(lead: LeanLead, trigger: str, at: datetime, facts: dict[str, Any]) -> LeanLead:
    dest, guard = LEAN_TABLE[(lead.stage, trigger)]
    if guard is not None and not guard(facts):
        raise ValueError(trigger)
    change = LeanChange(lead.stage, dest, trigger, at, None, None)
    return LeanLead(
        lead.id, dest, lead.created_at, lead.source, lead.fields, (*lead.history, change), dest
    )


def run_lean(leads: list[sm.Lead]) -> list[LeanLead]:
    at = AT
    out = []
    for given in leads:
        lead = LeanLead(given.id, "suspect", given.created_at, given.source, given.fields, (), "")
        facts = {"budget": "40k", "timeline": "Q3", **FACTS}
        lead = lean_fire(lead, "engage", at[0], facts)
        lead = lean_fire(lead, "qualify", at[1], facts)
        lead = lean_fire(lead, "accept", at[2], facts)
        lead = lean_fire(lead, "win", at[3], facts)
        out.append(lead)
    return out


# --- measuring -------------------------------------------------------------------------------


def per_lead_seconds(fn: Callable[[list[sm.Lead]], list[Any]], n: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        leads = make_leads(n)
        gc.collect()
        gc.freeze()
        start = time.process_time()  # CPU time: what other jobs on the machine disturb least
        fn(leads)
        best = min(best, time.process_time() - start)
        gc.unfreeze()
    return best / n


def per_lead_bytes(fn: Callable[[list[sm.Lead]], list[Any]], n: int) -> float:
    leads = make_leads(n)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = fn(leads)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    # Only what the run adds on top of the input leads: the state each approach keeps.
    return (after - before) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n, small = args.leads, max(200, args.leads // 10)

    # Same answers first: every approach ends every lead as a customer.
    assert all(lead.stage == "customer" for lead in run_lifecycle(make_leads(50)))
    assert all(lead.stage == "customer" for lead in run_hand_written(make_leads(50)))
    assert all(m.state == "customer" for m in run_machine_per_lead(make_leads(50)))
    assert all(m.state == "customer" for m in run_shared_machine(make_leads(50))[1:])
    assert run_lifecycle(make_leads(5)) == run_hand_written(make_leads(5))
    assert all(lead.stage == "customer" for lead in run_lean(make_leads(50)))
    assert str(SQL) == "exists(budget) and exists(timeline)", SQL  # what _sql hand-writes
    assert str(MQL) == "score >= 60 and grade in ('A', 'B')", MQL  # what _mql hand-writes

    rows = [
        ("(a) transitions, Machine per lead", run_machine_per_lead, small),
        ("(b) transitions, add_model", run_shared_machine, small),
        ("(c) smarketing Lifecycle.fire", run_lifecycle, n),
        ("(d) hand-written immutable", run_hand_written, n),
        ("(e) lean floor (tuples, ifs)", run_lean, n),
    ]
    # The rounds interleave the approaches, each keeping its best round: a machine whose
    # speed drifts (another job starting) slows them alike, not only the ones measured last.
    secs = dict.fromkeys((name for name, _, _ in rows), float("inf"))
    for _ in range(args.repeats):
        for name, fn, size in rows:
            secs[name] = min(secs[name], per_lead_seconds(fn, size, 1))
    results = {}
    for name, fn, size in rows:
        mem = per_lead_bytes(fn, size)
        results[name[:3]] = (secs[name], mem)
        print(f"{name:38s} {secs[name] * 1e6:9.2f} µs/lead {mem / 1024:8.2f} KiB/lead  (n={size})")
    a, b, c, d, e = (results[k] for k in ("(a)", "(b)", "(c)", "(d)", "(e)"))
    print()
    print(f"(c)/(e) time: {c[0] / e[0]:.2f}x   target <= 1.5x (the lean floor)")
    print(f"(c)/(d) time: {c[0] / d[0]:.2f}x")
    print(f"(a)/(c) time: {a[0] / c[0]:.1f}x faster   target >= 10x")
    print(f"(a)/(d) time: {a[0] / d[0]:.1f}x (the hand-written floor)")
    print(f"(c)/(b) memory: {c[1] / b[1]:.2f}   target <= 0.20")


if __name__ == "__main__":
    main()
