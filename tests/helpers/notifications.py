"""Reading what the notification machinery did (rows, their events, what arrived), a
notification's context, and how tightly sends were packed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from devstack.mailbox import ReceivedEmail
from store.models import Notification, OutboxEvent


async def notifications_of(
    sessions: async_sessionmaker[AsyncSession], request_id: str
) -> list[Notification]:
    async with sessions() as session:
        rows = await session.execute(
            select(Notification)
            .where(Notification.request_id == uuid.UUID(request_id))
            .order_by(Notification.created_at, Notification.id)
        )
        return list(rows.scalars())


async def events_of(
    sessions: async_sessionmaker[AsyncSession], notification_id: str
) -> list[dict[str, Any]]:
    """notification.* envelopes about one notification, in the order they were written."""
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent.envelope)
            .where(
                OutboxEvent.type.like("notification.%"),
                OutboxEvent.envelope["data"]["notification_id"].astext == notification_id,
            )
            .order_by(OutboxEvent.id)
        )
        return list(rows.scalars())


def to(address: str) -> Callable[[ReceivedEmail], bool]:
    return lambda email: address in email.rcpt_tos


def about(address: str, request_id: str) -> Callable[[ReceivedEmail], bool]:
    return lambda email: address in email.rcpt_tos and request_id[:8] in email.text


def offer_context(request_id: str) -> dict[str, object]:
    """A template context offering an executor a request, as planning would build it."""
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


def busiest_second(times: list[float]) -> int:
    """The most events inside any window of one second."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best
