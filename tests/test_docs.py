"""Every code example in the docs, the README and the docstrings runs, and says what it shows.

```python blocks are executed in order, one namespace per page; ```pycon blocks and
docstring examples are doctests, so their printed output is checked too.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import smarketing

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
BLOCK = re.compile(r"^```(python|pycon)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def blocks(page: Path) -> list[tuple[str, str, int]]:
    text = page.read_text(encoding="utf-8")
    return [
        (m.group(1), m.group(2), text.count("\n", 0, m.start()) + 2) for m in BLOCK.finditer(text)
    ]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_examples_run(page: Path) -> None:
    """Each page's examples run top to bottom in one namespace."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for kind, code, line in blocks(page):
        where = f"{page.relative_to(ROOT)}:{line}"
        if kind == "python":
            exec(compile(code, where, "exec"), namespace)
        else:
            test = doctest.DocTestParser().get_doctest(code, namespace, where, where, line)
            runner = doctest.DocTestRunner(optionflags=FLAGS)
            runner.run(test, clear_globs=False)
            assert runner.failures == 0, f"doctest failed at {where}"
            namespace.update(test.globs)  # later blocks see what this one defined


def test_docs_have_examples() -> None:
    """The docs exist and carry examples (an empty docs folder would pass the test above)."""
    assert sum(len(blocks(p)) for p in PAGES) >= 10


MODULES = sorted(m.name for m in pkgutil.walk_packages(smarketing.__path__, "smarketing."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    """Docstring examples of every module are doctests."""
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(module):
        runner.run(test)
    assert runner.failures == 0
