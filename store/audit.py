"""The audit trail: one row per privileged action or refusal, written with its event in
the caller's transaction (same event id), so neither exists without the other."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String
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


# The envelope's limit on aggregate ids (contracts/events/envelope.v1.json).
AGGREGATE_ID_LENGTH = 64


def fit(value: str, length: int) -> str:
    """The value, or when it is longer than the column a cut of it ending in a digest of
    the whole: whatever a caller typed (a garbage path id) must never stop the audit row
    from being written, and distinct long values stay distinct."""
    if len(value) <= length:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:12]
    return f"{value[: length - len(digest) - 1]}~{digest}"


def _column_length(name: str) -> int:
    column_type = AuditEntry.__table__.c[name].type
    if not isinstance(column_type, String) or column_type.length is None:
        raise TypeError(f"audit_log.{name} is not a bounded text column")
    return column_type.length


def fitted(record: AuditRecord) -> AuditRecord:
    """The record with every bounded text cut to its column (and the event's aggregate
    id to the envelope's limit)."""
    return replace(
        record,
        actor_id=fit(record.actor_id, _column_length("actor_id")),
        actor_role=fit(record.actor_role, _column_length("actor_role")),
        action=fit(record.action, _column_length("action")),
        target_type=fit(record.target_type, _column_length("target_type")),
        target_id=fit(record.target_id, _column_length("target_id")),
        outcome=fit(record.outcome, _column_length("outcome")),
        aggregate_id=fit(record.aggregate_id, AGGREGATE_ID_LENGTH),
    )


async def add(session: AsyncSession, record: AuditRecord) -> None:
    record = fitted(record)
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
