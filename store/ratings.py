"""Ratings and the follow-up tasks they open, each write with its event in the outbox in
the same transaction (domain/ratings.py says who may write what)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from domain.lifecycle import Actor
from domain.ratings import RaterRole
from store import outbox
from store.models import FollowUp, Rating, User
from store.outbox import EventDraft


async def get(session: AsyncSession, request_id: str, rater_role: RaterRole) -> Rating | None:
    return await session.get(
        Rating, (uuid.UUID(request_id), rater_role.value), with_for_update=True
    )


async def of_request(session: AsyncSession, request_id: str) -> Sequence[Rating]:
    statement = (
        select(Rating).where(Rating.request_id == uuid.UUID(request_id)).order_by(Rating.rater_role)
    )
    return (await session.execute(statement)).scalars().all()


async def write(
    session: AsyncSession,
    rating: Rating | None,
    *,
    request_id: str,
    rater: Actor,
    rater_role: RaterRole,
    ratee_id: str,
    score: int,
    comment: str,
    now: datetime,
) -> Rating:
    """Create or change the rating, with its `rating.given` or `rating.changed` event."""
    event = "rating.changed" if rating is not None else "rating.given"
    if rating is None:
        rating = Rating(
            request_id=uuid.UUID(request_id),
            rater_role=rater_role.value,
            rater_id=uuid.UUID(rater.id),
            ratee_id=uuid.UUID(ratee_id),
            created_at=now,
        )
        session.add(rating)
    rating.score, rating.comment, rating.updated_at = score, comment, now
    await session.flush()
    await _event(
        session,
        event,
        request_id,
        rater,
        now,
        {
            "rater_role": rater_role.value,
            "rater_id": rater.id,
            "ratee_id": ratee_id,
            "score": score,
            "comment": comment,
        },
    )
    return rating


async def open_follow_up(
    session: AsyncSession,
    *,
    request_id: str,
    customer: Actor,
    score: int,
    comment: str,
    now: datetime,
) -> FollowUp | None:
    """A task for the managers, once per request: a later low edit keeps the first."""
    found = await session.execute(
        select(FollowUp).where(FollowUp.request_id == uuid.UUID(request_id))
    )
    if found.scalar_one_or_none() is not None:
        return None
    task = FollowUp(
        id=uuid.uuid4(),
        request_id=uuid.UUID(request_id),
        customer_id=uuid.UUID(customer.id),
        score=score,
        comment=comment,
        created_at=now,
    )
    session.add(task)
    await session.flush()
    data = {"follow_up_id": str(task.id), "customer_id": customer.id, "score": score}
    await _event(session, "followup.opened", request_id, customer, now, data | {"comment": comment})
    return task


async def follow_ups(session: AsyncSession, *, open_only: bool, limit: int) -> Sequence[FollowUp]:
    statement = select(FollowUp).order_by(FollowUp.created_at.desc(), FollowUp.id).limit(limit)
    if open_only:
        statement = statement.where(FollowUp.done_at.is_(None))
    return (await session.execute(statement)).scalars().all()


async def follow_up(session: AsyncSession, follow_up_id: uuid.UUID) -> FollowUp | None:
    return await session.get(FollowUp, follow_up_id, with_for_update=True)


async def close_follow_up(
    session: AsyncSession, task: FollowUp, manager: Actor, note: str, now: datetime
) -> None:
    task.done_at, task.done_by, task.note = now, uuid.UUID(manager.id), note
    await session.flush()
    await _event(session, "followup.done", str(task.request_id), manager, now, {"note": note})


def average_received(rater_role: RaterRole) -> ScalarSelect[float | None]:
    """The mean score the correlated user received from raters of `rater_role`."""
    return (
        select(func.avg(Rating.score))
        .where(Rating.ratee_id == User.id, Rating.rater_role == rater_role.value)
        .correlate(User)
        .scalar_subquery()
    )


def count_received(rater_role: RaterRole) -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(Rating.ratee_id == User.id, Rating.rater_role == rater_role.value)
        .correlate(User)
        .scalar_subquery()
    )


async def _event(
    session: AsyncSession,
    event_type: str,
    request_id: str,
    actor: Actor,
    now: datetime,
    data: dict[str, object],
) -> None:
    await outbox.append(
        session,
        EventDraft(
            event_id=str(uuid.uuid4()),
            type=event_type,
            aggregate_id=request_id,
            occurred_at=now,
            actor_id=actor.id,
            actor_role=actor.role,
            data=data,
        ),
    )
