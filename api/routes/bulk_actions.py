"""POST /requests/bulk: a manager assigns, reassigns or cancels a selection in one call.
Each item is the same action its own route would take (the same checks, audit and
workflow update), and gets its own result: done with the request, or refused with its
RFC 9457 problem. One bad item never blocks the rest."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field, model_validator

from api.deps import CurrentActor, ResourcesDep
from api.problems import problem_of
from api.routes.request_actions import perform
from api.schemas import Body, Reason, RequestPublic
from core.logging import get_logger
from domain.dispatch import DISPATCHERS
from domain.lifecycle import Action, TransitionError
from services.audit import record_denial
from services.errors import Forbidden, ServiceError, Unavailable, Unprocessable

router = APIRouter(prefix="/requests", tags=["requests"])
log = get_logger("api.bulk_actions")

MAX_ITEMS = 100
# Items in flight at once: each is a workflow update; a selection of 100 should not
# take a hundred of the API's connections at one moment.
IN_FLIGHT = 8
BULK_ACTIONS: dict[str, Action] = {
    "assign": Action.ASSIGN,
    "reassign": Action.REASSIGN,
    "cancel": Action.CANCEL,
}


class BulkItem(Body):
    request_id: uuid.UUID
    executor_id: uuid.UUID | None = Field(default=None, description="for assign and reassign")


class BulkBody(Body):
    action: Literal["assign", "reassign", "cancel"]
    items: list[BulkItem] = Field(min_length=1, max_length=MAX_ITEMS)
    reason: Reason | None = Field(default=None, description="for cancel: kept in the history")

    @model_validator(mode="after")
    def _one_item_per_request(self) -> BulkBody:
        ids = [item.request_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("each request may appear once")
        return self


class BulkResult(BaseModel):
    request_id: str
    status: Literal["done", "refused"]
    request: RequestPublic | None = None
    problem: dict[str, Any] | None = Field(default=None, description="RFC 9457, when refused")


class BulkAnswer(BaseModel):
    done: int
    refused: int
    results: list[BulkResult] = Field(description="in the order of the items")


@router.post(
    "/bulk",
    response_model=BulkAnswer,
    summary="Assign, reassign or cancel several requests; each item answered on its own",
    responses={
        403: {"description": "for managers"},
        422: {"description": "a malformed body (the items are then not tried at all)"},
    },
)
async def bulk_action(
    body: BulkBody,
    actor: CurrentActor,
    resources: ResourcesDep,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            # Each item's key is this one, "/" and the request id (36): within the 200
            # an action's key may have.
            max_length=200 - 37,
            pattern=r"^[!-~]+$",
            description="a repeat with the same key repeats no item (each item's key is "
            "derived from it)",
        ),
    ] = None,
) -> BulkAnswer:
    if actor.role not in DISPATCHERS:
        await record_denial(
            resources.sessions,
            actor,
            action=f"request.bulk_{body.action}",
            target_type="request",
            target_id="bulk",
            detail="not one who assigns",
        )
        raise Forbidden(f"bulk actions are for managers; a {actor.role} may not")
    action = BULK_ACTIONS[body.action]
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(item: BulkItem) -> BulkResult:
        request_id = str(item.request_id)
        async with gate:
            try:
                view = await perform(
                    resources,
                    actor,
                    item.request_id,
                    action,
                    f"{key}/{request_id}" if key else None,
                    **_arguments(action, item, body.reason),
                )
            except (ServiceError, TransitionError) as refused:
                problem = problem_of(refused, f"/requests/{request_id}/{action.value}")
                return BulkResult(request_id=request_id, status="refused", problem=problem)
            except Exception:  # e.g. Temporal unreachable: this item only, and said so
                log.exception("bulk.item_failed", request_id=request_id, action=action.value)
                unavailable = Unavailable(
                    "the action could not be sent now; it may or may not have been taken: "
                    "repeat it with the same Idempotency-Key",
                    retry_after_s=5,
                )
                problem = problem_of(unavailable, f"/requests/{request_id}/{action.value}")
                return BulkResult(request_id=request_id, status="refused", problem=problem)
        return BulkResult(request_id=request_id, status="done", request=view)

    results = await asyncio.gather(*(one(item) for item in body.items))
    done = sum(1 for r in results if r.status == "done")
    return BulkAnswer(done=done, refused=len(results) - done, results=list(results))


def _arguments(action: Action, item: BulkItem, reason: str | None) -> dict[str, str | None]:
    if action == Action.CANCEL:
        return {"reason": reason}
    if item.executor_id is None:
        raise Unprocessable(f"{action.value} needs the item's executor_id")
    return {"executor_id": str(item.executor_id)}
