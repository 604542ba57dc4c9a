"""What dispatch needs to know about the executors who could take a request: their
profile, the jobs they hold now and their record (accepts, declines, completions and
the SLA breaches of what they completed)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from store.models import ExecutorProfile, RequestTransition, ServiceRequest, User
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


def _by_actor(action: str) -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(
            RequestTransition.actor_id == cast(User.id, String), RequestTransition.action == action
        )
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
            _by_actor("decline"),
            _completed(breached=False),
            _completed(breached=True),
        )
        .join(ExecutorProfile, ExecutorProfile.user_id == User.id)
        .where(User.is_active.is_(True), ExecutorProfile.skills.contains([skill]))
        .order_by(User.id)
    )
    rows = (await session.execute(statement)).all()
    return [ExecutorRecord(*row) for row in rows]
