"""Requests driven through the services and the real request workflow, and what they
leave behind: outbox events, the workflow's result, the documents of a closed request."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.lifecycle import Action
from domain.requests import RequestView
from domain.workflow_ids import request_workflow_id
from services.requests import RequestCommands, RequestDraft
from store.models import Document, OutboxEvent
from tests.helpers.people import Person

# The lifecycle and SLA tests' request.
DRAFT = RequestDraft(
    category="plumbing",
    description="Leaking tap in the kitchen",
    address="Moscow, Tverskaya 1",
    budget="2500.00",
)
Commands = Callable[..., RequestCommands]


async def events(sessions: async_sessionmaker[AsyncSession], request_id: str) -> list[OutboxEvent]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent)
            .where(OutboxEvent.aggregate_id == request_id)
            .order_by(OutboxEvent.seq)
        )
        return list(rows.scalars())


async def result(temporal: Client, request_id: str) -> RequestView:
    handle = temporal.get_workflow_handle(request_workflow_id(request_id), result_type=RequestView)
    return await asyncio.wait_for(handle.result(), 30)


def draft(description: str = "Заменить смеситель на кухне") -> RequestDraft:
    """The paperwork tests' request: Russian text, as its documents print it."""
    return RequestDraft("plumbing", description, "Москва, Тверская ул., 1", budget="3000.00")


async def closed_request(
    commands: Commands,
    temporal: Client,
    customer: Person,
    executor: Person,
    manager: Person,
    report: str = "Заменил смеситель, проверил на протечки",
    confirm_trace: str | None = None,
) -> str:
    """A request taken through the whole lifecycle to closed (its paperwork done); its id."""
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), draft())
    for who, action, extra in (
        (manager, Action.ASSIGN, {"executor_id": executor.id}),
        (executor, Action.ACCEPT, {}),
        (executor, Action.START, {}),
        (executor, Action.COMPLETE, {"report": report}),
        (customer, Action.CONFIRM, {}),
    ):
        trace = confirm_trace if action == Action.CONFIRM else None
        await cmd.act(view.id, action, who.actor, trace_id=trace, **extra)
    handle = temporal.get_workflow_handle(request_workflow_id(view.id), result_type=RequestView)
    assert (await asyncio.wait_for(handle.result(), 60)).state == "closed"
    return view.id


async def documents_of(
    sessions: async_sessionmaker[AsyncSession], request_id: str
) -> dict[str, Document]:
    async with sessions() as session:
        rows = await session.execute(
            select(Document).where(Document.request_id == uuid.UUID(request_id))
        )
        return {d.kind: d for d in rows.scalars()}
