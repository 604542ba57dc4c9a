"""Executor verification: executors submit documents, security officers decide, and
everyone with a reason to know sees where it stands. Personal data (passport numbers,
scans) never leaves through these endpoints: only the checks' verdicts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status

from api.deps import CurrentActor, ResourcesDep
from api.schemas import (
    CheckPublic,
    VerificationDecisionBody,
    VerificationOverviewPublic,
    VerificationPage,
    VerificationPublic,
    VerificationSubmit,
)
from api.tracing import current_trace_id
from domain.executor_verification import DECIDERS, SEES_VERIFICATIONS, VerificationView
from domain.lifecycle import Actor, Role
from services.audit import record_denial, record_read
from services.errors import Forbidden
from services.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from services.verification import Documents, Scan
from services.verification_queue import VerificationQueue

router = APIRouter(tags=["verification"])


def _public(view: VerificationView) -> VerificationPublic:
    return VerificationPublic(
        executor_id=view.executor_id,
        state=view.state,
        round=view.round,
        checks=[
            CheckPublic(name=c.name, passed=c.passed, detail=c.detail, checked=c.checked)
            for c in view.checks
        ],
        reason=view.reason,
        decided_by=view.decided_by,
        verified_until=view.verified_until,
        escalated=view.escalated,
    )


@router.post(
    "/executors/me/verification",
    response_model=VerificationPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Submit identity documents for verification (executors)",
    responses={
        403: {"description": "executors only"},
        422: {"description": "bad documents"},
        429: {"description": "today's submissions are used up; see Retry-After"},
    },
)
async def submit(
    body: VerificationSubmit, actor: CurrentActor, resources: ResourcesDep
) -> VerificationPublic:
    if actor.role != Role.EXECUTOR:
        raise Forbidden("only executors are verified")
    documents = Documents(
        full_name=body.full_name,
        inn=body.inn,
        passport_series=body.passport_series,
        passport_number=body.passport_number,
        date_of_birth=body.date_of_birth,
        scans=[Scan(s.kind, s.content_type, s.content_base64) for s in body.scans],
    )
    verifications = await resources.verifications()
    return _public(await verifications.submit(actor.id, documents, current_trace_id()))


def typed_executor_id(request: Request) -> str:
    """The executor id as the caller typed it: a refusal made before the path is
    validated records what was asked for (the audit log cuts it to its column)."""
    return str(request.path_params.get("executor_id", ""))


async def may_see_verifications(
    actor: CurrentActor, resources: ResourcesDep, request: Request
) -> Actor:
    """Security staff see anyone's verification, an executor only their own; any other
    role is refused before the id is even read."""
    if actor.role not in SEES_VERIFICATIONS and actor.role != Role.EXECUTOR:
        await _deny_read(resources, actor, typed_executor_id(request))
    return actor


async def _deny_read(resources: ResourcesDep, actor: Actor, executor_id: str) -> None:
    await record_denial(
        resources.sessions,
        actor,
        action="verification.read",
        target_type="executor",
        target_id=executor_id,
        detail="not security staff",
        personal_data=True,
    )
    raise Forbidden("verification details are for security staff and the executor")


async def decider(actor: CurrentActor, resources: ResourcesDep, request: Request) -> Actor:
    if actor.role not in DECIDERS:
        await record_denial(
            resources.sessions,
            actor,
            action="verification.decide",
            target_type="executor",
            target_id=typed_executor_id(request),
            detail="not a security officer",
        )
        raise Forbidden("verification decisions are for security officers")
    return actor


MaySeeVerifications = Annotated[Actor, Depends(may_see_verifications)]
Decider = Annotated[Actor, Depends(decider)]
ExecutorId = Annotated[
    uuid.UUID, Path(description="the executor's id; any spelling of a UUID is accepted")
]


@router.get(
    "/executors/me/verification",
    response_model=VerificationPublic,
    summary="Where your own verification stands",
    responses={404: {"description": "you are not an executor"}},
)
async def own_verification_status(
    actor: CurrentActor, resources: ResourcesDep
) -> VerificationPublic:
    verifications = await resources.verifications()
    return _public(await verifications.status(actor.id))


@router.get(
    "/executors/{executor_id}/verification",
    response_model=VerificationPublic,
    summary="Where an executor's verification stands (security staff, or the executor)",
    responses={
        403: {"description": "security staff and the executor only"},
        404: {"description": "no such executor"},
    },
)
async def verification_status(
    executor_id: ExecutorId, actor: MaySeeVerifications, resources: ResourcesDep
) -> VerificationPublic:
    target = str(executor_id)
    if actor.role not in SEES_VERIFICATIONS and actor.id != target:
        await _deny_read(resources, actor, target)
    verifications = await resources.verifications()
    view = await verifications.status(target)
    if actor.id != target:
        # Staff looking at someone's identity checks: a read of personal data.
        await record_read(
            resources.sessions,
            actor,
            action="verification.read",
            target_type="executor",
            target_id=target,
        )
    return _public(view)


@router.post(
    "/executors/{executor_id}/verification/decision",
    response_model=VerificationPublic,
    summary="Approve or reject (with a reason) after the automated checks (security)",
    responses={
        403: {"description": "security officers only"},
        409: {"description": "nothing is waiting for a decision"},
        422: {"description": "a rejection without a reason, or an id that is not a UUID"},
    },
)
async def decide(
    executor_id: ExecutorId,
    body: VerificationDecisionBody,
    actor: Decider,
    resources: ResourcesDep,
) -> VerificationPublic:
    verifications = await resources.verifications()
    view = await verifications.decide(
        str(executor_id), actor, body.approved, body.reason, current_trace_id()
    )
    return _public(view)


@router.get(
    "/verifications",
    response_model=VerificationPage,
    summary="Executors by verification state, a page at a time: the security officers' queue",
    responses={
        403: {"description": "security staff only"},
        422: {"description": "a bad state, limit or cursor"},
    },
)
async def overview(
    actor: CurrentActor,
    resources: ResourcesDep,
    state: Annotated[
        str | None,
        Query(pattern="^(unverified|checking|awaiting_decision|verified|rejected|expired)$"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, description="next_cursor of the previous page"),
    ] = None,
) -> VerificationPage:
    if actor.role not in SEES_VERIFICATIONS:
        await record_denial(
            resources.sessions,
            actor,
            action="verification.list",
            target_type="verifications",
            target_id=state or "*",
            detail="not security staff",
            personal_data=True,
        )
        raise Forbidden("the verification queue is for security staff")
    page = await VerificationQueue(resources.sessions).page(state, limit, cursor)
    # Names and emails of executors: a read of personal data, one entry per page.
    await record_read(
        resources.sessions,
        actor,
        action="verification.list",
        target_type="verifications",
        target_id=state or "*",
    )
    return VerificationPage(
        items=[VerificationOverviewPublic(**row.__dict__) for row in page.items],
        next_cursor=page.next_cursor,
    )
