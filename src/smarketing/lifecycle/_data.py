"""The lifecycle's parts as data, as the playbook file writes them.

A stage with nothing but its name is its name; a transition's guard is its `when`.
"""

from __future__ import annotations

import cattrs
from cattrs.gen import make_dict_unstructure_fn

from smarketing import _convert
from smarketing.errors import ValidationError
from smarketing.lifecycle._lifecycle import Lifecycle
from smarketing.lifecycle._parts import Stage, Transition


@_convert.shapes(Stage, Transition, Lifecycle)
def _as_data(conv: cattrs.Converter) -> None:
    conv.register_unstructure_hook(
        Stage, make_dict_unstructure_fn(Stage, conv, _cattrs_omit_if_default=True)
    )

    def stages_data(stages: tuple[Stage, ...]) -> list[object]:
        return [s.name if s == Stage(s.name) else conv.unstructure(s) for s in stages]

    def stages(value: object, _type: object) -> tuple[Stage, ...]:
        if not isinstance(value, list | tuple):
            msg = f"expected a list of stages (got {value!r})"
            raise ValidationError(msg, value=value, expected="a list")
        return tuple(Stage(s) if isinstance(s, str) else conv.structure(s, Stage) for s in value)

    conv.register_unstructure_hook_func(lambda t: t == tuple[Stage, ...], stages_data)
    conv.register_structure_hook_func(lambda t: t == tuple[Stage, ...], stages)
