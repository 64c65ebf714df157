"""The derived facts as a column step: ``seniority`` and ``department`` read from ``job_title``.

The frame's version of the fact view (:mod:`smarketing.facts`): a lead's own columns first, and
the derived facts filling only what is still unknown. A given (non-null) ``seniority`` or
``department`` is never overwritten, and a title that does not say leaves the cell null.

Titles are parsed by the library's one parser (:func:`~smarketing.parse_title`), once per
distinct title: distinct titles are few even when rows are many. That takes one small collect
of the frame's distinct, non-null ``job_title`` values (on a lazy frame this runs the frame's
plan up to that column once, as ``unique()`` would); the answers go back into the plan as
``is_in`` expressions, one per derived value, so the rows themselves are never brought into
Python and a lazy frame stays lazy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import narwhals as nw
import narwhals.dtypes as nw_dtypes

from smarketing import _validate as _v
from smarketing._titles import parse_title
from smarketing.facts import DERIVED_FACTS
from smarketing.frames._frame import NULL, TEXT, Frame, family

__all__ = ["derive_facts", "derived_columns", "distinct_titles"]

_TITLE = "job_title"


def distinct_titles(frame: Frame) -> list[str]:
    """The frame's distinct, non-null job titles (the one collect of the step)."""
    titles = frame.select(nw.col(_TITLE).cast(nw.String)).unique().drop_nulls()
    if isinstance(titles, nw.LazyFrame):
        titles = titles.collect()
    return [t for t in titles.get_column(_TITLE).to_list() if isinstance(t, str)]


def derive_facts(
    frame: Frame, types: Mapping[str, nw_dtypes.DType], where: str
) -> tuple[Frame, dict[str, nw_dtypes.DType]]:
    """``frame`` with ``seniority`` and ``department`` as the fact view reads them, and its types.

    See :func:`derived_columns`.
    """
    columns, out = derived_columns(frame, types, where)
    return (frame.with_columns(*columns) if columns else frame), out


def derived_columns(
    frame: Frame, types: Mapping[str, nw_dtypes.DType], where: str
) -> tuple[list[Any], dict[str, nw_dtypes.DType]]:
    """The expressions of the ``seniority`` and ``department`` columns, and the types after.

    A frame without a text ``job_title`` column derives nothing (no expressions; a title that is
    not text says nothing, as :func:`~smarketing.parse_title` reads it). A given ``seniority``
    or ``department`` column must be text (or all null) when there is a title to fill it from:
    the derived values are text.
    """
    if _TITLE not in types or family(types[_TITLE]) != TEXT:
        return [], dict(types)
    for name in DERIVED_FACTS:
        if name in types and family(types[name]) not in (TEXT, NULL):
            msg = (
                f"{where}: the column {name!r} is {types[name]}, but {name} derived from "
                f"job_title is text; give {name!r} as text (null where unknown) or leave it out."
            )
            raise _v.runtime(msg, value=name, where=where, expected=f"a text column {name!r}")
    parsed = {title: parse_title(title) for title in distinct_titles(frame)}
    derived = {
        "seniority": {t: p.seniority for t, p in parsed.items()},
        "department": {t: p.department for t, p in parsed.items()},
    }
    title = nw.col(_TITLE).cast(nw.String)
    columns = []
    for name, answers in derived.items():
        expr = _mapped(title, answers)
        if name in types and family(types[name]) == TEXT:
            expr = nw.coalesce(nw.col(name), expr)  # a given fact wins; the title fills the rest
        columns.append(expr.alias(name))
    out = dict(types)
    out.update(dict.fromkeys(derived, nw.String()))
    return columns, out


def _mapped(title: Any, answers: Mapping[str, str | None]) -> Any:
    """An expression giving each title's answer: one ``is_in`` per distinct answer."""
    by_answer: dict[str, list[str]] = {}
    for text, answer in answers.items():
        if answer is not None:
            by_answer.setdefault(answer, []).append(text)
    if not by_answer:
        return nw.lit(None, dtype=nw.String())
    answers_in_order: Sequence[tuple[str, list[str]]] = sorted(by_answer.items())
    (first, texts), *rest = answers_in_order
    chain = nw.when(title.is_in(texts)).then(nw.lit(first, dtype=nw.String()))
    for answer, texts in rest:
        chain = chain.when(title.is_in(texts)).then(nw.lit(answer, dtype=nw.String()))
    return chain.otherwise(nw.lit(None, dtype=nw.String()))
