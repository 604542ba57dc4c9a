"""The dependency rules of docs/architecture.md, checked on every import of the packages:
a new edge between layers fails here until the document and this table agree to it."""

from __future__ import annotations

import ast

import pytest

from core.settings import REPO_ROOT

pytestmark = pytest.mark.fast  # pure: no service of the stack (make test-fast)

# Each package and the packages of ours it may import (docs/architecture.md, "Layers").
ALLOWED: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "paperwork": frozenset(),
    "core": frozenset({"domain"}),
    "integrations": frozenset({"core"}),
    "notifications": frozenset({"core", "domain"}),
    "store": frozenset({"core", "domain"}),
    "workflows": frozenset({"domain", "activities"}),
    "activities": frozenset(
        {"core", "domain", "store", "integrations", "notifications", "paperwork"}
    ),
    "services": frozenset({"core", "domain", "store", "workflows"}),
    "analytics": frozenset({"core", "domain"}),
    "api": frozenset({"core", "domain", "store", "services", "workflows", "analytics"}),
    "bridges": frozenset({"core", "domain", "store", "services", "analytics"}),
}
OURS = frozenset(ALLOWED) | {"devstack", "worker", "bench", "tests"}


def _imported_packages(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in OURS and top != package:
                    found.setdefault(top, set()).add(str(path.relative_to(REPO_ROOT)))
    return found


def test_every_package_imports_only_the_layers_it_may() -> None:
    breaches = {
        f"{package} → {imported}": sorted(files)
        for package, allowed in ALLOWED.items()
        for imported, files in _imported_packages(package).items()
        if imported not in allowed
    }
    assert breaches == {}


def test_the_rules_are_not_vacuous() -> None:
    assert "domain" in _imported_packages("store")
    assert "activities" in _imported_packages("workflows")
