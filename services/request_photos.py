"""Photos added to a request from the web app: the customer's of the problem, the
executor's of the work. The bot keeps the executor's Telegram photos the same way."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import can_attach_photo
from domain.lifecycle import TERMINAL_STATES, Actor
from services.errors import Conflict, Forbidden, Unprocessable
from services.queries import RequestQueries
from services.request_access import visible_request
from store import attachments
from store.models import RequestAttachment, ServiceRequest

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# The default of api.max_photos_per_request (callers pass the setting).
MAX_PHOTOS_PER_REQUEST = 20

# The first bytes of each accepted type: a declared type must match the content, so a
# script renamed to .jpg is never stored and served back as an image.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}


@dataclass(frozen=True)
class Photo:
    content_type: str
    content_base64: str
    caption: str = ""


def decode_photo(photo: Photo) -> bytes:
    try:
        content = base64.b64decode(photo.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Unprocessable("the photo is not valid base64") from None
    if len(content) > MAX_PHOTO_BYTES:
        raise Unprocessable(f"the photo is larger than {MAX_PHOTO_BYTES} bytes")
    signatures = SIGNATURES.get(photo.content_type, ())
    if not any(content.startswith(signature) for signature in signatures):
        raise Unprocessable(f"the content is not a {photo.content_type} image")
    if photo.content_type == "image/webp" and content[8:12] != b"WEBP":
        raise Unprocessable("the content is not a image/webp image")
    return content


async def _check_room(
    session: AsyncSession, request_id: str, content: bytes, max_photos: int
) -> None:
    """Refuses a new photo past the cap; the same photo again is no new one. The request's
    row is locked first, so two uploads at the cap cannot both get in (FOR NO KEY
    UPDATE: the attachments' key-share locks on it do not wait)."""
    rid = uuid.UUID(request_id)
    await session.execute(
        select(ServiceRequest.id).where(ServiceRequest.id == rid).with_for_update(key_share=True)
    )
    photos = RequestAttachment.request_id == rid, RequestAttachment.kind == "photo"
    digest = hashlib.sha256(content).hexdigest()
    kept = await session.scalar(
        select(func.count()).where(*photos, RequestAttachment.sha256 != digest)
    )
    if (kept or 0) >= max_photos:
        raise Conflict(f"the request has its {max_photos} photos: no more can be added")


async def add_photo(
    queries: RequestQueries,
    actor: Actor,
    request_id: str,
    photo: Photo,
    max_photos: int = MAX_PHOTOS_PER_REQUEST,
) -> RequestAttachment:
    view = await visible_request(queries, actor, request_id, "request.attach_photo")
    if not can_attach_photo(actor, view.customer_id, view.assignee_id):
        raise Forbidden("only the request's customer and its assigned executor add photos")
    if view.state in TERMINAL_STATES:
        raise Conflict(f"the request is {view.state.value}: no more photos")
    content = decode_photo(photo)
    async with queries.sessions.begin() as session:
        await _check_room(session, request_id, content, max_photos)
        attachment_id = await attachments.add_photo(
            session,
            request_id=request_id,
            uploaded_by=actor.id,
            content=content,
            content_type=photo.content_type,
            caption=photo.caption,
        )
        row = await attachments.get(session, request_id, attachment_id)
    assert row is not None  # just written in this transaction
    return row
