"""The request lifecycle (docs/lifecycle.md): states, actions, who may do what, from where.

This table is the single source of truth. The workflow's update validators and the
API's checks both call `decide`, so they can never disagree. Pure code: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"


TERMINAL_STATES = frozenset({State.CLOSED, State.CANCELLED})


class Role(StrEnum):
    CUSTOMER = "customer"
    EXECUTOR = "executor"
    MANAGER = "manager"
    HEAD_MANAGER = "head_manager"
    SECURITY = "security"
    HEAD_SECURITY = "head_security"
    HR = "hr"
    ADMIN = "admin"
    SYSTEM = "system"


STAFF_ROLES = frozenset({Role.MANAGER, Role.HEAD_MANAGER, Role.ADMIN})


class Action(StrEnum):
    ASSIGN = "assign"
    OFFER = "offer"  # the dispatch cascade assigns the request to its next candidate
    REASSIGN = "reassign"
    WITHDRAW = "withdraw"  # a manager takes an open offer back (stopping the cascade)
    ACCEPT = "accept"
    DECLINE = "decline"
    ACCEPT_TIMEOUT = "accept_timeout"
    START = "start"
    COMPLETE = "complete"
    CONFIRM = "confirm"
    AUTO_CONFIRM = "auto_confirm"
    DISPUTE = "dispute"
    RESOLVE_REWORK = "resolve_rework"
    RESOLVE_ACCEPT = "resolve_accept"
    REQUEUE = "requeue"
    VERIFICATION_REJECTED = "verification_rejected"
    CLOSE = "close"
    CANCEL = "cancel"


class Relation(StrEnum):
    """How the actor must relate to the request, beyond having the role."""

    ANY = "any"
    OWNER = "owner"  # the customer who filed it
    ASSIGNEE = "assignee"  # the executor it is assigned to


@dataclass(frozen=True)
class Rule:
    action: Action
    from_states: frozenset[State]
    to_state: State
    # role -> the relation that role needs; a role absent here may not act.
    actors: dict[Role, Relation]
    event_type: str
    needs_verified_assignee: bool = False


def _rule(
    action: Action,
    from_states: set[State],
    to_state: State,
    actors: dict[Role, Relation],
    event_type: str,
    *,
    needs_verified_assignee: bool = False,
) -> Rule:
    return Rule(
        action, frozenset(from_states), to_state, actors, event_type, needs_verified_assignee
    )


_MANAGERS = {Role.MANAGER: Relation.ANY, Role.HEAD_MANAGER: Relation.ANY, Role.ADMIN: Relation.ANY}
_ASSIGNEE = {Role.EXECUTOR: Relation.ASSIGNEE}
_OWNER = {Role.CUSTOMER: Relation.OWNER}
_SYSTEM = {Role.SYSTEM: Relation.ANY}
S = State

RULES: tuple[Rule, ...] = (
    _rule(Action.ASSIGN, {S.NEW}, S.ASSIGNED, _MANAGERS, "request.assigned"),
    # An offer is an assignment by the system: the executor accepts or declines it as
    # any other, and the cascade moves on when it is declined or runs out.
    _rule(Action.OFFER, {S.NEW}, S.ASSIGNED, _SYSTEM, "request.assigned"),
    _rule(Action.REASSIGN, {S.ASSIGNED, S.ACCEPTED}, S.ASSIGNED, _MANAGERS, "request.reassigned"),
    _rule(Action.WITHDRAW, {S.ASSIGNED}, S.NEW, _MANAGERS, "request.unassigned"),
    _rule(
        Action.ACCEPT,
        {S.ASSIGNED},
        S.ACCEPTED,
        _ASSIGNEE,
        "request.accepted",
        needs_verified_assignee=True,
    ),
    _rule(Action.DECLINE, {S.ASSIGNED}, S.NEW, _ASSIGNEE, "request.declined"),
    _rule(Action.ACCEPT_TIMEOUT, {S.ASSIGNED}, S.NEW, _SYSTEM, "request.declined"),
    _rule(Action.VERIFICATION_REJECTED, {S.ASSIGNED}, S.NEW, _SYSTEM, "request.unassigned"),
    _rule(Action.REQUEUE, {S.ACCEPTED}, S.NEW, _SYSTEM, "request.unassigned"),
    _rule(Action.START, {S.ACCEPTED}, S.IN_PROGRESS, _ASSIGNEE, "request.started"),
    _rule(Action.COMPLETE, {S.IN_PROGRESS}, S.COMPLETED, _ASSIGNEE, "request.completed"),
    _rule(Action.CONFIRM, {S.COMPLETED}, S.CONFIRMED, _OWNER, "request.confirmed"),
    _rule(Action.AUTO_CONFIRM, {S.COMPLETED}, S.CONFIRMED, _SYSTEM, "request.confirmed"),
    _rule(Action.DISPUTE, {S.COMPLETED}, S.DISPUTED, _OWNER, "request.disputed"),
    _rule(Action.RESOLVE_REWORK, {S.DISPUTED}, S.IN_PROGRESS, _MANAGERS, "request.resolved"),
    _rule(Action.RESOLVE_ACCEPT, {S.DISPUTED}, S.CONFIRMED, _MANAGERS, "request.resolved"),
    _rule(Action.CLOSE, {S.CONFIRMED}, S.CLOSED, _SYSTEM, "request.closed"),
    # Cancel has two shapes: the customer only before work starts, a manager any time
    # before completion. `decide` picks the rule by role.
    _rule(Action.CANCEL, {S.NEW, S.ASSIGNED, S.ACCEPTED}, S.CANCELLED, _OWNER, "request.cancelled"),
    _rule(
        Action.CANCEL,
        {S.NEW, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS},
        S.CANCELLED,
        _MANAGERS,
        "request.cancelled",
    ),
)


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM)


@dataclass(frozen=True)
class RequestFacts:
    """What the rules need to know about a request."""

    state: State
    customer_id: str
    assignee_id: str | None = None
    assignee_verified: bool = False


class TransitionError(Exception):
    """Base of refused transitions; `kind` is how clients tell them apart."""

    kind = "transition_refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ActorNotAllowed(TransitionError):
    """The actor may not perform this action on this request (HTTP 403)."""

    kind = "actor_not_allowed"


class StateConflict(TransitionError):
    """The action is not possible in the request's current state (HTTP 409)."""

    kind = "state_conflict"


def rules_for(action: Action) -> list[Rule]:
    return [r for r in RULES if r.action == action]


def decide(facts: RequestFacts, action: Action, actor: Actor) -> Rule:
    """The rule that lets `actor` do `action` now, or the reason it cannot."""
    candidates = [r for r in rules_for(action) if actor.role in r.actors]
    if not candidates:
        allowed = sorted({role.value for r in rules_for(action) for role in r.actors})
        raise ActorNotAllowed(
            f"'{action}' is for {', '.join(allowed)}; a {actor.role} may not do it"
        )
    rule = candidates[0]
    relation = rule.actors[actor.role]
    if relation == Relation.OWNER and actor.id != facts.customer_id:
        raise ActorNotAllowed(f"only the customer who filed the request may '{action}' it")
    if relation == Relation.ASSIGNEE and actor.id != facts.assignee_id:
        raise ActorNotAllowed(f"only the executor assigned to the request may '{action}' it")
    if facts.state not in rule.from_states:
        allowed_from = ", ".join(sorted(s.value for s in rule.from_states))
        who = "" if len(rules_for(action)) == 1 else f" by a {actor.role}"
        raise StateConflict(
            f"cannot '{action}'{who} a request that is {facts.state}: "
            f"'{action}' goes {allowed_from} → {rule.to_state}"
        )
    if rule.needs_verified_assignee and not facts.assignee_verified:
        raise StateConflict(
            f"cannot '{action}' yet: executor {facts.assignee_id} is waiting for security "
            "verification"
        )
    return rule


def actions_available(facts: RequestFacts, actor: Actor) -> list[Action]:
    """What this actor could do now (drives buttons in UIs and the bot)."""
    available = []
    for action in Action:
        try:
            decide(facts, action, actor)
        except TransitionError:
            continue
        available.append(action)
    return available
