"""Two-way ratings of a finished request (docs/dispatch.md): the customer rates the
executor, the executor rates the customer, 1–5 with an optional comment; once each,
editable for a day. A customer's low rating opens a follow-up task for the managers.
Pure: who may rate what, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.lifecycle import Actor, ActorNotAllowed, Role, State, StateConflict

EDIT_WINDOW = timedelta(hours=24)
# A customer's rating at or below this asks a manager to call them back.
LOW_SCORE = 2
# Rated once the customer has confirmed the work (or it was auto-confirmed).
RATABLE_STATES = frozenset({State.CONFIRMED, State.CLOSED})
MAX_COMMENT = 1000


class RaterRole(StrEnum):
    CUSTOMER = "customer"  # rates the executor
    EXECUTOR = "executor"  # rates the customer


@dataclass(frozen=True)
class RatedRequest:
    state: State
    customer_id: str
    assignee_id: str | None


@dataclass(frozen=True)
class Side:
    rater_role: RaterRole
    ratee_id: str


def side_of(actor: Actor, request: RatedRequest) -> Side:
    """Whom `actor` rates on this request, or why they may not."""
    if actor.role == Role.CUSTOMER and actor.id == request.customer_id:
        side = Side(RaterRole.CUSTOMER, request.assignee_id or "")
    elif actor.role == Role.EXECUTOR and actor.id == request.assignee_id:
        side = Side(RaterRole.EXECUTOR, request.customer_id)
    else:
        raise ActorNotAllowed("only the request's customer and its executor rate it")
    if request.state not in RATABLE_STATES or not side.ratee_id:
        raise StateConflict(
            f"a request is rated once its work is confirmed; this one is {request.state}"
        )
    return side


def may_still_edit(created_at: datetime, now: datetime) -> bool:
    return now - created_at <= EDIT_WINDOW


def asks_follow_up(rater_role: RaterRole, score: int) -> bool:
    return rater_role == RaterRole.CUSTOMER and score <= LOW_SCORE
