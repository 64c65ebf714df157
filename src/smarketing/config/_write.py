"""Writing a playbook's parts as data shaped like the file.

The converter (``smarketing.serialisation``) writes every part; this module only places the
parts in the file's sections and makes the data the file can hold (no nulls, keys in the
description's order).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from smarketing.config._parts import PlaybookParts
from smarketing.config._spec import SPEC, Key
from smarketing.lifecycle import DEFAULT_MQL, DEFAULT_SQL, Lifecycle
from smarketing.scoring import LetterGrading
from smarketing.serialisation import to_dict as unstructure

_DEFAULT_STAGES: Final = frozenset(
    {"suspect", "prospect", "mql", "sql", "customer", "recycled", "disqualified"}
)


def to_dict(pb: PlaybookParts) -> dict[str, Any]:
    """The playbook as data shaped like the file (TOML- and JSON-safe)."""
    scoring = unstructure(pb.scoring)
    if isinstance(pb.scoring.grades, LetterGrading):
        scoring["letter_grading"] = scoring.pop("grades")
    personas = unstructure(pb.personas)
    sla = None
    if pb.sla is not None:
        sla = {**unstructure(pb.sla), "calendar": pb.calendar and unstructure(pb.calendar)}
    out = {
        "data": unstructure(pb.data) or None,  # reading files plainly: no section
        "known_facts": list(pb.known_facts),
        "lifecycle": _lifecycle_data(pb.lifecycle),
        "scoring": scoring,
        "personas": {"min_confidence": personas["min_confidence"], "list": personas["personas"]},
        "forms": {"max_fields": pb.max_fields, "fields": [unstructure(f) for f in pb.forms]},
        "sla": sla,
        "predictive": pb.predictive and unstructure(pb.predictive),
    }
    file: dict[str, Any] = _as_file(out, SPEC)  # type: ignore[assignment]
    return file


def _lifecycle_data(lc: Lifecycle) -> dict[str, Any]:
    """The default lifecycle as its MQL and SQL definitions (and stage SLAs); any other whole."""
    data: dict[str, Any] = unstructure(lc)
    when = {t.trigger: t.when for t in lc.transitions}
    as_default = (
        Lifecycle.default(
            mql=when.get("qualify", DEFAULT_MQL),
            sql=when.get("accept", DEFAULT_SQL),
            max_age={s.name: s.max_age for s in lc.stages if s.max_age is not None},
        )
        if {"qualify", "accept"} <= set(when) and set(lc.stage_names) == _DEFAULT_STAGES
        else None
    )
    if lc != as_default:
        return data
    guards = {t["trigger"]: t["when"] for t in data["transitions"]}
    return {
        "mql": guards["qualify"],
        "sql": guards["accept"],
        "max_age": {s["name"]: s["max_age"] for s in data["stages"] if "max_age" in s},
    }


def _as_file(value: object, key: Key) -> object:
    """Converter data as the file holds it: tables in the description's key order, and no
    nulls (TOML has none): a null the file says as ``false`` is ``false``; any other, and
    empty text where the file needs text, is left out and reads back as the same default."""
    if key.kind not in ("table", "stage_entry", "list") or not isinstance(value, Mapping | list):
        return value
    if isinstance(value, list):
        assert key.items is not None
        return [_as_file(v, key.items) for v in value]
    assert key.keys is not None
    ordered = [name for name in key.keys if name in value]
    ordered += [name for name in value if name not in key.keys]  # read back, it is named
    out: dict[str, object] = {}
    for name in ordered:
        sub = key.keys.get(name)
        if value[name] is None:
            if sub is not None and sub.falsy:
                out[name] = False
        elif value[name] == "" and sub is not None and sub.kind == "string":
            continue  # no text where the file needs some: the default (a persona's description)
        else:
            out[name] = value[name] if sub is None else _as_file(value[name], sub)
    return out
