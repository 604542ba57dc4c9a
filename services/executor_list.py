"""The managers' executor list, one page at a time (by name, then id)."""

from __future__ import annotations

from sqlalchemy import tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.paging import CursorCodec, Page, an_uuid, page_of, text
from services.queries import ExecutorView, executor_view, executors_with_load
from store.models import ExecutorProfile, User

EXECUTOR_CURSOR = CursorCodec("executors", (text, an_uuid))


class ExecutorList:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(
        self, skill: str | None, available: bool | None, limit: int, cursor: str | None
    ) -> Page[ExecutorView]:
        statement = executors_with_load().order_by(User.full_name, User.id).limit(limit + 1)
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
        views = [executor_view(user, profile, jobs) for user, profile, jobs in rows]
        return page_of(views, limit, EXECUTOR_CURSOR, lambda v: (v.full_name, v.id))
