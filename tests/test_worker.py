"""The worker process killed with SIGKILL in the middle of many lifecycles: after a
restart every request completes, and no transition is written twice."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from core.settings import REPO_ROOT, Settings
from domain.lifecycle import Action, Role
from domain.requests import RequestView
from domain.sla import SlaPolicy
from services.requests import RequestCommands, RequestDraft
from store.models import OutboxEvent, RequestTransition, ServiceRequest
from tests.people import PersonFactory
from tests.processes import PlatformProcess
from worker import check_worker_ready
from workflows.service_request import workflow_id

LIFECYCLES = 12
EXPECTED = ["create", "assign", "accept", "start", "complete", "confirm", "close"]


@pytest.fixture
def crash_queue(run_id: str) -> str:
    return f"crash-{run_id}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def worker_process(settings: Settings, crash_queue: str) -> Iterator[PlatformProcess]:
    process = PlatformProcess(
        settings,
        [str(REPO_ROOT / "worker.py")],
        "SRA_WORKER__METRICS_PORT",
        SRA_TEMPORAL__TASK_QUEUE=crash_queue,
    )
    yield process
    process.stop()


async def _ready(settings: Settings, queue: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            await check_worker_ready(settings, task_queue=queue)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


@pytest.mark.slow
async def test_killed_worker_loses_nothing_and_duplicates_nothing(
    settings: Settings,
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    worker_process: PlatformProcess,
    crash_queue: str,
) -> None:
    customer = await person(Role.CUSTOMER)
    executor = await person(Role.EXECUTOR, skills=["plumbing"])
    manager = await person(Role.MANAGER)
    commands = RequestCommands(temporal, sessions, crash_queue, SlaPolicy())
    worker_process.start()
    await _ready(settings, crash_queue)

    steps: list[tuple[Any, Action, dict[str, Any]]] = [
        (manager, Action.ASSIGN, {"executor_id": executor.id}),
        (executor, Action.ACCEPT, {}),
        (executor, Action.START, {}),
        (executor, Action.COMPLETE, {"report": "done"}),
        (customer, Action.CONFIRM, {}),
    ]

    async def lifecycle(n: int) -> str:
        key = f"crash-{uuid.uuid4()}"
        draft = RequestDraft("plumbing", f"job {n}", "Moscow")
        view, _ = await _retrying(lambda: commands.create(customer.id, key, draft))
        for who, action, kwargs in steps:
            # The same idempotency key on a retry: the update runs once however often sent.
            await _retrying(
                lambda w=who, a=action, k=kwargs: commands.act(
                    view.id, a, w.actor, idempotency_key=f"{key}-{a}", **k
                )
            )
        return str(view.id)

    running = [asyncio.create_task(lifecycle(n)) for n in range(LIFECYCLES)]
    await _until_transitions(sessions, customer.id, at_least=LIFECYCLES * 2)
    unfinished = sum(not task.done() for task in running)
    worker_process.kill()  # pull the plug in the middle of the lifecycles
    assert unfinished > 0, "every lifecycle had finished before the kill"
    await asyncio.sleep(1.0)
    worker_process.start()
    request_ids = await asyncio.wait_for(asyncio.gather(*running), 180)

    for rid in request_ids:
        handle = temporal.get_workflow_handle(workflow_id(rid), result_type=RequestView)
        assert (await asyncio.wait_for(handle.result(), 60)).state == "closed"
    async with sessions() as session:
        for rid in request_ids:
            actions = (
                (
                    await session.execute(
                        select(RequestTransition.action)
                        .where(RequestTransition.request_id == uuid.UUID(rid))
                        .order_by(RequestTransition.seq)
                    )
                )
                .scalars()
                .all()
            )
            assert list(actions) == EXPECTED, rid
            seqs = (
                (
                    await session.execute(
                        select(OutboxEvent.seq)
                        .where(OutboxEvent.aggregate_id == rid)
                        .order_by(OutboxEvent.seq)
                    )
                )
                .scalars()
                .all()
            )
            assert list(seqs) == list(range(1, len(seqs) + 1)), rid


async def _until_transitions(
    sessions: async_sessionmaker[AsyncSession], customer_id: str, at_least: int
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with sessions() as session:
            count = (
                await session.execute(
                    select(func.count())
                    .select_from(RequestTransition)
                    .join(ServiceRequest, ServiceRequest.id == RequestTransition.request_id)
                    .where(ServiceRequest.customer_id == uuid.UUID(customer_id))
                )
            ).scalar_one()
        if count >= at_least:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the lifecycles did not start")


async def _retrying(call: Any, attempts: int = 30) -> Any:
    """Retry what a client would retry while the worker is down (RPC timeouts)."""
    for attempt in range(attempts):
        try:
            return await call()
        except Exception as error:  # the update RPC may time out while no worker runs
            if attempt == attempts - 1 or type(error).__name__ not in (
                "WorkflowUpdateRPCTimeoutOrCancelledError",
                "RPCError",
            ):
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")
