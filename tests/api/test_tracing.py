"""W3C trace context: continued from the caller, carried onto every event it causes."""

import re
import secrets
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from store.models import AuditEntry, OutboxEvent
from tests.helpers.api_client import SignedIn

BODY = {"category": "plumbing", "description": "Течёт кран", "address": "Москва, 1"}


def traceparent(trace_id: str) -> str:
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


async def _trace_of(sessions: async_sessionmaker[AsyncSession], rid: str) -> dict[str, str]:
    async with sessions() as session:
        rows = (
            (
                await session.execute(
                    select(OutboxEvent)
                    .where(OutboxEvent.aggregate_id == rid)
                    .order_by(OutboxEvent.seq)
                )
            )
            .scalars()
            .all()
        )
    return {row.type: row.envelope["trace_id"] for row in rows}


async def test_each_action_carries_its_own_trace_onto_its_events(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    manager = await signed_in(Role.MANAGER)
    executor = await signed_in(Role.EXECUTOR, skills=["plumbing"])
    create_trace, assign_trace = secrets.token_hex(16), secrets.token_hex(16)

    created = await client.post(
        "/requests",
        json=BODY,
        headers=customer.headers
        | {"Idempotency-Key": str(uuid.uuid4()), "traceparent": traceparent(create_trace)},
    )
    assert created.status_code == 201
    assert created.headers["traceparent"].startswith(f"00-{create_trace}-")
    rid = created.json()["id"]
    assigned = await client.post(
        f"/requests/{rid}/assign",
        json={"executor_id": executor.id},
        headers=manager.headers | {"traceparent": traceparent(assign_trace)},
    )
    assert assigned.status_code == 200

    traces = await _trace_of(sessions, rid)
    assert traces["request.created"] == create_trace
    assert traces["request.assigned"] == assign_trace
    assert traces["audit.action"] == assign_trace


@pytest.mark.parametrize("header", [None, "garbage", f"00-{'0' * 32}-{'1' * 16}-01"])
async def test_without_a_usable_traceparent_a_new_trace_starts(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    sessions: async_sessionmaker[AsyncSession],
    header: str | None,
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    extra = {"traceparent": header} if header else {}
    created = await client.post(
        "/requests",
        json=BODY,
        headers=customer.headers | extra | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201
    trace = (await _trace_of(sessions, created.json()["id"]))["request.created"]
    assert re.fullmatch(r"[0-9a-f]{32}", trace)
    assert trace != "0" * 32
    assert created.headers["traceparent"].startswith(f"00-{trace}-")


async def test_a_refusal_carries_the_callers_trace(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    trace = secrets.token_hex(16)
    refused = await client.get(
        "/users", headers=customer.headers | {"traceparent": traceparent(trace)}
    )
    assert refused.status_code == 403
    async with sessions() as session:
        row = (
            await session.execute(
                select(AuditEntry, OutboxEvent)
                .join(OutboxEvent, OutboxEvent.event_id == AuditEntry.event_id)
                .where(AuditEntry.actor_id == customer.id, AuditEntry.outcome == "denied")
            )
        ).one()
    entry, event = row
    assert (entry.action, event.type) == ("user.admin", "access.denied")
    assert event.envelope["trace_id"] == trace
