"""Repository of notifications and their events. Functions only flush.

Each status change writes its notification.* event to the outbox in the caller's
transaction, keyed by the recipient (docs/events.md). Event ids derive from the
notification id and the attempt, so a retried write finds its own earlier commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import Role
from domain.notifications import PlannedNotification
from store import outbox
from store.models import Notification
from store.outbox import EventDraft

FINISHED = frozenset({"sent", "failed", "unconfirmed"})


def event_id_for(notification_id: str, what: str) -> str:
    return str(uuid.uuid5(uuid.UUID(notification_id), what))


async def record_planned(
    session: AsyncSession,
    planned: Sequence[PlannedNotification],
    trigger_event_id: str,
    occurred_at: datetime,
) -> None:
    """Insert the notifications not yet known, each with its notification.requested."""
    for item in planned:
        inserted = await session.execute(
            insert(Notification)
            .values(
                id=uuid.UUID(item.notification_id),
                trigger_event_id=uuid.UUID(trigger_event_id),
                request_id=uuid.UUID(item.request_id) if item.request_id else None,
                kind=item.kind,
                channel=item.channel,
                recipient_id=uuid.UUID(item.recipient_id),
                address=item.address,
                locale=item.locale,
                context=item.context,
            )
            .on_conflict_do_nothing(index_elements=[Notification.id])
            .returning(Notification.id)
        )
        if inserted.first() is None:
            continue  # planned by an earlier attempt
        await _event(session, item, "notification.requested", "requested", occurred_at, {})


async def get(session: AsyncSession, notification_id: str, *, lock: bool = False) -> Notification:
    query = select(Notification).where(Notification.id == uuid.UUID(notification_id))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise LookupError(f"notification {notification_id} was never planned")
    return row


async def planned_for(session: AsyncSession, trigger_event_id: str) -> list[Notification]:
    """Every notification ever planned for the event, in the order they were planned."""
    rows = await session.execute(
        select(Notification)
        .where(Notification.trigger_event_id == uuid.UUID(trigger_event_id))
        .order_by(Notification.created_at, Notification.id)
    )
    return list(rows.scalars())


def mark_sending(row: Notification, now: datetime, attempt: int) -> None:
    row.status = "sending"
    row.attempts += 1
    row.sending_at = now
    row.sending_attempt = attempt


def owns_send(row: Notification, attempt: int) -> bool:
    """Whether this activity attempt is the one handing the message over right now."""
    return row.status == "sending" and row.sending_attempt == attempt


async def mark_sent(
    session: AsyncSession,
    row: Notification,
    item: PlannedNotification,
    message_id: str,
    now: datetime,
) -> None:
    row.status = "sent"
    row.provider_message_id = message_id
    row.last_error = None
    row.finished_at = now
    await _event(
        session,
        item,
        "notification.sent",
        "sent",
        now,
        {"handed_over": row.attempts, "provider_message_id": message_id},
    )


async def mark_failed(
    session: AsyncSession,
    row: Notification,
    item: PlannedNotification,
    detail: str,
    *,
    permanent: bool,
    now: datetime,
    attempt: int,
    status: str | None = None,
) -> None:
    """Permanent: the notification ends here. Otherwise it goes back to `requested`
    for the next attempt, and this attempt's failure is still an event."""
    row.last_error = detail
    row.status = status or ("failed" if permanent else "requested")
    if row.status in FINISHED:
        row.finished_at = now
    await _event(
        session,
        item,
        "notification.failed",
        f"failed/{attempt}",
        now,
        {"attempt": attempt, "permanent": permanent, "error": detail[:500]},
    )


async def _event(
    session: AsyncSession,
    item: PlannedNotification,
    event_type: str,
    what: str,
    occurred_at: datetime,
    extra: dict[str, Any],
) -> None:
    event_id = event_id_for(item.notification_id, what)
    if await outbox.already_recorded(session, event_id):
        return
    await outbox.append(
        session,
        EventDraft(
            event_id=event_id,
            type=event_type,
            aggregate_id=item.recipient_id,
            occurred_at=occurred_at,
            actor_id="system",
            actor_role=Role.SYSTEM,
            data={
                "notification_id": item.notification_id,
                "channel": item.channel,
                "template": item.kind,
                "locale": item.locale,
                "request_id": item.request_id,
                **extra,
            },
            trace_id=item.trace_id,
        ),
    )


def to_planned(row: Notification, trace_id: str | None = None) -> PlannedNotification:
    return PlannedNotification(
        notification_id=str(row.id),
        kind=row.kind,
        channel=row.channel,
        recipient_id=str(row.recipient_id),
        address=row.address,
        locale=row.locale,
        request_id=str(row.request_id) if row.request_id else "",
        context=row.context,
        trace_id=trace_id,
    )
