"""The line of each key path in a playbook's TOML text, for errors that name their line.

``tomllib`` keeps no positions, so the text is scanned once more (only when an error is
worded): every key, table and list item is recorded under the key path the checks name it
by (``scoring.fit[15000].when``), at the line where it starts.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from typing import Final

_BARE: Final = re.compile(r"[A-Za-z0-9_-]+")
_BLANK: Final = re.compile(r"(?:[ \t]|#[^\n]*)*")
_BLANK_LINES: Final = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")
_STRINGS: Final = (
    re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL),
    re.compile(r"'''(?:[^']|'(?!''))*'''", re.DOTALL),
    re.compile(r'"(?:[^"\\\n]|\\.)*"'),
    re.compile(r"'[^'\n]*'"),
)
_SCALAR: Final = re.compile(r"[^,\]\}\s#]+(?:[ T][0-9][^,\]\}\s#]*)?")


def key_lines(text: str) -> dict[str, int]:
    """Each key path of the TOML ``text`` and the line it starts on (1-based).

    Text that is not TOML as ``tomllib`` reads it gives what could be scanned before it.
    """
    scan = _Scan(text)
    with contextlib.suppress(_StopError, RecursionError):
        scan.document()
    return scan.found


class _StopError(Exception):
    """The text stops making sense to the scanner."""


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Scan:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.found: dict[str, int] = {}
        self.tables: dict[str, int] = {}  # arrays of tables: how many items so far
        self.counted = 0  # the line of ``counted`` is ``lines``: counting goes on from there
        self.lines = 1

    def line(self) -> int:
        self.lines += self.text.count("\n", self.counted, self.at)
        self.counted = self.at
        return self.lines

    def record(self, path: str) -> None:
        self.found.setdefault(path, self.line())

    def skip(self, pattern: re.Pattern[str]) -> None:
        match = pattern.match(self.text, self.at)
        assert match is not None  # the blank patterns match the empty text
        self.at = match.end()

    def peek(self, ahead: int = 1) -> str:
        return self.text[self.at : self.at + ahead]

    def document(self) -> None:
        table = ""
        while True:
            self.skip(_BLANK_LINES)
            if self.at >= len(self.text):
                return
            if self.peek(2) == "[[":
                self.at += 2
                path = self.header_path(self.key())
                self.expect("]]")
                index = self.tables.get(path, 0)
                self.tables[path] = index + 1
                self.record(path)
                table = _join(path, index)
                self.record(table)
            elif self.peek() == "[":
                self.at += 1
                table = self.header_path(self.key())
                self.expect("]")
                self.record(table)
            else:
                self.pair(table)

    def header_path(self, keys: list[str]) -> str:
        """A header's path: a table inside an array of tables is in its last item."""
        path = ""
        for number, key in enumerate(keys, 1):
            path = _join(path, key)
            if path in self.tables and number < len(keys):
                path = _join(path, self.tables[path] - 1)
        return path

    def expect(self, token: str) -> None:
        self.skip(_BLANK)
        if not self.text.startswith(token, self.at):
            raise _StopError
        self.at += len(token)

    def key(self) -> list[str]:
        keys = []
        while True:
            self.skip(_BLANK)
            keys.append(self.one_key())
            self.skip(_BLANK)
            if self.peek() != ".":
                return keys
            self.at += 1

    def one_key(self) -> str:
        bare = _BARE.match(self.text, self.at)
        if bare:
            self.at = bare.end()
            return bare.group()
        for pattern in _STRINGS[2:]:
            quoted = pattern.match(self.text, self.at)
            if quoted:
                self.at = quoted.end()
                raw = quoted.group()
                return raw[1:-1] if raw[0] == "'" else _unescaped(raw)
        raise _StopError

    def pair(self, table: str) -> None:
        path = table
        for key in self.key():
            path = _join(path, key)
            self.record(path)
        self.expect("=")
        self.skip(_BLANK)
        self.value(path)

    def value(self, path: str) -> None:
        char = self.peek()
        if char == "[":
            self.at += 1
            index = 0
            while True:
                self.skip(_BLANK_LINES)
                if self.peek() == "]":
                    self.at += 1
                    return
                item = _join(path, index)
                self.record(item)
                self.value(item)
                self.skip(_BLANK_LINES)
                if self.peek() == ",":
                    self.at += 1
                index += 1
        elif char == "{":
            self.at += 1
            while True:
                self.skip(_BLANK)
                if self.peek() == "}":
                    self.at += 1
                    return
                self.pair(path)
                self.skip(_BLANK)
                if self.peek() == ",":
                    self.at += 1
        else:
            for pattern in _STRINGS:
                found = pattern.match(self.text, self.at)
                if found:
                    self.at = found.end()
                    return
            scalar = _SCALAR.match(self.text, self.at)
            if scalar is None:
                raise _StopError
            self.at = scalar.end()


def _unescaped(quoted: str) -> str:
    """A quoted key's text, its escapes read as TOML reads them (``\\U0001F600`` too)."""
    try:
        (key,) = tomllib.loads(f"{quoted} = 0")
    except tomllib.TOMLDecodeError:  # an escape TOML lacks: the file did not load either
        return quoted[1:-1]
    return key


def line_of(lines: dict[str, int], path: str) -> int | None:
    """The line of ``path``, or of the nearest key above it that the text holds."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None
