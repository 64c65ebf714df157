"""Plain, JSON-safe dicts for every public value type, and back, with exact round trips.

This is the edge of the library: one cattrs converter, configured here, so that the domain
classes carry no serialisation code.

>>> from datetime import datetime, timezone
>>> import smarketing as sm
>>> lead = sm.Lead.new("L-1", at=datetime(2026, 1, 5, 9, tzinfo=timezone.utc), fields={"size": 40})
>>> data = sm.to_dict(lead)
>>> data["fields"]["size"]
{'value': 40, 'learned_at': '2026-01-05T09:00:00+00:00', 'source': None}
>>> sm.from_dict(sm.Lead, data) == lead
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Final, NewType, TypeAlias, TypeVar

import attrs
import cattrs
from cattrs.errors import BaseValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from dateutil.relativedelta import relativedelta

from smarketing._assessment import Assessment
from smarketing._calendar import BusinessCalendar, zone_name
from smarketing._durations import Duration, format_duration, parse_duration
from smarketing.attribution import (
    ChannelROI,
    Cost,
    MarkovCredit,
)
from smarketing.conditions import Condition, parse_condition
from smarketing.dataspec import DataSpec
from smarketing.errors import ConfigError, SmarketingError, ValidationError
from smarketing.feedback import (
    Comparison,
    Definition,
    FeedbackReport,
    Group,
    Outcomes,
    Reaction,
    Suggestion,
)
from smarketing.funnel import SLA, FunnelReport, SLABreach, SLASummary, TimeInStage
from smarketing.leads import Activity, FactValue, FieldValue, Lead, StageChange, check_aware
from smarketing.lifecycle import Lifecycle, Stage, Transition
from smarketing.personas import JobTitle, Persona, PersonaMatch, PersonaMatcher, Trait
from smarketing.predictive import Bins, Pair, Prediction, PredictiveModel, Shape
from smarketing.profiling import FormField, FormPlan, PlannedField
from smarketing.scoring import (
    Contribution,
    EngagementRule,
    FitRule,
    GradeCriterion,
    LetterGrading,
    Score,
    ScoringModel,
)

__all__ = ["from_dict", "to_dict"]

T = TypeVar("T")

_SUPPORTED: Final = (
    Lead,
    FieldValue,
    Activity,
    StageChange,
    FitRule,
    EngagementRule,
    GradeCriterion,
    LetterGrading,
    ScoringModel,
    Contribution,
    Score,
    Trait,
    Persona,
    PersonaMatcher,
    PersonaMatch,
    JobTitle,
    SLA,
    SLABreach,
    SLASummary,
    TimeInStage,
    FunnelReport,
    FormField,
    PlannedField,
    FormPlan,
    Assessment,
    # the feedback loop
    Reaction,
    Outcomes,
    Group,
    Comparison,
    Definition,
    Suggestion,
    FeedbackReport,
    Bins,
    Shape,
    Pair,
    Prediction,
    PredictiveModel,
    Cost,
    ChannelROI,
    MarkovCredit,
    # the parts of a playbook, as its file writes them
    Stage,
    Transition,
    Lifecycle,
    BusinessCalendar,
    DataSpec,
)
#: Working days as the playbook file names them.
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The names an unknown type's error lists.
_KNOWN: Final = (
    ", ".join(t.__name__ for t in (*_SUPPORTED, FunnelReport, Condition))
    + ", the reports (Backtest, Sweep, Attribution, ROI, ModelComparison) and Playbook"
)


def _writes_itself(obj: object) -> bool:
    """A value of this library that writes its own data: a report, or the playbook.

    The converter sits below the playbook and the backtests (the playbook writes its file
    through it), so they are known by their ``to_dict`` rather than by import.
    """
    return type(obj).__module__.startswith("smarketing.") and callable(
        getattr(obj, "to_dict", None)
    )


def _reads_itself(cls: object) -> bool:
    """A type of this library that reads its own data back (the playbook, from its file's shape)."""
    return (
        isinstance(cls, type)
        and cls.__module__.startswith("smarketing.")
        and callable(getattr(cls, "from_dict", None))
    )


def _structure_datetime(value: object, _type: object) -> datetime:
    if isinstance(value, datetime):
        return check_aware(value, "datetime")
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 timestamp with a zone (got {value!r})"
        raise ValidationError(msg, value=value, expected="an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not an ISO 8601 timestamp"
        raise ValidationError(msg, value=value, expected="an ISO 8601 string") from None
    if parsed.utcoffset() is None:
        msg = f"{value!r} has no time zone (add one, e.g. '+00:00')"
        raise ValidationError(msg, value=value, expected="an aware timestamp")
    return parsed


def _structure_iso(cls: type[T], expected: str, example: str) -> Callable[[object, object], T]:
    """A hook reading ``cls`` (a date or a time of day) from its ISO 8601 text."""

    def structure(value: object, _type: object) -> T:
        if isinstance(value, cls) and not isinstance(value, datetime):
            return value
        try:
            return cls.fromisoformat(value)  # type: ignore[attr-defined, no-any-return]
        except (TypeError, ValueError):
            msg = f"expected {expected} such as {example!r} (got {value!r})"
            raise ValidationError(msg, value=value, expected=expected) from None

    return structure


_structure_date = _structure_iso(date, "an ISO 8601 date", "2026-01-31")
_structure_time = _structure_iso(time, "a time of day", "09:00")


def _structure_duration(value: object, _type: object) -> Duration:
    try:
        return parse_duration(value)
    except ConfigError as exc:
        raise _unreadable(exc, value, str(exc), None, "a duration") from exc


def _structure_timedelta(value: object, _type: object) -> timedelta:
    duration = _structure_duration(value, timedelta)
    if not isinstance(duration, timedelta):
        msg = f"{value!r} is a calendar length (months or years); a fixed length is needed here"
        raise ValidationError(msg, value=value, expected="a fixed duration")
    return duration


def _structure_text(value: object, _type: object) -> str:
    if not isinstance(value, str):
        msg = f"expected text (got {value!r})"
        raise ValidationError(msg, value=value, expected="a string")
    return value


def _structure_optional_text(value: object, _type: object) -> str | None:
    return None if value is None else _structure_text(value, str)


def _condition_from(value: object, where: str | None) -> Condition:
    """A condition from its text; ``where`` (``"$"`` for the whole data) prefixes the error."""
    if isinstance(value, Condition):
        return value
    try:
        return parse_condition(value)  # type: ignore[arg-type]
    except ConfigError as exc:
        msg = str(exc) if where is None else f"{where}: {exc}"
        raise _unreadable(exc, value, msg, where, "a condition's text") from exc


def _structure_condition(value: object, _type: object) -> Condition:
    return _condition_from(value, None)


def _structure_fact(value: object, _type: object) -> FactValue:
    # FieldValue's own converter checks the value; lists come back as tuples.
    return value  # type: ignore[return-value]


def _structure_mapping(value: object, _type: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        msg = f"expected a mapping (got {value!r})"
        raise ValidationError(msg, value=value, expected="a mapping")
    return value


def _unstructure_fact(value: FactValue) -> object:
    return list(value) if isinstance(value, tuple) else value


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    conv.register_structure_hook(date, _structure_date)
    # Durations are written as in a playbook file ("4h", "30d", "12mo").
    conv.register_unstructure_hook(timedelta, format_duration)
    conv.register_structure_hook(timedelta, _structure_timedelta)
    conv.register_unstructure_hook(relativedelta, format_duration)
    conv.register_structure_hook(relativedelta, _structure_duration)
    conv.register_structure_hook(str, _structure_text)
    conv.register_structure_hook(str | None, _structure_optional_text)
    # A flag is true or false as written: bool("no") is True, which would invert it.
    conv.register_structure_hook(bool, _flag)
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, Condition), str
    )
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, Condition), _structure_condition
    )
    conv.register_structure_hook(FactValue, _structure_fact)
    conv.register_unstructure_hook(MappingProxyType, lambda m: conv.unstructure(dict(m)))
    conv.register_unstructure_hook(
        FieldValue,
        lambda fv: {
            "value": _unstructure_fact(fv.value),
            "learned_at": fv.learned_at.isoformat(),
            "source": fv.source,
        },
    )
    conv.register_unstructure_hook(
        Activity,
        lambda a: {
            "lead_id": a.lead_id,
            "kind": a.kind,
            "at": a.at.isoformat(),
            "properties": _json_safe(dict(a.properties)),
        },
    )
    conv.register_structure_hook_func(lambda t: t == Mapping[str, object], _structure_mapping)
    _register_scoring(conv)
    _register_personas(conv)
    _register_predictive(conv)
    return conv


@attrs.frozen
class _ScoreData:
    """A score as data: its contributions listed in full, so that errors name their path."""

    fit: Any
    engagement: Any
    total: Any
    grade: str
    contributions: list[Contribution]

    def score(self) -> Score:
        return Score(self.fit, self.engagement, self.total, self.grade, self.contributions)


def _register_scoring(conv: cattrs.Converter) -> None:
    # A score keeps its contributions compactly; its data lists them in full.
    conv.register_unstructure_hook(
        Score,
        lambda s: {
            "fit": s.fit,
            "engagement": s.engagement,
            "total": s.total,
            "grade": s.grade,
            "contributions": [conv.unstructure(c) for c in s.contributions],
        },
    )
    conv.register_structure_hook(
        Score, lambda v, _: _ScoreData.score(conv.structure(v, _ScoreData))
    )

    # Grades are thresholds ({"A": 40, ...}) or a letter grading ({"start", "criteria"}).
    def structure_grades(value: object, _type: object) -> Mapping[str, Any] | LetterGrading:
        if isinstance(value, Mapping) and isinstance(value.get("criteria"), list):
            return conv.structure(value, LetterGrading)
        return _structure_mapping(value, _type)

    conv.register_structure_hook_func(
        lambda t: t == Mapping[str, float] | LetterGrading, structure_grades
    )

    # Numbers reach the classes as they are in the data, so that "3" is reported, not coerced.
    raw = override(struct_hook=lambda value, _type: value)
    # A rule's condition is written `when`, as in the playbook file.
    when = override(rename="when")
    for rule in (FitRule, GradeCriterion):
        conv.register_unstructure_hook(rule, make_dict_unstructure_fn(rule, conv, condition=when))
    conv.register_structure_hook(
        FitRule, make_dict_structure_fn(FitRule, conv, condition=when, points=raw)
    )
    conv.register_structure_hook(
        EngagementRule,
        make_dict_structure_fn(EngagementRule, conv, points=raw, lose=raw, max_count=raw),
    )
    conv.register_structure_hook(
        GradeCriterion, make_dict_structure_fn(GradeCriterion, conv, condition=when, thirds=raw)
    )
    conv.register_structure_hook(
        Contribution, make_dict_structure_fn(Contribution, conv, points=raw, count=raw)
    )
    conv.register_structure_hook(
        ScoringModel,
        make_dict_structure_fn(
            ScoringModel, conv, fit_cap=raw, engagement_cap=raw, group_caps=raw, floor=raw
        ),
    )


def _register_personas(conv: cattrs.Converter) -> None:
    # Weights, shares and flags reach the classes as they are in the data, so that "3" or
    # "no" is reported there instead of being coerced by float() or bool().
    def as_given(value: object, _type: object) -> object:
        return value

    raw = override(struct_hook=as_given)
    when = override(rename="when")  # a trait's condition, as the playbook file writes it
    conv.register_unstructure_hook(Trait, make_dict_unstructure_fn(Trait, conv, condition=when))
    conv.register_structure_hook(
        Trait, make_dict_structure_fn(Trait, conv, condition=when, weight=raw, required=raw)
    )
    conv.register_structure_hook(
        PersonaMatch, make_dict_structure_fn(PersonaMatch, conv, confidence=raw)
    )
    conv.register_structure_hook(
        PersonaMatcher, make_dict_structure_fn(PersonaMatcher, conv, min_confidence=raw)
    )


def _register_predictive(conv: cattrs.Converter) -> None:
    # Numbers reach the classes as they are in the data, so that "0.3" is reported, not coerced.
    raw = override(struct_hook=lambda value, _type: value)
    conv.register_structure_hook(Bins, make_dict_structure_fn(Bins, conv, edges=raw, levels=raw))
    conv.register_structure_hook(Shape, make_dict_structure_fn(Shape, conv, scores=raw))
    conv.register_structure_hook(Pair, make_dict_structure_fn(Pair, conv, scores=raw))
    conv.register_structure_hook(
        Prediction,
        make_dict_structure_fn(Prediction, conv, probability=raw, contributions=raw, base=raw),
    )
    conv.register_structure_hook(
        PredictiveModel, make_dict_structure_fn(PredictiveModel, conv, base=raw, grades=raw)
    )


def _json_safe(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _register_profiling(conv: cattrs.Converter) -> None:
    """Form fields, plans and assessments; a refresh period is a duration or none."""

    def refresh(value: object, _type: object) -> Duration | None:
        return None if value is None else _structure_duration(value, Duration)

    conv.register_structure_hook(timedelta | relativedelta | None, refresh)
    conv.register_structure_hook(
        FactValue | None, lambda v, _t: None if v is None else _structure_fact(v, FactValue)
    )
    conv.register_unstructure_hook(
        FormField, make_dict_unstructure_fn(FormField, conv, _cattrs_omit_if_default=True)
    )
    conv.register_unstructure_hook(
        PlannedField,
        lambda p: {
            "name": p.name,
            "label": p.label,
            "reason": p.reason,
            "value": None if p.value is None else _unstructure_fact(p.value),
        },
    )


def _register_attribution(conv: cattrs.Converter) -> None:
    """A cost's amount reaches `Cost` as it is in the data, so that "5" is reported."""
    raw = override(struct_hook=lambda value, _type: value)
    conv.register_structure_hook(Cost, make_dict_structure_fn(Cost, conv, amount=raw))


# --- the funnel report ------------------------------------------------------------------------

#: A count in a report's data: a whole number as given, so that "3" or true is reported.
_Count = NewType("_Count", int)
#: A reason and how many leads gave it; the data writes it as ``[reason, count]``.
_Reason: TypeAlias = tuple[str | None, _Count]


@attrs.frozen
class _FunnelData:
    """A funnel report as data, keyed as the CLI writes it, so that errors name their path."""

    start: datetime
    end: datetime
    stages: list[str]
    main_path: list[str]
    recycle_stages: list[str]
    disqualify_stages: list[str]
    count_returns: bool
    leads: _Count
    reached: dict[str, _Count]
    converted: dict[str, dict[str, _Count]]
    time_in_stage: dict[str, TimeInStage]
    reasons: dict[str, list[_Reason]]
    stale: list[str]
    sla: SLA | None
    sla_summary: SLASummary | None
    # Data written before reports said which clock they ran on: the report's default clock.
    clock: str = attrs.field(default=attrs.fields(FunnelReport).clock.default, kw_only=True)
    sla_breaches: list[SLABreach]

    @classmethod
    def of(cls, r: FunnelReport) -> _FunnelData:
        converted: dict[str, dict[str, _Count]] = {}
        for a in r.stages:
            for b in r.stages:
                if n := r.converted(a, b):
                    converted.setdefault(a, {})[b] = _Count(n)
        return cls(
            start=r.start,
            end=r.end,
            stages=list(r.stages),
            main_path=list(r.main_path),
            recycle_stages=list(r.recycle_stages),
            disqualify_stages=list(r.disqualify_stages),
            count_returns=r.count_returns,
            leads=_Count(r.lead_count),
            reached={s: _Count(r.reached(s)) for s in r.stages},
            converted=converted,
            time_in_stage={s: t for s in r.stages if (t := r.durations(s)) is not None},
            reasons={
                s: [(reason, _Count(n)) for reason, n in r.reasons(s).items()]
                for s in (*r.recycle_stages, *r.disqualify_stages)
                if r.reasons(s)
            },
            stale=list(r.stale),
            sla=r.sla,
            sla_summary=r.sla_summary,
            clock=r.clock,
            sla_breaches=list(r.sla_breaches),
        )

    def report(self) -> FunnelReport:
        return FunnelReport(
            start=self.start,
            end=self.end,
            stages=tuple(self.stages),
            main_path=tuple(self.main_path),
            recycle_stages=tuple(self.recycle_stages),
            disqualify_stages=tuple(self.disqualify_stages),
            count_returns=self.count_returns,
            lead_count=self.leads,
            stale=tuple(self.stale),
            sla=self.sla,
            sla_summary=self.sla_summary,
            sla_breaches=tuple(self.sla_breaches),
            reached=MappingProxyType(self.reached),
            converted=MappingProxyType(
                {(a, b): n for a, row in self.converted.items() for b, n in row.items()}
            ),
            times=MappingProxyType(self.time_in_stage),
            reasons=MappingProxyType(
                {s: MappingProxyType(dict(pairs)) for s, pairs in self.reasons.items()}
            ),
            clock=self.clock,
        )


def _exactly(expected: str, accepts: Callable[[object], bool]) -> Callable[[object, object], Any]:
    """A hook that takes a value as it is in the data, or says what was expected instead."""

    def structure(value: object, _type: object) -> Any:
        if not accepts(value):
            msg = f"expected {expected} (got {value!r})"
            raise ValidationError(msg, value=value, expected=expected)
        return value

    return structure


_whole: Final = _exactly("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool))
_flag: Final = _exactly("true or false", lambda v: isinstance(v, bool))
_list: Final = _exactly("a list", lambda v: isinstance(v, list))


def _elapsed(value: timedelta) -> str:
    # A stay may last no time at all, which a playbook's durations never do.
    return format_duration(value) if value else "0s"


def _structure_elapsed(value: object, _type: object) -> timedelta:
    return timedelta(0) if value == "0s" else _structure_timedelta(value, timedelta)


def _register_funnel(conv: cattrs.Converter) -> None:
    """A funnel report and its parts: counts are whole numbers, stays may last no time."""
    count = override(struct_hook=_whole)
    stay = override(struct_hook=_structure_elapsed, unstruct_hook=_elapsed)
    conv.register_structure_hook(_Count, _whole)
    conv.register_structure_hook(
        SLASummary,
        make_dict_structure_fn(
            SLASummary, conv, clocks=count, met=count, late=count, unanswered=count, pending=count
        ),
    )
    conv.register_structure_hook(
        TimeInStage,
        make_dict_structure_fn(TimeInStage, conv, count=count, p50=stay, p90=stay, max=stay),
    )
    conv.register_unstructure_hook(
        TimeInStage, make_dict_unstructure_fn(TimeInStage, conv, p50=stay, p90=stay, max=stay)
    )

    def texts(value: object, _type: object) -> list[str]:
        # A list as written, never text read as its letters.
        return conv.structure(_list(value, list), list[str])

    def reason(value: object, _type: object) -> _Reason:
        if not isinstance(value, list) or len(value) != 2:
            msg = f"expected [reason, count] (got {value!r})"
            raise ValidationError(msg, value=value, expected="[reason, count]")
        return (_structure_optional_text(value[0], str), _Count(_whole(value[1], int)))

    conv.register_structure_hook_func(lambda t: t == _Reason, reason)
    conv.register_unstructure_hook_func(lambda t: t == _Reason, list)
    lists = override(struct_hook=texts)
    conv.register_structure_hook(
        _FunnelData,
        make_dict_structure_fn(
            _FunnelData,
            conv,
            count_returns=override(struct_hook=_flag),
            stages=lists,
            main_path=lists,
            recycle_stages=lists,
            disqualify_stages=lists,
            stale=lists,
        ),
    )
    conv.register_unstructure_hook(FunnelReport, lambda r: conv.unstructure(_FunnelData.of(r)))
    conv.register_structure_hook(
        FunnelReport, lambda v, _: _FunnelData.report(conv.structure(v, _FunnelData))
    )


def _register_playbook_parts(conv: cattrs.Converter) -> None:
    """Stages, transitions, the lifecycle, business hours and the data spec, as the file has them.

    A stage with nothing but its name is its name; a calendar names its zone and days
    (``"Europe/Berlin"``, ``"mon"``) and writes times as ``"09:00"``; a data spec writes only
    what differs from reading files plainly.
    """
    conv.register_unstructure_hook(
        Stage, make_dict_unstructure_fn(Stage, conv, _cattrs_omit_if_default=True)
    )

    # In a lifecycle a stage with nothing but its name is its name.
    def stages_data(stages: tuple[Stage, ...]) -> list[object]:
        return [s.name if s == Stage(s.name) else conv.unstructure(s) for s in stages]

    def stages(value: object, _type: object) -> tuple[Stage, ...]:
        if not isinstance(value, list | tuple):
            msg = f"expected a list of stages (got {value!r})"
            raise ValidationError(msg, value=value, expected="a list")
        return tuple(Stage(s) if isinstance(s, str) else conv.structure(s, Stage) for s in value)

    conv.register_unstructure_hook_func(lambda t: t == tuple[Stage, ...], stages_data)
    conv.register_structure_hook_func(lambda t: t == tuple[Stage, ...], stages)

    def auto(value: object, _type: object) -> bool | Condition:
        return value if isinstance(value, bool) else _structure_condition(value, Condition)

    conv.register_structure_hook(bool | Condition, auto)
    conv.register_unstructure_hook(
        BusinessCalendar,
        lambda c: {
            "timezone": zone_name(c.tz),
            "days": [DAYS[d] for d in c.days],
            "start": c.start.isoformat("minutes"),
            "end": c.end.isoformat("minutes"),
            "holidays": [d.isoformat() for d in sorted(c.holidays)],
        },
    )
    conv.register_structure_hook(BusinessCalendar, lambda v, _t: _structure_calendar(conv, v))
    conv.register_unstructure_hook(
        DataSpec, make_dict_unstructure_fn(DataSpec, conv, _cattrs_omit_if_default=True)
    )
    # A way into a stage names its guard `when`, as a transition does.
    when = override(rename="when")
    conv.register_unstructure_hook(
        Definition, make_dict_unstructure_fn(Definition, conv, condition=when)
    )
    conv.register_structure_hook(
        Definition, make_dict_structure_fn(Definition, conv, condition=when)
    )


@attrs.frozen
class _CalendarData:
    """Business hours as the file writes them (times as text, or already read)."""

    timezone: str = "UTC"
    days: tuple[str, ...] = DAYS[:5]
    start: Any = "09:00"
    end: Any = "17:00"
    holidays: tuple[date, ...] = ()


def _structure_calendar(conv: cattrs.Converter, value: object) -> BusinessCalendar:
    data = conv.structure(_structure_mapping(value, BusinessCalendar), _CalendarData)
    unknown = [d for d in data.days if d.lower() not in DAYS]
    if unknown:
        msg = f"{unknown[0]!r} is not a day (days: {', '.join(DAYS)})"
        raise ValidationError(msg, value=unknown[0], expected="a day name")
    clock = {name: _structure_time(getattr(data, name), time) for name in ("start", "end")}
    return BusinessCalendar(
        tz=data.timezone,
        days=[DAYS.index(d.lower()) for d in data.days],
        holidays=data.holidays,
        **clock,
    )


_CONVERTER: Final = _make_converter()
_register_profiling(_CONVERTER)
_register_attribution(_CONVERTER)
_register_funnel(_CONVERTER)
_register_playbook_parts(_CONVERTER)


def to_dict(obj: object) -> Any:
    """A JSON-safe form of a public value (a dict; a condition becomes its text).

    ``from_dict(type(obj), to_dict(obj)) == obj`` holds for every supported value.
    """
    if isinstance(obj, Condition):
        return str(obj)
    if isinstance(obj, _SUPPORTED):
        return _CONVERTER.unstructure(obj)
    if _writes_itself(obj):  # a report (its numbers) or a playbook (shaped like its file)
        return obj.to_dict()  # type: ignore[attr-defined]
    msg = f"to_dict() does not know {type(obj).__name__} values (it knows {_KNOWN})."
    raise ValidationError(msg, value=obj, where="to_dict", expected=_KNOWN)


def from_dict(cls: type[T], data: object) -> T:
    """Rebuild a value of ``cls`` from :func:`to_dict`'s output.

    Malformed data is a :class:`~smarketing.ValidationError` whose message names the path inside
    the data (``$.history[0].at``) and the problem.
    """
    if isinstance(cls, type) and issubclass(cls, Condition):
        return _condition_from(data, "$")  # type: ignore[return-value]
    if cls not in _SUPPORTED and not _reads_itself(cls):
        name = getattr(cls, "__name__", cls)
        msg = f"from_dict() does not know {name!r} (it knows {_KNOWN})."
        raise ValidationError(msg, value=cls, where="from_dict", expected=_KNOWN)
    if not isinstance(data, Mapping):
        msg = f"$: expected a mapping for {cls.__name__} (got {data!r})."
        raise ValidationError(msg, value=data, where="$", expected="a mapping")
    if cls not in _SUPPORTED:  # a playbook: data shaped like its file
        try:
            return cls.from_dict(data)  # type: ignore[attr-defined, no-any-return]
        except ConfigError as exc:
            raise _unreadable(exc, data, str(exc), exc.key or "$", exc.expected) from exc
    try:
        return _CONVERTER.structure(data, cls)
    except BaseValidationError as exc:
        problems = cattrs.transform_error(exc, path="$", format_exception=_describe)
        msg = f"cannot read a {cls.__name__}: " + "; ".join(problems) + "."
        raise _unreadable(exc, data, msg, _first_path(problems), cls.__name__) from exc


def _unreadable(
    exc: Exception, data: object, msg: str, where: str | None, expected: str | None
) -> ValidationError:
    """The one place an error met while reading data becomes the converter's error.

    Data given to the converter is runtime input, so what the readers raise (a definition's
    ``ConfigError`` from the duration or condition parser, cattrs' collected errors) is a
    ``ValidationError``; ``msg`` and ``where`` name the path inside the data when known. Raise
    it ``from exc``: the original, with its own value and expected, stays the cause.
    """
    return ValidationError(msg, value=data, where=where, expected=expected)


def _describe(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, SmarketingError):
        return str(exc).rstrip(".")
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown keys {sorted(exc.extra_fields)}"
    name = getattr(type_, "__name__", str(type_))
    if name in ("Mapping", "dict"):
        return "expected a mapping"
    return f"invalid value for {name} ({exc})"


def _first_path(problems: list[str]) -> str:
    # transform_error ends every problem with "@ <path>".
    return problems[0].rsplit(" @ ", 1)[-1] if problems else "$"
