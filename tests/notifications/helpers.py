"""Reading what the notification machinery did: rows, their events, what arrived."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
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


async def until(check: Callable[[], Any], timeout_s: float = 20.0, what: str = "condition") -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout_s} s (last: {result!r})")
        await asyncio.sleep(0.1)


def to(address: str) -> Callable[[ReceivedEmail], bool]:
    return lambda email: address in email.rcpt_tos


def about(address: str, request_id: str) -> Callable[[ReceivedEmail], bool]:
    return lambda email: address in email.rcpt_tos and request_id[:8] in email.text
