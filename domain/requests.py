"""Typed inputs and results of the request workflow, its activities and the API.

Plain dataclasses of JSON-friendly values, so Temporal's default converter carries them
and workflow histories stay readable in the Web UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.cascade import CascadePolicy
from domain.lifecycle import Action, Role, State
from domain.sla import SLA_OF_STATE, Sla, SlaPolicy


@dataclass(frozen=True)
class NewRequest:
    request_id: str
    customer_id: str
    idempotency_key: str
    category: str
    description: str
    address: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    budget: str | None = None  # decimal as text, never a float


@dataclass(frozen=True)
class RequestWorkflowInput:
    request: NewRequest
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    trace_id: str | None = None
    # Where the rate-limited notification deliveries run (docs/architecture.md).
    notification_queue: str = "notifications"
    # Where documents are rendered (their own workers: a PDF is CPU work).
    paperwork_queue: str = "paperwork"
    # Set when the API stored the request itself: the workflow takes this view and the
    # `request.created` event already written with it instead of creating the request.
    # Unset (as in every history recorded before), the workflow creates it.
    stored: RequestView | None = None
    created_event_id: str | None = None
    created_at: datetime | None = None
    # Set for a category that is auto-dispatched: the workflow offers the request to
    # its candidates in turn (domain/cascade.py). Unset, managers assign it.
    cascade: CascadePolicy | None = None


@dataclass(frozen=True)
class StartIntent:
    """How a request's workflow is to be started, written in the transaction that stores
    the request: whoever starts it (the API right after the commit, a sweeper after a
    crash, an action that finds no workflow) starts the same workflow."""

    task_queue: str
    created_event_id: str
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    notification_queue: str = "notifications"
    paperwork_queue: str = "paperwork"
    trace_id: str | None = None
    cascade: CascadePolicy | None = None


def stage_sla(
    policy: SlaPolicy, state: State, entered_at: datetime, window_start: datetime | None
) -> tuple[Sla | None, datetime | None]:
    """The SLA a request entering `state` at `entered_at` runs under, and when it is due.
    One function for the workflow and for the API that stores a new request itself."""
    sla = SLA_OF_STATE.get(state)
    if sla is None:
        return None, None
    due = entered_at + policy.duration(sla)
    if sla == Sla.START and window_start is not None and window_start > entered_at:
        due = window_start  # "time to start" is the scheduled slot when there is one
    return sla, due


def new_request_stage(sla: Sla | None) -> Sla:
    """The SLA stage of a request entering `new`; one exists by the rules of domain/sla.py,
    and a request stored without one would never escalate, so its absence is a bug."""
    if sla is None:
        raise ValueError("a new request must have an SLA stage (domain.sla.SLA_OF_STATE)")
    return sla


@dataclass(frozen=True)
class ActionInput:
    """One actor's action on a request; only the fields the action needs are set."""

    actor_id: str
    actor_role: Role
    executor_id: str | None = None
    reason: str | None = None
    report: str | None = None
    trace_id: str | None = None


@dataclass(frozen=True)
class RequestView:
    id: str
    customer_id: str
    category: str
    description: str
    address: str
    state: State
    assignee_id: str | None
    window_start: datetime | None
    window_end: datetime | None
    budget: str | None
    report: str | None
    sla_stage: Sla | None
    sla_due_at: datetime | None
    sla_breached: bool
    version: int
    created_at: datetime
    updated_at: datetime
    # The paperwork failed for good and waits for HR to retry it (the request stays
    # confirmed meanwhile). Defaulted: views stored before it decode unchanged.
    paperwork_failed: bool = False
    # Where its dispatch cascade stands (domain.cascade.CascadeState); None: no cascade.
    dispatch: str | None = None


@dataclass(frozen=True)
class TransitionRecord:
    """A transition decided by the workflow, for the store to apply exactly once."""

    event_id: str
    request_id: str
    action: Action
    event_type: str
    from_state: State
    to_state: State
    actor_id: str
    actor_role: Role
    occurred_at: datetime
    assignee_id: str | None
    sla_stage: Sla | None
    sla_due_at: datetime | None
    report: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    trace_id: str | None = None


@dataclass(frozen=True)
class SlaBreach:
    event_id: str
    request_id: str
    sla: str
    tier: int
    escalation: str
    due_at: datetime
    occurred_at: datetime
    state: str
    trace_id: str | None = None


@dataclass(frozen=True)
class ExecutorEligibility:
    executor_id: str
    eligible: bool
    verified: bool
    reason: str = ""


@dataclass(frozen=True)
class EligibilityQuery:
    executor_id: str
    category: str
    as_of: datetime


@dataclass(frozen=True)
class PaperworkInput:
    event_id: str
    request_id: str
    occurred_at: datetime
    # The trace of the step that confirmed the request (its paperwork follows from it).
    trace_id: str | None = None


@dataclass(frozen=True)
class PaperworkFailure:
    """Paperwork that cannot succeed by retrying: the request is parked for HR."""

    event_id: str
    request_id: str
    occurred_at: datetime
    reason: str
    trace_id: str | None = None


@dataclass(frozen=True)
class RequestCreation:
    request: NewRequest
    event_id: str
    occurred_at: datetime
    sla_stage: Sla
    sla_due_at: datetime
    trace_id: str | None = None


@dataclass(frozen=True)
class TransitionView:
    action: str  # an Action, or "create" for the first line
    from_state: State | None
    to_state: State
    actor_id: str
    actor_role: Role
    occurred_at: datetime
    # Set when read from the store; the workflow's own `history` query leaves them unset.
    seq: int = 0
    data: dict[str, Any] = field(default_factory=dict)
