"""Buyer personas: which one a lead is, how sure we are, and what would settle it.

A :class:`Persona` is a name and a few weighted :class:`Trait` s, each a condition over the
lead's facts. A :class:`PersonaMatcher` scores every persona against a lead at once: its
confidence is the share of the trait weight that matches, a trait we cannot decide yet counting
as not matched, so confidence only grows as facts arrive. ``upper`` is what it could still grow
to, and ``unknown_fields`` names the missing facts that would settle the rest.

Facts with a ``job_title`` but no ``seniority`` or ``department`` get those two from
:func:`parse_title` (see :data:`DERIVED_FACTS` and :func:`derive_facts`).

>>> import smarketing as sm
>>> leader = sm.Persona("Marketing leader", traits=[
...     sm.Trait(sm.field("department") == "marketing", weight=3, required=True),
...     sm.Trait(sm.field("seniority").is_in({"vp", "c-level", "director"}), weight=2),
...     sm.Trait(sm.field("company_size") >= 50),
... ])
>>> m = sm.PersonaMatcher([leader]).match({"job_title": "VP of Mktg & Demand Gen"})
>>> round(m.confidence, 3), m.upper, m.unknown_fields
(0.833, 1.0, ('company_size',))
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple, cast

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from smarketing import _convert, _format, _trusted
from smarketing import _validate as _v
from smarketing._convert import RAW, WHEN
from smarketing._titles import DEPARTMENTS, SENIORITIES, JobTitle, parse_title
from smarketing.conditions import Condition, Program, compile_all
from smarketing.errors import ConfigError, ValidationError
from smarketing.facts import DERIVED_FACTS, FactsOrLead, fact_view, plain_facts
from smarketing.leads import Lead

__all__ = [
    "DEPARTMENTS",
    "SENIORITIES",
    "JobTitle",
    "Persona",
    "PersonaMatch",
    "PersonaMatcher",
    "Trait",
    "parse_title",
]


def derive_facts(facts_or_lead: FactsOrLead) -> dict[str, object]:
    """A new dict of the facts, with ``seniority`` and ``department`` read from ``job_title``.

    Only unknown facts are filled (absent or ``None``); a seniority or department that is
    given is never overwritten, a title that does not say is left unsaid, and the caller's
    mapping is never changed. A :class:`~smarketing.Lead` gives ``lead.facts()``. This is the
    fact view of :mod:`smarketing.facts`, as a plain dict.

    >>> derive_facts({"job_title": "Jefe de Ventas", "seniority": "director"})
    {'job_title': 'Jefe de Ventas', 'seniority': 'director', 'department': 'sales'}
    """
    view = fact_view(facts_or_lead)
    facts = facts_or_lead.facts() if isinstance(facts_or_lead, Lead) else dict(facts_or_lead)
    facts.update(view.derived or {})
    return facts


# --- converters and checks -----------------------------------------------------------------------


def _as_tuple(value: object) -> object:
    """Lists and other iterables become tuples; anything else is left for the validator."""
    if type(value) is tuple:
        return value
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return tuple(value)
    return value


def _trait_tuple(traits: Iterable[Trait]) -> tuple[Trait, ...]:
    return cast("tuple[Trait, ...]", _as_tuple(traits))


def _persona_tuple(personas: Iterable[Persona]) -> tuple[Persona, ...]:
    return cast("tuple[Persona, ...]", _as_tuple(personas))


def _name_tuple(names: Iterable[str]) -> tuple[str, ...]:
    return cast("tuple[str, ...]", _as_tuple(names))


def _is_finite_float(value: object) -> bool:
    return isinstance(value, float) and math.isfinite(value)


# --- definitions ---------------------------------------------------------------------------------


@attrs.frozen
class Trait:
    """One thing a persona is recognised by: a condition and how much it counts.

    ``weight`` is a positive number (``3`` counts three times as much as ``1``). A ``required``
    trait that is known not to hold rules the persona out; one that is unknown does not (it may
    still hold). Errors name the trait by its condition.

    >>> import smarketing as sm
    >>> sm.Trait(sm.field("department") == "marketing", weight=3)
    Trait(condition=parse_condition("department == 'marketing'"), weight=3.0, required=False)
    """

    condition: Condition = attrs.field()
    weight: float = attrs.field(default=1.0, converter=_v.to_float)
    required: bool = attrs.field(default=False)

    @condition.validator
    def _check_condition(self, _attribute: object, value: object) -> None:
        if not isinstance(value, Condition):
            msg = (
                "Trait.condition must be a Condition, such as field('department') == "
                f"'marketing' or parse_condition(text) (got {value!r})."
            )
            raise ConfigError(msg, key="condition", piece=value)

    @weight.validator
    def _check_weight(self, _attribute: object, value: object) -> None:
        if not _is_finite_float(value) or cast("float", value) <= 0:
            msg = (
                f"trait {self.condition}: weight must be a positive, finite number (got {value!r})."
            )
            raise ConfigError(msg, key="weight", piece=value)

    @required.validator
    def _check_required(self, _attribute: object, value: object) -> None:
        if not isinstance(value, bool):
            msg = f"trait {self.condition}: required must be True or False (got {value!r})."
            raise ConfigError(msg, key="required", piece=value)


@attrs.frozen
class Persona:
    """A named kind of buyer, recognised by its traits.

    ``traits`` is a non-empty list of :class:`Trait`; ``description`` is free text for people.
    A persona that could never match, or whose weights are not numbers, is a ``ConfigError``
    that names it.
    """

    name: str = attrs.field()
    traits: tuple[Trait, ...] = attrs.field(converter=_trait_tuple)
    description: str = attrs.field(default="")

    @name.validator
    def _check_name(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            msg = f"persona name must be a non-blank string (got {value!r})."
            raise ConfigError(msg, key="name", piece=value)

    @traits.validator
    def _check_traits(self, _attribute: object, value: object) -> None:
        where = f"persona {self.name!r}"
        if not isinstance(value, tuple):
            msg = f"{where}: traits must be a list of Trait (got {value!r})."
            raise ConfigError(msg, key="traits", piece=value)
        if not value:
            msg = f"{where}: traits must hold at least one Trait; with none it could never match."
            raise ConfigError(msg, key="traits", piece=value)
        for i, trait in enumerate(value):
            if not isinstance(trait, Trait):
                hint = " (wrap a condition in Trait(...))" if isinstance(trait, Condition) else ""
                msg = f"{where}: traits[{i}] must be a Trait{hint} (got {trait!r})."
                raise ConfigError(msg, key=f"traits[{i}]", piece=trait)
        try:
            math.fsum(trait.weight for trait in value)
        except OverflowError:
            msg = f"{where}: the trait weights add up to more than a float can hold."
            raise ConfigError(msg, key="traits", piece=value) from None

    @description.validator
    def _check_description(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str):
            msg = f"persona {self.name!r}: description must be a string (got {value!r})."
            raise ConfigError(msg, key="description", piece=value)

    @functools.cached_property
    def total_weight(self) -> float:
        """The weight of every trait together: what a confidence of 1.0 takes."""
        return math.fsum(t.weight for t in self.traits)


# --- results -------------------------------------------------------------------------------------


def _instance_of_persona(_instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, Persona):
        msg = f"PersonaMatch.persona must be a Persona (got {value!r})."
        raise ValidationError(msg, value=value, where="PersonaMatch.persona", expected="a Persona")


def _check_share(_instance: object, _attribute: object, value: Any) -> None:
    if not _is_finite_float(value) or not 0.0 <= value <= 1.0:
        msg = f"PersonaMatch.confidence must be a number from 0 to 1 (got {value!r})."
        raise ValidationError(
            msg, value=value, where="PersonaMatch.confidence", expected="a number from 0 to 1"
        )


def _check_traits(_instance: object, attribute: attrs.Attribute[object], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(t, Trait) for t in value):
        where = f"PersonaMatch.{attribute.name}"
        msg = f"{where} must be a tuple of Trait (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a tuple of Trait")


def _check_fields(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(n, str) for n in value):
        where = "PersonaMatch.unknown_fields"
        msg = f"{where} must be a tuple of fact names (got {value!r})."
        raise ValidationError(msg, value=value, where=where, expected="a tuple of names")


@attrs.frozen(weakref_slot=False)  # built from parts: see _trusted
class PersonaMatch:
    """How well a lead fits one persona, and why.

    ``matched``, ``unmatched`` and ``unknown`` split the persona's traits (each in the persona's
    order) into those that hold, those that do not and those the facts cannot decide yet.
    ``confidence`` is the matched share of the persona's total weight, in [0, 1]; it is 0 when
    the persona is :attr:`ruled_out`. ``unknown_fields`` names the missing facts that the
    unknown traits read, sorted, with ``job_title`` added where it would decide a missing
    ``seniority`` or ``department`` (:data:`DERIVED_FACTS`); it is empty for a ruled-out persona:
    nothing is worth asking for a persona that is out.
    """

    persona: Persona = attrs.field(validator=_instance_of_persona)
    confidence: float = attrs.field(converter=_v.to_float, validator=_check_share)
    matched: tuple[Trait, ...] = attrs.field(converter=_trait_tuple, validator=_check_traits)
    unmatched: tuple[Trait, ...] = attrs.field(converter=_trait_tuple, validator=_check_traits)
    unknown: tuple[Trait, ...] = attrs.field(converter=_trait_tuple, validator=_check_traits)
    unknown_fields: tuple[str, ...] = attrs.field(
        default=(), kw_only=True, converter=_name_tuple, validator=_check_fields
    )

    @property
    def ruled_out(self) -> bool:
        """Whether a required trait is known not to hold."""
        return any(t.required for t in self.unmatched)

    @property
    def upper(self) -> float:
        """The confidence this match would reach if every unknown trait matched (0 if ruled out)."""
        if self.ruled_out:
            return 0.0
        reachable = math.fsum(t.weight for t in (*self.matched, *self.unknown))
        return reachable / self.persona.total_weight

    def explain(self) -> str:
        """A few lines for people: the verdict, each trait and its status, what to ask next.

        >>> import smarketing as sm
        >>> p = sm.Persona("Founder", traits=[sm.Trait(sm.field("seniority") == "owner", 2),
        ...                                   sm.Trait(sm.field("company_size") < 50)])
        >>> print(sm.PersonaMatcher([p]).match({"job_title": "Co-Founder"}).explain())
        Founder: 67%, up to 100% if the unknown traits match
          matched    seniority == 'owner' (weight 2)
          unknown    company_size < 50 (weight 1)
          unknown facts: company_size
        """
        name = self.persona.name
        if self.ruled_out:
            failed = [str(t.condition) for t in self.unmatched if t.required]
            which = "a required trait" if len(failed) == 1 else "required traits"
            lines = [f"{name}: ruled out by {which}: {'; '.join(failed)}"]
        elif self.unknown:
            lines = [
                f"{name}: {self.confidence:.0%}, up to {self.upper:.0%} if the unknown traits match"
            ]
        else:
            lines = [f"{name}: {self.confidence:.0%}"]
        position: dict[Trait, int] = {}
        for i, trait in enumerate(self.persona.traits):
            position.setdefault(trait, i)
        rows = [
            (status, trait)
            for status, group in (
                ("matched", self.matched),
                ("unmatched", self.unmatched),
                ("unknown", self.unknown),
            )
            for trait in group
        ]
        rows.sort(key=lambda row: position.get(row[1], len(position)))
        for status, trait in rows:
            required = ", required" if trait.required else ""
            lines.append(
                f"  {status:<10} {trait.condition} (weight {_format.exact(trait.weight)}{required})"
            )
        if self.unknown_fields:
            lines.append(f"  unknown facts: {', '.join(self.unknown_fields)}")
        return "\n".join(lines)


# --- matching ------------------------------------------------------------------------------------


class _Plan(NamedTuple):
    """A persona compiled for matching: per trait, where its verdict is and what it counts."""

    persona: Persona
    total: float
    steps: tuple[tuple[int, float, bool, Trait], ...]  # (condition index, weight, required, trait)
    exact: bool  # every sum of the weights is exact in floats: plain addition equals fsum


#: Weights on a grid of 2**-20 below 2**30: any sum of up to 2**3 of them is exact in a float.
_GRID: Final = 2.0**20


def _sums_exactly(weights: Sequence[float]) -> bool:
    return len(weights) <= 8 and all(abs(w) < 2.0**30 and (w * _GRID).is_integer() for w in weights)


def _matcher_personas(personas: Iterable[Persona]) -> tuple[Persona, ...]:
    """The matcher's personas, checked as they are set, before the matcher compiles them."""
    value: object = _persona_tuple(personas)  # the argument as given when not a collection
    if not isinstance(value, tuple):
        msg = f"PersonaMatcher: personas must be a list of Persona (got {value!r})."
        raise ConfigError(msg, key="personas", piece=value)
    seen: dict[str, int] = {}
    for i, persona in enumerate(value):
        if not isinstance(persona, Persona):
            msg = f"PersonaMatcher: personas[{i}] must be a Persona (got {persona!r})."
            raise ConfigError(msg, key=f"personas[{i}]", piece=persona)
        first = seen.setdefault(persona.name, i)
        if first != i:
            msg = (
                f"persona {persona.name!r} is defined twice (personas[{first}] and "
                f"personas[{i}]); a match must say which persona it is, so names are unique."
            )
            raise ConfigError(msg, key=f"personas[{i}].name", piece=persona.name)
    return value


def _check_min_confidence(_instance: object, _attribute: object, value: object) -> None:
    if not _is_finite_float(value) or not 0.0 <= cast("float", value) <= 1.0:
        msg = f"PersonaMatcher: min_confidence must be a number from 0 to 1 (got {value!r})."
        raise ConfigError(msg, key="min_confidence", piece=value)


@attrs.frozen
class PersonaMatcher:
    """Scores every persona against a lead's facts, best first.

    ``personas`` are tried in the order given, which also breaks ties. ``match`` answers the
    best persona only when its confidence is above zero and at least ``min_confidence``.
    Matching reads the facts through :func:`~smarketing.facts.plain_facts`, so a ``job_title`` is
    read once per call (none for a view handed in), and a condition that several personas
    share is evaluated once per call.
    """

    personas: tuple[Persona, ...] = attrs.field(converter=_matcher_personas)
    min_confidence: float = attrs.field(
        default=0.0, converter=_v.to_float, validator=_check_min_confidence
    )
    # Every trait's condition compiled in one step (a condition several personas share runs
    # once); each plan step says where its trait's verdict is in the program's answer.
    _program: Program = attrs.field(init=False, eq=False, repr=False)
    _plans: tuple[_Plan, ...] = attrs.field(init=False, eq=False, repr=False)

    @_program.default
    def _compile(self) -> Program:
        return compile_all([t.condition for p in self.personas for t in p.traits])

    @_plans.default
    def _plan(self) -> tuple[_Plan, ...]:
        at = iter(self._program.at)
        return tuple(
            _Plan(
                persona,
                persona.total_weight,
                tuple((next(at), t.weight, t.required, t) for t in persona.traits),
                _sums_exactly([t.weight for t in persona.traits]),
            )
            for persona in self.personas
        )

    def rank(self, facts_or_lead: FactsOrLead) -> tuple[PersonaMatch, ...]:
        """Every persona's match, best first.

        Higher confidence first, ties in the order the personas were given; personas ruled out
        by a required trait come last, with confidence 0, in the order given.
        """
        facts = plain_facts(facts_or_lead)
        verdicts = self._program.run(facts)
        plans = self._plans
        scores = [_score(plan, verdicts) for plan in plans]
        order = sorted(range(len(plans)), key=lambda n: (scores[n] is None, -(scores[n] or 0.0), n))
        return tuple(_build(plans[n], scores[n], verdicts, facts) for n in order)

    def _standing(
        self, facts: Mapping[str, object]
    ) -> list[tuple[Persona, float, float, tuple[Trait, ...]]]:
        """What the profiling planner reads of ``rank(facts)`` (plain facts, derived already):
        per persona not ruled out, best first, its confidence, the confidence it could reach,
        and its unknown traits, without building the matches (benchmarks/bench_profiling.py:
        building all eight was a third of a plan)."""
        verdicts = self._program.run(facts)
        standing = []
        for n, plan in enumerate(self._plans):
            # One pass over the traits: the matched weight, the reachable one, the unknown
            # traits (three passes were a third of the planner's persona part, cProfile).
            matched: list[float] = []
            reachable: list[float] = []
            unknown: list[Trait] = []
            for at, weight, required, trait in plan.steps:
                verdict = verdicts[at]
                if verdict is True:
                    matched.append(weight)
                    reachable.append(weight)
                elif verdict is None:
                    reachable.append(weight)
                    unknown.append(trait)
                elif required:
                    break
            else:
                score = math.fsum(matched) / plan.total
                upper = math.fsum(reachable) / plan.total
                standing.append((-score, n, plan.persona, score, upper, tuple(unknown)))
        standing.sort(key=lambda s: (s[0], s[1]))
        return [
            (persona, score, upper, unknown) for _, _, persona, score, upper, unknown in standing
        ]

    def match(self, facts_or_lead: FactsOrLead) -> PersonaMatch | None:
        """The best persona (``rank(...)[0]``), or ``None`` when no persona is confident enough.

        Never a ruled-out persona, and never a confidence of 0.
        """
        facts = plain_facts(facts_or_lead)
        verdicts = self._program.run(facts)
        best, best_score = None, 0.0
        for plan in self._plans:
            score = _score(plan, verdicts)
            if score is not None and score > best_score:
                best, best_score = plan, score
        if best is None or best_score < self.min_confidence:
            return None
        return _build(best, best_score, verdicts, facts)


def _score(plan: _Plan, verdicts: list[bool | None]) -> float | None:
    """The persona's confidence, or ``None`` when a required trait fails."""
    if plan.exact:
        # Weights on a grid (every practical persona): plain addition is exact, and twice as
        # fast as collecting them for fsum (benchmarks/bench_personas.py (e): 10.9 -> 8.9 µs
        # a lead, one run, shared machine).
        matched = 0.0
        for at, weight, required, _trait in plan.steps:
            verdict = verdicts[at]
            if verdict is True:
                matched += weight
            elif verdict is False and required:
                return None
        return matched / plan.total
    weights = []
    for at, weight, required, _trait in plan.steps:
        verdict = verdicts[at]
        if verdict is True:
            weights.append(weight)
        elif verdict is False and required:
            return None
    # fsum is exact, so a share of a subset never exceeds the share of a larger one.
    return math.fsum(weights) / plan.total


def _build(
    plan: _Plan, score: float | None, verdicts: list[bool | None], facts: Mapping[str, object]
) -> PersonaMatch:
    matched: list[Trait] = []
    unmatched: list[Trait] = []
    unknown: list[Trait] = []
    for at, _weight, _required, trait in plan.steps:
        verdict = verdicts[at]
        if verdict is True:
            matched.append(trait)
        elif verdict is None:
            unknown.append(trait)
        else:
            unmatched.append(trait)
    fields = () if score is None else _unknown_fields(unknown, facts)
    # The parts come from the matcher's own checked personas and its verdicts, so the match
    # is built from its twin (_trusted): benchmarks/bench_personas.py (e) took 21.3 µs a lead
    # through PersonaMatch's validating __init__ (a third of match's time, one run, shared
    # machine).
    match: Any = _trusted.new(_MatchParts)
    match.persona = plan.persona
    match.confidence = 0.0 if score is None else score
    match.matched = tuple(matched)
    match.unmatched = tuple(unmatched)
    match.unknown = tuple(unknown)
    match.unknown_fields = fields
    match.__class__ = PersonaMatch
    built: PersonaMatch = match
    return built


_MatchParts = _trusted.parts(PersonaMatch)


def _unknown_fields(unknown: list[Trait], facts: Mapping[str, object]) -> tuple[str, ...]:
    """The missing facts the unknown traits read, plus the facts that would derive them."""
    names: set[str] = set()
    for trait in unknown:
        names.update(trait.condition.missing(facts))
    for name in tuple(names):
        source = DERIVED_FACTS.get(name)
        if source is not None and facts.get(source) is None:
            names.add(source)
    return tuple(sorted(names))


@_convert.shapes(Trait, Persona, PersonaMatcher, PersonaMatch)
def _as_data(conv: cattrs.Converter) -> None:
    # Weights, shares and flags reach the classes as they are in the data (RAW), so that "3"
    # or "no" is reported there instead of being coerced by float() or bool().
    conv.register_unstructure_hook(Trait, make_dict_unstructure_fn(Trait, conv, condition=WHEN))
    conv.register_structure_hook(
        Trait, make_dict_structure_fn(Trait, conv, condition=WHEN, weight=RAW, required=RAW)
    )
    conv.register_structure_hook(
        PersonaMatch, make_dict_structure_fn(PersonaMatch, conv, confidence=RAW)
    )
    conv.register_structure_hook(
        PersonaMatcher, make_dict_structure_fn(PersonaMatcher, conv, min_confidence=RAW)
    )
