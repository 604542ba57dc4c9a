"""Who may see what (object-level permissions). Pure rules, used by API and bot."""

from __future__ import annotations

from domain.lifecycle import Actor, Role

# Roles that see every request: they triage, audit or pay for all of them.
SEES_ALL_REQUESTS = frozenset({Role.MANAGER, Role.HEAD_MANAGER, Role.ADMIN, Role.HR})
MANAGES_EXECUTORS = frozenset({Role.MANAGER, Role.HEAD_MANAGER, Role.ADMIN, Role.SECURITY})


def can_view_request(actor: Actor, customer_id: str, assignee_id: str | None) -> bool:
    if actor.role in SEES_ALL_REQUESTS:
        return True
    if actor.role == Role.CUSTOMER:
        return actor.id == customer_id
    if actor.role == Role.EXECUTOR:
        return actor.id == assignee_id
    return False


def can_create_request(actor: Actor) -> bool:
    return actor.role == Role.CUSTOMER


def can_view_executor(actor: Actor, executor_id: str) -> bool:
    return actor.role in MANAGES_EXECUTORS or actor.id == executor_id


def can_manage_users(actor: Actor) -> bool:
    return actor.role == Role.ADMIN
