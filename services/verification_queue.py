"""The security officers' queue: executors by verification state, one page at a time
(by name, then id)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.paging import CursorCodec, Page, an_uuid, name_and_id, page_of, text
from services.verification import Overview
from store import users

# Its own name, so a cursor of the executor list (same key) is refused here.
VERIFICATION_CURSOR = CursorCodec("verifications", (text, an_uuid))


class VerificationQueue:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(self, state: str | None, limit: int, cursor: str | None) -> Page[Overview]:
        after = name_and_id(VERIFICATION_CURSOR.decode(cursor)) if cursor is not None else None
        async with self.sessions() as session:
            rows = await users.verification_page(
                session, status=state, after=after, limit=limit + 1
            )
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
