"""Two-way ratings of a finished request (PUT/GET /requests/{id}/rating[s]) and the
managers' follow-ups of low ratings (GET /follow-ups, POST /follow-ups/{id}/done)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import CurrentActor, ResourcesDep
from api.rating_schemas import FollowUpDone, FollowUpPublic, RatingBody, RatingPublic
from api.resources import Resources
from api.routes.request_params import REFUSALS, RequestId
from domain.ratings import EDIT_WINDOW, RaterRole
from services.ratings import Ratings
from services.request_access import visible_request
from store import users
from store.models import FollowUp, Rating

router = APIRouter(tags=["ratings"])


@router.put(
    "/requests/{request_id}/rating",
    response_model=RatingPublic,
    status_code=status.HTTP_200_OK,
    summary="Rate the request's other side (the customer the executor, the executor the "
    "customer): 201 the first time, 200 for a change within 24 hours",
    responses={
        201: {"description": "rated", "model": RatingPublic},
        403: {"description": "only the request's customer and executor rate it"},
        404: REFUSALS[404],
        409: {"description": "the work is not confirmed yet, or the 24 hours are over"},
        422: REFUSALS[422],
    },
)
async def rate_request(
    request_id: RequestId,
    body: RatingBody,
    actor: CurrentActor,
    resources: ResourcesDep,
    response: Response,
) -> RatingPublic:
    view = await visible_request(resources.requests, actor, str(request_id), "request.rate")
    rated = await Ratings(resources.sessions).rate(actor, view, body.score, body.comment)
    if rated.created:
        response.status_code = status.HTTP_201_CREATED
    return _rating(rated.rating)


@router.get(
    "/requests/{request_id}/ratings",
    response_model=list[RatingPublic],
    summary="The request's ratings: both sides for staff, one's own for its customer and executor",
    responses={404: REFUSALS[404]},
)
async def request_ratings(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> list[RatingPublic]:
    view = await visible_request(resources.requests, actor, str(request_id), "request.ratings")
    return [_rating(r) for r in await Ratings(resources.sessions).of_request(actor, view)]


@router.get(
    "/follow-ups",
    response_model=list[FollowUpPublic],
    summary="Customers to call back after a low rating (1 or 2), newest first",
    responses={403: {"description": "for managers"}},
)
async def list_follow_ups(
    actor: CurrentActor,
    resources: ResourcesDep,
    open_only: Annotated[bool, Query(alias="open", description="only those not done")] = True,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[FollowUpPublic]:
    tasks = await Ratings(resources.sessions).follow_ups(actor, open_only=open_only, limit=limit)
    return await _follow_ups(resources, tasks)


@router.post(
    "/follow-ups/{follow_up_id}/done",
    response_model=FollowUpPublic,
    summary="Mark a follow-up done, with a note of what was agreed",
    responses={
        403: {"description": "for managers"},
        404: {"description": "no such follow-up"},
        409: {"description": "done already"},
    },
)
async def follow_up_done(
    follow_up_id: Annotated[uuid.UUID, Path()],
    body: FollowUpDone,
    actor: CurrentActor,
    resources: ResourcesDep,
) -> FollowUpPublic:
    task = await Ratings(resources.sessions).close_follow_up(actor, follow_up_id, body.note)
    [answer] = await _follow_ups(resources, [task])
    return answer


def _rating(rating: Rating) -> RatingPublic:
    return RatingPublic(
        request_id=str(rating.request_id),
        rater_role=RaterRole(rating.rater_role),
        rater_id=str(rating.rater_id),
        ratee_id=str(rating.ratee_id),
        score=rating.score,
        comment=rating.comment,
        created_at=rating.created_at,
        updated_at=rating.updated_at,
        editable_until=rating.created_at + EDIT_WINDOW,
    )


async def _follow_ups(resources: Resources, tasks: Sequence[FollowUp]) -> list[FollowUpPublic]:
    found = list(tasks)
    async with resources.sessions() as session:
        names = await users.full_names(session, [t.customer_id for t in found])
    return [
        FollowUpPublic(
            id=str(t.id),
            request_id=str(t.request_id),
            customer_id=str(t.customer_id),
            customer_name=names.get(t.customer_id, ""),
            score=t.score,
            comment=t.comment,
            created_at=t.created_at,
            done_at=t.done_at,
            done_by=str(t.done_by) if t.done_by else None,
            note=t.note,
        )
        for t in found
    ]
