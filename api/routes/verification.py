"""Executor verification: executors submit documents, security officers decide, and
everyone with a reason to know sees where it stands. Personal data (passport numbers,
scans) never leaves through these endpoints: only the checks' verdicts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentActor, ResourcesDep
from api.schemas import (
    CheckPublic,
    VerificationDecisionBody,
    VerificationOverviewPublic,
    VerificationPublic,
    VerificationSubmit,
)
from api.tracing import current_trace_id
from domain.executor_verification import DECIDERS, SEES_VERIFICATIONS, VerificationView
from domain.lifecycle import Role
from services.audit import record_denial
from services.errors import Forbidden, NotFound
from services.verification import Documents, Scan

router = APIRouter(tags=["verification"])


def _public(view: VerificationView) -> VerificationPublic:
    return VerificationPublic(
        executor_id=view.executor_id,
        state=view.state,
        round=view.round,
        checks=[CheckPublic(name=c.name, passed=c.passed, detail=c.detail) for c in view.checks],
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
    responses={403: {"description": "executors only"}, 422: {"description": "bad documents"}},
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


@router.get(
    "/executors/{executor_id}/verification",
    response_model=VerificationPublic,
    summary="Where an executor's verification stands (security staff, or the executor)",
    responses={404: {"description": "no such executor, or not yours to see"}},
)
async def verification_status(
    executor_id: str, actor: CurrentActor, resources: ResourcesDep
) -> VerificationPublic:
    if executor_id == "me":
        executor_id = actor.id
    if actor.role not in SEES_VERIFICATIONS and actor.id != executor_id:
        await record_denial(
            resources.sessions,
            actor,
            action="verification.read",
            target_type="executor",
            target_id=executor_id,
            detail="not security staff",
        )
        raise Forbidden("verification details are for security staff and the executor")
    verifications = await resources.verifications()
    return _public(await verifications.status(_uuid(executor_id)))


@router.post(
    "/executors/{executor_id}/verification/decision",
    response_model=VerificationPublic,
    summary="Approve or reject (with a reason) after the automated checks (security)",
    responses={
        403: {"description": "security officers only"},
        409: {"description": "nothing is waiting for a decision"},
        422: {"description": "a rejection without a reason"},
    },
)
async def decide(
    executor_id: str, body: VerificationDecisionBody, actor: CurrentActor, resources: ResourcesDep
) -> VerificationPublic:
    if actor.role not in DECIDERS:
        await record_denial(
            resources.sessions,
            actor,
            action="verification.decide",
            target_type="executor",
            target_id=executor_id,
            detail="not a security officer",
        )
        raise Forbidden("verification decisions are for security officers")
    verifications = await resources.verifications()
    view = await verifications.decide(
        _uuid(executor_id), actor, body.approved, body.reason, current_trace_id()
    )
    return _public(view)


@router.get(
    "/verifications",
    response_model=list[VerificationOverviewPublic],
    summary="Executors by verification state: the security officers' queue",
    responses={403: {"description": "security staff only"}},
)
async def overview(
    actor: CurrentActor,
    resources: ResourcesDep,
    state: Annotated[
        str | None,
        Query(pattern="^(unverified|checking|awaiting_decision|verified|rejected|expired)$"),
    ] = None,
) -> list[VerificationOverviewPublic]:
    if actor.role not in SEES_VERIFICATIONS:
        raise Forbidden("the verification queue is for security staff")
    verifications = await resources.verifications()
    return [
        VerificationOverviewPublic(**row.__dict__) for row in await verifications.overview(state)
    ]


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound(f"executor {value} does not exist") from None
