"""Idempotency-Key on request actions: a repeat with the same key and body answers the
first result (even after the request moved on), the same key with another action or
body is a 422, and a repeat never makes a second transition or event."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from store.models import OutboxEvent, RequestTransition, ServiceRequest
from tests.helpers.api_client import BODY, SignedIn, User, create


@pytest.fixture
async def cast(signed_in: SignedIn) -> dict[str, User]:
    return {
        "customer": await signed_in(Role.CUSTOMER),
        "executor": await signed_in(Role.EXECUTOR, skills=["plumbing"]),
        "manager": await signed_in(Role.MANAGER),
    }


async def keyed(
    client: httpx.AsyncClient,
    who: User,
    rid: str,
    action: str,
    key: str,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    return await client.post(
        f"/requests/{rid}/{action}", json=body, headers=who.headers | {"Idempotency-Key": key}
    )


EVENT_OF = {"accept": "request.accepted"}


async def counts(
    sessions: async_sessionmaker[AsyncSession], rid: str, action: str
) -> tuple[int, int]:
    """Transitions recorded for `action`, and the outbox events it published."""
    async with sessions() as session:
        transitions = await session.scalar(
            select(func.count())
            .select_from(RequestTransition)
            .where(RequestTransition.request_id == uuid.UUID(rid))
            .where(RequestTransition.action == action)
        )
        events = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.aggregate_id == rid)
            .where(OutboxEvent.type == EVENT_OF[action])
        )
    return int(transitions or 0), int(events or 0)


async def assigned_request(client: httpx.AsyncClient, cast: dict[str, User]) -> str:
    rid: str = (await create(client, cast["customer"], BODY)).json()["id"]
    assigned = await keyed(
        client, cast["manager"], rid, "assign", "assign-0001", {"executor_id": cast["executor"].id}
    )
    assert assigned.status_code == 200, assigned.text
    return rid


async def test_accept_twice_with_one_key_answers_the_first_result(
    client: httpx.AsyncClient, cast: dict[str, User], sessions: async_sessionmaker[AsyncSession]
) -> None:
    rid = await assigned_request(client, cast)
    first = await keyed(client, cast["executor"], rid, "accept", "k-123456")
    second = await keyed(client, cast["executor"], rid, "accept", "k-123456")
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert first.json() == second.json()
    assert first.json()["state"] == "accepted"
    assert await counts(sessions, rid, "accept") == (1, 1)

    # Still the first result after the request moved on.
    started = await keyed(client, cast["executor"], rid, "start", "k-start-1")
    assert started.status_code == 200
    third = await keyed(client, cast["executor"], rid, "accept", "k-123456")
    assert (third.status_code, third.json()) == (200, first.json())
    assert await counts(sessions, rid, "accept") == (1, 1)

    # Without a key there is nothing to repeat: a plain second accept is refused.
    plain = await client.post(f"/requests/{rid}/accept", headers=cast["executor"].headers)
    assert plain.status_code == 409


async def test_concurrent_repeats_run_the_action_once(
    client: httpx.AsyncClient, cast: dict[str, User], sessions: async_sessionmaker[AsyncSession]
) -> None:
    rid = await assigned_request(client, cast)
    replies = await asyncio.gather(
        *(keyed(client, cast["executor"], rid, "accept", "k-concurrent") for _ in range(4))
    )
    assert {r.status_code for r in replies} == {200}
    assert len({r.text for r in replies}) == 1
    assert await counts(sessions, rid, "accept") == (1, 1)


async def test_same_key_for_another_action_or_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient, cast: dict[str, User], sessions: async_sessionmaker[AsyncSession]
) -> None:
    rid = await assigned_request(client, cast)
    executor = cast["executor"]
    accepted = await keyed(client, executor, rid, "accept", "k-reused-1")
    assert accepted.status_code == 200, accepted.text
    before = (await client.get(f"/requests/{rid}", headers=executor.headers)).json()

    other_action = await keyed(client, executor, rid, "start", "k-reused-1")
    assert other_action.status_code == 422, other_action.text
    assert other_action.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in other_action.json()["detail"]
    completed = await keyed(client, executor, rid, "start", "k-start-2")
    assert completed.status_code == 200
    report = await keyed(client, executor, rid, "complete", "k-report-1", {"report": "Готово"})
    assert report.status_code == 200
    other_body = await keyed(client, executor, rid, "complete", "k-report-1", {"report": "Иначе"})
    assert other_body.status_code == 422, other_body.text

    # The same body again is still the first result, and nothing ran twice.
    again = await keyed(client, executor, rid, "complete", "k-report-1", {"report": "Готово"})
    assert (again.status_code, again.json()) == (200, report.json())
    after = (await client.get(f"/requests/{rid}", headers=executor.headers)).json()
    assert (after["report"], after["version"]) == ("Готово", before["version"] + 2)
    assert await counts(sessions, rid, "accept") == (1, 1)


async def test_keys_of_different_actors_do_not_meet(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    """One actor's key is not another's: the customer reusing the manager's key string
    takes their own action instead of getting the manager's result."""
    rid = (await create(client, cast["customer"], BODY)).json()["id"]
    assigned = await keyed(
        client, cast["manager"], rid, "assign", "k-shared-01", {"executor_id": cast["executor"].id}
    )
    assert assigned.status_code == 200, assigned.text
    cancelled = await keyed(client, cast["customer"], rid, "cancel", "k-shared-01")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"


async def test_repeating_the_closing_confirm_answers_its_first_result(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    """The workflow ends soon after a confirm; a retried confirm still gets its answer."""
    rid = await assigned_request(client, cast)
    executor, customer = cast["executor"], cast["customer"]
    for action, body in (("accept", None), ("start", None), ("complete", {"report": "Готово"})):
        assert (
            await keyed(client, executor, rid, action, f"k-{action}-9", body)
        ).status_code == 200
    first = await keyed(client, customer, rid, "confirm", "k-confirm-9")
    assert first.status_code == 200, first.text
    for _ in range(100):  # until the workflow has closed the request
        state = (await client.get(f"/requests/{rid}", headers=customer.headers)).json()["state"]
        if state == "closed":
            break
        await asyncio.sleep(0.1)
    again = await keyed(client, customer, rid, "confirm", "k-confirm-9")
    assert (again.status_code, again.json()) == (200, first.json())


# ---- creating: the Idempotency-Key of POST /requests --------------------------------


async def stored_once(sessions: async_sessionmaker[AsyncSession], rid: str) -> tuple[int, ...]:
    """The request's rows, history lines and `request.created` events."""
    async with sessions() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(ServiceRequest)
            .where(ServiceRequest.id == uuid.UUID(rid))
        )
        transitions = await session.scalar(
            select(func.count())
            .select_from(RequestTransition)
            .where(RequestTransition.request_id == uuid.UUID(rid))
        )
        events = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.aggregate_id == rid, OutboxEvent.type == "request.created")
        )
    return int(rows or 0), int(transitions or 0), int(events or 0)


async def test_a_repeated_create_answers_the_stored_request_and_writes_nothing(
    client: httpx.AsyncClient, cast: dict[str, User], sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer, key = cast["customer"], f"k-{uuid.uuid4()}"
    first = await create(client, customer, BODY, key=key)
    assert first.status_code == 201, first.text
    rid = first.json()["id"]
    again = await create(client, customer, BODY, key=key)
    assert (again.status_code, again.json()) == (200, first.json())

    other = await create(client, customer, BODY | {"description": "Другое"}, key=key)
    assert other.status_code == 422, other.text
    assert "Idempotency-Key" in other.json()["detail"]
    assert await stored_once(sessions, rid) == (1, 1, 1)
    read = await client.get(f"/requests/{rid}", headers=customer.headers)
    assert read.json() == first.json()


async def test_concurrent_creates_with_one_key_make_one_request(
    client: httpx.AsyncClient, cast: dict[str, User], sessions: async_sessionmaker[AsyncSession]
) -> None:
    key = f"k-{uuid.uuid4()}"
    replies = await asyncio.gather(
        *(create(client, cast["customer"], BODY, key=key) for _ in range(5))
    )
    assert sorted(r.status_code for r in replies) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in replies}) == 1
    assert await stored_once(sessions, replies[0].json()["id"]) == (1, 1, 1)


async def test_an_action_right_after_the_create_is_taken(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    """The create is answered before its workflow runs; an assign sent at once lands."""
    rid = (await create(client, cast["customer"], BODY)).json()["id"]
    assigned = await keyed(
        client, cast["manager"], rid, "assign", "k-at-once-1", {"executor_id": cast["executor"].id}
    )
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["state"], assigned.json()["version"]) == ("assigned", 2)
