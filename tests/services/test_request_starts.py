"""A request committed without its workflow started (the API died right after its
answer) loses nothing: one sweep starts it, or the first action on it does, and any
further start changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from domain.lifecycle import Action, Role
from domain.requests import RequestView, RequestWorkflowInput
from domain.sla import SlaPolicy
from domain.workflow_ids import request_workflow_id
from services import request_starts
from services.requests import RequestCommands, RequestDraft
from store import requests as repo
from store.models import ServiceRequest
from store.requests import PendingStart
from tests.helpers.people import Person, PersonFactory
from tests.helpers.polling import until
from workflows.service_request import ServiceRequestWorkflow

Commands = Callable[..., RequestCommands]
DRAFT = RequestDraft(category="plumbing", description="Течёт кран", address="Москва, 1")
NOW = timedelta(0)


async def crashed_create(cmd: RequestCommands, customer: Person) -> PendingStart:
    """A create whose process died after the commit: stored, answered, never started."""
    stored = await cmd.store(customer.id, str(uuid.uuid4()), DRAFT)
    assert stored.created
    assert stored.pending is not None
    return stored.pending


async def workflow_exists(temporal: Client, rid: str) -> bool:
    try:
        await temporal.get_workflow_handle(request_workflow_id(rid)).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def row(sessions: async_sessionmaker[AsyncSession], rid: str) -> ServiceRequest:
    async with sessions() as session:
        found = await repo.get(session, rid)
    assert found is not None
    return found


@pytest.fixture
async def people(person: PersonFactory) -> dict[str, Person]:
    return {
        "customer": await person(Role.CUSTOMER),
        "manager": await person(Role.MANAGER),
        "executor": await person(Role.EXECUTOR, skills=["plumbing"]),
    }


async def test_one_sweep_starts_a_request_left_unstarted_and_the_next_does_nothing(
    commands: Commands,
    people: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    temporal: Client,
) -> None:
    cmd = commands()
    pending = await crashed_create(cmd, people["customer"])
    rid = pending.request_id
    assert not await workflow_exists(temporal, rid)

    assert rid in await request_starts.start_pending(temporal, sessions, older_than=NOW)
    assert await workflow_exists(temporal, rid)
    assert (await row(sessions, rid)).workflow_started_at is not None
    assert rid not in await request_starts.start_pending(temporal, sessions, older_than=NOW)

    assigned = await cmd.act(
        rid, Action.ASSIGN, people["manager"].actor, executor_id=people["executor"].id
    )
    assert (assigned.state, assigned.version) == ("assigned", 2)


async def test_a_young_request_is_left_to_the_process_that_stored_it(
    commands: Commands,
    people: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    temporal: Client,
) -> None:
    pending = await crashed_create(commands(), people["customer"])
    swept = await request_starts.start_pending(temporal, sessions, older_than=timedelta(hours=1))
    assert pending.request_id not in swept
    assert not await workflow_exists(temporal, pending.request_id)
    await request_starts.start_pending(temporal, sessions, older_than=NOW)  # tidy up


async def test_an_action_on_a_request_not_started_yet_starts_it(
    commands: Commands,
    people: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    temporal: Client,
) -> None:
    cmd = commands()
    pending = await crashed_create(cmd, people["customer"])
    rid = pending.request_id
    assert not await workflow_exists(temporal, rid)
    assigned = await cmd.act(
        rid,
        Action.ASSIGN,
        people["manager"].actor,
        executor_id=people["executor"].id,
        idempotency_key="assign-before-start",
    )
    assert (assigned.state, assigned.assignee_id) == ("assigned", people["executor"].id)
    assert (await row(sessions, rid)).workflow_started_at is not None
    assert rid not in await request_starts.start_pending(temporal, sessions, older_than=NOW)
    # The keyed repeat gets the first result from the workflow now running.
    again = await cmd.act(
        rid,
        Action.ASSIGN,
        people["manager"].actor,
        executor_id=people["executor"].id,
        idempotency_key="assign-before-start",
    )
    assert again == assigned


async def test_starting_again_is_harmless_while_running_and_after_the_end(
    commands: Commands, people: dict[str, Person], temporal: Client
) -> None:
    cmd = commands()
    pending = await crashed_create(cmd, people["customer"])
    await request_starts.start_workflow(temporal, pending)
    handle = temporal.get_workflow_handle(
        request_workflow_id(pending.request_id), result_type=RequestView
    )
    run_id = (await handle.describe()).run_id

    await request_starts.start_workflow(temporal, pending)  # running: the same run
    assert (await handle.describe()).run_id == run_id
    await cmd.act(pending.request_id, Action.CANCEL, people["customer"].actor)
    assert (await asyncio.wait_for(handle.result(), 30)).state == "cancelled"

    await request_starts.start_workflow(temporal, pending)  # finished: not run again
    described = await handle.describe()
    assert (described.run_id, described.status) == (run_id, WorkflowExecutionStatus.COMPLETED)


async def test_the_sweeper_loop_starts_what_it_finds_until_stopped(
    commands: Commands,
    people: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    temporal: Client,
) -> None:
    """The sweeper starts the request with the intent it was stored with (here a short
    SLA of its own), not with a policy of the sweeping process."""
    policy = SlaPolicy(assign_s=900)
    pending = await crashed_create(commands(policy), people["customer"])
    stop = asyncio.Event()
    sweeper = asyncio.create_task(
        request_starts.run_start_sweeper(
            stop, temporal, sessions, every=timedelta(milliseconds=50), older_than=NOW
        )
    )
    try:

        async def started() -> bool:
            return (await row(sessions, pending.request_id)).workflow_started_at is not None

        await until(started, what="the sweep")
    finally:
        stop.set()
        await asyncio.wait_for(sweeper, 10)
    handle = temporal.get_workflow_handle(request_workflow_id(pending.request_id))
    assert await handle.query(ServiceRequestWorkflow.current) == pending.input.stored
    assert (await handle.describe()).task_queue == pending.task_queue
    first = (await handle.fetch_history()).events[0]
    payloads = first.workflow_execution_started_event_attributes.input.payloads
    [given] = await temporal.data_converter.decode(payloads, [RequestWorkflowInput])
    assert given == pending.input
    assert given.sla == policy


async def test_a_row_that_cannot_start_sinks_behind_the_new_ones(
    commands: Commands,
    people: dict[str, Person],
    sessions: async_sessionmaker[AsyncSession],
    temporal: Client,
) -> None:
    """An intent this code cannot read (another version wrote it) is counted as a failed
    start and never again taken before the requests that can start."""
    cmd = commands()
    broken = await crashed_create(cmd, people["customer"])
    async with sessions.begin() as session:
        stored = await repo.get(session, broken.request_id)
        assert stored is not None
        stored.start_intent = {"written_by": "a future version"}
    # One sweep of everything: the broken row fails once, all else is started.
    assert broken.request_id not in await request_starts.start_pending(
        temporal, sessions, older_than=NOW
    )
    assert (await row(sessions, broken.request_id)).start_attempts == 1

    fresh = await crashed_create(cmd, people["customer"])
    # Older, but it failed: a sweep of one row takes the new request first.
    assert await request_starts.start_pending(temporal, sessions, older_than=NOW, limit=1) == [
        fresh.request_id
    ]
    assert await workflow_exists(temporal, fresh.request_id)
    left = await row(sessions, broken.request_id)
    assert (left.workflow_started_at, left.start_attempts) == (None, 1)
    async with sessions.begin() as session:  # out of the later tests' sweeps
        stored = await repo.get(session, broken.request_id)
        assert stored is not None
        stored.start_intent = None
