"""The backtest and the sweep as data, for the one converter, and back: times as ISO 8601
text, figures as numbers.

A backtest read back holds its figures and its leads' dates, not the replays: `by` works,
`sweep` says it needs the leads. Numbers are read as they are written, so that "3" or true
is reported instead of coerced.
"""

from __future__ import annotations

import typing
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from smarketing import _convert
from smarketing.backtest._result import Backtest, LeadReplay, PlaybookResult
from smarketing.backtest._sweep import Sweep, SweepRow


def _optional_number(value: object, _type: object) -> float | None:
    return None if value is None else _convert.number(value, float)


#: The hook for each kind of figure: whole numbers, numbers, and numbers or null.
_FIGURES: dict[object, Any] = {
    int: override(struct_hook=_convert.whole),
    float: override(struct_hook=_convert.number),
    float | None: override(struct_hook=_optional_number),
}


def _figures(cls: type, conv: cattrs.Converter, **more: Any) -> Any:
    """A structure hook for ``cls`` that reads each of its figures as it is written."""
    hints = typing.get_type_hints(cls)
    figures = {
        a.name: _FIGURES[hints[a.name]] for a in attrs.fields(cls) if hints[a.name] in _FIGURES
    }
    return make_dict_structure_fn(cls, conv, **figures, **more)


@_convert.shapes(Backtest, LeadReplay, PlaybookResult, Sweep, SweepRow)
def _as_data(conv: cattrs.Converter) -> None:
    for cls in (LeadReplay, PlaybookResult, SweepRow, Sweep):
        conv.register_structure_hook(cls, _figures(cls, conv))
    replays = override(omit=True)  # what sweep() replays is not data

    def texts(value: object, _type: object) -> tuple[str, ...]:
        # A list as written, never text read as its letters.
        return tuple(conv.structure(_convert.a_list(value, list), list[str]))

    conv.register_unstructure_hook(
        Backtest, make_dict_unstructure_fn(Backtest, conv, _inputs=replays)
    )
    conv.register_structure_hook(
        Backtest,
        _figures(Backtest, conv, _inputs=replays, unknown_leads=override(struct_hook=texts)),
    )
