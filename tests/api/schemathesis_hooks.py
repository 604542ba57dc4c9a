"""Schemathesis hooks for the contract run (loaded by the CLI via SCHEMATHESIS_HOOKS).

Every generated call is made by one of several real accounts (a customer, an executor,
a manager, an admin): every other call by the account that normally makes it, the rest
by each account in turn. Tokens are
fetched by signing in through the API under test; a 401 (a fuzzed /auth/logout revokes
the token it was sent with) makes Schemathesis drop the cached token and sign in again.

The accounts come from the test in the environment, as JSON:
SRA_CONTRACT_IDENTITIES = {"base_url": ..., "client_ip": ..., "accounts": [{"name", "email",
"password"}, ...]}.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from typing import Any

import requests
import schemathesis

_CONFIG: dict[str, Any] = json.loads(os.environ.get("SRA_CONTRACT_IDENTITIES", "{}"))
_ACCOUNTS: list[dict[str, str]] = _CONFIG.get("accounts", [])
_BY_ROLE = {account["name"]: index for index, account in enumerate(_ACCOUNTS)}
# Who normally makes a call: every other call goes to them, so linked scenarios get
# past the role checks and reach the logic; the calls in between rotate through every
# account, so the refusals are exercised too.
_OWNER_BY_SUFFIX = (
    ("/assign", "manager"),
    ("/resolve", "manager"),
    ("/accept", "executor"),
    ("/decline", "executor"),
    ("/start", "executor"),
    ("/complete", "executor"),
    ("/confirm", "customer"),
    ("/dispute", "customer"),
    ("/cancel", "customer"),
)
_OWNER_BY_PREFIX = (
    ("/requests", "customer"),
    ("/executors/me", "executor"),
    ("/executors", "manager"),
    ("/users", "admin"),
    ("/verifications", "admin"),
    ("/payouts", "admin"),
)
_turns = itertools.count()
_chosen: dict[str, int] = {}
_lock = threading.Lock()


def _owner(path: str) -> int | None:
    for suffix, role in _OWNER_BY_SUFFIX:
        if path.endswith(suffix):
            return _BY_ROLE.get(role)
    for prefix, role in _OWNER_BY_PREFIX:
        if path.startswith(prefix):
            return _BY_ROLE.get(role)
    return None


def _identity_of(case: schemathesis.Case[Any], _context: schemathesis.AuthContext) -> int:
    """The account that makes this call, fixed per case."""
    with _lock:
        if case.id not in _chosen:
            turn = next(_turns)
            owner = _owner(case.operation.path)
            rotating = (turn // 2) % max(len(_ACCOUNTS), 1)
            _chosen[case.id] = owner if owner is not None and turn % 2 == 0 else rotating
        return _chosen[case.id]


@schemathesis.auth(cache_by_key=_identity_of)
class RotatingAccounts:
    def get(self, case: schemathesis.Case[Any], context: schemathesis.AuthContext) -> str:
        account = _ACCOUNTS[_identity_of(case, context)]
        response = requests.post(
            f"{_CONFIG['base_url']}/auth/token",
            data={"username": account["email"], "password": account["password"]},
            # The in-process server trusts this header, so the run's sign-ins are
            # counted against its own address, not against 127.0.0.1 shared by every run.
            headers={"X-Forwarded-For": _CONFIG["client_ip"]},
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def set(
        self, case: schemathesis.Case[Any], data: str, context: schemathesis.AuthContext
    ) -> None:
        case.headers["Authorization"] = f"Bearer {data}"
