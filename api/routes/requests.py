"""Service requests: create, list, read, history and attachments. The action routes
are in api/routes/request_actions.py, made from the action table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentActor, ResourcesDep
from api.presenters import attachment_public, draft_of, request_public, transition_public
from api.routes.request_params import REFUSALS, AttachmentId, IdempotencyKey, RequestId
from api.schemas import (
    AttachmentPublic,
    PhotoIn,
    RequestCreate,
    RequestPage,
    RequestPublic,
    TransitionPublic,
)
from api.tracing import current_trace_id
from domain.access import RequestScope, can_create_request, request_scope
from domain.lifecycle import State
from services import request_photos
from services.audit import record_denial
from services.errors import Forbidden, NotFound
from services.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from services.queries import RequestFilter
from services.request_access import visible_request
from store import attachments

router = APIRouter(prefix="/requests", tags=["requests"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestPublic,
    summary="File a request (customers); idempotent on Idempotency-Key",
    responses={
        200: {"model": RequestPublic, "description": "the key was used before: the stored request"},
        403: {"description": "only customers file requests"},
        422: {"description": "invalid body, or the key was used for a different request"},
    },
)
async def create_request(
    body: RequestCreate,
    key: IdempotencyKey,
    actor: CurrentActor,
    resources: ResourcesDep,
    response: Response,
) -> RequestPublic:
    if not can_create_request(actor):
        await record_denial(
            resources.sessions,
            actor,
            action="request.create",
            target_type="request",
            target_id="-",
            detail="not a customer",
        )
        raise Forbidden(f"only customers file requests; a {actor.role} may not")
    commands = await resources.commands()
    view, created = await commands.create(
        actor.id, key, draft_of(body), trace_id=current_trace_id()
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return request_public(view, actor)


@router.get("", response_model=RequestPage, summary="List requests the caller may see")
async def list_requests(
    actor: CurrentActor,
    resources: ResourcesDep,
    state: Annotated[list[State] | None, Query(description="repeat for several")] = None,
    category: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z][a-z0-9_-]*$")] = None,
    assignee_id: uuid.UUID | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    sla_breached: bool | None = None,
    sort: Annotated[str, Query(pattern=r"^-?(created_at|updated_at|sla_due_at)$")] = "-created_at",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> RequestPage:
    if request_scope(actor) == RequestScope.NONE:
        await record_denial(
            resources.sessions,
            actor,
            action="request.list",
            target_type="request",
            target_id="*",
            detail="no request scope",
        )
    page = await resources.requests.list(
        actor,
        RequestFilter(
            state=[s.value for s in state] if state else None,
            category=category,
            assignee_id=str(assignee_id) if assignee_id else None,
            created_from=created_from,
            created_to=created_to,
            sla_breached=sla_breached,
            sort=sort,
            limit=limit,
            cursor=cursor,
        ),
    )
    return RequestPage(
        items=[request_public(v, actor) for v in page.items], next_cursor=page.next_cursor
    )


@router.get("/{request_id}", response_model=RequestPublic, responses={404: REFUSALS[404]})
async def get_request(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> RequestPublic:
    return request_public(
        await visible_request(resources.requests, actor, str(request_id), "request.read"), actor
    )


@router.get(
    "/{request_id}/history",
    response_model=list[TransitionPublic],
    responses={404: REFUSALS[404]},
    summary="Every transition, oldest first",
)
async def request_history(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> list[TransitionPublic]:
    await visible_request(resources.requests, actor, str(request_id), "request.history")
    return [transition_public(t) for t in await resources.requests.history(str(request_id))]


@router.get(
    "/{request_id}/attachments",
    response_model=list[AttachmentPublic],
    responses={404: REFUSALS[404]},
    summary="Files kept with the request (the executor's photos of the work)",
)
async def list_attachments(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> list[AttachmentPublic]:
    await visible_request(resources.requests, actor, str(request_id), "request.attachments")
    async with resources.sessions() as session:
        rows = await attachments.list_for(session, str(request_id))
    return [attachment_public(a) for a in rows]


@router.post(
    "/{request_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentPublic,
    responses={
        403: {"description": "only the request's customer and its assigned executor add photos"},
        404: REFUSALS[404],
        409: {"description": "the request is closed or cancelled, or has all its photos"},
        413: {"description": "the body is too large"},
        422: {"description": "not valid base64, too large, or not the declared image type"},
    },
    summary="Add a photo (the customer's of the problem, the assigned executor's of the work)",
    description="The same photo twice is kept once: the answer is the stored attachment.",
)
async def add_attachment(
    request_id: RequestId, body: PhotoIn, actor: CurrentActor, resources: ResourcesDep
) -> AttachmentPublic:
    row = await request_photos.add_photo(
        resources.requests,
        actor,
        str(request_id),
        request_photos.Photo(body.content_type, body.content_base64, body.caption),
        max_photos=resources.settings.api.max_photos_per_request,
    )
    return attachment_public(row)


@router.get(
    "/{request_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: REFUSALS[404]},
    summary="Download one attachment",
)
async def download_attachment(
    request_id: RequestId, attachment_id: AttachmentId, actor: CurrentActor, resources: ResourcesDep
) -> Response:
    await visible_request(resources.requests, actor, str(request_id), "request.attachment")
    async with resources.sessions() as session:
        row = await attachments.get(session, str(request_id), str(attachment_id))
    if row is None:
        raise NotFound(f"request {request_id} has no attachment {attachment_id}")
    return Response(
        row.content,
        media_type=row.content_type,
        headers={"ETag": f'"{row.sha256}"', "Cache-Control": "private, max-age=3600"},
    )
