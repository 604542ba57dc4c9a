"""`python -m bench.web_budget`: the JavaScript each route of the built web app loads
before it can draw (gzipped), against the budget.

    .venv/bin/python -m devstack.web_build && .venv/bin/python -m bench.web_budget

A route's initial JavaScript is the entry chunk with its static imports, plus the
route's lazily loaded page chunk with its static imports (read from Vite's manifest).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
BUDGET_KB = 250.0
ROUTES = {
    "sign-in": None,
    "customer: my requests": "src/pages/customer/MyRequestsPage.tsx",
    "customer: new request": "src/pages/customer/NewRequestPage.tsx",
    "customer: a request": "src/pages/customer/RequestPage.tsx",
    "manager: queue": "src/pages/manager/QueuePage.tsx",
    "executor: jobs": "src/pages/executor/JobsPage.tsx",
    "security": "src/pages/security/SecurityPage.tsx",
    "hr: payouts": "src/pages/hr/PayoutsPage.tsx",
    "admin: users": "src/pages/admin/UsersPage.tsx",
}
# Only these routes are held to the budget; the staff desks load once a day.
BUDGETED = {"sign-in", "customer: my requests", "customer: new request", "customer: a request"}


def closure(manifest: dict[str, Any], key: str, seen: set[str]) -> set[str]:
    if key in seen:
        return seen
    seen.add(key)
    for imported in manifest[key].get("imports", []):
        closure(manifest, imported, seen)
    return seen


def gzipped_kb(files: set[str]) -> float:
    return sum(len(gzip.compress((DIST / f).read_bytes(), 9)) for f in files) / 1024


def main() -> int:
    manifest: dict[str, Any] = json.loads((DIST / ".vite" / "manifest.json").read_text())
    entry = closure(manifest, "index.html", set())
    failed = False
    print(f"{'route':<24} {'initial JS (gzip)':>18}  budget {BUDGET_KB:.0f} KB")
    for route, page in ROUTES.items():
        keys = entry | (closure(manifest, page, set()) if page else set())
        kb = gzipped_kb({manifest[k]["file"] for k in keys})
        over = route in BUDGETED and kb > BUDGET_KB
        failed |= over
        mark = "OVER" if over else ("ok" if route in BUDGETED else "-")
        print(f"{route:<24} {kb:>15.1f} KB  {mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
