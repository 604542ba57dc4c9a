"""The managers' executor list, one page at a time (by name, then id)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.paging import CursorCodec, Page, an_uuid, name_and_id, page_of, text
from services.queries import ExecutorView, executor_view
from store import users

EXECUTOR_CURSOR = CursorCodec("executors", (text, an_uuid))


class ExecutorList:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(
        self, skill: str | None, available: bool | None, limit: int, cursor: str | None
    ) -> Page[ExecutorView]:
        after = name_and_id(EXECUTOR_CURSOR.decode(cursor)) if cursor is not None else None
        async with self.sessions() as session:
            rows = await users.executors_page(
                session, skill=skill, available=available, after=after, limit=limit + 1
            )
        views = [executor_view(*row) for row in rows]
        return page_of(views, limit, EXECUTOR_CURSOR, lambda v: (v.full_name, v.id))
