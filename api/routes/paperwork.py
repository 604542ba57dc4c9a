"""HR's hand on paperwork that failed for good: the request waits, parked and marked
`paperwork_failed`, until HR has the data corrected and asks for the paperwork again."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentActor, ResourcesDep
from api.presenters import request_public
from api.routes.request_params import REFUSALS, RequestId
from api.schemas import RequestPublic
from api.tracing import current_trace_id
from domain.lifecycle import ActorNotAllowed
from services.audit import record_denial
from services.paperwork import retry_paperwork
from services.request_access import visible_request
from workflows.service_request import PAPERWORK_RETRIERS

router = APIRouter(tags=["documents"])


@router.post(
    "/requests/{request_id}/paperwork/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RequestPublic,
    summary="Generate a parked request's paperwork again (HR)",
    description="The paperwork of a confirmed request that failed for good (its data "
    "cannot be put on paper) parks the request with `paperwork_failed: true`. Once the "
    "data is corrected, HR asks for it again; the request closes when it succeeds, or "
    "is parked again (a new `hr.paperwork_failed` event) when it does not.",
    responses={
        403: {"description": "only HR retries paperwork"},
        404: REFUSALS[404],
        409: {"description": "the request's paperwork is not waiting for a retry"},
    },
)
async def retry_parked_paperwork(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> RequestPublic:
    if actor.role not in PAPERWORK_RETRIERS:
        await record_denial(
            resources.sessions,
            actor,
            action="request.paperwork_retry",
            target_type="request",
            target_id=str(request_id),
            detail="not HR",
        )
        raise ActorNotAllowed(f"a {actor.role} may not retry paperwork; HR does")
    await visible_request(resources.requests, actor, str(request_id), "request.paperwork_retry")
    view = await retry_paperwork(
        await resources.temporal(), str(request_id), actor, trace_id=current_trace_id()
    )
    return request_public(view, actor)
