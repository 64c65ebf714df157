"""smarketing: one shared, executable definition of a lead for sales and marketing.

The public API lives here; everything else is private or an adapter.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from smarketing.conditions import Condition, always, field, never, parse_condition
from smarketing.errors import (
    ConfigError,
    GuardRejected,
    SmarketingError,
    TransitionError,
    ValidationError,
)
from smarketing.leads import Activity, FieldValue, Lead, StageChange
from smarketing.lifecycle import Lifecycle, Stage, Transition
from smarketing.serialisation import from_dict, to_dict

try:
    __version__ = _version("smarketing")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0+unknown"

__all__ = [
    "Activity",
    "Condition",
    "ConfigError",
    "FieldValue",
    "GuardRejected",
    "Lead",
    "Lifecycle",
    "SmarketingError",
    "Stage",
    "StageChange",
    "Transition",
    "TransitionError",
    "ValidationError",
    "__version__",
    "always",
    "field",
    "from_dict",
    "never",
    "parse_condition",
    "to_dict",
]
