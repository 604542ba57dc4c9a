"""A burst of 200 Telegram notifications through the production worker: Telegram's
30 messages/s per bot is respected, and every message arrives exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from core.settings import Settings
from devstack.emulators.telegram import RunningEmulator
from domain.lifecycle import Role
from domain.notifications import Channel, Kind, PlannedNotification, notification_id
from store import notifications as notes
from tests.notifications.burst_workflow import NotificationBurstWorkflow
from tests.notifications.test_rate_limit import busiest_second
from tests.people import PersonFactory

BURST = 200
CHATS = 20


def offer_context(request_id: str) -> dict[str, object]:
    return {
        "recipient": {"name": "Иван", "role": "executor"},
        "request": {
            "id": request_id,
            "short_id": request_id[:8],
            "category": "plumbing",
            "description": "Течёт смеситель",
            "address": "Москва",
            "state": "assigned",
            "budget": "1000.00",
            "window_start": None,
            "window_end": None,
            "report": None,
            "assignee_name": "Иван",
        },
        "event": {
            "type": "request.assigned",
            "occurred_at": datetime.now(UTC).isoformat(),
            "reason": None,
            "data": {},
        },
        "links": {"request": "http://127.0.0.1:58000/requests/x", "confirm": None},
    }


async def test_a_burst_of_200_respects_telegrams_30_per_second(
    settings: Settings,
    worker: None,
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
    unique: str,
) -> None:
    control = telegram_api.control
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

    async with Worker(temporal, task_queue=unique, workflows=[NotificationBurstWorkflow]):
        statuses = await temporal.execute_workflow(
            NotificationBurstWorkflow.run,
            args=[settings.notifications.task_queue, items],
            id=f"burst-{unique}",
            task_queue=unique,
        )

    assert statuses == ["sent"] * BURST
    ours = [m for m in await control.all_sent() if m["chat_id"] in set(chats)]
    assert len(ours) == BURST  # each exactly once
    times = [m["received_monotonic"] for m in ours]
    limit = settings.telegram.messages_per_s
    # Slots are 1/30 s apart; +2 allows for network jitter at a window's edge (without
    # the pace, 200 sends take well under a second: the busiest second would hold all).
    assert busiest_second(times) <= limit + 2, busiest_second(times)
    assert max(times) - min(times) >= (BURST - limit - 1) / limit
