"""The authorization matrix: every endpoint × every role, allowed and denied.

Denials are checked to change nothing and to leave an audit entry."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from store.models import AuditEntry
from tests.helpers.api_client import SignedIn, User

ROLES = [
    "anon",
    "owner",
    "stranger",
    "assignee",
    "other_exec",
    "manager",
    "head",
    "admin",
    "hr",
    "security",
]
STAFF = {"manager", "head", "admin"}
HIDDEN = {"stranger", "other_exec", "security"}  # may not see someone else's request

BODY = {"category": "plumbing", "description": "Не работает розетка", "address": "Казань, 1"}
# The steps that bring a new request to each state: (who, action, body).
PATH_TO: dict[str, list[tuple[str, str, Any]]] = {
    "new": [],
    "assigned": [("manager", "assign", "executor")],
    "accepted": [("manager", "assign", "executor"), ("assignee", "accept", None)],
    "in_progress": [
        ("manager", "assign", "executor"),
        ("assignee", "accept", None),
        ("assignee", "start", None),
    ],
    "completed": [
        ("manager", "assign", "executor"),
        ("assignee", "accept", None),
        ("assignee", "start", None),
        ("assignee", "complete", {"report": "done"}),
    ],
}
PATH_TO["disputed"] = [*PATH_TO["completed"], ("owner", "dispute", {"reason": "bad"})]


def expect(ok: set[str], state: str) -> dict[str, int]:
    """Allowed roles get 200; other roles that can see the request 403; the rest 404."""
    # Before assignment there is no assignee: that executor cannot see the request either.
    hidden = HIDDEN | {"assignee"} if state == "new" else HIDDEN
    return {
        role: 401 if role == "anon" else 200 if role in ok else 404 if role in hidden else 403
        for role in ROLES
    }


# action: (from-state, body, roles allowed)
ACTIONS: dict[str, tuple[str, Any, set[str]]] = {
    "assign": ("new", "executor", STAFF),
    "accept": ("assigned", None, {"assignee"}),
    "decline": ("assigned", {"reason": "busy"}, {"assignee"}),
    "start": ("accepted", None, {"assignee"}),
    "complete": ("in_progress", {"report": "fixed"}, {"assignee"}),
    "confirm": ("completed", None, {"owner"}),
    "dispute": ("completed", {"reason": "no"}, {"owner"}),
    "resolve": ("disputed", {"outcome": "rework"}, STAFF),
    "cancel": ("assigned", {"reason": "changed plans"}, {"owner", *STAFF}),
}


@pytest.fixture
async def cast(signed_in: SignedIn) -> dict[str, User | None]:
    roles = {
        "owner": Role.CUSTOMER,
        "stranger": Role.CUSTOMER,
        "assignee": Role.EXECUTOR,
        "other_exec": Role.EXECUTOR,
        "manager": Role.MANAGER,
        "head": Role.HEAD_MANAGER,
        "admin": Role.ADMIN,
        "hr": Role.HR,
        "security": Role.SECURITY,
    }
    people: dict[str, User | None] = {"anon": None}
    for name, role in roles.items():
        people[name] = (
            await signed_in(role, skills=["plumbing"])
            if role == Role.EXECUTOR
            else await signed_in(role)
        )
    return people


def headers(who: User | None) -> dict[str, str]:
    return who.headers if who else {}


def body_for(spec: Any, cast: dict[str, User | None]) -> Any:
    if spec == "executor":
        assignee = cast["assignee"]
        assert assignee is not None
        return {"executor_id": assignee.id}
    return spec


async def request_in(client: httpx.AsyncClient, cast: dict[str, User | None], state: str) -> str:
    owner = cast["owner"]
    assert owner is not None
    created = await client.post(
        "/requests", json=BODY, headers=owner.headers | {"Idempotency-Key": str(uuid.uuid4())}
    )
    rid = str(created.json()["id"])
    for who, action, body in PATH_TO[state]:
        step = await client.post(
            f"/requests/{rid}/{action}", json=body_for(body, cast), headers=headers(cast[who])
        )
        assert step.status_code == 200, (action, step.text)
    return rid


async def denials(sessions: async_sessionmaker[AsyncSession], actor_id: str) -> int:
    async with sessions() as session:
        return int(
            (
                await session.execute(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.actor_id == actor_id, AuditEntry.outcome == "denied")
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("action", ACTIONS)
async def test_action_matrix(
    action: str,
    client: httpx.AsyncClient,
    cast: dict[str, User | None],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    state, body, allowed = ACTIONS[action]
    expected = expect(allowed, state)
    shared = await request_in(client, cast, state)
    owner = cast["owner"]
    assert owner is not None
    before = (await client.get(f"/requests/{shared}", headers=owner.headers)).json()
    seen: dict[str, int] = {}
    for role in ROLES:
        who = cast[role]
        rid = await request_in(client, cast, state) if expected[role] == 200 else shared
        audited_before = await denials(sessions, who.id) if who else 0
        response = await client.post(
            f"/requests/{rid}/{action}", json=body_for(body, cast), headers=headers(who)
        )
        seen[role] = response.status_code
        if response.status_code in (403, 404):
            assert who is not None
            assert await denials(sessions, who.id) == audited_before + 1, role
            assert response.headers["content-type"] == "application/problem+json"
    assert seen == expected
    after = (await client.get(f"/requests/{shared}", headers=owner.headers)).json()
    assert after == before  # no denial moved it


async def test_read_matrix(client: httpx.AsyncClient, cast: dict[str, User | None]) -> None:
    rid = await request_in(client, cast, "assigned")
    readers = {"owner", "assignee", "hr", *STAFF}
    for path in (f"/requests/{rid}", f"/requests/{rid}/history", f"/requests/{rid}/attachments"):
        seen = {
            role: (await client.get(path, headers=headers(cast[role]))).status_code
            for role in ROLES
        }
        assert seen == {
            role: 401 if role == "anon" else 200 if role in readers else 404 for role in ROLES
        }, path
    listing = {
        role: (await client.get("/requests", headers=headers(cast[role]))).status_code
        for role in ROLES
    }
    assert listing == {
        role: 401 if role == "anon" else 403 if role == "security" else 200 for role in ROLES
    }
    owner, assignee = cast["owner"], cast["assignee"]
    assert owner is not None
    assert assignee is not None
    for role, expected in (
        ("owner", {rid}),
        ("assignee", {rid}),
        ("stranger", set()),
        ("other_exec", set()),
    ):
        page = (
            await client.get("/requests", params={"limit": 200}, headers=headers(cast[role]))
        ).json()
        assert {r["id"] for r in page["items"]} & {rid} == expected, role


async def test_create_matrix(client: httpx.AsyncClient, cast: dict[str, User | None]) -> None:
    seen = {}
    for role in ROLES:
        response = await client.post(
            "/requests",
            json=BODY,
            headers=headers(cast[role]) | {"Idempotency-Key": str(uuid.uuid4())},
        )
        seen[role] = response.status_code
    assert seen == {
        role: 401 if role == "anon" else 201 if role in ("owner", "stranger") else 403
        for role in ROLES
    }


async def test_executor_and_user_admin_matrix(
    client: httpx.AsyncClient, cast: dict[str, User | None]
) -> None:
    assignee = cast["assignee"]
    assert assignee is not None
    staff_and_security = {*STAFF, "security"}

    def status_of(role: str, allowed: set[str], denied: int) -> int:
        return 401 if role == "anon" else 200 if role in allowed else denied

    checks: list[tuple[str, str, Any, set[str], int, int]] = [
        ("GET", "/executors", None, staff_and_security, 403, 200),
        ("GET", f"/executors/{assignee.id}", None, {*staff_and_security, "assignee"}, 404, 200),
        ("GET", "/users", None, {"admin"}, 403, 200),
        ("GET", f"/users/{assignee.id}", None, {"admin"}, 403, 200),
        ("PATCH", f"/users/{assignee.id}", {"service_area": "Kazan"}, {"admin"}, 403, 200),
        ("GET", "/auth/me", None, set(ROLES), 401, 200),
        ("PATCH", "/auth/me", {"locale": "ru"}, set(ROLES), 401, 200),
        ("POST", "/executors/me/telegram-link", None, {"assignee", "other_exec"}, 403, 201),
        ("DELETE", "/executors/me/telegram-link", None, {"assignee", "other_exec"}, 403, 204),
    ]
    for method, path, body, allowed, denied, ok in checks:
        seen = {
            role: (
                await client.request(method, path, json=body, headers=headers(cast[role]))
            ).status_code
            for role in ROLES
        }
        assert seen == {
            r: ok if status_of(r, allowed, denied) == 200 else status_of(r, allowed, denied)
            for r in ROLES
        }, path

    created = {}
    for role in ROLES:
        response = await client.post(
            "/users",
            headers=headers(cast[role]),
            json={
                "email": f"staff-{uuid.uuid4().hex[:8]}@example.com",
                "password": "long-enough-pw",
                "full_name": "New Staff",
                "role": "manager",
            },
        )
        created[role] = response.status_code
    assert created == {r: 401 if r == "anon" else 201 if r == "admin" else 403 for r in ROLES}
