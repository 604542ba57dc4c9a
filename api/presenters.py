"""Turning service results into response bodies."""

from __future__ import annotations

from api.schemas import ExecutorPublic, RequestPublic, UserPublic
from domain.lifecycle import Actor, RequestFacts, Role, State, actions_available
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
        is_active=user.is_active,
        created_at=user.created_at,
        executor=ExecutorPublic(**executor.__dict__) if executor else None,
    )


def request_public(view: RequestView, actor: Actor) -> RequestPublic:
    facts = RequestFacts(
        state=State(view.state),
        customer_id=view.customer_id,
        assignee_id=view.assignee_id,
        assignee_verified=True,
    )
    return RequestPublic(
        **view.__dict__, actions=[a.value for a in actions_available(facts, actor)]
    )
