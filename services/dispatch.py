"""The ranked candidates for a request: the executors with its skill, eligible ones by
score and the others with their reasons (domain/dispatch.py decides; this gathers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import DispatchSettings
from domain.dispatch import Ranking, RequestNeeds, needs_of, rank
from domain.requests import RequestView
from store import dispatch as store
from store.dispatch import ExecutorRecord


@dataclass(frozen=True)
class RankedCandidates:
    needs: RequestNeeds
    ranking: Ranking
    executors: dict[str, ExecutorRecord]


class CandidateRanking:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: DispatchSettings,
        zone: ZoneInfo,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.zone = zone  # of working hours: the business's one time zone

    async def rank(self, view: RequestView, now: datetime) -> RankedCandidates:
        window = (view.window_start, view.window_end)
        needs = needs_of(view.category, view.address, window, now, self.zone)
        async with self.sessions() as session:
            records = await store.executors_with_skill(session, view.category)
        executors = {str(r.user.id): r for r in records}
        ranking = rank(needs, (store.facts_of(r) for r in records), self.settings.weights())
        return RankedCandidates(needs, ranking, executors)
