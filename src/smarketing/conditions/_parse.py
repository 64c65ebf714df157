"""The safe text form: reading a condition from the text people write in a playbook file.

The text is parsed with :mod:`ast` and only a whitelist of node kinds is turned into condition
nodes (:mod:`smarketing.conditions._tree`); nothing in it is ever executed. Anything outside the
grammar is a :class:`~smarketing.ConfigError` naming the offending piece. Writing the text form is
each node's ``str()``; ``parse_condition(str(c)) == c`` for every condition.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable
from typing import Final

from smarketing.conditions._limits import (
    MAX_DEPTH,
    MAX_INT,
    MAX_SET_SIZE,
    MAX_STRING_LENGTH,
    MAX_TEXT_LENGTH,
)
from smarketing.conditions._tree import (
    _ALWAYS,
    _FLIPPED,
    _NEVER,
    Between,
    Compare,
    Condition,
    Contains,
    ContainsAny,
    Exists,
    IsIn,
    Matches,
    Missing,
    Not,
    Scalar,
    _check_name,
    all_of,
    any_of,
)
from smarketing.errors import ConfigError, ValidationError

__all__ = ["parse_condition"]


# --- the text form --------------------------------------------------------------------------

_CMP_NODES: Final[dict[type, str]] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


class _Parser:
    """Turns a whitelisted subset of Python expression syntax into conditions."""

    def __init__(self, text: str, source: str | None) -> None:
        self.text = text
        self.source = source
        #: The text handed to ``ast``: backquoted names replaced by placeholder identifiers.
        self.code = text
        self.quoted: dict[str, str] = {}

    def fail(
        self, node: ast.AST | None, problem: str, *, expected: str | None = None
    ) -> ConfigError:
        piece = ast.get_source_segment(self.code, node) if node is not None else None
        if piece is not None:
            for placeholder, name in self.quoted.items():
                piece = piece.replace(placeholder, f"`{name}`")
        where = f" in {self.source}" if self.source else ""
        at = f" {piece!r}" if piece else ""
        text = self.text if len(self.text) <= 120 else self.text[:117] + "..."
        if piece and len(piece) > 80:
            at = f" {piece[:77]!r}..."
        msg = f"condition {text!r}{where}: {problem}{at and ':'}{at}."
        return ConfigError(msg, source=self.source, piece=piece or self.text, expected=expected)

    def reword(self, node: ast.AST | None, exc: ValidationError) -> ConfigError:
        """A node's own error as the condition's: the text and the piece at fault added, what
        was expected kept; raise it ``from exc`` (the node's error, with its value)."""
        return self.fail(node, str(exc).rstrip("."), expected=exc.expected)

    def parse(self) -> Condition:
        text: object = self.text
        if not isinstance(text, str):
            msg = f"a condition must be text (got {text!r})."
            raise ConfigError(msg, source=self.source, piece=self.text)
        if len(self.text) > MAX_TEXT_LENGTH:
            msg = (
                f"condition text is {len(self.text)} characters long; "
                f"at most {MAX_TEXT_LENGTH} are accepted."
            )
            raise ConfigError(msg, source=self.source, piece=self.text[:80])
        if not self.text.strip():
            raise self.fail(None, "is empty; write always() for a condition that always holds")
        self.text = self.text.strip()
        self.code = self.unquote(self.text)
        try:
            with warnings.catch_warnings():
                # '\.' in a regex is what people write; Python would warn about the escape.
                warnings.simplefilter("ignore", category=SyntaxWarning)
                warnings.simplefilter("ignore", category=DeprecationWarning)
                tree = ast.parse(self.code, mode="eval")
        except SyntaxError as exc:
            col = f" at column {exc.offset}" if exc.offset else ""
            raise self.fail(None, f"is not valid syntax{col} ({exc.msg})") from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise self.fail(None, f"cannot be read ({type(exc).__name__})") from None
        try:
            return self.condition(tree.body, 0)
        except RecursionError:
            raise self.fail(None, "is nested too deeply") from None

    def condition(self, node: ast.expr, depth: int) -> Condition:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"is nested more than {MAX_DEPTH} levels deep")
        try:
            return self.node(node, depth)
        except ValidationError as exc:  # a limit of the built condition (its depth, its text)
            raise self.reword(node, exc) from exc

    def node(self, node: ast.expr, depth: int) -> Condition:
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(v, depth + 1) for v in node.values]
            return all_of(*parts) if isinstance(node.op, ast.And) else any_of(*parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self.condition(node.operand, depth + 1))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Name):
            raise self.fail(
                node, "a fact name alone is not a condition; compare it or use exists()"
            )
        raise self.fail(node, f"{self.describe(node)} is not allowed in a condition")

    def unquote(self, text: str) -> str:
        """``text`` with each backquoted name (`` `Lead Source` ``) outside string literals
        replaced by a placeholder identifier that :meth:`name` maps back.

        Outside strings and backquotes the text must be ASCII: Python folds look-alike letters
        (NFKC: a full-width x would be read as 'x'), and a fact name is read exactly as written.
        """
        if "`" not in text and text.isascii():
            return text
        prefix = "_bq"
        while prefix in text:
            prefix += "_"
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c in "'\"":
                end = _string_end(text, i)
                out.append(text[i:end])
                i = end
            elif c == "`":
                close = text.find("`", i + 1)
                if close < 0:
                    raise self.fail(None, f"the backquote at column {i + 1} is never closed")
                name = text[i + 1 : close]
                before = text[i - 1] if i else " "
                after = text[close + 1] if close + 1 < n else " "
                if _joins(before) or _joins(after):
                    problem = (
                        f"the backquoted name at column {i + 1} touches "
                        f"{(before if _joins(before) else after)!r}: a backquoted name stands "
                        "on its own, apart from other names"
                    )
                    raise self.fail(None, problem)
                try:
                    _check_name(name, "backquoted name")
                except ValidationError as exc:
                    raise self.reword(None, exc) from exc
                placeholder = f"{prefix}{len(self.quoted)}"
                self.quoted[placeholder] = name
                out.append(placeholder)
                i = close + 1
            elif not c.isascii():
                problem = f"{c!r} at column {i + 1}: a name beyond ASCII goes in backquotes"
                raise self.fail(None, problem)
            else:
                out.append(c)
                i += 1
        return "".join(out)

    def describe(self, node: ast.AST) -> str:
        """What ``node`` is, for an error; a backquoted name as written, not its placeholder."""
        if isinstance(node, ast.Name) and node.id in self.quoted:
            return f"the name {self.quoted[node.id]!r}"
        return _describe(node)

    def name(self, node: ast.expr) -> str:
        if not isinstance(node, ast.Name):
            raise self.fail(node, f"expected a fact name, found {self.describe(node)}")
        quoted = self.quoted.get(node.id)
        if quoted is not None:
            return quoted
        if node.id.startswith("__"):
            raise self.fail(node, "names starting with '__' are not allowed")
        try:
            return _check_name(node.id, "name")
        except ValidationError as exc:
            raise self.reword(node, exc) from exc

    def literal(self, node: ast.expr) -> Scalar:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            number = self.literal(node.operand)
            if not isinstance(number, int | float) or isinstance(number, bool):
                raise self.fail(node, "a sign goes only before a number")
            return -number if isinstance(node.op, ast.USub) else number
        if not isinstance(node, ast.Constant):
            raise self.fail(node, f"expected a literal value, found {self.describe(node)}")
        value: object = node.value
        if isinstance(value, str):
            if len(value) > MAX_STRING_LENGTH:
                raise self.fail(None, f"a string longer than {MAX_STRING_LENGTH} characters")
            return value
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                raise self.fail(None, f"a number larger than {MAX_INT}")
            return value
        if isinstance(value, float) and math.isfinite(value) and abs(value) <= MAX_INT:
            return value
        raise self.fail(node, "expected a string, a finite number, True or False")

    def literals(self, node: ast.expr) -> list[Scalar]:
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            raise self.fail(
                node, f"expected a list of values in (...), found {self.describe(node)}"
            )
        if len(node.elts) > MAX_SET_SIZE:
            raise self.fail(None, f"a list of more than {MAX_SET_SIZE} values")
        return [self.literal(e) for e in node.elts]

    def compare(self, node: ast.Compare) -> Condition:
        operands = [node.left, *node.comparators]
        parts: list[Condition] = []
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            parts.append(self.comparison(node, op, left, right))
        return all_of(*parts)

    def comparison(
        self, node: ast.expr, op: ast.cmpop, left: ast.expr, right: ast.expr
    ) -> Condition:
        if isinstance(op, ast.In | ast.NotIn):
            test = IsIn(self.name(left), self.literals(right))
            return test if isinstance(op, ast.In) else Not(test)
        symbol = _CMP_NODES.get(type(op))
        if symbol is None:
            raise self.fail(node, f"the operator {type(op).__name__} is not allowed")
        if isinstance(left, ast.Name):
            return Compare(self.name(left), symbol, self.literal(right))
        if isinstance(right, ast.Name):
            return Compare(self.name(right), _FLIPPED[symbol], self.literal(left))
        raise self.fail(node, "a comparison needs a fact name on one side")

    def call(self, node: ast.Call) -> Condition:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, f"{self.describe(node.func)} cannot be called")
        fn = node.func.id
        spec = _PREDICATES.get(fn)
        if spec is None:
            known = ", ".join(sorted(_PREDICATES))
            raise self.fail(node.func, f"unknown predicate; the predicates are {known}")
        if node.keywords:
            raise self.fail(node, f"{fn}() takes no keyword arguments")
        arity, build = spec
        if len(node.args) != arity:
            raise self.fail(node, f"{fn}() takes {arity} argument{'s' * (arity != 1)}")
        try:
            return build(self, node.args)
        except ValidationError as exc:
            raise self.reword(node, exc) from exc


def _joins(c: str) -> bool:
    """Whether ``c`` would join a backquoted name to what stands beside it."""
    return c == "`" or c == "_" or c.isalnum()


def _string_end(text: str, start: int) -> int:
    """The index just past the string literal that opens at ``start`` (or the text's end)."""
    quote = text[start]
    delimiter = quote * 3 if text.startswith(quote * 3, start) else quote
    i = start + len(delimiter)
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(delimiter, i):
            return i + len(delimiter)
        else:
            i += 1
    return len(text)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access",
        ast.Subscript: "indexing",
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.BinOp: "arithmetic",
        ast.Call: "a call",
        ast.Dict: "a dict",
        ast.NamedExpr: "an assignment",
        ast.IfExp: "an if-expression",
        ast.JoinedStr: "an f-string",
        ast.Starred: "unpacking",
        ast.Await: "await",
    }
    if isinstance(node, ast.Constant):
        return f"the value {node.value!r}"
    if isinstance(node, ast.Name):
        return f"the name {node.id!r}"
    return names.get(type(node), type(node).__name__)


_Build = Callable[[_Parser, list[ast.expr]], Condition]
_PREDICATES: Final[dict[str, tuple[int, _Build]]] = {
    "always": (0, lambda p, a: _ALWAYS),
    "never": (0, lambda p, a: _NEVER),
    "exists": (1, lambda p, a: Exists(p.name(a[0]))),
    "missing": (1, lambda p, a: Missing(p.name(a[0]))),
    "contains": (2, lambda p, a: Contains(p.name(a[0]), p.literal(a[1]))),  # type: ignore[arg-type]
    "contains_any": (2, lambda p, a: ContainsAny(p.name(a[0]), p.literals(a[1]))),  # type: ignore[arg-type]
    "matches": (2, lambda p, a: Matches(p.name(a[0]), p.literal(a[1]))),  # type: ignore[arg-type]
    "between": (3, lambda p, a: Between(p.name(a[0]), p.literal(a[1]), p.literal(a[2]))),
}


def parse_condition(text: str, *, source: str | None = None) -> Condition:
    """Read a condition from its text form.

    The text is parsed, never executed: comparisons, ``in``/``not in``, ``and``, ``or``,
    ``not``, parentheses and the predicates ``exists``, ``missing``, ``contains``,
    ``contains_any``, ``matches``, ``between``, ``always`` and ``never``. Anything else is a
    :class:`~smarketing.ConfigError` naming the offending piece; ``source`` (a file name, a key
    path) is named in the message.

    >>> import smarketing as sm
    >>> sm.parse_condition("company_size >= 50 and contains(job_title, 'vp')")
    parse_condition("company_size >= 50 and contains(job_title, 'vp')")
    """
    return _Parser(text, source).parse()
