"""The backtest and the sweep as data, for the one converter, and back: times as ISO 8601
text, figures as numbers.

A backtest read back holds its figures and its leads' dates, not the replays: `by` works,
`sweep` says it needs the leads. Numbers are read as they are written, so that "3" or true
is reported instead of coerced.
"""

from __future__ import annotations

import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from smarketing import _convert
from smarketing.backtest._result import Backtest, LeadReplay, PlaybookResult
from smarketing.backtest._sweep import Sweep, SweepRow


@_convert.shapes(Backtest, LeadReplay, PlaybookResult, Sweep, SweepRow)
def _as_data(conv: cattrs.Converter) -> None:
    for cls in (LeadReplay, PlaybookResult, SweepRow, Sweep):
        conv.register_structure_hook(cls, _convert.figures(cls, conv))
    replays = override(omit=True)  # what sweep() replays is not data
    ids = override(struct_hook=lambda value, _type: tuple(_convert.texts(value, _type)))
    conv.register_unstructure_hook(
        Backtest, make_dict_unstructure_fn(Backtest, conv, _inputs=replays)
    )
    conv.register_structure_hook(
        Backtest,
        _convert.figures(Backtest, conv, _inputs=replays, unknown_leads=ids),
    )
