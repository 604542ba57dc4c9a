"""Service requests: create, list, read, history, and one endpoint per action.

Order of checks on an action: the request exists and the caller may see it (404
otherwise, and the refusal is audited), the transition table allows this actor now
(403 / 409 with the transition named), then the workflow update, whose validator asks
the same table again against the authoritative state. With an Idempotency-Key the key
comes before the state: a repeat answers the first result even though the state moved.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response, status

from api.deps import CurrentActor, ResourcesDep
from api.presenters import facts_of, request_public
from api.resources import Resources
from api.schemas import (
    AssignBody,
    AttachmentPublic,
    CompleteBody,
    ReasonBody,
    RequestCreate,
    RequestPage,
    RequestPublic,
    ResolveBody,
    TransitionPublic,
)
from api.tracing import current_trace_id
from domain.access import RequestScope, can_create_request, can_view_request, request_scope
from domain.lifecycle import (
    Action,
    Actor,
    ActorNotAllowed,
    State,
    decide,
)
from domain.requests import RequestView
from services.audit import record_denial
from services.errors import Forbidden, NotFound
from services.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from services.queries import RequestFilter
from services.requests import RequestDraft
from store import attachments

router = APIRouter(prefix="/requests", tags=["requests"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        pattern=r"^[!-~]+$",
        description="a client-made unique key (e.g. a UUID); repeating it returns the same request",
    ),
]
ActionKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        pattern=r"^[!-~]+$",
        description=(
            "optional: repeating the action with the same key and body returns its first "
            "result (same status and body), even after the request moved on; the same key "
            "with another action or body is a 422"
        ),
    ),
]
# Any spelling of a UUID (upper case, no hyphens, braces) names the same request: FastAPI
# parses it, and every lookup, audit row and workflow id uses the canonical form.
RequestId = Annotated[uuid.UUID, Path(description="the request's id (a UUID)")]
AttachmentId = Annotated[uuid.UUID, Path(description="the attachment's id (a UUID)")]
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "this actor may not take this action"},
    404: {"description": "no such request, or not yours to see"},
    409: {"description": "not possible in the request's current state"},
    422: {"description": "invalid body, or the Idempotency-Key was used for another action"},
}


async def visible_request(
    resources: Resources, actor: Actor, request_uuid: uuid.UUID, action: str
) -> RequestView:
    request_id = str(request_uuid)
    view = await resources.requests.get(request_id)
    if view is None:
        raise NotFound(f"request {request_id} does not exist")
    if not can_view_request(actor, view.customer_id, view.assignee_id):
        await record_denial(
            resources.sessions,
            actor,
            action=action,
            target_type="request",
            target_id=request_id,
            detail="not the caller's request",
        )
        raise NotFound(f"request {request_id} does not exist")
    return view


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
    draft = RequestDraft(
        category=body.category,
        description=body.description,
        address=body.address,
        window_start=body.window_start,
        window_end=body.window_end,
        budget=str(body.budget) if body.budget is not None else None,
    )
    commands = await resources.commands()
    view, created = await commands.create(actor.id, key, draft, trace_id=current_trace_id())
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
        await visible_request(resources, actor, request_id, "request.read"), actor
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
    await visible_request(resources, actor, request_id, "request.history")
    return [
        TransitionPublic(
            seq=t.seq,
            action=t.action,
            from_state=t.from_state,
            to_state=t.to_state,
            actor_id=t.actor_id,
            actor_role=t.actor_role,
            occurred_at=t.occurred_at,
            data=t.data,
        )
        for t in await resources.requests.history(str(request_id))
    ]


async def _act(
    resources: Resources,
    actor: Actor,
    request_uuid: uuid.UUID,
    action: Action,
    key: str | None,
    *,
    executor_id: str | None = None,
    reason: str | None = None,
    report: str | None = None,
) -> RequestPublic:
    request_id = str(request_uuid)
    view = await visible_request(resources, actor, request_uuid, f"request.{action}")
    try:
        if key is None:
            # A keyed call may repeat one that already moved the request on, so only the
            # workflow (after the key) may judge it; its validator asks the same table.
            decide(facts_of(view), action, actor)
        commands = await resources.commands()
        updated = await commands.act(
            request_id,
            action,
            actor,
            trace_id=current_trace_id(),
            executor_id=executor_id,
            reason=reason,
            report=report,
            idempotency_key=key,
        )
    except ActorNotAllowed as refused:
        await record_denial(
            resources.sessions,
            actor,
            action=f"request.{action}",
            target_type="request",
            target_id=request_id,
            detail=refused.message,
        )
        raise
    return request_public(updated, actor)


@router.post(
    "/{request_id}/assign",
    response_model=RequestPublic,
    responses={
        **REFUSALS,
        422: {"description": "executor lacks the skill, invalid body, or the key was reused"},
    },
    summary="Assign an executor (managers)",
)
async def assign(
    request_id: RequestId,
    body: AssignBody,
    actor: CurrentActor,
    resources: ResourcesDep,
    key: ActionKey = None,
) -> RequestPublic:
    return await _act(
        resources, actor, request_id, Action.ASSIGN, key, executor_id=str(body.executor_id)
    )


@router.post(
    "/{request_id}/accept",
    response_model=RequestPublic,
    responses=REFUSALS,
    summary="Accept the job (the assigned executor, once verified)",
)
async def accept(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep, key: ActionKey = None
) -> RequestPublic:
    return await _act(resources, actor, request_id, Action.ACCEPT, key)


@router.post(
    "/{request_id}/decline",
    response_model=RequestPublic,
    responses=REFUSALS,
    summary="Decline the job; it goes back to the queue (the assigned executor)",
)
async def decline(
    request_id: RequestId,
    actor: CurrentActor,
    resources: ResourcesDep,
    key: ActionKey = None,
    body: ReasonBody | None = None,
) -> RequestPublic:
    return await _act(
        resources, actor, request_id, Action.DECLINE, key, reason=body.reason if body else None
    )


@router.post(
    "/{request_id}/start",
    response_model=RequestPublic,
    responses=REFUSALS,
    summary="Start the work (the assigned executor)",
)
async def start(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep, key: ActionKey = None
) -> RequestPublic:
    return await _act(resources, actor, request_id, Action.START, key)


@router.post(
    "/{request_id}/complete",
    response_model=RequestPublic,
    responses=REFUSALS,
    summary="Report the work done (the assigned executor)",
)
async def complete(
    request_id: RequestId,
    body: CompleteBody,
    actor: CurrentActor,
    resources: ResourcesDep,
    key: ActionKey = None,
) -> RequestPublic:
    return await _act(resources, actor, request_id, Action.COMPLETE, key, report=body.report)


@router.post(
    "/{request_id}/confirm",
    response_model=RequestPublic,
    responses=REFUSALS,
    summary="Confirm the work (the customer)",
)
async def confirm(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep, key: ActionKey = None
) -> RequestPublic:
    return await _act(resources, actor, request_id, Action.CONFIRM, key)


@router.post(
    "/{request_id}/dispute",
    response_model=RequestPublic,
    responses=REFUSALS,
    summary="Dispute the work (the customer)",
)
async def dispute(
    request_id: RequestId,
    actor: CurrentActor,
    resources: ResourcesDep,
    key: ActionKey = None,
    body: ReasonBody | None = None,
) -> RequestPublic:
    return await _act(
        resources, actor, request_id, Action.DISPUTE, key, reason=body.reason if body else None
    )


@router.post(
    "/{request_id}/resolve",
    response_model=RequestPublic,
    responses=REFUSALS,
    summary="Resolve a dispute: rework (back to in_progress) or accept (managers)",
)
async def resolve(
    request_id: RequestId,
    body: ResolveBody,
    actor: CurrentActor,
    resources: ResourcesDep,
    key: ActionKey = None,
) -> RequestPublic:
    action = Action.RESOLVE_REWORK if body.outcome == "rework" else Action.RESOLVE_ACCEPT
    return await _act(resources, actor, request_id, action, key, reason=body.reason)


@router.post(
    "/{request_id}/cancel",
    response_model=RequestPublic,
    responses=REFUSALS,
    summary="Cancel (the customer before work starts; managers until completion)",
)
async def cancel(
    request_id: RequestId,
    actor: CurrentActor,
    resources: ResourcesDep,
    key: ActionKey = None,
    body: ReasonBody | None = None,
) -> RequestPublic:
    return await _act(
        resources, actor, request_id, Action.CANCEL, key, reason=body.reason if body else None
    )


@router.get(
    "/{request_id}/attachments",
    response_model=list[AttachmentPublic],
    responses={404: REFUSALS[404]},
    summary="Files kept with the request (the executor's photos of the work)",
)
async def list_attachments(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> list[AttachmentPublic]:
    await visible_request(resources, actor, request_id, "request.attachments")
    async with resources.sessions() as session:
        rows = await attachments.list_for(session, str(request_id))
    return [
        AttachmentPublic(
            id=str(a.id),
            kind=a.kind,
            content_type=a.content_type,
            size=a.size,
            sha256=a.sha256,
            caption=a.caption,
            uploaded_by=str(a.uploaded_by),
            created_at=a.created_at,
        )
        for a in rows
    ]


@router.get(
    "/{request_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: REFUSALS[404]},
    summary="Download one attachment",
)
async def download_attachment(
    request_id: RequestId, attachment_id: AttachmentId, actor: CurrentActor, resources: ResourcesDep
) -> Response:
    await visible_request(resources, actor, request_id, "request.attachment")
    async with resources.sessions() as session:
        row = await attachments.get(session, str(request_id), str(attachment_id))
    if row is None:
        raise NotFound(f"request {request_id} has no attachment {attachment_id}")
    return Response(
        row.content,
        media_type=row.content_type,
        headers={"ETag": f'"{row.sha256}"', "Cache-Control": "private, max-age=3600"},
    )
