"""Activities of the dispatch cascade: who is offered the request next, and each step of
the cascade recorded (its offer, the request's cascade state and the event) in one
transaction keyed by the workflow-made event id, so a retry writes nothing twice."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from domain.cascade import CascadeEvent, OffereeQuery, next_offeree
from domain.dispatch import Weights, needs_of, rank
from domain.requests import RequestView
from store import cache, outbox
from store import cascade as cascades
from store import dispatch as candidates
from store import requests as repo


class DispatchActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        weights: Weights,
        time_zone: str,
    ) -> None:
        self.sessions = sessions
        self.redis = redis
        self.weights = weights
        self.zone = ZoneInfo(time_zone)  # of working hours

    @activity.defn
    async def next_offeree(self, query: OffereeQuery) -> str | None:
        """The best eligible candidate not offered the request yet, ranked as
        GET /requests/{id}/candidates ranks them now; None when nobody is left."""
        async with self.sessions() as session:
            row = await repo.require(session, query.request_id)
            records = await candidates.executors_with_skill(session, row.category)
        window = (row.window_start, row.window_end)
        needs = needs_of(row.category, row.address, window, query.as_of, self.zone)
        ranking = rank(needs, (candidates.facts_of(r) for r in records), self.weights)
        ranked = [candidate.executor_id for candidate in ranking.candidates]
        return next_offeree(ranked, query.already_offered)

    @activity.defn
    async def record_cascade_event(self, event: CascadeEvent) -> RequestView:
        async with self.sessions.begin() as session:
            row = await repo.require(session, event.request_id, lock=True)
            if not await outbox.already_recorded(session, event.event_id):
                await cascades.record(session, row, event)
            view = repo.to_view(row)
        await cache.put_request(self.redis, view)
        return view
