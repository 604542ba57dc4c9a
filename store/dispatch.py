"""What dispatch needs to know about the executors who could take a request: their
profile, the jobs they hold now and their record (accepts, declines, completions and
the SLA breaches of what they completed)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from domain.dispatch import ExecutorFacts
from domain.ratings import RaterRole
from domain.working_hours import parse_hours
from store import ratings
from store.models import ExecutorProfile, RequestOffer, RequestTransition, ServiceRequest, User
from store.users import held_jobs


@dataclass(frozen=True)
class ExecutorRecord:
    user: User
    profile: ExecutorProfile
    open_jobs: int
    accepted: int
    declined: int
    completed: int
    completed_with_breach: int
    rating: float | None = None  # the mean of their customers' ratings


def _by_actor(action: str) -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(
            RequestTransition.actor_id == cast(User.id, String), RequestTransition.action == action
        )
        .correlate(User)
        .scalar_subquery()
    )


def _offers_run_out() -> ScalarSelect[int]:
    """Offers of a cascade the executor let expire: declines too, by silence."""
    return (
        select(func.count())
        .where(RequestOffer.executor_id == User.id, RequestOffer.status == "expired")
        .correlate(User)
        .scalar_subquery()
    )


def _completed(*, breached: bool) -> ScalarSelect[int]:
    statement = (
        select(func.count(distinct(RequestTransition.request_id)))
        .join(ServiceRequest, ServiceRequest.id == RequestTransition.request_id)
        .where(
            RequestTransition.actor_id == cast(User.id, String),
            RequestTransition.action == "complete",
        )
    )
    if breached:
        statement = statement.where(ServiceRequest.sla_breached.is_(True))
    return statement.correlate(User).scalar_subquery()


async def executors_with_skill(session: AsyncSession, skill: str) -> list[ExecutorRecord]:
    """Active executors who have `skill`, with what ranking them needs."""
    statement = (
        select(
            User,
            ExecutorProfile,
            held_jobs(),
            _by_actor("accept"),
            _by_actor("decline") + _offers_run_out(),
            _completed(breached=False),
            _completed(breached=True),
            ratings.average_received(RaterRole.CUSTOMER),
        )
        .join(ExecutorProfile, ExecutorProfile.user_id == User.id)
        .where(User.is_active.is_(True), ExecutorProfile.skills.contains([skill]))
        .order_by(User.id)
    )
    rows = (await session.execute(statement)).all()
    return [ExecutorRecord(*row) for row in rows]


def facts_of(record: ExecutorRecord) -> ExecutorFacts:
    """What ranking reads of an executor (domain/dispatch.py)."""
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
        rating=float(record.rating) if record.rating is not None else None,
        offers=int(record.accepted) + int(record.declined),
        accepted=int(record.accepted),
        jobs_with_sla=int(record.completed),
        sla_breaches=int(record.completed_with_breach),
        hours=parse_hours(profile.working_hours) if profile.working_hours is not None else None,
    )
