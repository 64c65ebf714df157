"""The one fact view of a lead: what every condition reads.

A lead's facts are, from the bottom up:

1. its own: the profile field values, and ``id``, ``stage`` and ``source``
   (:meth:`Lead.facts <smarketing.Lead.facts>`);
2. the caller's facts layered on top (a score's ``score``/``fit``/``grade``, a prediction, what a
   rep confirmed): a caller's ``None`` makes a fact unknown;
3. the derived facts, filling what is still unknown: ``job_title`` decides ``seniority`` and
   ``department`` (through :func:`~smarketing.parse_title`; see :data:`DERIVED_FACTS`). A given
   seniority or department is never overwritten and a title that does not say is left unsaid.

:func:`fact_view` builds that view; scoring, lifecycle guards, personas, the planner and the
playbook all read facts through it. A :class:`Facts` handed on to another call is reused as it
is, so a job title is parsed at most once per lead however many definitions read it: the
playbook builds one view per lead and passes it to each part. Personas and the planner derive;
scoring and lifecycle guards, called on their own, read a lead's own facts and the caller's
(``derive=False``), and read derived facts when they are handed a view that has them.

>>> from datetime import datetime, timezone
>>> import smarketing as sm
>>> t = datetime(2026, 3, 2, tzinfo=timezone.utc)
>>> lead = sm.Lead.new("L-1", at=t, fields={"job_title": "VP Marketing"}, source="webinar")
>>> view = fact_view(lead, {"score": 72})
>>> view["seniority"], view["department"], view["stage"], view["score"]
('vp', 'marketing', 'suspect', 72)
>>> fact_view(lead, view) is view
True
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, TypeAlias

from smarketing._titles import parse_title
from smarketing.errors import ValidationError
from smarketing.leads import Lead

__all__ = ["DERIVED_FACTS", "Facts", "FactsOrLead", "fact_view"]

#: What a fact view is built from: a lead (its own facts) or a plain mapping of facts.
FactsOrLead: TypeAlias = Lead | Mapping[str, object]

#: Facts derived from another fact when they are unknown: ``job_title`` decides ``seniority``
#: and ``department`` (through :func:`~smarketing.parse_title`). So a condition on
#: ``department`` can be settled by asking for the job title.
DERIVED_FACTS: Final[Mapping[str, str]] = MappingProxyType(
    {"seniority": "job_title", "department": "job_title"}
)
_TITLE: Final = "job_title"
_READ_BY_DERIVATION: Final = frozenset({_TITLE, *DERIVED_FACTS})


class Facts(dict[str, object]):
    """A lead's facts as one plain mapping, built by :func:`fact_view`.

    It is a ``dict`` of the known facts only (an unknown fact is absent, never ``None``), so
    conditions read it at the speed of one; it remembers what it was built from, so that a call
    handed the view reuses it instead of building it again.
    """

    __slots__ = ("_derived", "_given", "_subject")

    #: What the view was built from: a lead, or a mapping of facts.
    _subject: FactsOrLead
    _given: Mapping[str, object]
    #: The derived facts that were filled, or ``None`` when derivation was not asked for.
    _derived: dict[str, object] | None

    def layered(self, given: Mapping[str, object]) -> Facts:
        """This view with ``given`` on top; the derived facts are kept, not read again.

        Facts that derivation reads (``job_title``, ``seniority``, ``department``) in ``given``
        make it read again, so the answer is always what :func:`fact_view` would give.
        """
        merged = {**self._given, **given}
        if self._derived is None or not _READ_BY_DERIVATION.isdisjoint(given):
            return fact_view(self._subject, merged, derive=self._derived is not None)
        view = Facts(self)
        view.update(given)
        for name, value in given.items():
            if value is None:
                view.pop(name, None)
        view._subject, view._given, view._derived = self._subject, merged, self._derived
        return view

    @property
    def derived(self) -> Mapping[str, object] | None:
        """The facts this view filled from others (``{}`` when none), ``None`` if not asked."""
        return None if self._derived is None else MappingProxyType(self._derived)


def fact_view(
    subject: FactsOrLead, given: Mapping[str, object] | None = None, *, derive: bool = True
) -> Facts:
    """The facts of ``subject`` (a lead, or a mapping of facts) with ``given`` layered on top.

    With ``derive`` (the default), unknown ``seniority`` and ``department`` are read from the
    ``job_title``. A :class:`Facts` passed as ``subject``, or as ``given`` for the lead it was
    built for, is answered as it is; one built for an earlier state of the same lead (a stage
    change later, the same profile) lends its caller facts and its derived facts.

    >>> fact_view({"job_title": "Jefe de Ventas", "seniority": "director"})
    {'job_title': 'Jefe de Ventas', 'seniority': 'director', 'department': 'sales'}
    """
    derived: dict[str, object] | None = None
    if isinstance(given, Facts):
        if given._subject is subject and (given._derived is not None or not derive):
            return given
        inner = given._subject
        if isinstance(inner, Lead) and isinstance(subject, Lead):
            if inner.fields is subject.fields:  # the same profile: the same derivation
                derived = given._derived
            given = given._given
    elif isinstance(subject, Facts) and not given and (subject._derived is not None or not derive):
        return subject
    view = Facts(_known(subject))
    view._subject = subject
    view._given = given or {}
    if given:
        view.update(given)
        if any(value is None for value in given.values()):
            for name, value in given.items():
                if value is None:
                    view.pop(name, None)
    if derive:
        if derived is None:
            derived = _derive(view)
        else:
            view.update(derived)
    view._derived = derived if derive else None
    return view


def _known(subject: object) -> Mapping[str, object]:
    """The subject's own known facts (a lead's fields never hold ``None``; its source may)."""
    if isinstance(subject, Lead):
        own = subject.facts()
        if subject.source is None:
            del own["source"]
        return own
    if isinstance(subject, Mapping):
        return {name: value for name, value in subject.items() if value is not None}
    msg = f"facts are read from a Lead or a mapping of facts (got {subject!r})."
    raise ValidationError(msg, value=subject, where="facts_or_lead", expected="a Lead or a mapping")


def _derive(facts: dict[str, object]) -> dict[str, object]:
    """Fill unknown ``seniority``/``department`` from the title in ``facts``; what was filled."""
    filled: dict[str, object] = {}
    seniority_unknown = facts.get("seniority") is None
    department_unknown = facts.get("department") is None
    if seniority_unknown or department_unknown:
        title = facts.get(_TITLE)
        if title is not None:
            parsed = parse_title(title)
            if seniority_unknown and parsed.seniority is not None:
                filled["seniority"] = parsed.seniority
            if department_unknown and parsed.department is not None:
                filled["department"] = parsed.department
            facts.update(filled)
    return filled
