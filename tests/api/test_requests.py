"""Requests over HTTP: the whole lifecycle by the right roles, idempotent creation,
refusals that change nothing, listing with filters and cursors."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from domain.lifecycle import Role
from store import cache
from store.models import AuditEntry, RequestTransition
from tests.helpers.api_client import BODY, VISIT_DAY, SignedIn, User, act, create


@pytest.fixture
async def cast(signed_in: SignedIn) -> dict[str, User]:
    return {
        "customer": await signed_in(Role.CUSTOMER),
        "stranger": await signed_in(Role.CUSTOMER),
        "executor": await signed_in(Role.EXECUTOR, skills=["plumbing"]),
        "manager": await signed_in(Role.MANAGER),
    }


async def test_whole_lifecycle_over_http(client: httpx.AsyncClient, cast: dict[str, User]) -> None:
    customer, executor, manager = cast["customer"], cast["executor"], cast["manager"]
    created = await create(client, customer)
    assert created.status_code == 201, created.text
    request = created.json()
    rid = request["id"]
    assert (request["state"], request["customer_id"], request["budget"]) == (
        "new",
        customer.id,
        "2500.00",
    )
    assert request["actions"] == ["cancel"]

    steps = [
        (manager, "assign", {"executor_id": executor.id}, "assigned"),
        (executor, "accept", None, "accepted"),
        (executor, "start", None, "in_progress"),
        (executor, "complete", {"report": "Заменил картридж"}, "completed"),
        (customer, "confirm", None, "confirmed"),
    ]
    for who, action, body, state in steps:
        response = await act(client, who, rid, action, body)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["state"] == state

    async def closed() -> bool:
        reply = await client.get(f"/requests/{rid}", headers=customer.headers)
        return bool(reply.json()["state"] == "closed")

    await _eventually(closed)
    history = (await client.get(f"/requests/{rid}/history", headers=customer.headers)).json()
    assert [h["action"] for h in history] == [
        "create",
        "assign",
        "accept",
        "start",
        "complete",
        "confirm",
        "close",
    ]
    assert (history[3]["data"], history[4]["data"]["report"]) == ({}, "Заменил картридж")


async def test_same_idempotency_key_returns_the_stored_request(
    client: httpx.AsyncClient, cast: dict[str, User], sessions: async_sessionmaker[AsyncSession]
) -> None:
    key = str(uuid.uuid4())
    first, second = await asyncio.gather(
        create(client, cast["customer"], key=key), create(client, cast["customer"], key=key)
    )
    third = await create(client, cast["customer"], key=key)
    ids = {r.json()["id"] for r in (first, second, third)}
    assert len(ids) == 1
    assert third.status_code == 200
    assert 201 in (first.status_code, second.status_code)
    assert {first.status_code, second.status_code} <= {200, 201}
    rid = ids.pop()
    async with sessions() as session:
        created_rows = (
            await session.execute(
                select(func.count())
                .select_from(RequestTransition)
                .where(RequestTransition.request_id == uuid.UUID(rid))
            )
        ).scalar_one()
    assert created_rows == 1

    same_amount = await create(client, cast["customer"], BODY | {"budget": "2500"}, key=key)
    assert same_amount.status_code == 200  # the same budget, written differently
    for field, other in (
        ("description", "other"),
        ("budget", "3000.00"),
        ("window_end", f"{VISIT_DAY}T14:00:00+03:00"),
    ):
        different = await create(client, cast["customer"], BODY | {field: other}, key=key)
        assert different.status_code == 422, field
    changed = await create(client, cast["customer"], BODY | {"description": "other"}, key=key)
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.json()["detail"]
    missing = await client.post("/requests", json=BODY, headers=cast["customer"].headers)
    assert missing.status_code == 422
    assert "Idempotency-Key" in missing.json()["detail"]


async def test_invalid_transitions_are_409_and_change_nothing(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    rid = (await create(client, cast["customer"])).json()["id"]
    before = (await client.get(f"/requests/{rid}", headers=cast["customer"].headers)).json()

    refused = await act(client, cast["customer"], rid, "confirm")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "state_conflict"
    assert problem["detail"] == (
        "cannot 'confirm' a request that is new: 'confirm' goes completed → confirmed"
    )
    resolve = await act(client, cast["manager"], rid, "resolve", {"outcome": "accept"})
    assert resolve.status_code == 409

    after = (await client.get(f"/requests/{rid}", headers=cast["customer"].headers)).json()
    assert after == before
    history = await client.get(f"/requests/{rid}/history", headers=cast["customer"].headers)
    assert [h["action"] for h in history.json()] == ["create"]


async def test_bad_input_is_422_and_creates_nothing(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    customer = cast["customer"]
    before = (await client.get("/requests", headers=customer.headers)).json()["items"]
    for broken, field in [
        (BODY | {"category": "Not A Category!"}, "category"),
        (BODY | {"budget": "-5"}, "budget"),
        (BODY | {"window_end": f"{VISIT_DAY}T08:00:00+03:00"}, "window_end"),
        (BODY | {"window_start": f"{VISIT_DAY}T09:00:00"}, "time zone"),
        (BODY | {"description": "nul\x00byte"}, "control characters"),
        ({k: v for k, v in BODY.items() if k != "address"}, "address"),
    ]:
        response = await create(client, customer, broken)
        assert response.status_code == 422, broken
        assert field in response.json()["detail"]
    not_json = await client.post(
        "/requests",
        content=b"{oops",
        headers=customer.headers
        | {"Idempotency-Key": "k" * 10, "content-type": "application/json"},
    )
    assert not_json.status_code == 422
    assert (await client.get("/requests", headers=customer.headers)).json()["items"] == before
    bad_assign = await act(
        client, cast["manager"], str(uuid.uuid4()), "assign", {"executor_id": "nope"}
    )
    assert bad_assign.status_code == 422
    assert (await client.get("/requests/not-a-uuid", headers=customer.headers)).status_code == 422
    for params in ({"assignee_id": "0" * 36}, {"category": "x\x00"}, {"limit": 0}):
        response = await client.get("/requests", params=params, headers=customer.headers)
        assert response.status_code == 422, params


async def test_list_is_scoped_filtered_and_paginated(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    customer, manager = cast["customer"], cast["manager"]
    mine = [
        (await create(client, customer, BODY | {"category": c})).json()["id"]
        for c in ("plumbing", "plumbing", "cleaning", "plumbing", "electrics")
    ]
    theirs = (await create(client, cast["stranger"])).json()["id"]
    await act(client, manager, mine[0], "assign", {"executor_id": cast["executor"].id})

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "sort": "created_at"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/requests", params=params, headers=customer.headers)).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == mine  # every own request exactly once, oldest first, none of theirs

    plumbing = (
        await client.get("/requests", params={"category": "plumbing"}, headers=customer.headers)
    ).json()["items"]
    assert {r["id"] for r in plumbing} == {mine[0], mine[1], mine[3]}
    assigned = (
        await client.get("/requests", params={"state": "assigned"}, headers=customer.headers)
    ).json()["items"]
    assert [r["id"] for r in assigned] == [mine[0]]
    executor_view = (await client.get("/requests", headers=cast["executor"].headers)).json()
    assert [r["id"] for r in executor_view["items"]] == [mine[0]]
    manager_view = (
        await client.get("/requests", params={"limit": 200}, headers=manager.headers)
    ).json()["items"]
    assert {*mine, theirs} <= {r["id"] for r in manager_view}
    bad_sort = await client.get("/requests", params={"sort": "email"}, headers=customer.headers)
    assert bad_sort.status_code == 422
    bad_cursor = await client.get(
        "/requests", params={"cursor": "garbage"}, headers=customer.headers
    )
    assert bad_cursor.status_code == 422


async def test_someone_elses_request_is_404_and_the_denial_is_audited(
    client: httpx.AsyncClient, cast: dict[str, User], sessions: async_sessionmaker[AsyncSession]
) -> None:
    rid = (await create(client, cast["customer"])).json()["id"]
    for path in (f"/requests/{rid}", f"/requests/{rid}/history"):
        response = await client.get(path, headers=cast["stranger"].headers)
        assert response.status_code == 404
    cancel = await act(client, cast["stranger"], rid, "cancel")
    assert cancel.status_code == 404
    async with sessions() as session:
        denials = (
            (
                await session.execute(
                    select(AuditEntry.action)
                    .where(
                        AuditEntry.target_id == rid,
                        AuditEntry.outcome == "denied",
                        AuditEntry.actor_id == cast["stranger"].id,
                    )
                    .order_by(AuditEntry.id)
                )
            )
            .scalars()
            .all()
        )
    assert list(denials) == ["request.read", "request.history", "request.cancel"]


async def _eventually(check: Any, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.1)


async def test_reads_are_cached_in_redis_and_written_through_on_change(
    client: httpx.AsyncClient, cast: dict[str, User], settings: Settings
) -> None:
    rid = (await create(client, cast["customer"])).json()["id"]
    redis = Redis.from_url(settings.redis.url)
    try:
        await redis.delete(cache.request_key(rid))
        first = await client.get(f"/requests/{rid}", headers=cast["customer"].headers)
        cached = await cache.get_request(redis, rid)
        assert cached is not None
        assert (cached.id, cached.version) == (rid, first.json()["version"])

        await act(client, cast["manager"], rid, "assign", {"executor_id": cast["executor"].id})
        refreshed = await cache.get_request(redis, rid)  # the activity wrote it through
        assert refreshed is not None
        assert (refreshed.state, refreshed.assignee_id) == ("assigned", cast["executor"].id)
        served = await client.get(f"/requests/{rid}", headers=cast["customer"].headers)
        assert served.json()["state"] == "assigned"
    finally:
        await redis.aclose()


async def test_acting_on_a_finished_request_is_a_conflict_for_those_who_see_it(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer, stranger = await signed_in(Role.CUSTOMER), await signed_in(Role.CUSTOMER)
    manager = await signed_in(Role.MANAGER)
    executor = await signed_in(Role.EXECUTOR, skills=["plumbing"])
    rid = (await create(client, customer)).json()["id"]
    assert (await act(client, customer, rid, "cancel", {"reason": "передумал"})).status_code == 200

    late = await client.post(
        f"/requests/{rid}/assign",
        json={"executor_id": executor.id},
        headers=manager.headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert late.status_code == 409, late.text
    assert "cancelled" in late.json()["detail"]
    assert (await act(client, customer, rid, "cancel")).status_code == 409
    # Someone who cannot see the request learns nothing about it.
    assert (await act(client, stranger, rid, "cancel")).status_code == 404
