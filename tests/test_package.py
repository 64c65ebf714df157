"""The package as users meet it: its public names, its version, and the layering rules."""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import re
from pathlib import Path

import pytest

import smarketing as sm

#: DESIGN.md's module table: what each domain module may import from the package.
DOMAIN = {
    "errors": set(),
    "conditions": {"errors", "conditions"},  # the package's own parts: _tree, _parse, _compile
    "leads": {"errors"},
    "facts": {"errors", "conditions", "leads", "_titles"},
    "lifecycle": {"errors", "conditions", "leads", "facts"},
    "scoring": {"errors", "conditions", "leads", "facts"},
    "personas": {"errors", "conditions", "leads", "_titles", "facts"},
    "profiling": {
        "errors",
        "conditions",
        "leads",
        "facts",
        "personas",
        "scoring",
        "lifecycle",
        "_durations",
    },
    "funnel": {"errors", "leads", "lifecycle", "_calendar"},
    "attribution": {"errors", "leads", "lifecycle", "conditions"},
    "_titles": {"errors"},
    "_calendar": {"errors"},
    "_durations": {"errors"},
    "dataspec": {"errors"},
    "predictive": {"errors", "leads"},
}
# The shared checks and number/duration text (one of each): any domain module may use them.
DOMAIN["_format"] = set()
DOMAIN["_validate"] = {"errors", "_format"}
DOMAIN["feedback"] = {"errors", "leads", "funnel", "_calendar"}
# The one converter's generic part: every type gives it its shape, beside the type.
DOMAIN["_convert"] = {"errors", "_durations"}
DOMAIN["_assessment"] = {"personas", "predictive", "profiling", "scoring"}
# The facade may reach the file format, lazily, for Playbook.default/from_toml/from_dict.
DOMAIN["playbook"] = (set(DOMAIN) - {"playbook"}) | {"config"}
# A backtest replays recorded leads under playbooks: it may use every domain module.
DOMAIN["backtest"] = set(DOMAIN) - {"config"}
for _name in set(DOMAIN) - {"errors", "_format", "_validate"}:
    DOMAIN[_name] |= {"_validate", "_format"}
for _name in set(DOMAIN) - {"errors", "_format", "_validate", "_durations", "_convert"}:
    DOMAIN[_name] |= {"_convert"}
#: Standard-library modules that mean I/O, the clock or the environment.
IMPURE = {
    "os",
    "sys",
    "io",
    "pathlib",
    "time",
    "random",
    "socket",
    "subprocess",
    "logging",
    "tomllib",
    "csv",
    "json",
    "urllib",
    "http",
    "shutil",
    "tempfile",
}


def module_path(name: str) -> Path:
    spec = importlib.util.find_spec(f"smarketing.{name}")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin)


def module_files(name: str) -> list[Path]:
    """The module's file, or every file of a package."""
    path = module_path(name)
    return sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, except under ``if TYPE_CHECKING:`` (annotations only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def present_modules() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(sm.__path__) if m.name in DOMAIN]


class TestPublicAPI:
    def test_every_name_in_all_is_importable(self) -> None:
        """__all__ lists only names the package has."""
        missing = [n for n in sm.__all__ if not hasattr(sm, n)]
        assert missing == []

    def test_all_is_sorted_and_unique(self) -> None:
        """One explicit, tidy __all__."""
        assert len(set(sm.__all__)) == len(sm.__all__)

    def test_version_comes_from_the_package_metadata(self) -> None:
        """__version__ is the installed distribution's version."""
        from importlib.metadata import version

        assert sm.__version__ == version("smarketing")

    def test_the_package_is_typed(self) -> None:
        """py.typed ships with the package."""
        assert (module_path("errors").parent / "py.typed").exists()

    @pytest.mark.skipif(
        not os.environ.get("SMARKETING_EXPECT_INSTALLED"), reason="only under `make test`"
    )
    def test_tests_run_against_the_installed_package(self) -> None:
        """make test exercises the installed wheel, not the source tree."""
        assert "site-packages" in str(module_path("errors"))

    def test_errors_inherit_the_matching_builtins(self) -> None:
        """Users can catch ValueError for bad values."""
        assert issubclass(sm.ValidationError, ValueError)
        assert issubclass(sm.ConfigError, ValueError)
        assert issubclass(sm.GuardRejected, sm.TransitionError)
        for err in (sm.ValidationError, sm.ConfigError, sm.TransitionError):
            assert issubclass(err, sm.SmarketingError)


class TestLayering:
    @pytest.mark.parametrize("name", present_modules())
    def test_domain_modules_import_only_what_the_design_allows(self, name: str) -> None:
        """The module table of DESIGN.md holds: no domain module reaches an adapter."""
        own = {
            i.split(".", 1)[1].split(".")[0]
            for path in module_files(name)
            for i in imports_of(path)
            if i.startswith("smarketing.")
        } - {name}
        assert own <= DOMAIN[name], f"{name} imports {sorted(own - DOMAIN[name])}"

    @pytest.mark.parametrize("name", present_modules())
    def test_domain_modules_do_no_io_and_read_no_clock(self, name: str) -> None:
        """Pure core: no I/O modules, no datetime.now(), no environment."""
        for path in module_files(name):
            top = {i.split(".")[0] for i in imports_of(path)}
            assert not (top & IMPURE), f"{path.name} imports {sorted(top & IMPURE)}"
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"\.(now|utcnow|today)\(", text)


class TestTypingModule:
    def test_the_types_in_public_signatures_are_public(self) -> None:
        """smarketing.typing exports every alias the public signatures use, and only those."""
        import smarketing.typing as smt
        from smarketing import _durations, facts, leads, scoring

        assert smt.FactValue is leads.FactValue
        assert smt.Duration is _durations.Duration
        assert smt.FactsOrLead is facts.FactsOrLead
        assert smt.ContributionKind is scoring.ContributionKind
        assert all(hasattr(smt, name) for name in smt.__all__)

    def test_demoted_helpers_stay_importable_from_their_modules(self) -> None:
        """Out of the public API, still where they were for code that used them."""
        from smarketing import leads, personas, scoring

        demoted = {
            scoring: ("DEFAULT_GRADES", "LETTER_GRADES"),
            personas: ("DERIVED_FACTS", "derive_facts"),
            leads: ("check_aware", "group_by_lead"),
        }
        for module, names in demoted.items():
            for name in names:
                assert hasattr(module, name)
                assert name not in module.__all__
                assert name not in sm.__all__


def test_a_hanging_test_fails_instead_of_stalling_ci(pytestconfig: pytest.Config) -> None:
    """pytest-timeout is on with a generous bound: a hang (a regex, a loop) is a failure."""
    assert pytestconfig.pluginmanager.hasplugin("timeout")
    assert 0 < float(pytestconfig.getini("timeout")) <= 600
