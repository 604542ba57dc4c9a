"""Paperwork that fails for good parks the request for HR instead of failing its
workflow: the read model says so, an hr.paperwork_failed event and a notice to HR go
out, and HR's retry (once the data is corrected) closes the request."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowExecutionStatus

from domain.lifecycle import Action, ActorNotAllowed, Role, StateConflict
from domain.requests import RequestView
from domain.workflow_ids import request_workflow_id
from services.paperwork import retry_paperwork
from services.requests import RequestCommands
from store import requests as repo
from store.models import Document, ExecutorProfile, Notification, OutboxEvent
from tests.helpers.people import Person, PersonFactory
from tests.helpers.workflow_requests import documents_of, draft
from workflows.service_request import ServiceRequestWorkflow

Commands = Callable[..., RequestCommands]


async def confirmed_request(
    commands: Commands, customer: Person, executor: Person, manager: Person, trace: str
) -> str:
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), draft())
    for who, action, extra in (
        (manager, Action.ASSIGN, {"executor_id": executor.id}),
        (executor, Action.ACCEPT, {}),
        (executor, Action.START, {}),
        (executor, Action.COMPLETE, {"report": "Готово"}),
        (customer, Action.CONFIRM, {}),
    ):
        await cmd.act(view.id, action, who.actor, trace_id=trace, **extra)
    return view.id


async def eventually(read: Callable[[], Any], timeout_s: float = 30) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await read()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.2)


async def outbox_of(
    sessions: async_sessionmaker[AsyncSession], rid: str, kind: str
) -> list[OutboxEvent]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent)
            .where(OutboxEvent.aggregate_id == rid, OutboxEvent.type == kind)
            .order_by(OutboxEvent.seq)
        )
        return list(rows.scalars())


async def stored_view(sessions: async_sessionmaker[AsyncSession], rid: str) -> RequestView:
    async with sessions() as session:
        return repo.to_view(await repo.require(session, rid))


async def test_unrenderable_paperwork_parks_the_request_for_hr_who_retry_it(
    commands: Commands,
    temporal: Client,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
    record_history: Any,
) -> None:
    customer, executor = await person(Role.CUSTOMER), await person(Role.EXECUTOR)
    manager, hr = await person(Role.MANAGER), await person(Role.HR)
    async with sessions.begin() as session:  # data no document can carry
        await session.execute(
            update(ExecutorProfile)
            .where(ExecutorProfile.user_id == uuid.UUID(executor.id))
            .values(inn="12345")
        )
    trace = uuid.uuid4().hex
    rid = await confirmed_request(commands, customer, executor, manager, trace)

    failed = await eventually(lambda: outbox_of(sessions, rid, "hr.paperwork_failed"))
    assert len(failed) == 1
    envelope = failed[0].envelope
    assert failed[0].topic == "hr-events"
    assert "INN must be 10 or 12 digits" in envelope["data"]["reason"]
    assert envelope["trace_id"] == trace
    parked = await stored_view(sessions, rid)
    assert (parked.state, parked.paperwork_failed) == ("confirmed", True)
    handle = temporal.get_workflow_handle(request_workflow_id(rid), result_type=RequestView)
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    assert (await handle.query(ServiceRequestWorkflow.current)).paperwork_failed

    async def hr_notices() -> list[Notification]:
        async with sessions() as session:
            rows = await session.execute(
                select(Notification).where(
                    Notification.request_id == uuid.UUID(rid),
                    Notification.kind == "paperwork_failed",
                )
            )
            return list(rows.scalars())

    notices = await eventually(hr_notices)
    assert {str(n.recipient_id) for n in notices} >= {hr.id}
    assert not await documents_of(sessions, rid)

    # Only HR retries; nothing moves for anyone else.
    with pytest.raises(ActorNotAllowed):
        await retry_paperwork(temporal, rid, manager.actor, trace_id=None)

    async with sessions.begin() as session:  # HR has the INN corrected
        await session.execute(
            update(ExecutorProfile)
            .where(ExecutorProfile.user_id == uuid.UUID(executor.id))
            .values(inn="500100732259")
        )
    await retry_paperwork(temporal, rid, hr.actor, trace_id=None)
    closed = await asyncio.wait_for(handle.result(), 60)
    assert (closed.state, closed.paperwork_failed) == ("closed", False)
    assert not (await stored_view(sessions, rid)).paperwork_failed
    assert set(await documents_of(sessions, rid)) == {"act", "contract", "payout"}
    assert len(await outbox_of(sessions, rid, "hr.paperwork_recorded")) == 1
    await record_history(rid, "paperwork_parked_then_retried")


async def test_a_retry_is_refused_when_nothing_is_parked(
    commands: Commands,
    temporal: Client,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    customer, executor = await person(Role.CUSTOMER), await person(Role.EXECUTOR)
    manager, hr = await person(Role.MANAGER), await person(Role.HR)
    rid = await confirmed_request(commands, customer, executor, manager, uuid.uuid4().hex)
    handle = temporal.get_workflow_handle(request_workflow_id(rid))
    await asyncio.wait_for(handle.result(), 60)
    with pytest.raises(StateConflict):
        await retry_paperwork(temporal, rid, hr.actor, trace_id=None)
    async with sessions() as session:
        count = len(
            (
                await session.execute(
                    select(Document.id).where(Document.request_id == uuid.UUID(rid))
                )
            ).all()
        )
    assert count == 3
