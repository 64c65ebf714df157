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

import string
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

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

__all__ = [
    "ACTIVITY_KINDS",
    "FIELD_NAMES",
    "activities",
    "aware_datetimes",
    "conditions",
    "fact_values",
    "facts",
    "field_names",
    "histories",
    "json_values",
    "leads",
    "scalars",
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
    current = draw(lead or leads(stage=lc.initial))
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
