"""Rating a finished request, and the managers' follow-ups of low ratings (rules in
domain/ratings.py, storage in store/ratings.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import STAFF_ROLES, Actor
from domain.ratings import RatedRequest, asks_follow_up, may_still_edit, side_of
from domain.requests import RequestView
from services.errors import Conflict, Forbidden, NotFound
from store import ratings as store
from store.models import FollowUp, Rating


@dataclass(frozen=True)
class Rated:
    rating: Rating
    created: bool


class Ratings:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def rate(self, actor: Actor, view: RequestView, score: int, comment: str) -> Rated:
        """The caller's rating of the request, given or changed; a customer's low one
        opens a follow-up for the managers in the same transaction."""
        side = side_of(actor, RatedRequest(view.state, view.customer_id, view.assignee_id))
        now = datetime.now(UTC)
        try:
            async with self.sessions.begin() as session:
                existing = await store.get(session, view.id, side.rater_role)
                if existing is not None and not may_still_edit(existing.created_at, now):
                    raise Conflict("a rating can be changed for 24 hours after it is given")
                rating = await store.write(
                    session,
                    existing,
                    request_id=view.id,
                    rater=actor,
                    rater_role=side.rater_role,
                    ratee_id=side.ratee_id,
                    score=score,
                    comment=comment,
                    now=now,
                )
                if asks_follow_up(side.rater_role, score):
                    await store.open_follow_up(
                        session,
                        request_id=view.id,
                        customer=actor,
                        score=score,
                        comment=comment,
                        now=now,
                    )
        except IntegrityError:  # the same side's first rating, sent twice at once
            raise Conflict(
                "this request was just rated from your side; change it instead"
            ) from None
        return Rated(rating, existing is None)

    async def of_request(self, actor: Actor, view: RequestView) -> Sequence[Rating]:
        """Staff see both sides; the customer and the executor see their own."""
        async with self.sessions() as session:
            found = await store.of_request(session, view.id)
        if actor.role in STAFF_ROLES:
            return found
        return [r for r in found if str(r.rater_id) == actor.id]

    async def follow_ups(self, actor: Actor, *, open_only: bool, limit: int) -> Sequence[FollowUp]:
        _staff_only(actor)
        async with self.sessions() as session:
            return await store.follow_ups(session, open_only=open_only, limit=limit)

    async def close_follow_up(self, actor: Actor, follow_up_id: uuid.UUID, note: str) -> FollowUp:
        _staff_only(actor)
        async with self.sessions.begin() as session:
            task = await store.follow_up(session, follow_up_id)
            if task is None:
                raise NotFound(f"follow-up {follow_up_id} does not exist")
            if task.done_at is not None:
                raise Conflict("this follow-up is done already")
            await store.close_follow_up(session, task, actor, note, datetime.now(UTC))
            return task


def _staff_only(actor: Actor) -> None:
    if actor.role not in STAFF_ROLES:
        raise Forbidden(f"follow-ups are the managers' work; a {actor.role} has none")
