"""The embedded default playbook, and merging a file over it section by section."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final

DEFAULT_FILE: Final = "default_playbook.toml"
SCHEMA_FILE: Final = "playbook.schema.json"

#: Keys that stand for one another: writing one drops the default's other (a custom lifecycle
#: drops the default's mql/sql/max_age; letter grades drop the default's grade thresholds).
_ALTERNATIVES: Final = {
    "lifecycle": (
        frozenset({"initial", "stages", "transitions"}),
        frozenset({"mql", "sql", "max_age"}),
    ),
    "scoring": (frozenset({"letter_grading"}), frozenset({"grades"})),
}
#: A default key that belongs to another: a file that writes its own engagement rules starts
#: without the default's group caps (they name the default rules' groups).
_BELONGS: Final = {"scoring": {"group_caps": "engagement"}}


def packaged(name: str) -> str:
    """The text of a file shipped inside the package."""
    return resources.files("smarketing").joinpath(name).read_text(encoding="utf-8")


def default_data() -> dict[str, Any]:
    """The embedded default playbook, as data."""
    return tomllib.loads(packaged(DEFAULT_FILE))


def effective_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The playbook data as it is read: each section written merged over the default's,
    key by key (tables merge, lists replace); an omitted section is the default's."""
    return _merged(default_data(), data)


def _merged(default: Mapping[str, Any], given: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    out = dict(default)
    if path in _ALTERNATIVES:
        for written, dropped in (_ALTERNATIVES[path], _ALTERNATIVES[path][::-1]):
            if written & set(given):
                for name in dropped:
                    out.pop(name, None)
    for name, owner in _BELONGS.get(path, {}).items():
        if owner in given and name not in given:
            out.pop(name, None)
    for name, value in given.items():
        here = f"{path}.{name}" if path else str(name)
        base = out.get(name)
        if isinstance(value, Mapping) and isinstance(base, Mapping) and here not in _REPLACED:
            out[name] = _merged(base, value, here)
        else:
            out[name] = value
    return out


#: Tables that a file gives whole rather than key by key: a map of names to values.
_REPLACED: Final = frozenset(
    {"lifecycle.max_age", "scoring.grades", "scoring.group_caps", "data.rename", "data.types"}
)


def commented_default() -> str:
    """The default playbook file as shipped, with its comments: a file to start from."""
    return packaged(DEFAULT_FILE)
