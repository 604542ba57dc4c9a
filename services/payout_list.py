"""HR's payouts of a period: a page at a time for the list, chunk by chunk for the CSV
export, in one order (day recorded, then time, then id)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.paging import CursorCodec, Page, a_date, a_datetime, an_uuid, page_of
from store import documents
from store.documents import PayoutKey, PayoutLine

PAYOUT_CURSOR = CursorCodec("payouts", (a_date, a_datetime, an_uuid))
# Rows the export reads from the database at once: its memory stays this small
# whatever the period holds.
EXPORT_CHUNK = 500


class PayoutList:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(
        self, start: date, end: date, limit: int, cursor: str | None
    ) -> Page[PayoutLine]:
        after = _key(PAYOUT_CURSOR.decode(cursor)) if cursor is not None else None
        async with self.sessions() as session:
            rows = await documents.payouts_page(session, start, end, after, limit + 1)
        return page_of(rows, limit, PAYOUT_CURSOR, lambda line: line.key)

    async def every(self, start: date, end: date) -> AsyncIterator[list[PayoutLine]]:
        """The whole period in chunks. Each chunk has its own short session, so a slow
        download never holds a database connection between chunks."""
        after: PayoutKey | None = None
        while True:
            async with self.sessions() as session:
                chunk = await documents.payouts_page(session, start, end, after, EXPORT_CHUNK)
            if chunk:
                yield chunk
            if len(chunk) < EXPORT_CHUNK:
                return
            after = chunk[-1].key


def _key(values: tuple[object, ...]) -> PayoutKey:
    recorded_on, created_at, payout_id = values
    # The codec's decoders made exactly these types; this tells the type checker so.
    assert isinstance(recorded_on, date)
    assert isinstance(created_at, datetime)
    assert isinstance(payout_id, uuid.UUID)
    return recorded_on, created_at, payout_id
