"""The security officers' queue: executors by verification state, one page at a time
(by name, then id)."""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.paging import CursorCodec, Page, an_uuid, page_of, text
from services.verification import Overview
from store.models import ExecutorProfile, User

# Its own name, so a cursor of the executor list (same key) is refused here.
VERIFICATION_CURSOR = CursorCodec("verifications", (text, an_uuid))


class VerificationQueue:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(self, state: str | None, limit: int, cursor: str | None) -> Page[Overview]:
        statement = (
            select(User, ExecutorProfile)
            .join(ExecutorProfile, ExecutorProfile.user_id == User.id)
            .order_by(User.full_name, User.id)
            .limit(limit + 1)
        )
        if cursor is not None:
            name, key = VERIFICATION_CURSOR.decode(cursor)
            statement = statement.where(tuple_(User.full_name, User.id) > tuple_(name, key))
        if state:
            statement = statement.where(ExecutorProfile.verification_status == state)
        async with self.sessions() as session:
            rows = (await session.execute(statement)).all()
        overviews = [
            Overview(
                str(user.id),
                user.full_name,
                user.email,
                profile.verification_status,
                profile.verified_until,
                profile.verification_reason,
            )
            for user, profile in rows
        ]
        return page_of(overviews, limit, VERIFICATION_CURSOR, _key)


def _key(row: Overview) -> tuple[str, str]:
    return row.full_name, row.executor_id
