"""The playbook file's JSON Schema, generated from ``SPEC``."""

from __future__ import annotations

import json
from typing import Any, Final

import attrs

from smarketing.config._defaults import SCHEMA_FILE, packaged
from smarketing.config._spec import SPEC, Key

# --- the JSON Schema ----------------------------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the playbook file, generated from ``SPEC`` (for editor completion)."""
    schema = _schema(SPEC)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://smarketing.dev/playbook.schema.json",
        "title": "smarketing playbook",
        **schema,
    }


_DURATION_PATTERN: Final = r"^\s*(P.*|(\d+(\.\d+)?\s*[A-Za-z]+[\s,]*)+)$"


def _schema(key: Key) -> dict[str, Any]:
    if key.falsy:
        plain = _schema(attrs.evolve(key, falsy=False))
        doc = plain.pop("description")
        return {"description": doc, "oneOf": [plain, {"const": False}]}
    base: dict[str, Any] = {"description": key.doc}
    kind = key.kind
    if kind in ("table", "stage_entry"):
        assert key.keys is not None
        table: dict[str, Any] = {
            **base,
            "type": "object",
            "properties": {name: _schema(k) for name, k in key.keys.items()},
            "additionalProperties": False,
        }
        required = [name for name, k in key.keys.items() if k.required]
        if required:
            table["required"] = required
        if kind == "stage_entry":
            return {"description": key.doc, "oneOf": [{"type": "string"}, table]}
        return table
    if kind == "list":
        assert key.items is not None
        return {**base, "type": "array", "items": _schema(key.items)}
    if kind == "map":
        assert key.values is not None
        return {**base, "type": "object", "additionalProperties": _schema(key.values)}
    simples: dict[str, dict[str, Any]] = {
        "string": {"type": "string", "minLength": 1},
        "text": {"type": "string"},
        "string_or_false": {"oneOf": [{"type": "string", "minLength": 1}, {"const": False}]},
        "stage": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_-]*$"},
        "bool": {"type": "boolean"},
        "int": {"type": "integer"},
        "number": {"type": "number"},
        "condition": {"type": "string", "minLength": 1},
        "data": {"type": "object"},
        "bool_or_condition": {"type": ["boolean", "string"]},
        "duration": {"type": "string", "pattern": _DURATION_PATTERN},
        "clock": {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$"},
        "date": {"type": "string", "format": "date"},
    }
    simple = simples[kind]
    if key.choices:
        simple = {"type": "string", "enum": list(key.choices)}
    return {**base, **simple}


def shipped_schema() -> dict[str, Any]:
    """The JSON Schema file shipped inside the package."""
    return json.loads(packaged(SCHEMA_FILE))  # type: ignore[no-any-return]
