"""The condition language shared by every module: lifecycle guards, MQL/SQL definitions,
fit rules, persona traits and form gates.

A condition reads a mapping of facts (``{"company_size": 250, "industry": "software"}``) and
answers with three-valued (Kleene) logic: ``True``, ``False``, or ``None`` when the facts it
needs are missing, so that "we don't know yet" is never confused with "no".

>>> import smarketing as sm
>>> c = (sm.field("company_size") >= 50) & sm.field("industry").is_in({"software", "saas"})
>>> c.evaluate({"company_size": 250, "industry": "saas"})
True
>>> c.evaluate({"industry": "saas"}) is None
True
>>> str(c)
"company_size >= 50 and industry in ('saas', 'software')"
>>> sm.parse_condition(str(c)) == c
True

The package holds three parts, one concept each:

- :mod:`~smarketing.conditions._tree`: the node types, their three-valued semantics
  (``evaluate``, the reference) and their text rendering (``str(condition)``);
- :mod:`~smarketing.conditions._parse`: the safe reader of the text form (``parse_condition``);
- :mod:`~smarketing.conditions._compile`: the one compile step per target. Today the target is
  Python closures (``compile_condition``: a condition becomes a callable over one lead's facts),
  which every module that runs conditions goes through. A second target, narwhals expressions
  for DataFrames, belongs beside it (in ``_compile`` or a sibling module) with the same shape:
  one function from a condition to the target's form, checked against ``evaluate``.
"""

from __future__ import annotations

from smarketing.conditions._compile import (
    Compiled,
    Program,
    Verdict,
    compile_all,
    compile_condition,
)
from smarketing.conditions._data import condition_from as condition_from  # the text, as data
from smarketing.conditions._limits import (
    MAX_DEPTH as MAX_DEPTH,
)
from smarketing.conditions._limits import (
    MAX_INT as MAX_INT,
)
from smarketing.conditions._limits import (
    MAX_MATCH_LENGTH as MAX_MATCH_LENGTH,
)
from smarketing.conditions._limits import (
    MAX_NAME_LENGTH as MAX_NAME_LENGTH,
)
from smarketing.conditions._limits import (
    MAX_PATTERN_LENGTH as MAX_PATTERN_LENGTH,
)
from smarketing.conditions._limits import (
    MAX_REGEX_WORK as MAX_REGEX_WORK,
)
from smarketing.conditions._limits import (
    MAX_REPEAT_COUNT as MAX_REPEAT_COUNT,
)
from smarketing.conditions._limits import (
    MAX_SET_SIZE as MAX_SET_SIZE,
)
from smarketing.conditions._limits import (
    MAX_STRING_LENGTH as MAX_STRING_LENGTH,
)
from smarketing.conditions._limits import (
    MAX_TEXT_LENGTH as MAX_TEXT_LENGTH,
)
from smarketing.conditions._parse import parse_condition
from smarketing.conditions._tree import (
    Always,
    And,
    Between,
    Compare,
    Condition,
    Contains,
    ContainsAny,
    Exists,
    Field,
    IsIn,
    Matches,
    Missing,
    Never,
    Not,
    Or,
    Scalar,
    all_of,
    always,
    any_of,
    deciding_values,
    field,
    never,
)
from smarketing.conditions._tree import (
    _Junction as _Junction,
)
from smarketing.conditions._tree import (
    _Leaf as _Leaf,
)

__all__ = [
    "Always",
    "And",
    "Between",
    "Compare",
    "Compiled",
    "Condition",
    "Contains",
    "ContainsAny",
    "Exists",
    "Field",
    "IsIn",
    "Matches",
    "Missing",
    "Never",
    "Not",
    "Or",
    "Program",
    "Scalar",
    "Verdict",
    "all_of",
    "always",
    "any_of",
    "compile_all",
    "compile_condition",
    "deciding_values",
    "field",
    "never",
    "parse_condition",
]

# The node types are values users keep, compare, pickle and match on by module: they live where
# the public API names them (``smarketing.conditions.Compare``), whichever file defines them.
for _node in (
    Always, And, Between, Compare, Condition, Contains, ContainsAny, Exists, Field, IsIn,
    Matches, Missing, Never, Not, Or, _Junction, _Leaf,
):  # fmt: skip
    _node.__module__ = __name__
del _node
