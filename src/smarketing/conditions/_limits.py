"""The bounds of the condition language: one per kind of limit, shared by the builder (the
node types of :mod:`~smarketing.conditions._tree`), the reader of the text form
(:mod:`~smarketing.conditions._parse`) and the regex check (:mod:`~smarketing.conditions._regex`).

Each bound is the same wherever a condition comes from, so that a condition that can be built
can be written as text and read back, and one that cannot is refused the same way from Python
and from a file. The docs page "Security and limits" states them all.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "MAX_DEPTH",
    "MAX_INT",
    "MAX_MATCH_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_PATTERN_LENGTH",
    "MAX_REGEX_WORK",
    "MAX_REPEAT_COUNT",
    "MAX_SET_SIZE",
    "MAX_STRING_LENGTH",
    "MAX_TEXT_LENGTH",
]

#: The longest text form of a condition, in characters (read, or written by ``str()``).
MAX_TEXT_LENGTH: Final = 20_000
#: The longest fact name, in characters.
MAX_NAME_LENGTH: Final = 200
#: The longest string literal (a compared text, a ``contains`` text), in characters.
MAX_STRING_LENGTH: Final = 1_000
#: The most values in one ``in (...)`` or ``contains_any(..., (...))`` list.
MAX_SET_SIZE: Final = 1_000
#: The largest number, either way, a condition may compare with.
MAX_INT: Final = 10**15
#: The deepest nesting of a condition (``and``/``or``/``not`` inside one another), and of the
#: groups of a regular expression.
MAX_DEPTH: Final = 50
#: The longest regular expression, in characters.
MAX_PATTERN_LENGTH: Final = 500
#: The largest count of a counted repeat in a regular expression (``a{2,100}``).
MAX_REPEAT_COUNT: Final = 100
#: How much of a text fact ``matches`` reads: its first 1,000 characters.
MAX_MATCH_LENGTH: Final = 1_000
#: The most work (parts entered, characters read) a regex search may take on a text of
#: :data:`MAX_MATCH_LENGTH` characters, as the regex check counts it: twenty times the count
#: for ``.*x`` (about two million, which the stdlib engine does in about a millisecond).
MAX_REGEX_WORK: Final = 40_000_000
