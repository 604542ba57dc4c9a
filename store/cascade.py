"""A request's dispatch cascade in the store: its offers, where it stands, and its events
on workflow-events, written in one transaction per step (domain/cascade.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cascade import OFFER_EVENT_TYPES, STATE_AFTER, CascadeEvent, OfferOutcome
from store import outbox
from store.models import RequestOffer, ServiceRequest
from store.outbox import EventDraft

_OUTCOME_OF = {event_type: outcome for outcome, event_type in OFFER_EVENT_TYPES.items()}


async def record(session: AsyncSession, row: ServiceRequest, event: CascadeEvent) -> None:
    """The event, the offer it is about and the request's cascade state, together. The
    caller holds the request's row lock and checked the event is not recorded yet."""
    outcome = _OUTCOME_OF.get(event.event_type)
    if outcome == OfferOutcome.SENT:
        assert event.executor_id is not None, "an offer goes to someone"
        assert event.expires_at is not None, "an offer runs out"
        session.add(
            RequestOffer(
                request_id=row.id,
                offer_no=event.offer_no,
                executor_id=uuid.UUID(event.executor_id),
                status=outcome.value,
                sent_at=event.occurred_at,
                expires_at=event.expires_at,
            )
        )
    elif outcome is not None:
        offer = await session.get(RequestOffer, (row.id, event.offer_no))
        if offer is not None:
            offer.status = outcome.value
            offer.answered_at = event.occurred_at
            offer.reason = event.reason
    row.dispatch = STATE_AFTER[event.event_type].value
    # A change of the read model like any other: the cache keeps only newer versions.
    row.version += 1
    await session.flush()
    await outbox.append(
        session,
        EventDraft(
            event_id=event.event_id,
            type=event.event_type,
            aggregate_id=str(row.id),
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            actor_role=event.actor_role,
            from_state=row.state,
            to_state=row.state,
            data={
                "executor_id": event.executor_id,
                "offer_no": event.offer_no,
                "expires_at": event.expires_at.isoformat() if event.expires_at else None,
                "reason": event.reason,
            },
            trace_id=event.trace_id,
        ),
    )


async def offers_of(session: AsyncSession, request_id: str) -> Sequence[RequestOffer]:
    statement = (
        select(RequestOffer)
        .where(RequestOffer.request_id == uuid.UUID(request_id))
        .order_by(RequestOffer.offer_no)
    )
    return (await session.execute(statement)).scalars().all()
