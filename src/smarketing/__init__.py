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
    Cost,
    MarkovCredit,
    ModelComparison,
    attribute,
    markov_credit,
    shapley_credit,
)
from smarketing.backtest import (
    AutoMoves,
    Backtest,
    Compared,
    LeadReplay,
    MQLChange,
    PlaybookResult,
    Sweep,
    SweepRow,
    backtest,
    next_move,
)
from smarketing.conditions import Condition, always, field, never, parse_condition
from smarketing.dataspec import DataSpec
from smarketing.errors import (
    ConfigError,
    GuardRejected,
    SmarketingError,
    TransitionError,
    ValidationError,
)
from smarketing.feedback import FeedbackReport, Outcomes, Reaction, Suggestion, feedback_report
from smarketing.funnel import SLA, FunnelReport, SLABreach, SLASummary, TimeInStage, funnel_report
from smarketing.io import (
    FileFormatError,
    ReadResult,
    Reject,
    read_activities,
    read_costs,
    read_history,
    read_leads,
)
from smarketing.leads import Activity, FieldValue, Lead, StageChange
from smarketing.lifecycle import Lifecycle, Stage, Transition
from smarketing.personas import (
    JobTitle,
    Persona,
    PersonaMatch,
    PersonaMatcher,
    Trait,
    parse_title,
)
from smarketing.playbook import Assessment, Playbook
from smarketing.predictive import Bins, Pair, Prediction, PredictiveModel, Shape
from smarketing.profiling import FormField, FormPlan, PlannedField, ProfilePlanner
from smarketing.scoring import (
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
    "ROI",
    "SLA",
    "Activity",
    "Assessment",
    "Attribution",
    "AutoMoves",
    "Backtest",
    "Bins",
    "BusinessCalendar",
    "Calendar",
    "ChannelROI",
    "Compared",
    "Condition",
    "ConfigError",
    "Contribution",
    "Cost",
    "DataSpec",
    "EngagementRule",
    "FeedbackReport",
    "FieldValue",
    "FileFormatError",
    "FitRule",
    "FormField",
    "FormPlan",
    "FunnelReport",
    "GradeCriterion",
    "GuardRejected",
    "JobTitle",
    "Lead",
    "LeadReplay",
    "LetterGrading",
    "Lifecycle",
    "MQLChange",
    "MarkovCredit",
    "ModelComparison",
    "Outcomes",
    "Pair",
    "Persona",
    "PersonaMatch",
    "PersonaMatcher",
    "PlannedField",
    "Playbook",
    "PlaybookResult",
    "Prediction",
    "PredictiveModel",
    "ProfilePlanner",
    "Reaction",
    "ReadResult",
    "Reject",
    "SLABreach",
    "SLASummary",
    "Score",
    "ScoringModel",
    "Shape",
    "SmarketingError",
    "Stage",
    "StageChange",
    "Suggestion",
    "Sweep",
    "SweepRow",
    "TimeInStage",
    "Trait",
    "Transition",
    "TransitionError",
    "ValidationError",
    "WallClock",
    "__version__",
    "always",
    "attribute",
    "backtest",
    "feedback_report",
    "field",
    "from_dict",
    "funnel_report",
    "markov_credit",
    "never",
    "next_move",
    "parse_condition",
    "parse_title",
    "read_activities",
    "read_costs",
    "read_history",
    "read_leads",
    "shapley_credit",
    "to_dict",
]
