"""Repository of service requests: the read model, its history and its audit trail.
Functions only flush; the caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, cast, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.requests import NewRequest, RequestView, TransitionRecord
from store.models import RequestActionKey, RequestTransition, ServiceRequest


def to_view(row: ServiceRequest) -> RequestView:
    return RequestView(
        id=str(row.id),
        customer_id=str(row.customer_id),
        category=row.category,
        description=row.description,
        address=row.address,
        state=row.state,
        assignee_id=str(row.assignee_id) if row.assignee_id else None,
        window_start=row.window_start,
        window_end=row.window_end,
        budget=str(row.budget) if row.budget is not None else None,
        report=row.report,
        sla_stage=row.sla_stage,
        sla_due_at=row.sla_due_at,
        sla_breached=row.sla_breached,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        paperwork_failed=row.paperwork_failed,
    )


async def get(
    session: AsyncSession, request_id: str, *, lock: bool = False
) -> ServiceRequest | None:
    statement = select(ServiceRequest).where(ServiceRequest.id == uuid.UUID(request_id))
    if lock:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def require(session: AsyncSession, request_id: str, *, lock: bool = False) -> ServiceRequest:
    """The request's row; LookupError (which activities do not retry) when it is missing."""
    row = await get(session, request_id, lock=lock)
    if row is None:
        raise LookupError(f"request {request_id} is not in the store")
    return row


def add_new(
    session: AsyncSession,
    new: NewRequest,
    *,
    sla_stage: str,
    sla_due_at: datetime,
    created_at: datetime,
) -> ServiceRequest:
    row = ServiceRequest(
        id=uuid.UUID(new.request_id),
        customer_id=uuid.UUID(new.customer_id),
        idempotency_key=new.idempotency_key,
        category=new.category,
        description=new.description,
        address=new.address,
        window_start=new.window_start,
        window_end=new.window_end,
        budget=Decimal(new.budget) if new.budget is not None else None,
        state="new",
        sla_stage=sla_stage,
        sla_due_at=sla_due_at,
        sla_breached=False,
        paperwork_failed=False,
        version=1,
        created_at=created_at,
        updated_at=created_at,
    )
    session.add(row)
    return row


def apply(row: ServiceRequest, record: TransitionRecord) -> None:
    row.state = record.to_state
    row.assignee_id = uuid.UUID(record.assignee_id) if record.assignee_id else None
    row.sla_stage = record.sla_stage
    row.sla_due_at = record.sla_due_at
    row.sla_breached = False  # a new stage starts with a clean SLA
    if record.report is not None:
        row.report = record.report
    row.version += 1
    row.updated_at = record.occurred_at


def add_history(
    session: AsyncSession,
    *,
    request_id: str,
    event_id: str,
    seq: int,
    action: str,
    from_state: str | None,
    to_state: str,
    actor_id: str,
    actor_role: str,
    occurred_at: datetime,
    data: dict[str, object],
) -> None:
    session.add(
        RequestTransition(
            request_id=uuid.UUID(request_id),
            event_id=uuid.UUID(event_id),
            seq=seq,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_id=actor_id,
            actor_role=actor_role,
            occurred_at=occurred_at,
            data=data,
        )
    )


async def history(session: AsyncSession, request_id: str) -> list[RequestTransition]:
    rows = await session.execute(
        select(RequestTransition)
        .where(RequestTransition.request_id == uuid.UUID(request_id))
        .order_by(RequestTransition.seq)
    )
    return list(rows.scalars())


EXECUTOR_ACTIVE_STATES = ("assigned", "accepted", "in_progress", "completed", "disputed")


async def active_for_executor(
    session: AsyncSession, executor_id: str, limit: int = 20
) -> list[ServiceRequest]:
    found = await session.execute(
        select(ServiceRequest)
        .where(
            ServiceRequest.assignee_id == uuid.UUID(executor_id),
            ServiceRequest.state.in_(EXECUTOR_ACTIVE_STATES),
        )
        .order_by(ServiceRequest.updated_at.desc(), ServiceRequest.id)
        .limit(limit)
    )
    return list(found.scalars())


async def find_for_executor(
    session: AsyncSession, executor_id: str, reference: str
) -> ServiceRequest | None:
    """The executor's request by full id or by the short id messages show (a prefix)."""
    prefix = reference.strip().lower()
    if not prefix or any(ch not in "0123456789abcdef-" for ch in prefix):
        return None
    found = await session.execute(
        select(ServiceRequest)
        .where(
            ServiceRequest.assignee_id == uuid.UUID(executor_id),
            cast(ServiceRequest.id, String).startswith(prefix, autoescape=True),
        )
        .order_by(ServiceRequest.updated_at.desc())
        .limit(2)
    )
    rows = list(found.scalars())
    return rows[0] if len(rows) == 1 else None


async def claim_action_key(
    session: AsyncSession,
    *,
    request_id: str,
    actor_id: str,
    idempotency_key: str,
    action: str,
    fingerprint: str,
) -> RequestActionKey:
    """The action the key is bound to: this one if the key is new, else the first one's.
    Concurrent claims of one key agree (the insert of all but one does nothing)."""
    await session.execute(
        insert(RequestActionKey)
        .values(
            request_id=uuid.UUID(request_id),
            actor_id=actor_id,
            idempotency_key=idempotency_key,
            action=action,
            fingerprint=fingerprint,
        )
        .on_conflict_do_nothing()
    )
    bound = await session.execute(
        select(RequestActionKey).where(
            RequestActionKey.request_id == uuid.UUID(request_id),
            RequestActionKey.actor_id == actor_id,
            RequestActionKey.idempotency_key == idempotency_key,
        )
    )
    return bound.scalar_one()
