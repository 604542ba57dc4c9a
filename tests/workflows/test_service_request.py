"""Every path of the lifecycle through the real workflow on the real Temporal server, with
the store checked after each: one history row per transition, contiguous outbox seq."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.lifecycle import Action, ActorNotAllowed, Role, StateConflict
from domain.requests import RequestView, TransitionView
from domain.workflow_ids import VERIFICATION_DECIDED_SIGNAL, request_workflow_id
from services.errors import Unprocessable
from services.requests import RequestCommands, RequestDraft
from store.models import RequestTransition
from tests.helpers.people import Person, PersonFactory
from tests.helpers.workflow_requests import DRAFT, events, result

Commands = Callable[..., RequestCommands]


@pytest.fixture
async def cast(person: PersonFactory) -> dict[str, Person]:
    return {
        "customer": await person(Role.CUSTOMER),
        "other_customer": await person(Role.CUSTOMER),
        "executor": await person(Role.EXECUTOR, skills=["plumbing", "electrics"]),
        "other_executor": await person(Role.EXECUTOR, skills=["plumbing"]),
        "unverified": await person(Role.EXECUTOR, skills=["plumbing"], verified=False),
        "cleaner": await person(Role.EXECUTOR, skills=["cleaning"]),
        "manager": await person(Role.MANAGER),
    }


async def create(commands: RequestCommands, customer: Person) -> RequestView:
    view, created = await commands.create(customer.id, str(uuid.uuid4()), DRAFT)
    assert created
    return view


async def history(sessions: async_sessionmaker[AsyncSession], request_id: str) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(RequestTransition.action)
            .where(RequestTransition.request_id == uuid.UUID(request_id))
            .order_by(RequestTransition.seq)
        )
        return list(rows.scalars())


async def test_happy_path_to_closed(
    commands: Commands,
    cast: dict[str, Person],
    sessions: Any,
    temporal: Client,
    record_history: Any,
) -> None:
    cmd = commands()
    view = await create(cmd, cast["customer"])
    assert (view.state, view.sla_stage) == ("new", "assign")
    rid = view.id
    exe = cast["executor"].actor

    view = await cmd.act(rid, Action.ASSIGN, cast["manager"].actor, executor_id=exe.id)
    assert (view.state, view.assignee_id, view.sla_stage) == ("assigned", exe.id, "accept")
    assert (await cmd.act(rid, Action.ACCEPT, exe)).state == "accepted"
    assert (await cmd.act(rid, Action.START, exe)).state == "in_progress"
    done = await cmd.act(rid, Action.COMPLETE, exe, report="Replaced the cartridge")
    assert (done.state, done.report) == ("completed", "Replaced the cartridge")
    assert (await cmd.act(rid, Action.CONFIRM, cast["customer"].actor)).state == "confirmed"

    final = await result(temporal, rid)
    assert final.state == "closed"
    handle = temporal.get_workflow_handle(request_workflow_id(rid))
    queried = await handle.query("history", result_type=list[TransitionView])
    assert [(t.action, t.to_state) for t in queried] == [
        ("create", "new"),
        ("assign", "assigned"),
        ("accept", "accepted"),
        ("start", "in_progress"),
        ("complete", "completed"),
        ("confirm", "confirmed"),
        ("close", "closed"),
    ]
    assert (await handle.query("current", result_type=RequestView)).state == "closed"
    await record_history(rid, "happy_path")
    assert await history(sessions, rid) == [
        "create",
        "assign",
        "accept",
        "start",
        "complete",
        "confirm",
        "close",
    ]
    stored = await events(sessions, rid)
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert [e.type for e in stored] == [
        "request.created",
        "request.assigned",
        "audit.action",
        "request.accepted",
        "request.started",
        "request.completed",
        "request.confirmed",
        "document.generated",  # act
        "document.generated",  # payout
        "document.generated",  # contract: the executor's first job
        "payout.recorded",
        "hr.paperwork_recorded",
        "request.closed",
    ]
    assigned = next(e for e in stored if e.type == "request.assigned")
    assert (assigned.topic, assigned.key) == ("workflow-events", rid)
    assert assigned.envelope["actor"] == {"id": cast["manager"].id, "role": "manager"}
    assert (assigned.envelope["from_state"], assigned.envelope["to_state"]) == ("new", "assigned")


async def test_decline_returns_to_queue_and_another_executor_takes_it(
    commands: Commands, cast: dict[str, Person], sessions: Any
) -> None:
    cmd = commands()
    rid = (await create(cmd, cast["customer"])).id
    manager = cast["manager"].actor
    await cmd.act(rid, Action.ASSIGN, manager, executor_id=cast["executor"].id)
    back = await cmd.act(rid, Action.DECLINE, cast["executor"].actor, reason="too far")
    assert (back.state, back.assignee_id) == ("new", None)
    await cmd.act(rid, Action.ASSIGN, manager, executor_id=cast["other_executor"].id)
    with pytest.raises(ActorNotAllowed, match="only the executor assigned"):
        await cmd.act(rid, Action.ACCEPT, cast["executor"].actor)
    assert (await cmd.act(rid, Action.ACCEPT, cast["other_executor"].actor)).state == "accepted"
    assert await history(sessions, rid) == ["create", "assign", "decline", "assign", "accept"]
    declined = next(e for e in await events(sessions, rid) if e.type == "request.declined")
    assert declined.envelope["data"]["reason"] == "too far"


async def test_refusals_change_nothing(
    commands: Commands, cast: dict[str, Person], sessions: Any
) -> None:
    cmd = commands()
    rid = (await create(cmd, cast["customer"])).id
    before = (await history(sessions, rid), len(await events(sessions, rid)))

    with pytest.raises(StateConflict, match=r"cannot 'confirm' a request that is new"):
        await cmd.act(rid, Action.CONFIRM, cast["customer"].actor)
    with pytest.raises(ActorNotAllowed, match="only the executor assigned"):
        await cmd.act(rid, Action.ACCEPT, cast["executor"].actor)
    with pytest.raises(ActorNotAllowed, match="a customer may not"):
        await cmd.act(rid, Action.ASSIGN, cast["customer"].actor, executor_id=cast["executor"].id)
    with pytest.raises(ActorNotAllowed, match="only the customer who filed"):
        await cmd.act(rid, Action.CANCEL, cast["other_customer"].actor)
    with pytest.raises(Unprocessable, match="no 'plumbing' skill"):
        await cmd.act(rid, Action.ASSIGN, cast["manager"].actor, executor_id=cast["cleaner"].id)
    with pytest.raises(Unprocessable, match="no such executor"):
        await cmd.act(rid, Action.ASSIGN, cast["manager"].actor, executor_id=str(uuid.uuid4()))

    assert (await history(sessions, rid), len(await events(sessions, rid))) == before


async def test_customer_cancels_before_work_and_the_executor_is_released(
    commands: Commands,
    cast: dict[str, Person],
    sessions: Any,
    temporal: Client,
    record_history: Any,
) -> None:
    cmd = commands()
    rid = (await create(cmd, cast["customer"])).id
    await cmd.act(rid, Action.ASSIGN, cast["manager"].actor, executor_id=cast["executor"].id)
    view = await cmd.act(rid, Action.CANCEL, cast["customer"].actor, reason="changed my mind")
    assert view.state == "cancelled"
    assert (await result(temporal, rid)).state == "cancelled"
    await record_history(rid, "customer_cancels")
    cancelled = next(e for e in await events(sessions, rid) if e.type == "request.cancelled")
    assert cancelled.topic == "request-events"
    assert cancelled.envelope["data"]["released_executor_id"] == cast["executor"].id


async def test_only_a_manager_cancels_work_in_progress(
    commands: Commands, cast: dict[str, Person], temporal: Client
) -> None:
    cmd = commands()
    rid = (await create(cmd, cast["customer"])).id
    exe = cast["executor"].actor
    await cmd.act(rid, Action.ASSIGN, cast["manager"].actor, executor_id=exe.id)
    await cmd.act(rid, Action.ACCEPT, exe)
    await cmd.act(rid, Action.START, exe)
    with pytest.raises(StateConflict, match="by a customer"):
        await cmd.act(rid, Action.CANCEL, cast["customer"].actor)
    assert (await cmd.act(rid, Action.CANCEL, cast["manager"].actor)).state == "cancelled"
    assert (await result(temporal, rid)).state == "cancelled"


async def test_dispute_rework_then_dispute_accept(
    commands: Commands,
    cast: dict[str, Person],
    sessions: Any,
    temporal: Client,
    record_history: Any,
) -> None:
    cmd = commands()
    rid = (await create(cmd, cast["customer"])).id
    exe, customer, manager = cast["executor"].actor, cast["customer"].actor, cast["manager"].actor
    await cmd.act(rid, Action.ASSIGN, manager, executor_id=exe.id)
    await cmd.act(rid, Action.ACCEPT, exe)
    await cmd.act(rid, Action.START, exe)
    await cmd.act(rid, Action.COMPLETE, exe, report="done")
    assert (await cmd.act(rid, Action.DISPUTE, customer, reason="still leaks")).state == "disputed"
    assert (await cmd.act(rid, Action.RESOLVE_REWORK, manager)).state == "in_progress"
    await cmd.act(rid, Action.COMPLETE, exe, report="done again")
    await cmd.act(rid, Action.DISPUTE, customer, reason="dripping")
    assert (await cmd.act(rid, Action.RESOLVE_ACCEPT, manager)).state == "confirmed"
    assert (await result(temporal, rid)).state == "closed"
    await record_history(rid, "dispute_rework_then_accept")
    assert await history(sessions, rid) == [
        "create",
        "assign",
        "accept",
        "start",
        "complete",
        "dispute",
        "resolve_rework",
        "complete",
        "dispute",
        "resolve_accept",
        "close",
    ]


async def test_unverified_executor_waits_for_verification(
    commands: Commands, cast: dict[str, Person], temporal: Client
) -> None:
    cmd = commands()
    unverified = cast["unverified"]
    approved_rid = (await create(cmd, cast["customer"])).id
    await cmd.act(approved_rid, Action.ASSIGN, cast["manager"].actor, executor_id=unverified.id)
    with pytest.raises(StateConflict, match="waiting for security verification"):
        await cmd.act(approved_rid, Action.ACCEPT, unverified.actor)
    handle = temporal.get_workflow_handle(request_workflow_id(approved_rid))
    await handle.signal(VERIFICATION_DECIDED_SIGNAL, args=[unverified.id, True])
    assert (await _eventually_accepts(cmd, approved_rid, unverified)).state == "accepted"

    rejected_rid = (await create(cmd, cast["customer"])).id
    await cmd.act(rejected_rid, Action.ASSIGN, cast["manager"].actor, executor_id=unverified.id)
    handle = temporal.get_workflow_handle(request_workflow_id(rejected_rid))
    await handle.signal(VERIFICATION_DECIDED_SIGNAL, args=[unverified.id, False])
    view = await _eventually(
        lambda: handle.query("current", result_type=RequestView), lambda v: v.state == "new"
    )
    assert view.assignee_id is None


async def test_same_idempotency_key_gives_the_same_request(
    commands: Commands, cast: dict[str, Person], temporal: Client
) -> None:
    cmd = commands()
    key = str(uuid.uuid4())
    customer = cast["customer"]
    first, second = await asyncio.gather(
        cmd.create(customer.id, key, DRAFT), cmd.create(customer.id, key, DRAFT)
    )
    third, created_again = await cmd.create(customer.id, key, DRAFT)
    assert first[0].id == second[0].id == third.id
    assert created_again is False
    runs = await _eventually(
        lambda: _runs(temporal, request_workflow_id(third.id)), lambda found: len(found) >= 1
    )
    assert len(runs) == 1  # one workflow run for the key, however often it was sent
    with pytest.raises(Unprocessable, match="already used for a different request"):
        await cmd.create(customer.id, key, RequestDraft("cleaning", "other", "elsewhere"))


async def _runs(temporal: Client, wid: str) -> list[str]:
    return [w.run_id async for w in temporal.list_workflows(f"WorkflowId = '{wid}'")]


async def _eventually_accepts(cmd: RequestCommands, rid: str, who: Person) -> RequestView:
    async def attempt() -> RequestView | None:
        try:
            return await cmd.act(rid, Action.ACCEPT, who.actor)
        except StateConflict:
            return None

    return await _eventually(attempt, lambda v: v is not None)  # type: ignore[no-any-return]


async def _eventually(read: Any, done: Any, timeout_s: float = 15) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r}")
        await asyncio.sleep(0.1)
