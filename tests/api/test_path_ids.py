"""Ids in the paths of the executor, verification, user and document endpoints: any
spelling of a UUID works, anything else is a 422 problem, and a refused caller is
audited whatever they typed."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from store import audit
from store.models import AuditEntry, OutboxEvent
from tests.helpers.api_client import SignedIn

LONG_ID = "a" * 70  # longer than the audit log's target column


async def denials(
    sessions: async_sessionmaker[AsyncSession], actor_id: str, action: str
) -> list[AuditEntry]:
    """The actor's refusals (access.denied), without the access-trail lines that a
    refusal on personal data adds."""
    async with sessions() as session:
        found = await session.execute(
            select(AuditEntry)
            .join(OutboxEvent, OutboxEvent.event_id == AuditEntry.event_id)
            .where(
                AuditEntry.actor_id == actor_id,
                AuditEntry.action == action,
                AuditEntry.outcome == "denied",
                OutboxEvent.type == "access.denied",
            )
            .order_by(AuditEntry.id)
        )
        return list(found.scalars())


def is_problem(response: httpx.Response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == (
        "application/problem+json"
    )


async def test_a_long_id_is_refused_and_the_refusal_audited(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    officer = await signed_in(Role.SECURITY)
    path = f"/executors/{LONG_ID}/verification"

    read = await client.get(path, headers=customer.headers)
    assert is_problem(read, 403), read.text
    [row] = await denials(sessions, customer.id, "verification.read")
    assert len(row.target_id) <= 64
    assert row.target_id.startswith("aaaa")

    decided = await client.post(
        f"{path}/decision", json={"approved": True}, headers=manager.headers
    )
    assert is_problem(decided, 403), decided.text
    assert len(await denials(sessions, manager.id, "verification.decide")) == 1

    # Someone who may look gets told the id is malformed, not that it does not exist.
    assert is_problem(await client.get(path, headers=officer.headers), 422)
    assert is_problem(
        await client.post(f"{path}/decision", json={"approved": True}, headers=officer.headers),
        422,
    )
    assert is_problem(await client.get(f"/executors/{LONG_ID}", headers=manager.headers), 422)


async def test_long_or_malformed_ids_on_users_and_documents_are_422(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin, hr, customer = (
        await signed_in(Role.ADMIN),
        await signed_in(Role.HR),
        await signed_in(Role.CUSTOMER),
    )
    for method, path, body in (
        ("GET", f"/users/{LONG_ID}", None),
        ("PATCH", f"/users/{LONG_ID}", {"service_area": "Kazan"}),
        ("GET", "/users/not-a-uuid", None),
    ):
        response = await client.request(method, path, json=body, headers=admin.headers)
        assert is_problem(response, 422), (method, path, response.text)
    # A non-admin is refused (and audited) before the id is even looked at.
    refused = await client.get(f"/users/{LONG_ID}", headers=customer.headers)
    assert is_problem(refused, 403)
    assert len(await denials(sessions, customer.id, "user.admin")) == 1

    for path in (
        f"/requests/{LONG_ID}/documents",
        f"/requests/{LONG_ID}/documents/{LONG_ID}",
        "/requests/00000000-0000-0000-0000-000000000000/documents/not-a-uuid",
    ):
        assert is_problem(await client.get(path, headers=hr.headers), 422), path


async def test_uppercase_ids_name_the_same_executor(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    executor = await signed_in(Role.EXECUTOR, verified=False)
    officer, manager = await signed_in(Role.SECURITY), await signed_in(Role.MANAGER)
    upper = executor.id.upper()

    own = await client.get(f"/executors/{upper}/verification", headers=executor.headers)
    assert own.status_code == 200, own.text
    assert own.json()["executor_id"] == executor.id
    seen = await client.get(f"/executors/{upper}/verification", headers=officer.headers)
    assert (seen.status_code, seen.json()["executor_id"]) == (200, executor.id)
    profile = await client.get(f"/executors/{upper}", headers=executor.headers)
    assert (profile.status_code, profile.json()["id"]) == (200, executor.id)
    by_manager = await client.get(f"/executors/{upper}", headers=manager.headers)
    assert (by_manager.status_code, by_manager.json()["id"]) == (200, executor.id)
    # Nothing submitted yet: the decision is refused for the state, not for the spelling.
    nothing = await client.post(
        f"/executors/{upper}/verification/decision",
        json={"approved": True},
        headers=officer.headers,
    )
    assert is_problem(nothing, 409)


async def test_uppercase_ids_work_for_users(client: httpx.AsyncClient, signed_in: SignedIn) -> None:
    admin, executor = await signed_in(Role.ADMIN), await signed_in(Role.EXECUTOR)
    got = await client.get(f"/users/{executor.id.upper()}", headers=admin.headers)
    assert (got.status_code, got.json()["id"]) == (200, executor.id)
    changed = await client.patch(
        f"/users/{executor.id.upper()}", json={"service_area": "Kazan"}, headers=admin.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["executor"]["service_area"] == "Kazan"


async def test_a_refusal_on_an_odd_spelling_is_audited_under_the_canonical_id(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    nosy, other = await signed_in(Role.EXECUTOR), await signed_in(Role.EXECUTOR)
    for spelling in (other.id.upper(), other.id.replace("-", ""), f"{{{other.id}}}"):
        refused = await client.get(f"/executors/{spelling}/verification", headers=nosy.headers)
        assert is_problem(refused, 403), (spelling, refused.text)
    rows = await denials(sessions, nosy.id, "verification.read")
    assert [row.target_id for row in rows] == [other.id] * 3


def test_values_too_long_for_the_audit_log_are_cut_but_stay_distinct() -> None:
    first, second = audit.fit("a" * 70 + "1", 64), audit.fit("a" * 70 + "2", 64)
    assert len(first) == len(second) == 64
    assert first != second
    assert audit.fit("short", 64) == "short"
