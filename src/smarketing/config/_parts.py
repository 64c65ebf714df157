"""What a playbook is made of, as its file reads and writes it: the port the facade fills.

The file format never imports the facade. Reading builds the parts and hands them to the
assembler it is given (``into=Playbook``); writing reads them from anything that has them (a
``Playbook`` has them all).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from smarketing._calendar import BusinessCalendar
from smarketing.dataspec import DataSpec
from smarketing.funnel import SLA
from smarketing.lifecycle import Lifecycle
from smarketing.personas import PersonaMatcher
from smarketing.predictive import PredictiveModel
from smarketing.profiling import FormField
from smarketing.scoring import ScoringModel


class PlaybookParts(Protocol):
    """The parts of a playbook, each a value of the domain modules."""

    @property
    def lifecycle(self) -> Lifecycle: ...
    @property
    def scoring(self) -> ScoringModel: ...
    @property
    def personas(self) -> PersonaMatcher: ...
    @property
    def forms(self) -> tuple[FormField, ...]: ...
    @property
    def max_fields(self) -> int: ...
    @property
    def sla(self) -> SLA | None: ...
    @property
    def calendar(self) -> BusinessCalendar | None: ...
    @property
    def known_facts(self) -> tuple[str, ...]: ...
    @property
    def data(self) -> DataSpec: ...
    @property
    def predictive(self) -> PredictiveModel | None: ...


P = TypeVar("P", bound=PlaybookParts)
#: Builds the whole from the parts, given as keyword arguments (``Playbook`` itself).
Assemble = Callable[..., P]
