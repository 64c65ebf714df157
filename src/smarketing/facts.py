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
playbook builds one view per lead and passes it to each part. A view reads its layers lazily
(a guard reading two facts reads two: ``bench_lifecycle``); a part that reads many facts per
lead (fit rules, persona traits: ``bench_scoring``, ``bench_personas``) reads its
:meth:`~Facts.plain` dict instead, built once per view. Personas and the planner derive;
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

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Final, TypeAlias

from smarketing._titles import parse_title
from smarketing.errors import ValidationError
from smarketing.leads import Lead, own_facts

__all__ = ["DERIVED_FACTS", "Facts", "FactsOrLead", "fact_view", "plain_facts"]

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


class Facts(Mapping[str, object]):
    """A lead's facts, layered as :mod:`smarketing.facts` says; built by :func:`fact_view`.

    A read-only mapping of the known facts (an unknown fact is absent, never ``None``). It
    reads its layers when asked; :meth:`plain` gives them as one ``dict``, built once. It
    remembers what it was built from, so a call handed the view reuses it.
    """

    __slots__ = ("_derive", "_derived", "_fields", "_given", "_plain", "_subject")

    def __init__(
        self, subject: FactsOrLead, given: Mapping[str, object], derive: bool, derived: _Derived
    ) -> None:
        self._subject = subject
        self._fields = subject.fields if isinstance(subject, Lead) else None
        self._given = given
        self._derive = derive
        #: The derived facts once read (``{}`` when the title says nothing), else ``None``.
        self._derived = derived
        self._plain: dict[str, object] | None = None

    def get(self, name: str, default: object = None) -> object:
        """The fact ``name``, or ``default`` when it is unknown."""
        given = self._given
        if name in given:
            value = given[name]
        elif self._fields is None:
            value = self._subject.get(name)  # type: ignore[union-attr]
        else:
            fv = self._fields.get(name)
            if fv is not None:
                return fv.value
            value = getattr(self._subject, name) if name in _OWN else None
        if value is None:
            if self._derive and name in DERIVED_FACTS:
                value = self._derivation().get(name)
            if value is None:
                return default
        return value

    def _derivation(self) -> dict[str, object]:
        derived = self._derived
        if derived is None:
            underived = Facts(self._subject, self._given, False, None)
            derived = self._derived = _derive(underived.get)
        return derived

    def plain(self) -> dict[str, object]:
        """The known facts as one ``dict`` (built once per view; do not change it)."""
        plain = self._plain
        if plain is None:
            subject = self._subject
            if isinstance(subject, Lead):
                plain = own_facts(subject, dict[str, object]())
                if subject.source is None:
                    del plain["source"]
            else:
                plain = {name: value for name, value in subject.items() if value is not None}
            for name, value in self._given.items():
                if value is None:
                    plain.pop(name, None)
                else:
                    plain[name] = value
            if self._derive:
                if self._derived is None:  # read from the layers just built, at dict speed
                    self._derived = _derive(plain.get)
                plain.update(self._derived)
            self._plain = plain
        return plain

    def __getitem__(self, name: str) -> object:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.plain())

    def __len__(self) -> int:
        return len(self.plain())

    def __repr__(self) -> str:
        return repr(self.plain())

    def layered(self, given: Mapping[str, object]) -> Facts:
        """This view with ``given`` on top; the derived facts are kept, not read again.

        Facts that derivation reads (``job_title``, ``seniority``, ``department``) in ``given``
        make it read again, so the answer is always what :func:`fact_view` would give.
        """
        keep = self._derived if _READ_BY_DERIVATION.isdisjoint(given) else None
        return Facts(self._subject, {**self._given, **given}, self._derive, keep)

    @property
    def derived(self) -> Mapping[str, object] | None:
        """The facts this view fills from others (``{}`` when none), ``None`` if it derives none."""
        return MappingProxyType(self._derivation()) if self._derive else None


_Derived: TypeAlias = dict[str, object] | None
_OWN: Final = frozenset({"id", "stage", "source"})


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
    if type(subject) is Lead and type(given) is not Facts:  # the common case: a lead's own view
        return Facts(subject, given or _NONE, derive, None)
    derived: _Derived = None
    if type(given) is Facts:
        if given._subject is subject and (given._derive or not derive):
            return given
        inner = given._subject
        if isinstance(inner, Lead) and isinstance(subject, Lead):
            if inner.fields is subject.fields:  # the same profile: the same derivation
                derived = given._derived
            derive = derive or given._derive  # handed a view that derives: so does this one
            given = given._given
    elif type(subject) is Facts:  # a view with more on top: its layers, and the new ones
        if not given and (subject._derive or not derive):
            return subject
        view = subject.layered(given or _NONE)
        return view if view._derive or not derive else Facts(view._subject, view._given, True, None)
    checked: object = subject
    if not isinstance(checked, Lead) and not isinstance(checked, Mapping):
        msg = f"facts are read from a Lead or a mapping of facts (got {subject!r})."
        raise ValidationError(
            msg, value=subject, where="facts_or_lead", expected="a Lead or a mapping"
        )
    return Facts(subject, given or _NONE, derive, derived)


_NONE: Final[Mapping[str, object]] = MappingProxyType({})


def plain_facts(subject: FactsOrLead, *, derive: bool = True) -> Mapping[str, object]:
    """What a part that reads many facts per lead reads them from, with ``.get``: the view's
    :meth:`~Facts.plain` dict, or a mapping handed in itself when the view would add nothing
    to it (nothing to derive), its ``None`` values read as unknown. Copying such a mapping into
    a view's dict was a fifth of ``PersonaMatcher.match`` (``bench_personas.py`` (e)).

    >>> plain_facts({"seniority": "vp", "department": None, "job_title": "CMO"})["department"]
    'marketing'
    """
    if type(subject) is not Facts and isinstance(subject, Mapping):
        get = subject.get
        if (
            not derive
            or get(_TITLE) is None
            or (get("seniority") is not None and get("department") is not None)
        ):
            return subject
    return fact_view(subject, derive=derive).plain()


def _derive(get: Callable[[str], object]) -> dict[str, object]:
    """The unknown ``seniority``/``department`` that the title (read through ``get``) says."""
    filled: dict[str, object] = {}
    seniority_unknown = get("seniority") is None
    department_unknown = get("department") is None
    if seniority_unknown or department_unknown:
        title = get(_TITLE)
        if title is not None:
            parsed = parse_title(title)
            if seniority_unknown and parsed.seniority is not None:
                filled["seniority"] = parsed.seniority
            if department_unknown and parsed.department is not None:
                filled["department"] = parsed.department
    return filled
