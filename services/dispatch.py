"""The ranked candidates for a request: the executors with its skill, eligible ones by
score and the others with their reasons (domain/dispatch.py decides; this gathers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import DispatchSettings
from domain.dispatch import ExecutorFacts, Ranking, RequestNeeds, Weights, rank
from domain.districts import district_of
from domain.requests import RequestView
from store import dispatch as store
from store.dispatch import ExecutorRecord


@dataclass(frozen=True)
class RankedCandidates:
    needs: RequestNeeds
    ranking: Ranking
    executors: dict[str, ExecutorRecord]


def weights_of(settings: DispatchSettings) -> Weights:
    return Weights(
        load=settings.weight_load,
        rating=settings.weight_rating,
        acceptance=settings.weight_acceptance,
        sla=settings.weight_sla,
        area=settings.weight_area,
    )


def facts_of(record: ExecutorRecord) -> ExecutorFacts:
    profile = record.profile
    return ExecutorFacts(
        executor_id=str(record.user.id),
        skills=frozenset(profile.skills),
        districts=frozenset(profile.districts),
        verified=profile.verification_status == "verified",
        verified_until=profile.verified_until,
        on_duty=profile.available,
        capacity=profile.capacity,
        open_jobs=int(record.open_jobs),
        # No ratings yet: every executor is neutral on them.
        rating=None,
        offers=int(record.accepted) + int(record.declined),
        accepted=int(record.accepted),
        jobs_with_sla=int(record.completed),
        sla_breaches=int(record.completed_with_breach),
    )


class CandidateRanking:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: DispatchSettings
    ) -> None:
        self.sessions = sessions
        self.settings = settings

    async def rank(self, view: RequestView, now: datetime) -> RankedCandidates:
        needs = RequestNeeds(
            category=view.category,
            district=district_of(view.address),
            window_end=view.window_end,
            now=now,
        )
        async with self.sessions() as session:
            records = await store.executors_with_skill(session, view.category)
        executors = {str(r.user.id): r for r in records}
        ranking = rank(needs, (facts_of(r) for r in records), weights_of(self.settings))
        return RankedCandidates(needs, ranking, executors)
