"""Turning service results into response bodies."""

from __future__ import annotations

from api.schemas import ExecutorPublic, RequestPublic, UserPublic
from domain.lifecycle import Actor, RequestFacts, Role, State, actions_available
from domain.notifications import choose_channels
from domain.requests import RequestView
from services.queries import ExecutorView
from store.models import User


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
        executor=ExecutorPublic(**executor.__dict__) if executor else None,
    )


def facts_of(view: RequestView) -> RequestFacts:
    """What the API knows from the read model. Verification is left to the workflow,
    which knows it (a refusal from there is a 409 all the same)."""
    return RequestFacts(
        state=State(view.state),
        customer_id=view.customer_id,
        assignee_id=view.assignee_id,
        assignee_verified=True,
    )


def request_public(view: RequestView, actor: Actor) -> RequestPublic:
    facts = facts_of(view)
    return RequestPublic(
        **view.__dict__, actions=[a.value for a in actions_available(facts, actor)]
    )
