"""What the audit trail holds for one actor: rows of audit_log, each with the topic its
outbox event goes to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import AuditEntry, OutboxEvent


@dataclass(frozen=True)
class Entry:
    action: str
    target_type: str
    target_id: str
    outcome: str
    topic: str


async def entries(
    sessions: async_sessionmaker[AsyncSession], actor_id: str, action_prefix: str = ""
) -> list[Entry]:
    """The actor's entries in the order written (those whose action starts so)."""
    async with sessions() as session:
        rows = await session.execute(
            select(AuditEntry, OutboxEvent.topic)
            .join(OutboxEvent, OutboxEvent.event_id == AuditEntry.event_id)
            .where(AuditEntry.actor_id == actor_id, AuditEntry.action.startswith(action_prefix))
            .order_by(AuditEntry.id)
        )
        return [
            Entry(row.action, row.target_type, row.target_id, row.outcome, topic)
            for row, topic in rows.all()
        ]
