"""The playbook: the one definition both teams agree on, and the calls a CRM makes with it.

A :class:`Playbook` wires the lifecycle (with its MQL and SQL definitions), the scoring model,
the personas, the form catalog and the SLA together. ``assess`` is the one call that tells a
rep why a lead is where it is and what to ask next; ``advance`` applies the automatic
transitions the definitions allow.

>>> from datetime import datetime, timezone
>>> import smarketing as sm
>>> pb = sm.Playbook.default()
>>> t = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
>>> lead = sm.Lead.new("L-1", at=t, fields={"job_title": "VP Marketing", "industry": "software"})
>>> a = pb.assess(lead, [sm.Activity("L-1", "demo_request", t)], at=t)
>>> a.stage, a.persona.persona.name, a.score.grade
('suspect', 'Marketing leader', 'A')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs

from smarketing import (
    _convert,
    config,  # the file format: it builds the parts, the class assembles
)
from smarketing import _validate as _v
from smarketing._assessment import Assessment
from smarketing._calendar import BusinessCalendar, Calendar, WallClock
from smarketing.conditions import field
from smarketing.dataspec import DataSpec
from smarketing.errors import ConfigError, ValidationError
from smarketing.facts import DERIVED_FACTS, Facts, fact_view
from smarketing.funnel import SLA
from smarketing.leads import Activity, Lead, group_by_lead
from smarketing.lifecycle import Lifecycle
from smarketing.personas import PersonaMatcher
from smarketing.predictive import Prediction, PredictiveModel, facts_at
from smarketing.profiling import FormField, ProfilePlanner
from smarketing.scoring import Score, ScoringModel

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from pathlib import Path

__all__ = ["Assessment", "Playbook"]

T = TypeVar("T")


def _fields(values: Iterable[FormField]) -> tuple[FormField, ...]:
    return tuple(values)


def _names(values: Iterable[str]) -> tuple[str, ...]:
    """Known facts: fact names, as a condition reads them (``field(name)``)."""
    names = tuple(values)
    for index, name in enumerate(names):
        try:
            field(name)
        except ValidationError as exc:
            key = f"known_facts[{index}]"
            msg = (
                f"Playbook: {key}: {name!r} is not a fact name (printable text, no "
                "backquotes, no '__' first)."
            )
            raise ConfigError(msg, key=key, piece=name, expected="a fact name") from exc
    return names


def _part(name: str, kind: type[T], value: T, *, optional: bool = False) -> T:
    if not isinstance(value, kind) and not (optional and value is None):
        alternative = " or None" if optional else ""
        msg = f"Playbook: {name} must be a {kind.__name__}{alternative} (got {value!r})."
        raise ConfigError(msg, key=name, piece=value, expected=f"a {kind.__name__}")
    return value


def _lifecycle(value: Lifecycle) -> Lifecycle:
    return _part("lifecycle", Lifecycle, value)


def _scoring(value: ScoringModel) -> ScoringModel:
    return _part("scoring", ScoringModel, value)


def _personas(value: PersonaMatcher) -> PersonaMatcher:
    return _part("personas", PersonaMatcher, value)


def _data(value: DataSpec) -> DataSpec:
    return _part("data", DataSpec, value)


def _predictive(value: PredictiveModel | None) -> PredictiveModel | None:
    return _part("predictive", PredictiveModel, value, optional=True)


@attrs.frozen
class Playbook:
    """The agreement between sales and marketing, as one value.

    Build it from a file (:meth:`from_toml`), from data (:meth:`from_dict`), take the embedded
    default (:meth:`default`), or from the parts. ``forms`` is the form catalog; the planner
    built from it (``planner``) knows the personas, the scoring model and the lifecycle.
    """

    # The parts are checked as they are set (converters run in order), so the planner below
    # is built from checked parts.
    lifecycle: Lifecycle = attrs.field(converter=_lifecycle)
    scoring: ScoringModel = attrs.field(converter=_scoring)
    personas: PersonaMatcher = attrs.field(converter=_personas)
    forms: tuple[FormField, ...] = attrs.field(default=(), converter=_fields)
    max_fields: int = 3
    sla: SLA | None = None
    calendar: BusinessCalendar | None = None
    known_facts: tuple[str, ...] = attrs.field(default=(), converter=_names)
    data: DataSpec = attrs.field(factory=DataSpec, converter=_data)
    predictive: PredictiveModel | None = attrs.field(default=None, converter=_predictive)
    planner: ProfilePlanner = attrs.field(init=False, eq=False, repr=False)

    @planner.default
    def _plan_forms(self) -> ProfilePlanner:
        return ProfilePlanner(
            self.forms,
            max_fields=self.max_fields,
            personas=self.personas,
            scoring=self.scoring,
            lifecycle=self.lifecycle,
        )

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def default(cls) -> Playbook:
        """The embedded default playbook: a realistic B2B SaaS agreement."""
        return config.default_playbook(into=cls)

    @classmethod
    def from_toml(cls, path: str | Path) -> Playbook:
        """Read a playbook file; a bad one is a ``ConfigError`` naming file, key and line."""
        return config.load(path, into=cls)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Playbook:
        """Build a playbook from data shaped like the file (omitted sections take the default's)."""
        return config.from_dict(data, source=source, into=cls)

    def to_dict(self) -> dict[str, Any]:
        """The playbook as data shaped like the file: ``from_dict(pb.to_dict()) == pb``.

        The same data as ``sm.to_dict(pb)``, from the one converter."""
        data: dict[str, Any] = _convert.to_dict(self)
        return data

    # --- using it ---------------------------------------------------------------------------

    @property
    def clock(self) -> Calendar:
        """The calendar SLA clocks run on: business hours if configured, else wall-clock."""
        return self.calendar if self.calendar is not None else WallClock()

    def assess(
        self, lead: Lead, activities: Iterable[Activity], *, at: datetime, submissions: int = 0
    ) -> Assessment:
        """Score, persona, stage, allowed triggers and next form fields for one lead at ``at``.

        Activities of other leads are ignored; nothing after ``at`` counts.
        """
        _v.aware(at, f"lead {lead.id!r}: assess(at=...)")
        _v.iterable(activities, "Playbook.assess(activities=...)")
        acts = list(activities)
        view = fact_view(lead)
        score = self.scoring.score(lead, acts, at=at, facts=view)
        return self._assess(lead, view, score, at, submissions, self._predict(lead, acts, at))

    def assess_many(
        self, leads: Sequence[Lead], activities: Iterable[Activity], *, at: datetime
    ) -> Iterator[Assessment]:
        """``assess`` for many leads, scoring them in one pass over the activities."""
        _v.aware(at, "assess_many(at=...)")
        _v.iterable(activities, "Playbook.assess_many(activities=...)")
        acts = list(activities)
        views = [fact_view(lead) for lead in leads]
        scores = self.scoring.score_many(leads, acts, at=at, facts=views)
        predictions = self._predict_many(leads, acts, at)
        for lead, view, score, prediction in zip(leads, views, scores, predictions, strict=True):
            yield self._assess(lead, view, score, at, 0, prediction)

    @staticmethod
    def _derived(lead: Lead) -> Lead:
        """The lead with its derived facts (see :mod:`smarketing.facts`) learned as fields.

        The backtest replays leads in this form; the playbook's own calls pass fact views.
        """
        title = lead.fields.get("job_title")
        if title is None:
            return lead
        new = fact_view(lead).derived or {}
        return lead.learn(new, at=title.learned_at, source="job_title") if new else lead

    def _predict(
        self, lead: Lead, activities: Iterable[Activity], at: datetime
    ) -> Prediction | None:
        """The learned score on what is known of the lead at ``at``, as in training."""
        if self.predictive is None:
            return None
        return self.predictive.predict(facts_at(lead, activities, at))

    def _predict_many(
        self, leads: Sequence[Lead], activities: list[Activity], at: datetime
    ) -> list[Prediction | None]:
        if self.predictive is None:
            return [None] * len(leads)
        groups = group_by_lead(activities)
        return [self._predict(lead, groups.get(lead.id, ()), at) for lead in leads]

    def _facts(
        self, rules_lead: Lead, score: Score, prediction: Prediction | None = None
    ) -> dict[str, object]:
        """The facts layered over a lead that is in ``_derived`` form (for the backtest)."""
        derived = {k: rules_lead.value(k) for k in DERIVED_FACTS if k in rules_lead.fields}
        return {**derived, **_outcome_facts(score, prediction)}

    def _assess(
        self,
        lead: Lead,
        view: Facts,
        score: Score,
        at: datetime,
        submissions: int,
        prediction: Prediction | None,
    ) -> Assessment:
        facts = _with_outcomes(view, score, prediction)
        return Assessment(
            lead_id=lead.id,
            score=score,
            persona=self.personas.match(view),
            stage=lead.stage,
            allowed=self.lifecycle.allowed(lead, facts),
            next_fields=self.planner.plan(lead, at=at, submissions=submissions, facts=facts),
            qualifies=self._qualifies(lead, at, facts),
            prediction=prediction,
        )

    def _qualifies(self, lead: Lead, at: datetime, facts: Mapping[str, object]) -> str:
        if at < lead.updated_at:  # assessed before its last recorded change: where it is
            return lead.stage
        return self.lifecycle.advance(lead, at=at, facts=facts).stage

    def advance(self, lead: Lead, activities: Iterable[Activity], *, at: datetime) -> Lead:
        """The lead after the automatic transitions its score allows at ``at``."""
        _v.aware(at, f"lead {lead.id!r}: advance(at=...)")
        acts = list(activities)
        view = fact_view(lead)
        score = self.scoring.score(lead, acts, at=at, facts=view)
        facts = _with_outcomes(view, score, self._predict(lead, acts, at))
        return self.lifecycle.advance(lead, at=at, facts=facts)

    def advance_many(
        self, leads: Sequence[Lead], activities: Iterable[Activity], *, at: datetime
    ) -> list[Lead]:
        """``advance`` for many leads, scoring them in one pass over the activities."""
        _v.aware(at, "advance_many(at=...)")
        acts = list(activities)
        views = [fact_view(lead) for lead in leads]
        scores = self.scoring.score_many(leads, acts, at=at, facts=views)
        predictions = self._predict_many(leads, acts, at)
        return [
            self.lifecycle.advance(lead, at=at, facts=_with_outcomes(view, score, prediction))
            for lead, view, score, prediction in zip(leads, views, scores, predictions, strict=True)
        ]


def _outcome_facts(score: Score, prediction: Prediction | None) -> dict[str, object]:
    """What the playbook's own calls add to a lead's facts: its score and its prediction."""
    learned = prediction.facts() if prediction is not None else {}
    return {**score.facts(), **learned}


def _with_outcomes(view: Facts, score: Score, prediction: Prediction | None) -> Facts:
    """The lead's fact view (its title read once) with its score and prediction on top."""
    return view.layered(_outcome_facts(score, prediction))


def _read(data: object) -> Playbook:
    """A playbook from data shaped like its file, for ``sm.from_dict``: runtime input, so a
    bad one is a ``ValidationError`` naming the key."""
    checked = _convert.mapping(data, Playbook.__name__)
    try:
        return Playbook.from_dict(checked)
    except ConfigError as exc:
        raise _convert.unreadable(exc, data, str(exc), exc.key or "$", exc.expected) from exc


@_convert.shapes(Playbook, read=_read)
def _as_data(conv: cattrs.Converter) -> None:
    # The file's sections, each part written by the converter (config places them).
    conv.register_unstructure_hook(Playbook, config.to_dict)
