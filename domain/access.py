"""Who may see what (object-level permissions). Pure rules, used by API and bot."""

from __future__ import annotations

from enum import StrEnum

from domain.lifecycle import Actor, Role

# Roles that see every request: they triage, audit or pay for all of them.
SEES_ALL_REQUESTS = frozenset({Role.MANAGER, Role.HEAD_MANAGER, Role.ADMIN, Role.HR})
MANAGES_EXECUTORS = frozenset({Role.MANAGER, Role.HEAD_MANAGER, Role.ADMIN, Role.SECURITY})


class RequestScope(StrEnum):
    """Which requests a role sees: the one rule for single reads and for lists."""

    ALL = "all"
    OWN = "own"  # the customer's own requests
    ASSIGNED = "assigned"  # requests assigned to the executor
    NONE = "none"


def request_scope(actor: Actor) -> RequestScope:
    if actor.role in SEES_ALL_REQUESTS:
        return RequestScope.ALL
    if actor.role == Role.CUSTOMER:
        return RequestScope.OWN
    if actor.role == Role.EXECUTOR:
        return RequestScope.ASSIGNED
    return RequestScope.NONE


def can_view_request(actor: Actor, customer_id: str, assignee_id: str | None) -> bool:
    scope = request_scope(actor)
    return (
        scope == RequestScope.ALL
        or (scope == RequestScope.OWN and actor.id == customer_id)
        or (scope == RequestScope.ASSIGNED and actor.id == assignee_id)
    )


def can_attach_photo(actor: Actor, customer_id: str, assignee_id: str | None) -> bool:
    """Photos come from the two people at the job: the customer (what is wrong) and the
    assigned executor (what was done); staff look, they do not add."""
    return (actor.role == Role.CUSTOMER and actor.id == customer_id) or (
        actor.role == Role.EXECUTOR and actor.id == assignee_id
    )


def can_create_request(actor: Actor) -> bool:
    return actor.role == Role.CUSTOMER


def can_view_executor(actor: Actor, executor_id: str) -> bool:
    return actor.role in MANAGES_EXECUTORS or actor.id == executor_id


def can_manage_users(actor: Actor) -> bool:
    return actor.role == Role.ADMIN


# HR documents of a request: the customer signs the act; the executor has everything
# about their own work; HR and managers see all of it.
ALL_DOCUMENTS = frozenset({"act", "contract", "payout"})
_DOCUMENTS_OF_PARTY = {Role.CUSTOMER: frozenset({"act"}), Role.EXECUTOR: ALL_DOCUMENTS}
SEES_ALL_DOCUMENTS = frozenset({Role.HR, Role.MANAGER, Role.HEAD_MANAGER, Role.ADMIN})
MANAGES_PAYOUTS = frozenset({Role.HR, Role.ADMIN})


def visible_documents(role: Role) -> frozenset[str]:
    """Document kinds this role may download (of a request it may see at all)."""
    if role in SEES_ALL_DOCUMENTS:
        return ALL_DOCUMENTS
    return _DOCUMENTS_OF_PARTY.get(role, frozenset())
