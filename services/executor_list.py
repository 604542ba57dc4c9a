"""The managers' executor list, one page at a time (by name, then id)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.paging import CursorCodec, Page, an_uuid, page_of, text
from services.queries import ACTIVE_STATES, ExecutorView
from store.models import ExecutorProfile, ServiceRequest, User

EXECUTOR_CURSOR = CursorCodec("executors", (text, an_uuid))


class ExecutorList:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(
        self, skill: str | None, available: bool | None, limit: int, cursor: str | None
    ) -> Page[ExecutorView]:
        statement = _with_load().order_by(User.full_name, User.id).limit(limit + 1)
        if cursor is not None:
            name, key = EXECUTOR_CURSOR.decode(cursor)
            statement = statement.where(tuple_(User.full_name, User.id) > tuple_(name, key))
        if skill:
            statement = statement.where(ExecutorProfile.skills.contains([skill]))
        if available is True:
            statement = statement.where(
                ExecutorProfile.available.is_(True), User.is_active.is_(True)
            )
        elif available is False:
            statement = statement.where(ExecutorProfile.available.is_(False))
        async with self.sessions() as session:
            rows = (await session.execute(statement)).all()
        views = [_view(user, profile, jobs) for user, profile, jobs in rows]
        return page_of(views, limit, EXECUTOR_CURSOR, lambda v: (v.full_name, v.id))


def _with_load() -> Select[Any]:
    jobs = (
        select(func.count())
        .where(ServiceRequest.assignee_id == User.id, ServiceRequest.state.in_(ACTIVE_STATES))
        .correlate(User)
        .scalar_subquery()
    )
    return select(User, ExecutorProfile, jobs).join(
        ExecutorProfile, ExecutorProfile.user_id == User.id
    )


def _view(user: User, profile: ExecutorProfile, jobs: int) -> ExecutorView:
    return ExecutorView(
        id=str(user.id),
        email=user.email,
        full_name=user.full_name,
        is_active=user.is_active,
        skills=list(profile.skills),
        service_area=profile.service_area,
        verification_status=profile.verification_status,
        verified_until=profile.verified_until,
        available=profile.available,
        active_jobs=int(jobs),
        telegram_linked=profile.telegram_chat_id is not None,
    )
