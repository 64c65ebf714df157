"""The backtest and the sweep as data, for the one converter: times as ISO 8601 text,
figures as numbers.

Both are written only: `Backtest.sweep` and `Backtest.by` replay the leads, which the data
does not hold, and a sweep is a table read, not a value passed on.
"""

from __future__ import annotations

import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from smarketing import _convert
from smarketing.backtest._result import Backtest
from smarketing.backtest._sweep import Sweep


@_convert.shapes(Backtest, Sweep, written_only=True)
def _as_written(conv: cattrs.Converter) -> None:
    conv.register_unstructure_hook(
        Backtest, make_dict_unstructure_fn(Backtest, conv, _inputs=override(omit=True))
    )
