"""Repository of files kept with a request (the executor's photos). Functions only flush."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from store.models import RequestAttachment


async def add_photo(
    session: AsyncSession,
    *,
    request_id: str,
    uploaded_by: str,
    content: bytes,
    content_type: str = "image/jpeg",
    caption: str = "",
) -> str:
    """Keep a photo once per request (by content hash); returns the attachment id."""
    digest = hashlib.sha256(content).hexdigest()
    await session.execute(
        insert(RequestAttachment)
        .values(
            id=uuid.uuid4(),
            request_id=uuid.UUID(request_id),
            uploaded_by=uuid.UUID(uploaded_by),
            kind="photo",
            content_type=content_type,
            sha256=digest,
            size=len(content),
            content=content,
            caption=caption,
        )
        .on_conflict_do_nothing(index_elements=["request_id", "sha256"])
    )
    found = await session.execute(
        select(RequestAttachment.id).where(
            RequestAttachment.request_id == uuid.UUID(request_id),
            RequestAttachment.sha256 == digest,
        )
    )
    return str(found.scalar_one())


async def list_for(session: AsyncSession, request_id: str) -> list[RequestAttachment]:
    found = await session.execute(
        select(RequestAttachment)
        .options(defer(RequestAttachment.content))  # listing never needs the bytes
        .where(RequestAttachment.request_id == uuid.UUID(request_id))
        .order_by(RequestAttachment.created_at, RequestAttachment.id)
    )
    return list(found.scalars())


async def get(
    session: AsyncSession, request_id: str, attachment_id: str
) -> RequestAttachment | None:
    try:
        key = uuid.UUID(attachment_id)
    except ValueError:
        return None
    row = await session.get(RequestAttachment, key)
    if row is None or str(row.request_id) != request_id:
        return None
    return row
