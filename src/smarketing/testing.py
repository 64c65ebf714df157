"""Hypothesis strategies for property-testing your own playbooks (needs ``hypothesis``).

Install with ``pip install smarketing[testing]``. The library tests itself with these:

>>> from hypothesis import given
>>> import smarketing as sm
>>> from smarketing import testing as st_sm
>>> @given(st_sm.conditions(), st_sm.facts())
... def test_never_raises(c, f):
...     assert c.evaluate(f) in (True, False, None)
>>> test_never_raises()
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import attrs
from hypothesis import strategies as st

from smarketing.conditions import (
    Between,
    Compare,
    Condition,
    Contains,
    ContainsAny,
    Exists,
    IsIn,
    Matches,
    Missing,
    Not,
    Scalar,
    all_of,
    always,
    any_of,
    never,
)
from smarketing.leads import Activity, FactValue, Lead
from smarketing.lifecycle import Lifecycle
from smarketing.personas import Persona, PersonaMatcher, Trait
from smarketing.scoring import (
    DEFAULT_GRADES,
    EngagementRule,
    FitRule,
    GradeCriterion,
    LetterGrading,
    ScoringModel,
)

__all__ = [
    "ACTIVITY_KINDS",
    "FIELD_NAMES",
    "activities",
    "aware_datetimes",
    "conditions",
    "engagement_rules",
    "fact_values",
    "facts",
    "field_names",
    "fit_rules",
    "histories",
    "json_values",
    "leads",
    "letter_gradings",
    "persona_matchers",
    "personas",
    "scalars",
    "scoring_models",
    "traits",
]

#: Field names the strategies use by default: few, so that conditions and facts meet.
FIELD_NAMES: tuple[str, ...] = (
    "company_size",
    "industry",
    "job_title",
    "country",
    "budget",
    "score",
    "grade",
    "engagement",
)
#: Activity kinds the strategies use by default.
ACTIVITY_KINDS: tuple[str, ...] = (
    "page_view",
    "email_open",
    "email_click",
    "form_submit",
    "webinar",
    "demo_request",
    "call",
    "meeting",
)

_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
_ZONES = (timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)))


def field_names(names: Sequence[str] = FIELD_NAMES) -> st.SearchStrategy[str]:
    """One of ``names``."""
    return st.sampled_from(tuple(names))


def scalars() -> st.SearchStrategy[Scalar]:
    """Literals a condition may compare with: short text, finite numbers, booleans."""
    return st.one_of(
        st.text(string.ascii_letters + string.digits + " '\"\\é-", max_size=8),
        st.integers(-1000, 1000),
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        st.booleans(),
    )


def fact_values() -> st.SearchStrategy[FactValue]:
    """Values a lead's profile field may hold."""
    return st.one_of(scalars(), st.lists(scalars(), max_size=3).map(tuple))


def json_values() -> st.SearchStrategy[object]:
    """Any JSON-like value, including ``None``, nested lists and dicts."""
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5))
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=8,
    )


def facts(
    names: Sequence[str] = FIELD_NAMES, values: st.SearchStrategy[object] | None = None
) -> st.SearchStrategy[dict[str, object]]:
    """A mapping of facts over ``names``; by default any JSON-like values, ``None`` included."""
    return st.dictionaries(field_names(names), values or json_values(), max_size=len(names))


def _leaves(names: Sequence[str]) -> st.SearchStrategy[Condition]:
    name = field_names(names)
    text = st.text(string.ascii_letters + " .'", min_size=1, max_size=6)
    numbers = st.integers(-100, 100) | st.floats(-100, 100, allow_nan=False)
    return st.one_of(
        st.builds(Compare, name, st.sampled_from(("==", "!=", "<", "<=", ">", ">=")), scalars()),
        st.builds(IsIn, name, st.frozensets(scalars(), max_size=4)),
        st.builds(lambda n, a, b: Between(n, min(a, b), max(a, b)), name, numbers, numbers),
        st.builds(Contains, name, text),
        st.builds(ContainsAny, name, st.frozensets(text, min_size=1, max_size=3)),
        st.builds(Matches, name, st.sampled_from(("^a", "b$", "[0-9]+", "(?i)vp", "x|y"))),
        st.builds(Exists, name),
        st.builds(Missing, name),
        st.sampled_from((always(), never())),
    )


def conditions(
    names: Sequence[str] = FIELD_NAMES, max_leaves: int = 8
) -> st.SearchStrategy[Condition]:
    """Conditions over ``names``: every predicate, nested with and / or / not."""
    return _conditions(tuple(names), max_leaves)


@functools.lru_cache(maxsize=64)
def _conditions(names: tuple[str, ...], max_leaves: int) -> st.SearchStrategy[Condition]:
    # Built once per shape: other strategies draw conditions inside their own draws, and a
    # recursive strategy built anew each time is validated anew each time (most of the time
    # of the scoring properties).
    return st.recursive(
        _leaves(names),
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda ps: all_of(*ps)),
            st.lists(inner, min_size=2, max_size=3).map(lambda ps: any_of(*ps)),
            inner.map(Not),
        ),
        max_leaves=max_leaves,
    )


def aware_datetimes(
    start: datetime = _EPOCH, span: timedelta = timedelta(days=365)
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes in ``[start, start + span]``, in a few different zones."""
    seconds = int(span.total_seconds())
    return st.builds(
        lambda s, z: (start + timedelta(seconds=s)).astimezone(z),
        st.integers(0, seconds),
        st.sampled_from(_ZONES),
    )


def leads(names: Sequence[str] = FIELD_NAMES, stage: str = "suspect") -> st.SearchStrategy[Lead]:
    """New leads in ``stage`` with a few known profile fields."""
    ids = st.text(string.ascii_uppercase + string.digits + "-", min_size=1, max_size=8)
    return st.builds(
        lambda i, at, fields, source: Lead.new(i, at=at, fields=fields, source=source, stage=stage),
        ids,
        aware_datetimes(),
        st.dictionaries(field_names(names), fact_values(), max_size=4),
        st.none() | st.sampled_from(("webinar", "ads", "organic", "referral")),
    )


def activities(
    lead_ids: Sequence[str] = ("L-1", "L-2", "L-3"),
    kinds: Sequence[str] = ACTIVITY_KINDS,
    start: datetime = _EPOCH,
    span: timedelta = timedelta(days=365),
) -> st.SearchStrategy[Activity]:
    """Activities of the given leads and kinds, at times in ``[start, start + span]``."""
    return st.builds(
        Activity,
        st.sampled_from(tuple(lead_ids)),
        st.sampled_from(tuple(kinds)),
        aware_datetimes(start, span),
        st.dictionaries(st.sampled_from(("url", "campaign")), st.text(max_size=6), max_size=2),
    )


@st.composite
def histories(
    draw: st.DrawFn,
    lifecycle: Lifecycle | None = None,
    max_steps: int = 8,
    lead: st.SearchStrategy[Lead] | None = None,
) -> Lead:
    """A lead moved through ``lifecycle`` by a random sequence of valid triggers.

    Guards are satisfied by the facts each step needs (a guard that reads facts the strategy
    cannot invent is simply skipped), reasons are given where required, and time only moves
    forward.
    """
    lc = lifecycle or Lifecycle.default()
    current = draw(leads(stage=lc.initial) if lead is None else lead)
    at = current.created_at
    for _ in range(draw(st.integers(0, max_steps))):
        allowed = lc.allowed(current, _PERMISSIVE)
        if not allowed:
            break
        trigger = draw(st.sampled_from(allowed))
        at = at + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
        reason = draw(st.sampled_from(("no budget", "bad timing", "wrong contact")))
        current = lc.fire(current, trigger, at=at, reason=reason, facts=_PERMISSIVE, actor="test")
    return current


# Facts under which the default definitions hold: lets histories() take every trigger.
_PERMISSIVE: dict[str, object] = {
    "score": 100,
    "grade": "A",
    "engagement": 10,
    "budget": "yes",
    "timeline": "this quarter",
}


# --- personas ------------------------------------------------------------------------------------

_PERSONA_NAMES = ("Marketing leader", "Sales leader", "Technical evaluator", "Founder")


def traits(
    names: Sequence[str] = FIELD_NAMES, *, condition: st.SearchStrategy[Condition] | None = None
) -> st.SearchStrategy[Trait]:
    """Persona traits on conditions over ``names`` (or drawn from ``condition``).

    Weights run from 0.001 to 100, whole and fractional; about a third of the traits are
    required.
    """
    weights = st.integers(1, 5).map(float) | st.floats(1e-3, 100)
    return st.builds(
        Trait,
        conditions(names, max_leaves=3) if condition is None else condition,
        weights,
        st.sampled_from((False, False, True)),
    )


def personas(
    names: Sequence[str] = FIELD_NAMES,
    *,
    trait: st.SearchStrategy[Trait] | None = None,
    max_traits: int = 4,
) -> st.SearchStrategy[Persona]:
    """Personas of one to ``max_traits`` traits, from ``trait`` or :func:`traits` over ``names``."""
    name = st.sampled_from(_PERSONA_NAMES) | st.text(
        string.ascii_letters + " ", min_size=1, max_size=12
    ).filter(str.strip)
    return st.builds(
        Persona,
        name,
        st.lists(traits(names) if trait is None else trait, min_size=1, max_size=max_traits),
        st.sampled_from(("", "Owns the budget.")),
    )


def persona_matchers(
    names: Sequence[str] = FIELD_NAMES,
    *,
    persona: st.SearchStrategy[Persona] | None = None,
    max_personas: int = 5,
) -> st.SearchStrategy[PersonaMatcher]:
    """Matchers of up to ``max_personas`` uniquely named personas, ``min_confidence`` in [0, 1]."""
    return st.builds(
        PersonaMatcher,
        st.lists(
            personas(names) if persona is None else persona,
            max_size=max_personas,
            unique_by=lambda p: p.name,
        ),
        st.just(0.0) | st.floats(0, 1),
    )


# --- scoring ------------------------------------------------------------------------------------

_RULE_NAMES = ("software company", "decision maker", "demo request", "pricing page", "webinar")


def _points(negative: bool) -> st.SearchStrategy[float]:
    low = -50 if negative else 0
    return st.integers(low, 50).map(float) | st.floats(low, 50, allow_nan=False)


def _durations() -> st.SearchStrategy[timedelta]:
    return st.timedeltas(timedelta(seconds=1), timedelta(days=400))


def fit_rules(
    names: Sequence[str] = FIELD_NAMES, *, negative: bool = True
) -> st.SearchStrategy[FitRule]:
    """Fit rules over ``names``, with points in [-50, 50] (in [0, 50] unless ``negative``)."""
    return st.builds(
        FitRule, st.sampled_from(_RULE_NAMES), conditions(names, max_leaves=3), _points(negative)
    )


@st.composite
def engagement_rules(
    draw: st.DrawFn,
    kinds: Sequence[str] = ACTIVITY_KINDS,
    *,
    negative: bool = True,
    properties: Sequence[str] = ("url", "campaign"),
) -> EngagementRule:
    """Engagement rules on ``kinds``: every decay, window, repeat cap, group and ``where``.

    ``where`` conditions read ``properties``, the keys :func:`activities` fills.
    """
    decay = draw(st.sampled_from(("none", "exponential", "linear")))
    half_life = draw(_durations()) if decay == "exponential" else None
    lose = draw(st.floats(0.01, 1)) if decay == "linear" else None
    per = draw(_durations()) if decay == "linear" else None
    return EngagementRule(
        draw(st.sampled_from(_RULE_NAMES)),
        draw(st.sampled_from(tuple(kinds))),
        draw(_points(negative)),
        half_life=half_life,
        within=draw(st.none() | _durations()),
        max_count=draw(st.none() | st.integers(1, 4)),
        group=draw(st.none() | st.sampled_from(("web", "email"))),
        where=draw(st.none() | conditions(properties, max_leaves=2)),
        lose=lose,
        per=per,
    )


def letter_gradings(names: Sequence[str] = FIELD_NAMES) -> st.SearchStrategy[LetterGrading]:
    """Pardot-style letter gradings over ``names``."""
    return _letter_gradings(tuple(names))


@functools.lru_cache(maxsize=16)
def _letter_gradings(names: tuple[str, ...]) -> st.SearchStrategy[LetterGrading]:
    criteria = st.lists(
        st.builds(
            GradeCriterion,
            st.sampled_from(("senior", "target industry", "big company", "in region")),
            conditions(names, max_leaves=2),
            st.integers(1, 4),
        ),
        max_size=4,
        unique_by=lambda c: c.name,
    )
    return st.builds(LetterGrading, criteria, st.sampled_from(("F", "D", "C+", "A-")))


@st.composite
def scoring_models(
    draw: st.DrawFn,
    names: Sequence[str] = FIELD_NAMES,
    kinds: Sequence[str] = ACTIVITY_KINDS,
    *,
    negative: bool = True,
    max_rules: int = 5,
) -> ScoringModel:
    """Scoring models with up to ``max_rules`` fit and engagement rules each, caps, a floor
    and threshold or letter grades. ``negative=False`` keeps every rule's points at 0 or more.
    """
    fit = draw(st.lists(fit_rules(names, negative=negative), max_size=max_rules))
    engagement = draw(st.lists(engagement_rules(kinds, negative=negative), max_size=max_rules))
    # Rule names are unique in a model: number them.
    fit = [attrs.evolve(r, name=f"{r.name} {i}") for i, r in enumerate(fit)]
    engagement = [attrs.evolve(r, name=f"{r.name} e{i}") for i, r in enumerate(engagement)]
    groups = sorted({r.group for r in engagement if r.group is not None})
    caps = st.integers(0, 100).map(float) | st.floats(0, 100)
    group_caps = draw(st.dictionaries(st.sampled_from(groups), caps)) if groups else {}
    floor = draw(st.sampled_from((0.0, None)) | st.floats(-50, 0))
    low = 0.0 if floor is None else floor + 1
    engagement_cap = draw(st.none() | st.floats(low, low + 200))
    thresholds = st.lists(st.integers(-20, 60), min_size=1, max_size=4, unique=True).map(
        lambda ts: dict(zip("ABCD", sorted(ts, reverse=True), strict=False))
    )
    return ScoringModel(
        fit=fit,
        engagement=engagement,
        fit_cap=draw(st.none() | st.floats(-20, 100)),
        engagement_cap=engagement_cap,
        group_caps=group_caps,
        floor=floor,
        grades=draw(st.just(None) | thresholds | letter_gradings(names)) or DEFAULT_GRADES,
    )
