"""DataFrames and clusters: the playbook's rules run inside pandas, Polars, PyArrow, DuckDB,
Dask and PySpark, compiled to narwhals expressions (``pip install "smarketing[frames]"``).

The same condition language, the same definitions: ``smf.score`` gives what
``ScoringModel.score_many`` gives, as a frame, with no per-row Python. Eager frames come back as
the same kind of frame; lazy ones stay lazy until the caller collects them.
"""

from __future__ import annotations

from smarketing.frames._assess import assess
from smarketing.frames._funnel import funnel_report
from smarketing.frames._score import score

__all__: list[str] = ["assess", "funnel_report", "score"]
