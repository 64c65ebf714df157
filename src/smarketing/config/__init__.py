"""The playbook file: reading, checking and writing it.

Reading builds a playbook's parts and hands them to the class that assembles them
(``load(path, into=Playbook)``); writing places the converter's data for each part in the
file's sections. The file format never imports the facade: ``Playbook.from_toml``,
``from_dict``, ``default`` and ``to_dict`` call into it.

One description of the file's keys (``SPEC``) drives everything: the checks (unknown keys with
a suggestion, types, key paths, lines), the JSON Schema shipped for editors, and the reference
in the docs. Conditions are written in the condition language's text form and durations as
``"4h"``, ``"30d"``, ``"12mo"`` or ISO 8601.

The modules: ``_spec`` (the description), ``_check`` (checking data against it), ``_defaults``
(the embedded default and merging over it), ``_read`` (building a playbook's parts),
``_parts`` (what the facade hands in), ``_write`` (the parts as file-shaped data), ``_toml``
(TOML text), ``_schema`` (JSON Schema).
"""

from smarketing.config._defaults import DEFAULT_FILE as DEFAULT_FILE
from smarketing.config._defaults import SCHEMA_FILE as SCHEMA_FILE
from smarketing.config._defaults import commented_default as commented_default
from smarketing.config._defaults import default_data as default_data
from smarketing.config._defaults import effective_data as effective_data
from smarketing.config._read import BUILTIN_FACTS as BUILTIN_FACTS
from smarketing.config._read import default_playbook, from_dict, load
from smarketing.config._read import loads as loads
from smarketing.config._schema import json_schema
from smarketing.config._schema import shipped_schema as shipped_schema
from smarketing.config._spec import SECTIONS as SECTIONS
from smarketing.config._spec import SPEC, Key
from smarketing.config._toml import to_toml as to_toml
from smarketing.config._write import to_dict

__all__ = [
    "SPEC",
    "Key",
    "default_playbook",
    "from_dict",
    "json_schema",
    "load",
    "to_dict",
]
