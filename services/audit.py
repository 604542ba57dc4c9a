"""The audit trail of privileged actions and refusals, plus their security events.
Each entry is written with its outbox event in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.trace_context import current_trace_id
from domain.lifecycle import Actor
from store import audit, outbox
from store.audit import AuditRecord
from store.outbox import EventDraft


async def record_security_event(
    sessions: async_sessionmaker[AsyncSession],
    event_type: str,
    *,
    aggregate_id: str,
    data: dict[str, Any],
    actor: Actor | None = None,
) -> None:
    async with sessions.begin() as session:
        await outbox.append(
            session,
            EventDraft(
                event_id=str(uuid.uuid4()),
                type=event_type,
                aggregate_id=aggregate_id,
                occurred_at=datetime.now(UTC),
                actor_id=actor.id if actor else None,
                actor_role=actor.role.value if actor else None,
                data=data,
                # The caller's trace, so a refusal can be found next to what caused it.
                trace_id=current_trace_id(),
            ),
        )


async def record_denial(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: str,
    detail: str,
    personal_data: bool = False,
) -> None:
    """A refused access: an audit row and an `access.denied` security event. A refused
    attempt at someone's personal data is also part of that data's access trail on
    audit-events (an `audit.action` row, outcome denied), written in the same transaction."""
    async with sessions.begin() as session:
        record = AuditRecord(
            actor_id=actor.id,
            actor_role=actor.role.value,
            action=action,
            target_type=target_type,
            target_id=target_id,
            outcome="denied",
            event_type="access.denied",
            aggregate_id=f"user:{actor.id}",
            detail=detail,
            trace_id=current_trace_id(),
        )
        await audit.add(session, record)
        if personal_data:
            trail = replace(record, event_id=str(uuid.uuid4()), event_type="audit.action")
            await audit.add(session, trail)


async def record_admin_action(
    session: AsyncSession,
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Inside the caller's transaction: the change and its audit entry commit together."""
    await audit.add(
        session,
        AuditRecord(
            actor_id=actor.id,
            actor_role=actor.role.value,
            action=action,
            target_type=target_type,
            target_id=target_id,
            outcome="allowed",
            event_type="audit.action",
            aggregate_id=f"{target_type}:{target_id}",
            before=before,
            after=after,
        ),
    )


async def record_read(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: str,
) -> None:
    """A read of someone's personal data by staff: an audit row and its `audit.action`
    event. Written before the data is sent, so nothing leaves unrecorded."""
    async with sessions.begin() as session:
        await audit.add(
            session,
            AuditRecord(
                actor_id=actor.id,
                actor_role=actor.role.value,
                action=action,
                target_type=target_type,
                target_id=target_id,
                outcome="allowed",
                event_type="audit.action",
                aggregate_id=f"user:{actor.id}",
                trace_id=current_trace_id(),
            ),
        )
