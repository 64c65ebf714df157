"""smarketing: one shared, executable definition of a lead for sales and marketing.

The public API lives here; everything else is private or an adapter.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from smarketing._calendar import BusinessCalendar, Calendar, WallClock
from smarketing.attribution import (
    ROI,
    Attribution,
    ChannelROI,
    Comparison,
    Cost,
    MarkovCredit,
    attribute,
    markov_credit,
    shapley_credit,
)
from smarketing.conditions import Condition, always, field, never, parse_condition
from smarketing.errors import (
    ConfigError,
    GuardRejected,
    SmarketingError,
    TransitionError,
    ValidationError,
)
from smarketing.funnel import SLA, FunnelReport, SLABreach, SLASummary, TimeInStage, funnel_report
from smarketing.leads import Activity, FieldValue, Lead, StageChange
from smarketing.lifecycle import Lifecycle, Stage, Transition
from smarketing.personas import (
    DERIVED_FACTS,
    JobTitle,
    Persona,
    PersonaMatch,
    PersonaMatcher,
    Trait,
    derive_facts,
    parse_title,
)
from smarketing.playbook import Assessment, Playbook
from smarketing.profiling import FormField, FormPlan, PlannedField, ProfilePlanner
from smarketing.scoring import (
    DEFAULT_GRADES,
    LETTER_GRADES,
    Contribution,
    EngagementRule,
    FitRule,
    GradeCriterion,
    LetterGrading,
    Score,
    ScoringModel,
)
from smarketing.serialisation import from_dict, to_dict

try:
    __version__ = _version("smarketing")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0+unknown"

__all__ = [
    "DEFAULT_GRADES",
    "DERIVED_FACTS",
    "LETTER_GRADES",
    "ROI",
    "SLA",
    "Activity",
    "Assessment",
    "Attribution",
    "BusinessCalendar",
    "Calendar",
    "ChannelROI",
    "Comparison",
    "Condition",
    "ConfigError",
    "Contribution",
    "Cost",
    "EngagementRule",
    "FieldValue",
    "FitRule",
    "FormField",
    "FormPlan",
    "FunnelReport",
    "GradeCriterion",
    "GuardRejected",
    "JobTitle",
    "Lead",
    "LetterGrading",
    "Lifecycle",
    "MarkovCredit",
    "Persona",
    "PersonaMatch",
    "PersonaMatcher",
    "PlannedField",
    "Playbook",
    "ProfilePlanner",
    "SLABreach",
    "SLASummary",
    "Score",
    "ScoringModel",
    "SmarketingError",
    "Stage",
    "StageChange",
    "TimeInStage",
    "Trait",
    "Transition",
    "TransitionError",
    "ValidationError",
    "WallClock",
    "__version__",
    "always",
    "attribute",
    "derive_facts",
    "field",
    "from_dict",
    "funnel_report",
    "markov_credit",
    "never",
    "parse_condition",
    "parse_title",
    "shapley_credit",
    "to_dict",
]
