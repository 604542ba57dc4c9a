"""Creating a request: one transaction of the API's own (request, history line,
`request.created`, start intent), idempotent on (customer, Idempotency-Key), answered
before its workflow starts, and the workflow then takes the stored request as it is."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.lifecycle import Action, Role, State
from domain.requests import RequestView, TransitionView
from domain.sla import SlaPolicy
from domain.workflow_ids import request_workflow_id
from services.errors import Unprocessable
from services.requests import RequestCommands, RequestDraft, request_id_for
from store.models import (
    AggregateSequence,
    Notification,
    OutboxEvent,
    RequestTransition,
    ServiceRequest,
)
from tests.helpers.people import PersonFactory
from tests.helpers.polling import until
from workflows.service_request import ServiceRequestWorkflow

Commands = Callable[..., RequestCommands]
DRAFT = RequestDraft(
    category="plumbing",
    description="Течёт смеситель на кухне",
    address="Москва, Тверская ул., 1",
    budget="2500.00",
    window_start=datetime.now(UTC) + timedelta(days=30),
    window_end=datetime.now(UTC) + timedelta(days=30, hours=4),
)


async def stored(sessions: async_sessionmaker[AsyncSession], rid: str) -> dict[str, object]:
    """What the store holds of the request: rows, history lines, events, last seq."""
    key = uuid.UUID(rid)
    async with sessions() as session:
        return {
            "rows": await session.scalar(
                select(func.count()).select_from(ServiceRequest).where(ServiceRequest.id == key)
            ),
            "history": list(
                await session.scalars(
                    select(RequestTransition.action).where(RequestTransition.request_id == key)
                )
            ),
            "events": list(
                await session.scalars(
                    select(OutboxEvent.type).where(OutboxEvent.aggregate_id == rid)
                )
            ),
            "last_seq": await session.scalar(
                select(AggregateSequence.last_seq).where(AggregateSequence.aggregate_id == rid)
            ),
        }


async def created_event(sessions: async_sessionmaker[AsyncSession], rid: str) -> OutboxEvent:
    async with sessions() as session:
        return (
            await session.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.aggregate_id == rid, OutboxEvent.type == "request.created"
                )
            )
        ).one()


async def test_a_repeat_with_the_same_key_returns_the_stored_request(
    commands: Commands, person: PersonFactory, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer = await person(Role.CUSTOMER)
    cmd = commands()
    key = str(uuid.uuid4())
    first, created = await cmd.create(customer.id, key, DRAFT)
    again, created_again = await cmd.create(customer.id, key, DRAFT)
    assert (created, created_again) == (True, False)
    assert first.id == again.id == request_id_for(customer.id, key)
    assert again == first
    assert await stored(sessions, first.id) == {
        "rows": 1,
        "history": ["create"],
        "events": ["request.created"],
        "last_seq": 1,
    }


async def test_the_same_key_with_another_body_is_refused_and_changes_nothing(
    commands: Commands, person: PersonFactory, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer = await person(Role.CUSTOMER)
    cmd = commands()
    key = str(uuid.uuid4())
    view, _ = await cmd.create(customer.id, key, DRAFT)
    before = await stored(sessions, view.id)
    for other in (
        RequestDraft(**(DRAFT.__dict__ | {"description": "Другое"})),
        RequestDraft(**(DRAFT.__dict__ | {"budget": "3000.00"})),
        RequestDraft(**(DRAFT.__dict__ | {"window_start": None})),
    ):
        with pytest.raises(Unprocessable, match="Idempotency-Key"):
            await cmd.create(customer.id, key, other)
    assert await stored(sessions, view.id) == before
    again, created = await cmd.create(customer.id, key, DRAFT)
    assert (again, created) == (view, False)


async def test_concurrent_creates_with_one_key_make_one_request_and_one_event(
    commands: Commands, person: PersonFactory, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer = await person(Role.CUSTOMER)
    cmd = commands()
    key = str(uuid.uuid4())
    results = await asyncio.gather(*(cmd.create(customer.id, key, DRAFT) for _ in range(5)))
    assert sorted(created for _, created in results) == [False, False, False, False, True]
    assert len({view for view, _ in results}) == 1
    rid = results[0][0].id
    assert await stored(sessions, rid) == {
        "rows": 1,
        "history": ["create"],
        "events": ["request.created"],
        "last_seq": 1,
    }


async def test_an_action_right_after_the_create_is_taken(
    commands: Commands, person: PersonFactory
) -> None:
    """The answer does not wait for the workflow; an action sent at once still lands."""
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    executor = await person(Role.EXECUTOR, skills=["plumbing"])
    cmd = commands()
    for _ in range(3):
        view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
        assigned = await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
        assert (assigned.state, assigned.assignee_id, assigned.version) == (
            "assigned",
            executor.id,
            2,
        )
        cancelled = await cmd.act(view.id, Action.CANCEL, customer.actor)
        assert cancelled.state == "cancelled"


async def test_the_stored_request_is_what_the_workflow_takes(
    commands: Commands,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
    temporal: Client,
) -> None:
    """Same event, SLA and history as when the workflow stored the request itself; its
    `request.created` notification carries the event the API wrote."""
    customer = await person(Role.CUSTOMER)
    policy = SlaPolicy(assign_s=600)
    cmd = commands(policy)
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT, trace_id="a" * 32)
    assert (view.state, view.version, view.sla_stage) == ("new", 1, "assign")
    assert view.sla_due_at == view.created_at + timedelta(seconds=600)
    assert view.created_at == view.updated_at

    event = await created_event(sessions, view.id)
    envelope = event.envelope
    assert envelope["actor"] == {"id": customer.id, "role": "customer"}
    assert (envelope["seq"], envelope["from_state"], envelope["to_state"]) == (1, None, "new")
    assert envelope["trace_id"] == "a" * 32
    assert datetime.fromisoformat(envelope["occurred_at"]) == view.created_at
    assert envelope["data"] == {
        "category": DRAFT.category,
        "description": DRAFT.description,
        "address": DRAFT.address,
        "budget": DRAFT.budget,
        "window_start": DRAFT.window_start.isoformat() if DRAFT.window_start else None,
        "window_end": DRAFT.window_end.isoformat() if DRAFT.window_end else None,
    }

    handle = temporal.get_workflow_handle(request_workflow_id(view.id))

    async def current() -> RequestView | None:
        try:
            return await handle.query(ServiceRequestWorkflow.current)
        except Exception:  # not started yet
            return None

    assert await until(current, what="the workflow") == view
    assert await handle.query(ServiceRequestWorkflow.history) == [
        TransitionView("create", None, State.NEW, customer.id, Role.CUSTOMER, view.created_at)
    ]

    async def receipt() -> set[uuid.UUID]:
        async with sessions() as session:
            found = await session.scalars(
                select(Notification.trigger_event_id).where(
                    Notification.request_id == uuid.UUID(view.id),
                    Notification.recipient_id == uuid.UUID(customer.id),
                )
            )
            return set(found)

    assert await until(receipt, what="the customer's receipt") == {event.event_id}
    async with sessions() as session:
        row = await session.get(ServiceRequest, uuid.UUID(view.id))
        assert row is not None
        assert row.start_intent is None  # started: the intent is spent
        assert row.workflow_started_at is not None
