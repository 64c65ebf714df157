"""The DataFrame backends the `frames` tests run on, each built from the same columns.

``BACKENDS`` names every backend; ``to_backend(name, columns)`` builds a frame of that kind
from a mapping of column name to Python values (``None`` for a null), and ``collect(frame)``
brings any of them back as a dict of column lists, so a test compares every backend with the
same plain-Python oracle. Spark runs in local mode on two cores (``local[2]``) and Dask with
two partitions, where ordering bugs show. A backend whose package is missing is skipped,
except under CI (``CI`` set), where every backend must be there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

#: Eager backends come back as the same kind of frame; lazy ones stay lazy until collected.
EAGER = ("pandas", "polars", "pyarrow")
LAZY = ("polars-lazy", "duckdb", "dask", "pyspark")
BACKENDS = EAGER + LAZY

_MODULES = {
    "pandas": "pandas",
    "polars": "polars",
    "polars-lazy": "polars",
    "pyarrow": "pyarrow",
    "duckdb": "duckdb",
    "dask": "dask.dataframe",
    "pyspark": "pyspark.sql",
}

_spark: Any = None


def need(name: str) -> None:
    """Skip the calling test when the backend's package is missing (fail under CI)."""
    try:
        __import__(_MODULES[name])
    except ImportError as exc:  # pragma: no cover - every backend is a dev dependency
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{name} is not installed ({exc})")


def spark() -> Any:
    """The one local Spark session of the test run (started on first use, ~10 s).

    Tests that use it carry ``@pytest.mark.xdist_group("spark")``, so that one worker runs
    them all and only one JVM starts.
    """
    global _spark
    if _spark is None:
        from pyspark.sql import SparkSession

        _spark = (
            SparkSession.builder.master("local[2]")
            .appName("smarketing-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
        _spark.sparkContext.setLogLevel("ERROR")
    return _spark


def _arrow(columns: Mapping[str, Sequence[object]], schema: Mapping[str, Any] | None) -> Any:
    import pyarrow as pa

    if schema is None:
        return pa.table(dict(columns))
    return pa.table(
        {name: pa.array(list(values), type=schema.get(name)) for name, values in columns.items()}
    )


def to_backend(
    name: str,
    columns: Mapping[str, Sequence[object]],
    *,
    schema: Mapping[str, Any] | None = None,
) -> Any:
    """A native frame of backend ``name`` holding ``columns`` (``None`` is null).

    ``schema`` optionally gives a column's pyarrow type (needed for an all-null column).
    """
    need(name)
    table = _arrow(columns, schema)
    if name == "pyarrow":
        return table
    if name == "pandas":
        return table.to_pandas(types_mapper=_pandas_types)
    if name in ("polars", "polars-lazy"):
        import polars as pl

        frame = pl.from_arrow(table)
        return frame.lazy() if name == "polars-lazy" else frame
    if name == "duckdb":
        import duckdb

        return duckdb.from_arrow(table)
    if name == "dask":
        import dask.dataframe as dd

        return dd.from_pandas(table.to_pandas(types_mapper=_pandas_types), npartitions=2)
    if name == "pyspark":
        return spark().createDataFrame(table)
    raise ValueError(f"unknown backend {name!r}")  # pragma: no cover


def _pandas_types(arrow_type: Any) -> Any:
    """Nullable pandas dtypes, so that a null stays a null (not NaN, not an object)."""
    import pandas as pd
    import pyarrow as pa

    mapping = {
        pa.int64(): pd.Int64Dtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.string(): pd.StringDtype(),
        pa.large_string(): pd.StringDtype(),
    }
    return mapping.get(arrow_type)


def collect(frame: Any) -> dict[str, list[object]]:
    """Any backend's frame, eager or lazy, as ``{column: [values...]}`` (nulls as ``None``)."""
    import narwhals as nw

    native = nw.to_native(frame, pass_through=True)
    wrapped = nw.from_native(native)
    if isinstance(wrapped, nw.LazyFrame):
        wrapped = wrapped.collect()
    table = wrapped.to_arrow()
    return {name: table.column(name).to_pylist() for name in table.column_names}


def rows_by(frame: Any, key: str = "id") -> dict[object, dict[str, object]]:
    """The collected rows keyed by ``key`` (row order is not promised on lazy backends)."""
    columns = collect(frame)
    names = list(columns)
    rows = (dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True))
    return {row[key]: row for row in rows}
