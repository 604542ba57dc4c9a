"""One mapper per public schema: internal views in, response bodies (and the service's
input from a request body) out. Fields are named one by one, so a field added to a view
stays internal until a schema asks for it."""

from __future__ import annotations

from api.schemas import (
    AttachmentPublic,
    ExecutorPublic,
    RequestCreate,
    RequestPublic,
    TransitionPublic,
    UserPublic,
    WeeklyHours,
)
from domain.cascade import CascadeState
from domain.lifecycle import Actor, RequestFacts, Role, actions_available
from domain.notifications import choose_channels
from domain.requests import RequestView, TransitionView
from services.queries import ExecutorView
from services.requests import RequestDraft
from store.models import RequestAttachment, User


def user_public(user: User, executor: ExecutorView | None = None) -> UserPublic:
    return UserPublic(
        id=str(user.id),
        email=user.email,
        full_name=user.full_name,
        role=Role(user.role),
        locale=user.locale,
        notification_channels=choose_channels(
            user.role,
            user.notification_channels,
            telegram_linked=bool(executor and executor.telegram_linked),
        ),
        is_active=user.is_active,
        created_at=user.created_at,
        executor=executor_public(executor) if executor else None,
    )


def executor_public(executor: ExecutorView) -> ExecutorPublic:
    return ExecutorPublic(
        id=executor.id,
        email=executor.email,
        full_name=executor.full_name,
        is_active=executor.is_active,
        skills=executor.skills,
        service_area=executor.service_area,
        verification_status=executor.verification_status,
        verified_until=executor.verified_until,
        available=executor.available,
        active_jobs=executor.active_jobs,
        telegram_linked=executor.telegram_linked,
        districts=executor.districts,
        capacity=executor.capacity,
        working_hours=(
            WeeklyHours.model_validate(executor.working_hours)
            if executor.working_hours is not None
            else None
        ),
        rating=executor.rating,
        ratings=executor.ratings,
    )


def draft_of(body: RequestCreate) -> RequestDraft:
    return RequestDraft(
        category=body.category,
        description=body.description,
        address=body.address,
        window_start=body.window_start,
        window_end=body.window_end,
        budget=str(body.budget) if body.budget is not None else None,
    )


def facts_of(view: RequestView) -> RequestFacts:
    """What the API knows from the read model. Verification is left to the workflow,
    which knows it (a refusal from there is a 409 all the same)."""
    return RequestFacts(
        state=view.state,
        customer_id=view.customer_id,
        assignee_id=view.assignee_id,
        assignee_verified=True,
    )


def request_public(view: RequestView, actor: Actor) -> RequestPublic:
    return RequestPublic(
        id=view.id,
        customer_id=view.customer_id,
        category=view.category,
        description=view.description,
        address=view.address,
        state=view.state,
        assignee_id=view.assignee_id,
        window_start=view.window_start,
        window_end=view.window_end,
        budget=view.budget,
        report=view.report,
        sla_stage=view.sla_stage,
        sla_due_at=view.sla_due_at,
        sla_breached=view.sla_breached,
        version=view.version,
        created_at=view.created_at,
        updated_at=view.updated_at,
        paperwork_failed=view.paperwork_failed,
        dispatch=CascadeState(view.dispatch) if view.dispatch else None,
        actions=[a.value for a in actions_available(facts_of(view), actor)],
    )


def transition_public(transition: TransitionView) -> TransitionPublic:
    return TransitionPublic(
        seq=transition.seq,
        action=transition.action,
        from_state=transition.from_state,
        to_state=transition.to_state,
        actor_id=transition.actor_id,
        actor_role=transition.actor_role,
        occurred_at=transition.occurred_at,
        data=transition.data,
    )


def attachment_public(row: RequestAttachment) -> AttachmentPublic:
    return AttachmentPublic(
        id=str(row.id),
        kind=row.kind,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        caption=row.caption,
        uploaded_by=str(row.uploaded_by),
        created_at=row.created_at,
    )
