"""A burst of 200 Telegram notifications through the production worker: Telegram's
30 messages/s per bot is respected, and every message arrives exactly once."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from core.settings import REPO_ROOT, Settings
from devstack.emulators.telegram_control import TelegramEmulatorControl
from domain.lifecycle import Role
from domain.notifications import Channel, Kind, PlannedNotification, notification_id
from store import notifications as notes
from tests.helpers.burst_workflow import NotificationBurstWorkflow
from tests.helpers.notifications import busiest_second, offer_context
from tests.helpers.people import PersonFactory
from tests.helpers.polling import until
from tests.helpers.processes import PlatformProcess, free_port, worker_env

BURST = 200
TELEGRAM_LIMIT = 30
CHATS = 20


@pytest.fixture
def separate_telegram(settings: Settings) -> Iterator[Settings]:
    """A Telegram emulator in its own process, as Telegram is: its receipt times are not
    skewed by this test process's busy event loop (where the sending worker runs)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack.emulators.telegram",
            "--port",
            str(port),
            "--token",
            settings.telegram.token,
            "--log-level",
            "warning",
        ],
        cwd=REPO_ROOT,
    )
    try:
        yield settings.model_copy(
            update={"telegram": settings.telegram.model_copy(update={"emulator_port": port})}
        )
    finally:
        process.terminate()
        process.wait(10)


async def _answers(control: TelegramEmulatorControl) -> bool:
    try:
        await control.all_sent()
    except httpx.HTTPError:
        return False
    return True


async def test_a_burst_of_200_stays_under_telegrams_30_per_second(
    separate_telegram: Settings,
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    unique: str,
) -> None:
    settings = separate_telegram
    async with TelegramEmulatorControl(settings.telegram.base_url) as control:
        await until(lambda: _answers(control), timeout_s=20, what="the emulator process")
        await _burst(settings, control, temporal, sessions, person, unique)


async def _burst(
    settings: Settings,
    control: TelegramEmulatorControl,
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    unique: str,
) -> None:
    base = 5 * 10**9 + int(uuid.uuid4().int % 10**6) * 100
    chats = [base + n for n in range(CHATS)]
    executors = [await person(Role.EXECUTOR, telegram_chat_id=chat) for chat in chats]
    for chat in chats:
        await control.user_says(chat, "/start")
    trigger = str(uuid.uuid4())
    items = []
    for n in range(BURST):
        request_id = str(uuid.uuid4())
        items.append(
            PlannedNotification(
                notification_id=notification_id(
                    trigger, Kind.EXECUTOR_OFFER, f"{executors[n % CHATS].id}/{n}", Channel.TELEGRAM
                ),
                kind=Kind.EXECUTOR_OFFER.value,
                channel=Channel.TELEGRAM.value,
                recipient_id=executors[n % CHATS].id,
                address=str(chats[n % CHATS]),
                locale="ru",
                request_id=request_id,
                context=offer_context(request_id),
            )
        )
    async with sessions.begin() as session:
        await notes.record_planned(session, items, trigger, datetime.now(UTC))

    # The production worker, as its own process (so its sends are not delayed by this
    # test process's other work), serving a notifications queue of its own.
    sender = PlatformProcess(
        settings,
        [str(REPO_ROOT / "worker.py")],
        "SRA_WORKER__METRICS_PORT",
        **worker_env(settings.with_task_queues(unique)),
    )
    sender.start()
    try:
        async with Worker(
            temporal, task_queue=f"{unique}-burst", workflows=[NotificationBurstWorkflow]
        ):
            statuses = await temporal.execute_workflow(
                NotificationBurstWorkflow.run,
                args=[f"{unique}-notifications", items],
                id=f"burst-{unique}",
                task_queue=f"{unique}-burst",
            )
    finally:
        sender.stop()

    assert statuses == ["sent"] * BURST
    ours = [m for m in await control.all_sent() if m["chat_id"] in set(chats)]
    assert len(ours) == BURST  # each exactly once
    times = [m["received_monotonic"] for m in ours]
    pace = settings.telegram.messages_per_s
    # Telegram's own line is 30 per second; without the pace, 200 sends take well under
    # a second and the busiest second would hold them all.
    assert busiest_second(times) <= TELEGRAM_LIMIT, busiest_second(times)
    assert max(times) - min(times) >= (BURST - pace) / pace - 0.5
