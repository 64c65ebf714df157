"""Progressive profiling: which few fields to ask a lead on its next form, and why.

Form tools order questions by a static queue. The planner ranks them by what the answer is
worth: how much it would settle the lead's persona, how many fit points hang on it, and
whether the next stage's definition needs it, per unit of friction. The catalog order is the
queue that breaks ties.

>>> from datetime import datetime, timezone
>>> import smarketing as sm
>>> planner = sm.ProfilePlanner(
...     [sm.FormField("company", label="Company"),
...      sm.FormField("company_size", label="Company size", requires=("company",))],
...     max_fields=1,
... )
>>> t = datetime(2026, 3, 2, tzinfo=timezone.utc)
>>> plan = planner.plan(sm.Lead.new("L-1", at=t), at=t)
>>> [f.name for f in plan.fields]
['company']
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn
from dateutil.relativedelta import relativedelta

from smarketing import _convert, _format
from smarketing import _validate as _v
from smarketing._durations import parse_duration
from smarketing.errors import ConfigError, ValidationError
from smarketing.facts import DERIVED_FACTS, Facts, fact_view
from smarketing.leads import FactValue, FieldValue, Lead, fact_data
from smarketing.lifecycle import Lifecycle
from smarketing.personas import PersonaMatcher
from smarketing.scoring import ScoringModel

__all__ = ["FormField", "FormPlan", "PlannedField", "ProfilePlanner"]

#: A form field's name (a whole match; the playbook's JSON Schema takes it from here).
FIELD_NAME_PATTERN: Final = "[A-Za-z0-9_]+"
_FIELD_NAME_RE: Final = re.compile(FIELD_NAME_PATTERN + r"\Z")

#: How much each kind of value weighs against the others when fields are ranked.
PERSONA_WEIGHT: Final = 1.0
SCORE_WEIGHT: Final = 1.0
STAGE_WEIGHT: Final = 1.0


def _check_field_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not _FIELD_NAME_RE.match(value):
        msg = f"{where} must be a field name of letters, digits and '_' (got {value!r})."
        raise ConfigError(msg, key=where, piece=value)
    return value


def _to_names(value: object) -> tuple[str, ...]:
    return _v.one_or_many(value, "FormField.requires", what="field name")  # type: ignore[return-value]


@attrs.frozen
class FormField:
    """A question a form can ask, and the rules for when to ask it.

    ``friction`` is how costly the question is to answer (1.0 is an ordinary field);
    ``requires`` names fields that must be known (or asked earlier on the same form) first;
    ``from_stage``/``until_stage`` limit the stages it is asked in; ``refresh_after`` asks it
    again once the answer is that old (a ``timedelta`` or a ``relativedelta``); ``always``
    fields are shown on every form, pre-filled when known; ``after_submissions`` waits until the
    lead has sent that many forms.
    """

    name: str = attrs.field()
    label: str = attrs.field(default="")
    friction: float = attrs.field(default=1.0)
    requires: tuple[str, ...] = attrs.field(default=(), converter=_to_names)
    from_stage: str | None = attrs.field(default=None)
    until_stage: str | None = attrs.field(default=None)
    refresh_after: timedelta | relativedelta | None = attrs.field(default=None)
    always: bool = attrs.field(default=False)
    after_submissions: int = attrs.field(default=0)

    @name.validator
    def _check_name(self, _attribute: object, value: object) -> None:
        _check_field_name(value, "FormField.name")

    @label.validator
    def _check_label(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str):
            msg = f"field {self.name!r}: label must be text (got {value!r})."
            raise ConfigError(msg, key=f"{self.name}.label", piece=value)

    @friction.validator
    def _check_friction(self, _attribute: object, value: object) -> None:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value <= 0:  # type: ignore[arg-type,operator]
            msg = f"field {self.name!r}: friction must be a positive number (got {value!r})."
            raise ConfigError(msg, key=f"{self.name}.friction", piece=value)

    @requires.validator
    def _check_requires(self, _attribute: object, value: tuple[object, ...]) -> None:
        for name in value:
            _check_field_name(name, f"field {self.name!r}: requires")
        if self.name in value:
            msg = f"field {self.name!r} requires itself."
            raise ConfigError(msg, key=f"{self.name}.requires", piece=self.name)

    @refresh_after.validator
    def _check_refresh(self, _attribute: object, value: object) -> None:
        if value is None:
            return
        if not isinstance(value, timedelta | relativedelta):
            msg = (
                f"field {self.name!r}: refresh_after must be a timedelta or a relativedelta "
                f"(got {value!r})."
            )
            raise ConfigError(msg, key=f"{self.name}.refresh_after", piece=value)
        parse_duration(value, where=f"field {self.name!r}: refresh_after")

    @always.validator
    def _check_always(self, _attribute: object, value: object) -> None:
        where, label = f"FormField({self.name!r}).always", f"field {self.name!r}"
        _v.flag(value, where, error=_v.definition, label=label)
        if value and self.requires:  # shown first on every form: it could never wait
            needed = ", ".join(map(repr, self.requires))
            msg = (
                f"field {self.name!r} is shown on every form (always), so it cannot wait for "
                f"{needed} (requires); drop one of the two."
            )
            raise ConfigError(msg, key=f"{self.name}.always", piece=self.requires)

    @after_submissions.validator
    def _check_after(self, _attribute: object, value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            msg = (
                f"field {self.name!r}: after_submissions must be a whole number >= 0 "
                f"(got {value!r})."
            )
            raise ConfigError(msg, key=f"{self.name}.after_submissions", piece=value)

    @property
    def title(self) -> str:
        """The label, or the name when there is no label."""
        return self.label or self.name


def _to_catalog(values: Iterable[object]) -> tuple[FormField, ...]:
    out = tuple(values)
    for index, f in enumerate(out):
        if not isinstance(f, FormField):
            msg = f"catalog item {index} is not a FormField (got {f!r})."
            raise ConfigError(msg, key=f"fields[{index}]", piece=f)
    return out  # type: ignore[return-value]


def _value(value: object) -> FactValue | None:
    return tuple(value) if isinstance(value, list) else value  # type: ignore[return-value]


@attrs.frozen
class PlannedField:
    """One field on the next form: what to ask, why, and its current value if known."""

    name: str
    label: str
    reason: str
    value: FactValue | None = attrs.field(default=None, converter=_value)


@attrs.frozen
class FormPlan:
    """The fields to show on the lead's next form, in order."""

    fields: tuple[PlannedField, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The field names, in order."""
        return tuple(f.name for f in self.fields)

    def explain(self) -> str:
        """One line per field: its label and why it was chosen."""
        if not self.fields:
            return "Nothing to ask: every field this lead's stage allows is known and fresh."
        width = max(len(f.label) for f in self.fields)
        return "\n".join(f"{f.label:<{width}}  {f.reason}" for f in self.fields)


def _not_due(fv: FieldValue, refresh_after: timedelta | relativedelta, at: datetime) -> bool:
    """Whether a known value, to be asked again ``refresh_after`` it was learned, is not due."""
    try:
        return fv.learned_at + refresh_after > at
    except (OverflowError, ValueError):  # "year 10000 is out of range"
        # The refresh time lies past datetime.max, so no ``at`` reaches it: never due.
        return True


class _Worth:
    """What one field's answer could change, before dividing by friction.

    Private scratch of one ``plan`` call, filled in place by the three kinds of reasons.
    """

    __slots__ = ("persona", "personas", "points", "stages")

    def __init__(self, points: float = 0.0) -> None:
        self.persona = 0.0
        self.points = points
        self.stages: list[str] = []
        self.personas: tuple[str, ...] = ()

    def total(self, max_points: float) -> float:
        score = self.points / max_points if max_points else 0.0
        return (
            PERSONA_WEIGHT * self.persona
            + SCORE_WEIGHT * score
            + STAGE_WEIGHT * (1.0 if self.stages else 0.0)
        )

    def reasons(self) -> list[str]:
        out = []
        if self.personas:
            out.append("decides persona " + " vs ".join(self.personas))
        if self.points:
            out.append(f"worth up to {_format.number(self.points, decimals=1)} fit points")
        out.extend(f"needed for the {s.upper()} definition" for s in self.stages)
        return out


def _part(cls: type, name: str) -> _v.Validator:
    """The check of the planner's optional part ``name``: a ``cls`` or None."""
    return _v.checked(
        _v.instance,
        name,
        cls=cls,
        error=_v.definition,
        expected=f"a {cls.__name__} or None",
        optional=True,
    )


@attrs.frozen(eq=False)
class ProfilePlanner:
    """Decides which fields to ask each lead next.

    ``personas``, ``scoring`` and ``lifecycle`` are optional: each one given adds a reason to
    ask a field (it settles a persona, it carries fit points, the next stage's definition
    needs it). Stage gates are read against ``lifecycle`` (the default lifecycle if none).
    """

    catalog: tuple[FormField, ...] = attrs.field(converter=_to_catalog)
    max_fields: int = attrs.field(default=3)
    personas: PersonaMatcher | None = attrs.field(
        default=None, validator=_part(PersonaMatcher, "personas")
    )
    scoring: ScoringModel | None = attrs.field(
        default=None, validator=_part(ScoringModel, "scoring")
    )
    lifecycle: Lifecycle | None = attrs.field(default=None, validator=_part(Lifecycle, "lifecycle"))
    _order: dict[str, int] = attrs.field(init=False, repr=False)
    _stages: Lifecycle = attrs.field(init=False, repr=False)
    # Per field, the field and the ranks its stage gates allow (None: no gate), read once.
    _gates: tuple[tuple[FormField, int | None, int | None], ...] = attrs.field(
        init=False, repr=False
    )

    @_order.default
    def _index_catalog(self) -> dict[str, int]:
        order: dict[str, int] = {}
        for index, f in enumerate(self.catalog):
            if f.name in order:
                raise ConfigError(f"field {f.name!r} is listed twice.", key="fields", piece=f.name)
            order[f.name] = index
        return order

    @_stages.default
    def _stages_read(self) -> Lifecycle:
        # Not a Lifecycle: the default here, so that the lifecycle's own check (run after
        # the defaults) says what is wrong, not an AttributeError on the way.
        given = self.lifecycle
        return given if isinstance(given, Lifecycle) else Lifecycle.default()

    @_gates.default
    def _gate_ranks(self) -> tuple[tuple[FormField, int | None, int | None], ...]:
        lifecycle = self._stages

        def rank(stage: str | None) -> int | None:  # a stage it lacks fails the check below
            return lifecycle.rank(stage) if stage in lifecycle.stage_names else None

        return tuple((f, rank(f.from_stage), rank(f.until_stage)) for f in self.catalog)

    @max_fields.validator
    def _check_max(self, _attribute: object, value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            msg = f"max_fields must be a whole number >= 1 (got {value!r})."
            raise ConfigError(msg, key="max_fields", piece=value)
        always = [f.name for f in self.catalog if f.always]
        if len(always) > value:
            msg = (
                f"{len(always)} fields are shown on every form ({', '.join(always)}) but a form "
                f"holds at most max_fields={value}."
            )
            raise ConfigError(msg, key="max_fields", piece=value)

    @lifecycle.validator
    def _check_catalog(self, _attribute: object, _value: object) -> None:
        order, stages = self._order, self._stages
        for f in self.catalog:
            for needed in f.requires:
                if needed not in order:
                    msg = f"field {f.name!r} requires {needed!r}, which is not in the catalog."
                    raise ConfigError(msg, key=f"{f.name}.requires", piece=needed)
            for key, stage in (("from_stage", f.from_stage), ("until_stage", f.until_stage)):
                if stage is not None and stage not in stages.stage_names:
                    msg = (
                        f"field {f.name!r}: {key} {stage!r} is not a stage "
                        f"(stages: {', '.join(stages.stage_names)})."
                    )
                    raise ConfigError(msg, key=f"{f.name}.{key}", piece=stage)
        self._reject_cycles(order)

    @functools.cached_property
    def _max_points(self) -> float:
        return sum(abs(r.points) for r in self.scoring.fit) if self.scoring is not None else 0.0

    def _reject_cycles(self, order: Mapping[str, int]) -> None:
        requires = {f.name: f.requires for f in self.catalog}
        state: dict[str, int] = {}

        def visit(name: str, path: tuple[str, ...]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                cycle = " -> ".join((*path[path.index(name) :], name))
                msg = f"fields require each other in a cycle: {cycle}."
                raise ConfigError(msg, key=f"{name}.requires", piece=cycle)
            state[name] = 1
            for needed in requires[name]:
                visit(needed, (*path, name))
            state[name] = 2

        for name in sorted(order, key=order.__getitem__):
            visit(name, ())

    # --- planning ---------------------------------------------------------------------------

    def plan(
        self,
        lead: Lead,
        *,
        at: datetime,
        submissions: int = 0,
        facts: Mapping[str, object] | None = None,
    ) -> FormPlan:
        """The fields to ask ``lead`` on its next form at ``at``.

        ``submissions`` is how many forms the lead has sent so far (for fields shown only after
        a number of submissions); ``facts`` are layered over the lead's own (for instance
        ``score.facts()``, so that guards reading the score are understood).
        """
        _v.aware(at, f"lead {lead.id!r}: plan(at=...)")
        if not isinstance(submissions, int) or isinstance(submissions, bool) or submissions < 0:
            msg = f"plan(submissions=...) must be a whole number >= 0 (got {submissions!r})."
            raise ValidationError(msg, value=submissions, where="submissions", expected="int >= 0")
        position = self._position(lead)
        # One pass over the catalog: which fields are known and fresh, which this form shows.
        known: set[str] = set()
        open_fields: list[FormField] = []
        given = lead.fields
        for f, low, high in self._gates:
            fv = given.get(f.name)
            refresh = f.refresh_after
            fresh = fv is not None and (refresh is None or _not_due(fv, refresh, at))
            if fresh:
                known.add(f.name)
            if (
                submissions < f.after_submissions
                or (low is not None and position < low)
                or (high is not None and position > high)
            ):
                continue
            if f.always or not fresh:
                open_fields.append(f)
        if not open_fields:
            return FormPlan(())
        candidates = [f for f in open_fields if not f.always and f.name not in known]
        view = fact_view(lead, facts)
        worth = self._worth(lead, view, {f.name for f in candidates})
        planned: list[PlannedField] = [
            PlannedField(f.name, f.title, "shown on every form", lead.value(f.name))
            for f in open_fields
            if f.always
        ]
        chosen = {p.name for p in planned}
        values = self._inherit(candidates, worth)
        # Best value per unit of friction first, ties in catalog order; each slot takes the
        # first field whose requirements are met (the values do not change while choosing).
        # Plain loops, not generators: a generator's frame per slot and per field was a sixth
        # of a plan (callgrind, 1,000 demo leads).
        order = self._order
        ranked = sorted([(-values[f.name][0] / f.friction, order[f.name], f) for f in candidates])
        queue = [f for _, _, f in ranked]
        while len(planned) < self.max_fields:
            best = None
            for f in queue:
                if f.name in chosen:
                    continue
                for needed in f.requires:
                    if needed not in known and needed not in chosen:
                        break
                else:
                    best = f
                    break
            if best is None:
                break
            unlocks = values[best.name][1]
            reasons = [*worth[best.name].reasons(), *(f"needed before {t}" for t in unlocks)]
            planned.append(
                PlannedField(
                    best.name, best.title, "; ".join(reasons or ["next in the queue"]), None
                )
            )
            chosen.add(best.name)
        return FormPlan(tuple(planned))

    def _position(self, lead: Lead) -> int:
        """Where the lead stands on the main path; a side stage counts as its high-water mark."""
        rank = self._stages.rank(lead.stage)
        if rank is None and lead.high_water in self._stages.stage_names:
            rank = self._stages.rank(lead.high_water)
        return rank or 0

    def _worth(self, lead: Lead, view: Facts, asked: set[str]) -> dict[str, _Worth]:
        worth = {name: _Worth() for name in asked}
        if self.scoring is not None:
            for fact, stake in self.scoring.fit_at_stake(view).items():
                w = worth.get(DERIVED_FACTS.get(fact, fact))
                if w is not None:
                    w.points += stake
        if self.personas is not None:
            self._persona_worth(self.personas, view, worth)
        self._stage_worth(lead, view, worth)
        return worth

    def _persona_worth(
        self, matcher: PersonaMatcher, view: Facts, worth: dict[str, _Worth]
    ) -> None:
        facts = view.plain()
        ranked = matcher._standing(facts)  # as rank(view), less what is not read here
        best = ranked[0][1] if ranked else 0.0  # ranked best first
        # The candidates: personas that could still catch up with the leader.
        contenders = [r for r in ranked if r[2] >= best][:3]
        names = tuple([persona.name for persona, _, _, _ in contenders])
        for persona, _, _, unknown in contenders:
            total = persona.total_weight
            for trait in unknown:
                for fact in trait.condition.missing(facts):
                    w = worth.get(DERIVED_FACTS.get(fact, fact))
                    if w is not None:
                        w.persona += trait.weight / total
                        w.personas = names if len(names) > 1 else (persona.name,)

    def _stage_worth(self, lead: Lead, view: Facts, worth: dict[str, _Worth]) -> None:
        allowed = self._stages.allowed(lead, view)  # the lifecycle's compiled guards
        for move in self._stages.transitions_from(lead.stage):
            if move.trigger in allowed:
                continue
            for fact in move.when.missing(view.plain()):
                w = worth.get(DERIVED_FACTS.get(fact, fact))
                if w is not None and move.dest not in w.stages:
                    w.stages.append(move.dest)

    def _inherit(
        self, candidates: Sequence[FormField], worth: Mapping[str, _Worth]
    ) -> dict[str, tuple[float, tuple[str, ...]]]:
        """Each field's value, and the titles of the fields it unlocks (it is needed before).

        A prerequisite inherits the value of what it unlocks and adds "needed before ..." to
        its own reasons; reasons are written only for the fields chosen.
        """
        values: dict[str, tuple[float, tuple[str, ...]]] = {
            f.name: (worth[f.name].total(self._max_points), ()) for f in candidates
        }
        changed = True
        while changed:  # ends: values only rise, and requirements form no cycle
            changed = False
            for f in candidates:
                own = values[f.name][0]
                for needed in f.requires:
                    if needed in values and own > values[needed][0]:
                        values[needed] = (own, (*values[needed][1], f.title))
                        changed = True
        return values


@_convert.shapes(FormField, PlannedField, FormPlan)
def _as_data(conv: cattrs.Converter) -> None:
    # A form field writes only what differs from its defaults, as the playbook file does.
    conv.register_unstructure_hook(
        FormField, make_dict_unstructure_fn(FormField, conv, _cattrs_omit_if_default=True)
    )
    conv.register_unstructure_hook(
        PlannedField,
        lambda p: {
            "name": p.name,
            "label": p.label,
            "reason": p.reason,
            "value": None if p.value is None else fact_data(p.value),
        },
    )
