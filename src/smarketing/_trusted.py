"""The one way the library builds its own values from parts it has already checked.

A frozen attrs class checks its arguments in ``__init__``: right at the boundary, where values
come from users and files. Deep inside a hot path (a score from its rule parts, a lead moved
by the lifecycle, a persona match from compiled verdicts) the parts were built and checked by
the library itself, and checking them again per lead costs more than the work. There a value
is made from its class's :func:`parts` twin: a plain class with the same slots, whose instance
takes each attribute by plain assignment (the interpreter's own fast path for a slot) and then
becomes an instance of the frozen class by assigning its ``__class__``. Every attribute is set
as ``__init__`` would set it, minus its validators and converters.

A class built this way has no ``__weakref__`` slot (``attrs.frozen(weakref_slot=False)``):
``__class__`` can only change between classes of one layout, and Python lays a weak-reference
slot out apart from the others.

Each caller says in a comment which benchmark figure earns it the shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: An instance without ``__init__``: of a :func:`parts` twin, then given its class.
new: Callable[[type[Any]], Any] = object.__new__


def parts(cls: type) -> type:
    """A plain class with the slots of ``cls``, a slotted class of its own layout.

    An instance of it, every slot set by assignment, becomes a ``cls`` by ``x.__class__ =
    cls``; the same assignment is tried here, so a class whose layout differs (a
    ``__weakref__`` slot, a base with slots) is a ``TypeError`` when the module defines its
    twin, never later on a hot path. Setting seven slots this way costs 3,300 instructions
    against 7,000 through the slots' descriptors (``benchmarks/bench_lifecycle.py`` (c),
    counted with callgrind).
    """
    twin = type(f"_{cls.__name__}Parts", (), {"__slots__": cls.__dict__["__slots__"]})
    probe = new(twin)
    probe.__class__ = cls
    return twin
