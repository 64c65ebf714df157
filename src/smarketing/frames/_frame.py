"""The one way into and out of a user's frame: wrap it, check its columns, hand it back.

Every ``smarketing.frames`` function takes a native frame (pandas, Polars eager or lazy,
PyArrow, DuckDB, Dask, PySpark), wraps it once with :func:`wrap`, checks the columns it needs
with :func:`require` (a ``ValidationError`` naming the column, before any work), builds
narwhals expressions over it, and returns :func:`native` of the result: the same kind of frame,
lazy when it came in lazy. Nothing here collects a lazy frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias

import narwhals as nw
import narwhals.dtypes as nw_dtypes

from smarketing import _validate as _v

# The families of column types a fact may have live with the condition compiler, which reads
# them; the frames functions check columns with the same ones.
from smarketing.conditions._expr import BOOLEAN as BOOLEAN
from smarketing.conditions._expr import NULL as NULL
from smarketing.conditions._expr import NUMBER as NUMBER
from smarketing.conditions._expr import OTHER as OTHER
from smarketing.conditions._expr import TEXT as TEXT
from smarketing.conditions._expr import family as family

#: A wrapped frame: eager or lazy, as it came.
Frame: TypeAlias = nw.DataFrame[Any] | nw.LazyFrame[Any]


def wrap(native: object, where: str) -> Frame:
    """``native`` as a narwhals frame; a ``ValidationError`` when it is not a frame."""
    if isinstance(native, nw.DataFrame | nw.LazyFrame):
        return native
    try:
        return nw.from_native(native)
    except TypeError:
        msg = (
            f"{where} must be a DataFrame (pandas, Polars, PyArrow, DuckDB, Dask or PySpark); "
            f"got {type(native).__name__}."
        )
        raise _v.runtime(msg, value=native, where=where, expected="a DataFrame") from None


def schema(frame: Frame) -> Mapping[str, nw_dtypes.DType]:
    """The frame's column types, without collecting it."""
    return dict(frame.collect_schema())


def require(frame: Frame, columns: Iterable[str], where: str) -> Mapping[str, nw_dtypes.DType]:
    """The frame's schema, after checking that it has every one of ``columns``."""
    types = schema(frame)
    for name in columns:
        if name not in types:
            have = ", ".join(sorted(types)) or "none"
            msg = f"{where} has no {name!r} column (its columns: {have})."
            raise _v.runtime(msg, value=name, where=where, expected=f"a column {name!r}")
    return types


def native(frame: Frame) -> Any:
    """The frame as the user's own kind again (a lazy one still lazy)."""
    return frame.to_native()


#: The column that numbers an eager frame's rows while it is worked on (see :class:`Planned`).
ROW: Final = "__smarketing_row"


class Planned:
    """A leads frame made ready for a plan of steps, and the way back to the caller's kind.

    An eager frame's rows are numbered (``ROW``), so that they come back in their order; an
    eager Polars frame is worked on as one lazy query (one optimised plan instead of a dozen
    eager steps), and so is an eager Polars ``activities`` frame that goes with it.
    :meth:`finish` collects what was made lazy here and puts the rows back in order.
    """

    def __init__(self, frame: Frame, activities: Any, where: str) -> None:
        self.eager = isinstance(frame, nw.DataFrame)
        if isinstance(frame, nw.DataFrame):
            frame = frame.with_row_index(ROW)
        self.lazy = self.eager and frame.implementation is nw.Implementation.POLARS
        if self.lazy:
            frame = frame.lazy()
            if activities is not None:
                acts = wrap(activities, where)
                activities = acts.lazy() if isinstance(acts, nw.DataFrame) else acts
        self.frame: Frame = frame
        self.activities: Any = activities

    def finish(self, frame: Frame, *columns: nw.Expr) -> Frame:
        """The ``columns`` of ``frame`` (planned from this one), collected if it was made lazy
        here, rows in order.

        The columns are picked before the rows are put in order, so that the sort moves only
        them (not the dozens of working columns a plan leaves).
        """
        frame = frame.select(nw.col(ROW), *columns) if self.eager else frame.select(*columns)
        if self.lazy and isinstance(frame, nw.LazyFrame):
            frame = frame.collect()
        return frame.sort(ROW).drop(ROW) if self.eager else frame
