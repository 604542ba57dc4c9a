"""Synthetic events written through the real outbox code."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import outbox
from store.models import OutboxEvent
from store.outbox import EventDraft


async def append_events(
    sessions: async_sessionmaker[AsyncSession], aggregates: list[str], per_aggregate: int
) -> set[str]:
    """`per_aggregate` events for each aggregate, interleaved the way concurrent requests
    write them, in one transaction; returns their event ids."""
    event_ids: set[str] = set()
    async with sessions.begin() as session:
        for step in range(per_aggregate):
            for aggregate in aggregates:
                event_id = str(uuid.uuid4())
                event_ids.add(event_id)
                await outbox.append(
                    session,
                    EventDraft(
                        event_id=event_id,
                        type="request.updated",
                        aggregate_id=aggregate,
                        occurred_at=datetime.now(UTC),
                        data={"n": step},
                    ),
                )
    return event_ids


async def all_published(
    sessions: async_sessionmaker[AsyncSession], aggregates: Iterable[str]
) -> bool:
    """Whether the relay has published every outbox row of these aggregates."""
    async with sessions() as session:
        found = await session.execute(
            select(func.count())
            .select_from(OutboxEvent)
            .where(
                OutboxEvent.aggregate_id.in_(list(aggregates)),
                OutboxEvent.published_at.is_(None),
            )
        )
        return int(found.scalar_one()) == 0
