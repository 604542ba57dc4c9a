"""Test modules share code only through tests/helpers/: a test module imported by another
ties an unrelated test to its names and its module-level setup. Fixtures come from
conftest.py files, which pytest loads without an import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.settings import REPO_ROOT

pytestmark = pytest.mark.fast  # pure: no service of the stack (make test-fast)

TESTS = REPO_ROOT / "tests"
SHARED = "tests.helpers"


def _module_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path, root: Path = REPO_ROOT) -> list[str]:
    """Every module or name this file imports, relative imports resolved: a name imported
    from a module counts as `module.name`, so `from tests import x` is `tests.x`."""
    package = _module_of(path if path.name == "__init__.py" else path.parent, root)
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
            found += [f"{base}.{alias.name}" for alias in node.names]
    return found


def _breaches() -> dict[str, list[str]]:
    breaches: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        outside = [
            name
            for name in _imported(path)
            if name.split(".")[0] == "tests" and not (name + ".").startswith(SHARED + ".")
        ]
        if outside:
            breaches[str(path.relative_to(REPO_ROOT))] = outside
    return breaches


def test_test_modules_import_only_the_shared_helpers() -> None:
    assert _breaches() == {}


def test_the_rule_is_not_vacuous() -> None:
    # The walk sees the imports the test modules make of the helpers.
    assert any(
        name.startswith(SHARED + ".")
        for path in TESTS.rglob("test_*.py")
        for name in _imported(path)
    )


@pytest.mark.parametrize(
    ("source", "imported"),
    [
        ("from tests.api.test_requests import BODY", "tests.api.test_requests.BODY"),
        ("from .test_requests import BODY", "tests.api.test_requests.BODY"),
        ("from . import test_requests", "tests.api.test_requests"),
        ("from ..people import Person", "tests.people.Person"),
        ("import tests.api.test_requests", "tests.api.test_requests"),
        ("from tests import people", "tests.people"),
        ("from tests.helpers.people import Person", "tests.helpers.people.Person"),
    ],
)
def test_every_form_of_import_is_seen(tmp_path: Path, source: str, imported: str) -> None:
    path = tmp_path / "tests" / "api" / "test_x.py"
    path.parent.mkdir(parents=True)
    path.write_text(source + "\n")
    assert _imported(path, tmp_path) == [imported]
