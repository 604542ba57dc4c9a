"""The audit trail: one row per privileged action or refusal, written with its event in
the caller's transaction (same event id), so neither exists without the other."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from store import outbox
from store.models import AuditEntry
from store.outbox import EventDraft


@dataclass(frozen=True)
class AuditRecord:
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    outcome: str  # allowed | denied
    event_type: str  # audit.action | access.denied
    aggregate_id: str
    detail: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    trace_id: str | None = None


async def add(session: AsyncSession, record: AuditRecord) -> None:
    session.add(
        AuditEntry(
            event_id=uuid.UUID(record.event_id),
            actor_id=record.actor_id,
            actor_role=record.actor_role,
            action=record.action,
            target_type=record.target_type,
            target_id=record.target_id,
            outcome=record.outcome,
            detail=record.detail,
            before=record.before,
            after=record.after,
            occurred_at=record.occurred_at,
        )
    )
    data: dict[str, Any] = {
        "action": record.action,
        "target": {"type": record.target_type, "id": record.target_id},
    }
    if record.outcome == "denied":
        data["detail"] = record.detail
    else:
        data |= {"before": record.before, "after": record.after}
    await outbox.append(
        session,
        EventDraft(
            event_id=record.event_id,
            type=record.event_type,
            aggregate_id=record.aggregate_id,
            occurred_at=record.occurred_at,
            actor_id=record.actor_id,
            actor_role=record.actor_role,
            data=data,
            trace_id=record.trace_id,
        ),
    )
