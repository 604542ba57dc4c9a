"""The transactional outbox: events are rows written in the caller's transaction.

`seq` is handed out per aggregate from `aggregate_sequences` under a row lock, in the
same transaction as the event, so it is gap-free: a rolled-back transaction returns its
number. Only types the contract knows may enter (domain.events)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import SCHEMA_VERSION, topic_of
from store.contract import validate_envelope
from store.models import AggregateSequence, OutboxEvent


@dataclass(frozen=True)
class EventDraft:
    event_id: str
    type: str
    aggregate_id: str
    occurred_at: datetime
    actor_id: str | None = None
    actor_role: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    trace_id: str | None = None


async def next_seq(session: AsyncSession, aggregate_id: str) -> int:
    statement = (
        insert(AggregateSequence)
        .values(aggregate_id=aggregate_id, last_seq=1)
        .on_conflict_do_update(
            index_elements=[AggregateSequence.aggregate_id],
            set_={"last_seq": AggregateSequence.last_seq + 1},
        )
        .returning(AggregateSequence.last_seq)
    )
    return int((await session.execute(statement)).scalar_one())


async def already_recorded(session: AsyncSession, event_id: str) -> bool:
    found = await session.execute(
        select(OutboxEvent.id).where(OutboxEvent.event_id == uuid.UUID(event_id))
    )
    return found.first() is not None


async def append(session: AsyncSession, draft: EventDraft, seq: int | None = None) -> int:
    """Add one event; returns its seq. A duplicate event_id fails the transaction (the
    caller checks `already_recorded` first, so a retry becomes a no-op)."""
    topic = topic_of(draft.type)
    envelope: dict[str, Any] = {
        "event_id": draft.event_id,
        "type": draft.type,
        "schema_version": SCHEMA_VERSION,
        "occurred_at": draft.occurred_at.isoformat(),
        "aggregate_id": draft.aggregate_id,
        "seq": seq or 1,  # the real number is taken only once the envelope is valid
        "actor": {"id": draft.actor_id, "role": draft.actor_role} if draft.actor_id else None,
        "from_state": draft.from_state,
        "to_state": draft.to_state,
        "data": draft.data,
        "trace_id": draft.trace_id,
    }
    validate_envelope(envelope)
    if seq is None:
        seq = await next_seq(session, draft.aggregate_id)
    envelope["seq"] = seq
    session.add(
        OutboxEvent(
            event_id=uuid.UUID(draft.event_id),
            topic=topic.value,
            key=draft.aggregate_id,
            type=draft.type,
            aggregate_id=draft.aggregate_id,
            seq=seq,
            envelope=envelope,
        )
    )
    await session.flush()
    return seq
