"""The worker process killed with SIGKILL in the middle of many lifecycles: after a
restart every request completes, and no transition is written twice."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from core.settings import REPO_ROOT, Settings
from devstack.emulators.telegram import RunningEmulator
from devstack.mailbox import SmtpSink
from domain.lifecycle import Action, Role
from domain.requests import RequestView
from domain.workflow_ids import request_workflow_id
from services.requests import RequestCommands, RequestDraft
from store.models import Document, OutboxEvent, Payout, RequestTransition, ServiceRequest
from tests.helpers.notifications import about, events_of, notifications_of
from tests.helpers.people import PersonFactory
from tests.helpers.polling import until
from tests.helpers.processes import PlatformProcess, worker_env
from worker import check_kinds_ready, check_worker_ready

DRAFT = RequestDraft("plumbing", "Течёт смеситель", "Москва, Тверская 1")
LIFECYCLES = 12
EXPECTED = ["create", "assign", "accept", "start", "complete", "confirm", "close"]


@pytest.fixture
def crash_queue(run_id: str) -> str:
    return f"crash-{run_id}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def crash_settings(settings: Settings, crash_queue: str) -> Settings:
    """The run's settings with queues that only the subprocess worker serves."""
    return settings.with_task_queues(crash_queue)


@pytest.fixture
def worker_process(
    crash_settings: Settings, mailbox: SmtpSink, telegram_api: RunningEmulator
) -> Iterator[PlatformProcess]:
    # One process serving every kind: killing it kills every kind at once.
    process = PlatformProcess(
        crash_settings,
        [str(REPO_ROOT / "worker.py")],
        "SRA_WORKER__METRICS_PORT",
        **worker_env(crash_settings),
    )
    yield process
    process.stop()


@pytest.fixture
def commands(
    temporal: Client, sessions: async_sessionmaker[AsyncSession], crash_settings: Settings
) -> RequestCommands:
    """Commands whose workflows run on the subprocess worker's queues."""
    return RequestCommands.from_settings(temporal, sessions, crash_settings)


async def _ready(settings: Settings, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            await check_kinds_ready(settings)
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
    crash_settings: Settings,
    commands: RequestCommands,
) -> None:
    customer = await person(Role.CUSTOMER)
    executor = await person(Role.EXECUTOR, skills=["plumbing"])
    manager = await person(Role.MANAGER)
    worker_process.start()
    await _ready(crash_settings)

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
        handle = temporal.get_workflow_handle(request_workflow_id(rid), result_type=RequestView)
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


@pytest.mark.slow
async def test_worker_killed_while_telegram_holds_a_message_sends_it_exactly_once(
    settings: Settings,
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    worker_process: PlatformProcess,
    crash_settings: Settings,
    commands: RequestCommands,
    telegram_api: RunningEmulator,
) -> None:
    """The worst moment: Telegram has the message, the worker dies before the answer.
    The retry must not send a second copy (and must say the outcome was unconfirmed)."""
    control = telegram_api.control
    chat = random.randint(3 * 10**9, 4 * 10**9)
    executor = await person(Role.EXECUTOR, telegram_chat_id=chat)
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    await control.user_says(chat, "/start")
    worker_process.start()
    await _ready(crash_settings)
    view, _ = await commands.create(customer.id, f"hold-{uuid.uuid4()}", DRAFT)
    await control.hold(True)
    try:
        await _retrying(
            lambda: commands.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
        )
        await until(control.held, what="the offer held by Telegram")
        worker_process.kill()
    finally:
        await control.hold(False)
    assert len(await control.bot_messages(chat)) == 1  # Telegram has it
    worker_process.start()

    async def offer_settled() -> Any:
        rows = [r for r in await notifications_of(sessions, view.id) if r.kind == "executor_offer"]
        return rows[0] if rows and rows[0].status not in ("requested", "sending") else None

    offer = await until(offer_settled, timeout_s=90, what="the offer's retry to settle")
    assert offer.status == "unconfirmed"
    assert offer.attempts == 1  # handed over once, never again
    await asyncio.sleep(1.0)  # any second copy would have arrived by now
    assert len(await control.bot_messages(chat)) == 1
    events = [e["type"] for e in await events_of(sessions, str(offer.id))]
    assert events == ["notification.requested", "notification.failed"]


@pytest.mark.slow
async def test_worker_killed_mid_burst_sends_every_message_once(
    settings: Settings,
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    worker_process: PlatformProcess,
    crash_settings: Settings,
    commands: RequestCommands,
    mailbox: SmtpSink,
) -> None:
    """Kills at ordinary moments (rendering, pacing, between sends, after a send before
    Temporal heard of it): every customer still gets exactly one receipt."""
    customer = await person(Role.CUSTOMER)
    worker_process.start()
    await _ready(crash_settings)
    created = [
        asyncio.create_task(
            _retrying(lambda n=n: commands.create(customer.id, f"burst-{uuid.uuid4()}-{n}", DRAFT))
        )
        for n in range(20)
    ]
    await until(lambda: _receipts(mailbox, customer.email, at_least=3), what="first receipts")
    worker_process.kill()
    await asyncio.sleep(0.5)
    worker_process.start()
    views = [view for view, _ in await asyncio.gather(*created)]
    for view in views:
        await until(
            partial(_settled, sessions, view.id), timeout_s=90, what=f"receipt of {view.id}"
        )
    await asyncio.sleep(1.0)
    for view in views:
        receipts = [e for e in mailbox.received if about(customer.email, view.id)(e)]
        assert len(receipts) <= 1, view.id  # never twice
        rows = await notifications_of(sessions, view.id)
        assert len(rows) == 1
        assert rows[0].status in ("sent", "unconfirmed")
        if rows[0].status == "sent":
            assert len(receipts) == 1, view.id


async def _settled(sessions: async_sessionmaker[AsyncSession], request_id: str) -> bool:
    rows = await notifications_of(sessions, request_id)
    return bool(rows) and all(r.status in ("sent", "unconfirmed", "failed") for r in rows)


async def _receipts(
    mailbox: SmtpSink, address: str, *, at_least: int = 1, request_id: str = ""
) -> bool:
    found = [e for e in mailbox.received if about(address, request_id)(e)]
    return len(found) >= at_least


@pytest.mark.slow
async def test_worker_killed_while_documents_are_generated_leaves_exactly_one_of_each(
    settings: Settings,
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    worker_process: PlatformProcess,
    crash_settings: Settings,
    commands: RequestCommands,
) -> None:
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    executor = await person(Role.EXECUTOR, skills=["plumbing"])
    worker_process.start()
    await _ready(crash_settings)
    draft = RequestDraft("plumbing", "Заменить смеситель", "Москва", budget="1500.00")
    ids = []
    for n in range(6):
        view, _ = await commands.create(customer.id, f"paper-{uuid.uuid4()}-{n}", draft)
        for who, action, extra in (
            (manager, Action.ASSIGN, {"executor_id": executor.id}),
            (executor, Action.ACCEPT, {}),
            (executor, Action.START, {}),
            (executor, Action.COMPLETE, {"report": "Готово"}),
        ):
            await commands.act(view.id, action, who.actor, **extra)
        ids.append(view.id)

    confirming = [
        asyncio.create_task(
            _retrying(lambda rid=rid: commands.act(rid, Action.CONFIRM, customer.actor))
        )
        for rid in ids
    ]

    async def first_document() -> bool:
        async with sessions() as session:
            found = await session.execute(
                select(Document.id).where(Document.executor_id == uuid.UUID(executor.id)).limit(1)
            )
            return found.first() is not None

    await until(first_document, timeout_s=60, what="the first document")
    worker_process.kill()  # while the other requests' documents are being made
    await asyncio.sleep(1.0)
    worker_process.start()
    await asyncio.gather(*confirming)
    for rid in ids:
        handle = temporal.get_workflow_handle(request_workflow_id(rid), result_type=RequestView)
        assert (await asyncio.wait_for(handle.result(), 120)).state == "closed"

    async with sessions() as session:
        kinds = (
            await session.execute(
                select(Document.request_id, Document.kind).where(
                    Document.executor_id == uuid.UUID(executor.id)
                )
            )
        ).all()
        payouts = (
            await session.execute(
                select(func.count())
                .select_from(Payout)
                .where(Payout.executor_id == uuid.UUID(executor.id))
            )
        ).scalar_one()
        generated = (
            await session.execute(
                select(func.count())
                .select_from(OutboxEvent)
                .where(
                    OutboxEvent.type == "document.generated",
                    OutboxEvent.aggregate_id.in_(ids),
                )
            )
        ).scalar_one()
    per_request = {rid: sorted(k for r, k in kinds if str(r) == rid) for rid in ids}
    contracts = [k for _, k in kinds if k == "contract"]
    assert len(contracts) == 1  # the executor's first job only, whatever was retried
    assert all(
        [k for k in found if k != "contract"] == ["act", "payout"] for found in per_request.values()
    ), per_request
    assert payouts == len(ids)
    assert generated == len(kinds)  # one event per document, none twice


async def test_a_process_of_one_kind_serves_only_that_kinds_queue(
    crash_settings: Settings, mailbox: SmtpSink, telegram_api: RunningEmulator
) -> None:
    """Each kind scales on its own: `worker.py paperwork --replica 2` polls the paperwork
    queue under its own name, and nothing else."""
    process = PlatformProcess(
        crash_settings,
        [str(REPO_ROOT / "worker.py"), "paperwork", "--replica", "2"],
        "SRA_WORKER__METRICS_PORT",
        **worker_env(crash_settings),
    )
    process.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                summary = await check_worker_ready(
                    crash_settings, "paperwork", "worker-paperwork-2"
                )
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.3)
        assert summary.startswith("1 poller(s)")
        with pytest.raises(RuntimeError, match="worker-paperwork-1 does not poll"):
            await check_worker_ready(crash_settings, "paperwork", "worker-paperwork-1")
        for other in ("requests", "notifications", "verification"):
            with pytest.raises(RuntimeError, match="no worker polls"):
                await check_worker_ready(crash_settings, other)
    finally:
        process.stop()
