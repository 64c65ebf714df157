"""The lifecycle: stages and transitions checked into one table, and the leads moved through it
(fire, allowed, advance, replay), the default lifecycle included."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Final, TypeAlias

import attrs
from transitions import Machine

from smarketing import _validate as _v
from smarketing.conditions import (
    Compiled,
    Condition,
    always,
    compile_condition,
    field,
    parse_condition,
)
from smarketing.errors import ConfigError, GuardRejected, TransitionError, ValidationError
from smarketing.facts import fact_view
from smarketing.leads import Lead, StageChange, moved_lead
from smarketing.lifecycle._parts import (
    Stage,
    Transition,
    _to_initial,
    _to_stages,
    _to_transitions,
)

#: The default marketing-qualified definition: enough score, and a good fit grade.
DEFAULT_MQL: Final = parse_condition("score >= 60 and grade in ('A', 'B')")
#: The default sales-qualified definition: the rep has confirmed budget and timeline.
DEFAULT_SQL: Final = parse_condition("exists(budget) and exists(timeline)")

#: What fire reads of one move: the transition, its compiled guard (None when it always
#: holds), the main-path rank of its destination (None off the path) and the facts the guard
#: reads.
_Step: TypeAlias = tuple[Transition, Compiled | None, int | None, frozenset[str]]


@attrs.frozen(eq=False, repr=False)
class Lifecycle:
    """A validated set of stages and transitions, shared by every lead that follows it.

    >>> import smarketing as sm
    >>> lc = sm.Lifecycle(
    ...     stages=["inquiry", "mql", "sal", "sql", "won", "lost"],
    ...     initial="inquiry",
    ...     transitions=[
    ...         sm.Transition("qualify", source="inquiry", dest="mql", auto=True),
    ...         sm.Transition("accept", source="mql", dest="sal"),
    ...         sm.Transition("convert", source="sal", dest="sql"),
    ...         sm.Transition("win", source="sql", dest="won"),
    ...         sm.Transition("lose", source=["sal", "sql"], dest="lost", requires_reason=True),
    ...     ],
    ... )
    >>> lc.main_path
    ('inquiry', 'mql', 'sal', 'sql', 'won')
    """

    stages: tuple[Stage, ...] = attrs.field(converter=_to_stages)
    initial: str = attrs.field(converter=_to_initial)
    transitions: tuple[Transition, ...] = attrs.field(converter=_to_transitions)
    # Derived once, in order, from the arguments (each step checks what it reads): the stages
    # by name, the transition table (one transitions.Machine, read and dropped: leads are never
    # attached to it), the automatic moves, the main path's ranks.
    _by_name: dict[str, Stage] = attrs.field(init=False)
    _table: dict[str, dict[str, Transition]] = attrs.field(init=False)
    _auto: dict[str, tuple[tuple[Transition, Compiled], ...]] = attrs.field(init=False)
    _guards: dict[str, dict[str, Compiled]] = attrs.field(init=False)
    _rank: dict[str, int] = attrs.field(init=False)
    _steps: dict[str, dict[str, _Step]] = attrs.field(init=False)
    _triggers: frozenset[str] = attrs.field(init=False)

    @_by_name.default
    def _index_stages(self) -> dict[str, Stage]:
        by_name: dict[str, Stage] = {}
        for stage in self.stages:
            if stage.name in by_name:
                raise ConfigError(f"stage {stage.name!r} is listed twice.", piece=stage.name)
            by_name[stage.name] = stage
        if not by_name:
            raise ConfigError("a lifecycle needs at least one stage.", key="stages")
        if self.initial not in by_name:
            msg = (
                f"the initial stage {self.initial!r} is not one of the stages "
                f"({', '.join(by_name)})."
            )
            raise ConfigError(msg, key="initial", piece=self.initial)
        return by_name

    @_table.default
    def _build_table(self) -> dict[str, dict[str, Transition]]:
        by_name = self._by_name
        seen: set[tuple[str, str]] = set()
        for t in self.transitions:
            for name in (*t.source, t.dest):
                if name not in by_name:
                    msg = (
                        f"trigger {t.trigger!r} names the unknown stage {name!r} "
                        f"(stages: {', '.join(by_name)})."
                    )
                    raise ConfigError(msg, key=f"transitions.{t.trigger}", piece=name)
            for src in t.source:
                if (t.trigger, src) in seen:
                    msg = f"trigger {t.trigger!r} is defined twice from stage {src!r}."
                    raise ConfigError(msg, key=f"transitions.{t.trigger}", piece=src)
                seen.add((t.trigger, src))
                if by_name[src].terminal:
                    msg = (
                        f"trigger {t.trigger!r} leaves the terminal stage {src!r}; "
                        "nothing leaves a terminal stage (drop the trigger or the flag)."
                    )
                    raise ConfigError(msg, key=f"transitions.{t.trigger}", piece=src)
        # One machine per definition, never a model: it holds the transition table we read.
        machine = Machine(
            model=None,
            states=list(by_name),
            initial=self.initial,
            transitions=[
                {"trigger": t.trigger, "source": list(t.source), "dest": t.dest}
                for t in self.transitions
            ],
            auto_transitions=False,
        )
        by_key = {(t.trigger, s): t for t in self.transitions for s in t.source}
        table: dict[str, dict[str, Transition]] = {name: {} for name in by_name}
        for trigger, event in machine.events.items():
            for src in event.transitions:
                table[src][trigger] = by_key[(trigger, src)]
        self._reject_unreachable(table)
        # Each stage's moves in definition order, so that readers need not sort them per lead
        # (``allowed`` sorted them by ``transitions.index``: 18 Transition comparisons a lead).
        order = {(t.trigger, s): n for n, t in enumerate(self.transitions) for s in t.source}
        return {
            src: dict(sorted(moves.items(), key=lambda item: order[(item[0], src)]))
            for src, moves in table.items()
        }

    @_auto.default
    def _automatic_moves(self) -> dict[str, tuple[tuple[Transition, Compiled], ...]]:
        # Each auto condition compiled once, for every lead that follows the lifecycle.
        gate = {id(t): compile_condition(t.auto_condition()) for t in self.transitions if t.is_auto}
        return {
            s: tuple((t, gate[id(t)]) for t in moves.values() if t.is_auto)
            for s, moves in self._table.items()
        }

    @_guards.default
    def _compiled_guards(self) -> dict[str, dict[str, Compiled]]:
        # Each guard compiled once, for every lead that follows the lifecycle.
        guard = {id(t): compile_condition(t.when) for t in self.transitions}
        return {
            s: {trigger: guard[id(t)] for trigger, t in moves.items()}
            for s, moves in self._table.items()
        }

    @_rank.default
    def _rank_main_path(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self._main_path(self._table))}

    @_steps.default
    def _fire_steps(self) -> dict[str, dict[str, _Step]]:
        # What fire reads per stage and trigger: the move, its guard (None when it always
        # holds), the rank of its destination on the main path and the facts the guard reads.
        return {
            s: {
                trigger: (
                    t,
                    None if t.when is _ALWAYS else self._guards[s][trigger],
                    self._rank.get(t.dest),
                    t.when.fields,
                )
                for trigger, t in moves.items()
            }
            for s, moves in self._table.items()
        }

    @_triggers.default
    def _trigger_names(self) -> frozenset[str]:
        return frozenset(t.trigger for t in self.transitions)

    def _reject_unreachable(self, table: Mapping[str, Mapping[str, Transition]]) -> None:
        reached, todo = {self.initial}, [self.initial]
        while todo:
            for t in table[todo.pop()].values():
                if t.dest not in reached:
                    reached.add(t.dest)
                    todo.append(t.dest)
        unreachable = [s.name for s in self.stages if s.name not in reached]
        if unreachable:
            msg = (
                f"no trigger leads from {self.initial!r} to the stage"
                f"{'s' * (len(unreachable) > 1)} {', '.join(map(repr, unreachable))}."
            )
            raise ConfigError(msg, key="stages", piece=unreachable[0])

    def _main_path(self, table: Mapping[str, Mapping[str, Transition]]) -> list[str]:
        # A side stage is one entered only through triggers that need a reason.
        plain_entry = {self.initial}
        for moves in table.values():
            plain_entry.update(t.dest for t in moves.values() if not t.requires_reason)
        return [s.name for s in self.stages if s.name in plain_entry]

    @classmethod
    def default(
        cls,
        *,
        mql: Condition = DEFAULT_MQL,
        sql: Condition = DEFAULT_SQL,
        max_age: Mapping[str, timedelta] | None = None,
    ) -> Lifecycle:
        """The standard lead lifecycle, with your MQL and SQL definitions.

        Stages ``suspect → prospect → mql → sql → customer`` plus ``recycled`` and
        ``disqualified``. ``engage`` and ``qualify`` are automatic (``engage`` once the lead
        has engaged, ``qualify`` once the MQL definition holds); every other trigger is a
        person's decision. ``max_age`` maps stage names to their SLA (e.g. ``{"mql":
        timedelta(days=2)}``).
        """
        ages = dict(max_age or {})
        names = ("suspect", "prospect", "mql", "sql", "customer", "recycled", "disqualified")
        unknown = sorted(set(ages) - set(names))
        if unknown:
            msg = f"max_age names the unknown stage {unknown[0]!r} (stages: {', '.join(names)})."
            raise ConfigError(msg, key="max_age", piece=unknown[0])
        stages = [
            Stage(
                n,
                max_age=ages.get(n),
                closed=n in ("customer", "disqualified"),
                terminal=n == "customer",
            )
            for n in names
        ]
        open_stages = ["suspect", "prospect", "mql", "sql", "recycled"]
        return cls(
            stages=stages,
            initial="suspect",
            transitions=[
                Transition("engage", "suspect", "prospect", auto=field("engagement") > 0),
                Transition("qualify", "prospect", "mql", when=mql, auto=True),
                Transition("accept", "mql", "sql", when=sql),
                Transition("win", "sql", "customer"),
                Transition("recycle", ["mql", "sql"], "recycled", requires_reason=True),
                Transition("reengage", "recycled", "prospect"),
                Transition("disqualify", open_stages, "disqualified", requires_reason=True),
                Transition("reopen", "disqualified", "suspect"),
            ],
        )

    # --- reading the definition -------------------------------------------------------------

    @property
    def stage_names(self) -> tuple[str, ...]:
        """Every stage's name, in definition order."""
        return tuple(self._by_name)

    @property
    def main_path(self) -> tuple[str, ...]:
        """The stages along which ``high_water`` rises, in order (side stages left out)."""
        return tuple(self._rank)

    @property
    def open_stages(self) -> tuple[str, ...]:
        """The stages in which a lead is still being worked."""
        return tuple(s.name for s in self.stages if s.open)

    @property
    def triggers(self) -> frozenset[str]:
        """Every trigger name of the lifecycle."""
        return self._triggers

    def stage(self, name: str) -> Stage:
        """The stage called ``name``; a ``ValidationError`` if there is none."""
        stage = self._by_name.get(name) if isinstance(name, str) else None
        if stage is None:
            msg = f"{name!r} is not a stage of this lifecycle (stages: {', '.join(self._by_name)})."
            raise ValidationError(msg, value=name, where="stage", expected="a stage name")
        return stage

    def rank(self, stage: str) -> int | None:
        """The position of ``stage`` on the main path, or ``None`` for a side stage."""
        self.stage(stage)
        return self._rank.get(stage)

    def transitions_from(self, stage: str) -> tuple[Transition, ...]:
        """The transitions that leave ``stage``, in definition order."""
        self.stage(stage)
        return tuple(self._table[stage].values())

    # --- moving leads -----------------------------------------------------------------------

    def _moves(self, lead: Lead, method: str) -> dict[str, Transition]:
        if type(lead) is not Lead:  # the message is written only when it is needed
            where = f"Lifecycle.{method}(lead)"
            _v.instance(lead, where, cls=Lead, error=_v.runtime, expected="a Lead")
        moves = self._table.get(lead.stage)
        if moves is None:
            msg = (
                f"lead {lead.id!r} is in stage {lead.stage!r}, which is not a stage of this "
                f"lifecycle (stages: {', '.join(self._by_name)})."
            )
            raise ValidationError(msg, value=lead.stage, where=f"lead {lead.id!r}.stage")
        return moves

    def allowed(self, lead: Lead, facts: Mapping[str, object] | None = None) -> tuple[str, ...]:
        """The triggers that would succeed now (those needing a reason assume one is given)."""
        moves = self._moves(lead, "allowed")
        view = fact_view(lead, facts, derive=False)
        guards = self._guards[lead.stage]
        return tuple(trigger for trigger in moves if guards[trigger](view) is True)

    def fire(
        self,
        lead: Lead,
        trigger: str,
        *,
        at: datetime,
        actor: str | None = None,
        reason: str | None = None,
        facts: Mapping[str, object] | None = None,
    ) -> Lead:
        """The lead after ``trigger`` fires at ``at``; the given lead is left as it was.

        Raises :class:`~smarketing.TransitionError` when the trigger does not leave the lead's
        stage, :class:`~smarketing.GuardRejected` when its guard does not hold for the lead's
        facts (with ``facts`` layered over them), and :class:`~smarketing.ValidationError` for
        a missing required reason or a time before the lead's last change.
        """
        # Written for speed, each step earning its place in benchmarks/bench_lifecycle.py (c),
        # counted in instructions against the lean floor (e): one look-up per stage and
        # trigger (the move, its compiled guard or None, its rank), checks that write their
        # messages only on failure (building two texts per move was 1.5 µs of a fire's 4),
        # and _moved written out (a Python call is about 2,000 instructions).
        steps = self._steps.get(lead.stage) if type(lead) is Lead else None
        if steps is None:  # not a Lead, or not one of this lifecycle's stages: _moves says so
            self._moves(lead, "fire")
            steps = self._steps[lead.stage]  # a subclass of Lead in a known stage
        if type(at) is not datetime or type(at.tzinfo) is not timezone:  # as Lead's check
            _v.aware(at, f"lead {lead.id!r}: fire(at=...)")
        if type(trigger) is not str:
            _v.instance(
                trigger,
                f"lead {lead.id!r}: fire(trigger)",
                cls=str,
                error=_v.runtime,
                expected="a trigger name (text)",
            )
        history = lead.history
        last = history[-1].at if history else lead.created_at
        if at < last:
            msg = (
                f"lead {lead.id!r}: {trigger!r} at {at.isoformat()} is earlier than the lead's "
                f"last change at {last.isoformat()}; stage changes are recorded in time order."
            )
            raise ValidationError(msg, value=at, where=f"lead {lead.id!r}.fire(at=...)")
        step = steps.get(trigger)
        if step is None:
            raise self._not_a_move(lead, trigger, facts)
        move, guard, rank, reads = step
        if isinstance(reason, str) and reason.isspace():
            reason = None  # only blanks: no reason, as "" is
        if move.requires_reason and not reason:
            msg = f"lead {lead.id!r}: {trigger!r} needs a reason (got {reason!r})."
            raise ValidationError(msg, value=reason, where=f"{trigger}(reason=...)")
        if guard is not None:
            # A guard that reads only facts the caller gave in a dict is answered by them: the
            # lead's view would give it the same values (benchmarks/bench_lifecycle.py (c):
            # 2,400 instructions less a move so guarded, callgrind).
            if type(facts) is dict and facts.keys() >= reads:
                holds = guard(facts)
            else:
                holds = guard(fact_view(lead, facts, derive=False))
            if holds is not True:
                raise self._rejected(lead, move, fact_view(lead, facts, derive=False), facts)
        dest, high = move.dest, lead.high_water
        if rank is not None and rank > self._rank.get(high, -1):
            high = dest
        return moved_lead(lead, dest, trigger, at, actor, reason or None, high)

    def _moved(
        self, lead: Lead, move: Transition, at: datetime, actor: str | None, reason: str | None
    ) -> Lead:
        dest = move.dest
        rank = self._rank.get(dest)
        high = lead.high_water
        if rank is not None and rank > self._rank.get(high, -1):
            high = dest
        return moved_lead(lead, dest, move.trigger, at, actor, reason or None, high)

    def _not_a_move(
        self, lead: Lead, trigger: str, facts: Mapping[str, object] | None
    ) -> TransitionError:
        allowed = self.allowed(lead, facts)
        now = ", ".join(allowed) if allowed else "none"
        if trigger not in self._triggers:
            msg = (
                f"lead {lead.id!r}: {trigger!r} is not a trigger of this lifecycle "
                f"(triggers: {', '.join(sorted(self._triggers))}); allowed now: {now}."
            )
        else:
            msg = (
                f"lead {lead.id!r} is in stage {lead.stage!r}, where {trigger!r} does not "
                f"apply; allowed now: {now}."
            )
        return TransitionError(
            msg, lead_id=lead.id, stage=lead.stage, trigger=trigger, allowed=allowed
        )

    def _rejected(
        self,
        lead: Lead,
        move: Transition,
        view: Mapping[str, object],
        facts: Mapping[str, object] | None,
    ) -> GuardRejected:
        failed = tuple(str(c) for c in move.when.blame(view))
        missing = move.when.missing(view)
        allowed = self.allowed(lead, facts)
        msg = (
            f"lead {lead.id!r} in stage {lead.stage!r}: {move.trigger!r} was rejected; "
            f"not holding: {'; '.join(failed)}"
            + (f" (missing facts: {', '.join(missing)})" if missing else "")
            + f"; allowed now: {', '.join(allowed) if allowed else 'none'}."
        )
        return GuardRejected(
            msg,
            lead_id=lead.id,
            stage=lead.stage,
            trigger=move.trigger,
            allowed=allowed,
            failed=failed,
            missing=missing,
        )

    def advance(
        self,
        lead: Lead,
        *,
        at: datetime,
        facts: Mapping[str, object] | None = None,
        actor: str = "auto",
    ) -> Lead:
        """Follow the automatic transitions while their conditions hold.

        Takes the first automatic transition (in definition order) whose guard and ``auto``
        condition hold, and repeats from the new stage; a stage is never entered twice in one
        call, so automatic loops cannot spin.
        """
        self._moves(lead, "advance")
        _v.aware(at, f"lead {lead.id!r}: advance(at=...)")
        visited = {lead.stage}
        while True:
            self._moves(lead, "advance")
            view = fact_view(lead, facts, derive=False)
            move = next(
                (
                    t
                    for t, holds in self._auto[lead.stage]
                    if t.dest not in visited and holds(view) is True
                ),
                None,
            )
            if move is None:
                return lead
            lead = self.fire(lead, move.trigger, at=at, actor=actor, facts=facts)
            visited.add(lead.stage)

    def replay(self, lead: Lead, changes: Iterable[StageChange]) -> Lead:
        """The lead after stage changes recorded elsewhere (a CRM export, a history file).

        Each change must start where the lead stands, use a trigger that leads from there to
        its ``to_stage``, and come no earlier than the change before; guards and reasons are
        not checked again, since the changes already happened. ``high_water`` is computed as
        ``fire`` would. Anything else is a ``ValidationError`` naming the lead and the change.
        """
        self._moves(lead, "replay")
        current = lead
        items: Iterable[object] = changes  # checked one by one: the data may come from a file
        for index, change in enumerate(items):
            where = f"lead {lead.id!r}, change {index + 1}"
            if not isinstance(change, StageChange):
                msg = f"{where}: expected a StageChange (got {change!r})."
                raise ValidationError(msg, value=change, where=where, expected="StageChange")
            move = self._table[current.stage].get(change.trigger)
            problem = None
            if change.from_stage != current.stage:
                problem = f"starts in {change.from_stage!r} but the lead is in {current.stage!r}"
            elif move is None or move.dest != change.to_stage:
                problem = (
                    f"{change.trigger!r} does not lead from {change.from_stage!r} "
                    f"to {change.to_stage!r} in this lifecycle"
                )
            elif change.at < current.updated_at:
                problem = f"at {change.at.isoformat()} is earlier than the change before it"
            if problem is not None or move is None:
                msg = f"{where} ({change.from_stage} -> {change.to_stage}): {problem}."
                raise ValidationError(msg, value=change, where=where, expected="a valid move")
            current = self._moved(current, move, change.at, change.actor, change.reason)
        return current

    def stale(self, lead: Lead, *, at: datetime) -> bool:
        """Whether the lead has sat in its stage longer than the stage's ``max_age``."""
        self._moves(lead, "stale")
        _v.aware(at, f"lead {lead.id!r}: stale(at=...)")
        max_age = self._by_name[lead.stage].max_age
        if max_age is None:
            return False
        since = lead.entered(lead.stage)
        return since is not None and at - since > max_age

    def to_mermaid(self) -> str:
        """The lifecycle as a Mermaid state diagram (text)."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for t in self.transitions:
            notes = []
            if t.is_auto:
                notes.append("auto")
            if t.requires_reason:
                notes.append("reason")
            label = t.trigger + (f" ({', '.join(notes)})" if notes else "")
            lines.extend(f"    {src} --> {t.dest} : {label}" for src in t.source)
        lines.extend(f"    {s.name} --> [*]" for s in self.stages if s.terminal)
        return "\n".join(lines) + "\n"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lifecycle):
            return NotImplemented
        return (self.stages, self.initial, self.transitions) == (
            other.stages,
            other.initial,
            other.transitions,
        )

    def __hash__(self) -> int:
        return hash((self.stages, self.initial, self.transitions))

    def __repr__(self) -> str:
        return (
            f"Lifecycle(stages={list(self.stage_names)!r}, initial={self.initial!r}, "
            f"triggers={sorted(self._triggers)!r})"
        )


_ALWAYS: Final = always()
