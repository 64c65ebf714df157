"""The one way the library builds its own values from parts it has already checked.

A frozen attrs class checks its arguments in ``__init__``: right at the boundary, where values
come from users and files. Deep inside a hot path (a score from its rule parts, a lead moved
by the lifecycle, a persona match from compiled verdicts) the parts were built and checked by
the library itself, and checking them again per lead costs more than the work. There a value
is made by :func:`slot_setters`: ``object.__new__`` and the class's own slot descriptors, which
set each attribute as ``__init__`` would, minus its validators and converters.

Each caller says in a comment which benchmark figure earns it the shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: An instance without ``__init__``: its slots are then set by :func:`slot_setters`.
new: Callable[[type[Any]], Any] = object.__new__


def slot_setters(cls: type, *names: str) -> tuple[Callable[[object, object], None], ...]:
    """The slot descriptors' setters of ``cls``'s attributes ``names``, in that order.

    ``cls`` is a slotted class (attrs' default); a name that is not a slot is a ``KeyError``
    here, when the module defines its setters, never later on a hot path.
    """
    return tuple(vars(cls)[name].__set__ for name in names)
