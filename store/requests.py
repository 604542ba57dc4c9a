"""Repository of service requests: the read model, its history and its audit trail.
Functions only flush; the caller owns the transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import ColumnElement, String, and_, cast, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.lifecycle import STAFF_ROLES, Action, Role, State
from domain.requests import (
    NewRequest,
    RequestCreation,
    RequestView,
    RequestWorkflowInput,
    StartIntent,
    TransitionRecord,
    TransitionView,
)
from domain.sla import Sla
from store import outbox
from store.models import RequestActionKey, RequestTransition, ServiceRequest, User
from store.outbox import EventDraft

_intents = TypeAdapter(StartIntent)

# What a list of requests may be sorted by.
SORTABLE = {
    "created_at": ServiceRequest.created_at,
    "updated_at": ServiceRequest.updated_at,
    "sla_due_at": ServiceRequest.sla_due_at,
}
# Rows without an SLA due time sort last, and the cursor needs a value for them.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
# Where a sorted list resumes: the sort value and the id of the last row seen.
ListKey = tuple[datetime, uuid.UUID]


def to_view(row: ServiceRequest) -> RequestView:
    return RequestView(
        id=str(row.id),
        customer_id=str(row.customer_id),
        category=row.category,
        description=row.description,
        address=row.address,
        state=State(row.state),
        assignee_id=str(row.assignee_id) if row.assignee_id else None,
        window_start=row.window_start,
        window_end=row.window_end,
        budget=str(row.budget) if row.budget is not None else None,
        report=row.report,
        sla_stage=Sla(row.sla_stage) if row.sla_stage else None,
        sla_due_at=row.sla_due_at,
        sla_breached=row.sla_breached,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        paperwork_failed=row.paperwork_failed,
        dispatch=row.dispatch,
    )


async def get(
    session: AsyncSession, request_id: str, *, lock: bool = False
) -> ServiceRequest | None:
    statement = select(ServiceRequest).where(ServiceRequest.id == uuid.UUID(request_id))
    if lock:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def require(session: AsyncSession, request_id: str, *, lock: bool = False) -> ServiceRequest:
    """The request's row; LookupError (which activities do not retry) when it is missing."""
    row = await get(session, request_id, lock=lock)
    if row is None:
        raise LookupError(f"request {request_id} is not in the store")
    return row


async def record_creation(
    session: AsyncSession, creation: RequestCreation, *, intent: StartIntent | None = None
) -> tuple[ServiceRequest, bool]:
    """Store a new request with its first history line and its `request.created` event;
    the stored row, and whether this call stored it. A request already stored under the
    id (a repeated or concurrent create with the same key) comes back as it is and
    nothing is written: the insert of all but one concurrent call does nothing.

    With `intent` the request's workflow is still to be started (the API stores it);
    without, the caller is that workflow (its `create_request` activity)."""
    new = creation.request
    inserted = await session.scalars(
        insert(ServiceRequest)
        .values(
            id=uuid.UUID(new.request_id),
            customer_id=uuid.UUID(new.customer_id),
            idempotency_key=new.idempotency_key,
            category=new.category,
            description=new.description,
            address=new.address,
            window_start=new.window_start,
            window_end=new.window_end,
            budget=Decimal(new.budget) if new.budget is not None else None,
            state="new",
            sla_stage=creation.sla_stage,
            sla_due_at=creation.sla_due_at,
            sla_breached=False,
            paperwork_failed=False,
            version=1,
            created_at=creation.occurred_at,
            updated_at=creation.occurred_at,
            workflow_started_at=None if intent is not None else creation.occurred_at,
            start_intent=_intents.dump_python(intent, mode="json") if intent else None,
        )
        # No conflict target: the id and (customer, key) are both unique and name the
        # same request (the id derives from the pair). With the id alone as the target, a
        # concurrent insert could still fail on the pair's index instead of doing nothing.
        .on_conflict_do_nothing()
        .returning(ServiceRequest)
    )
    row = inserted.one_or_none()
    if row is None:
        return await require(session, new.request_id), False
    seq = await outbox.next_seq(session, new.request_id)
    data = _creation_data(new)
    add_history(
        session,
        request_id=new.request_id,
        event_id=creation.event_id,
        seq=seq,
        action="create",
        from_state=None,
        to_state="new",
        actor_id=new.customer_id,
        actor_role=Role.CUSTOMER,
        occurred_at=creation.occurred_at,
        data=data,
    )
    await outbox.append(
        session,
        EventDraft(
            event_id=creation.event_id,
            type="request.created",
            aggregate_id=new.request_id,
            occurred_at=creation.occurred_at,
            actor_id=new.customer_id,
            actor_role=Role.CUSTOMER,
            to_state="new",
            data=data,
            trace_id=creation.trace_id,
        ),
        seq,
    )
    return row, True


def _creation_data(new: NewRequest) -> dict[str, Any]:
    return {
        "category": new.category,
        "description": new.description,
        "address": new.address,
        "budget": new.budget,
        "window_start": new.window_start.isoformat() if new.window_start else None,
        "window_end": new.window_end.isoformat() if new.window_end else None,
    }


# ---- starting the workflows of requests the API stored -------------------------------


@dataclass(frozen=True)
class PendingStart:
    """A stored request whose workflow is not known to be started, and how to start it."""

    request_id: str
    task_queue: str
    input: RequestWorkflowInput


def pending_start(row: ServiceRequest) -> PendingStart | None:
    """How to start the row's workflow; None once it is started."""
    if row.workflow_started_at is not None or row.start_intent is None:
        return None
    intent = _intents.validate_python(row.start_intent)
    view = to_view(row)
    return PendingStart(
        request_id=view.id,
        task_queue=intent.task_queue,
        input=RequestWorkflowInput(
            request=NewRequest(
                request_id=view.id,
                customer_id=view.customer_id,
                idempotency_key=row.idempotency_key,
                category=view.category,
                description=view.description,
                address=view.address,
                window_start=view.window_start,
                window_end=view.window_end,
                budget=view.budget,
            ),
            sla=intent.sla,
            trace_id=intent.trace_id,
            notification_queue=intent.notification_queue,
            paperwork_queue=intent.paperwork_queue,
            stored=view,
            created_event_id=intent.created_event_id,
            created_at=view.created_at,
            cascade=intent.cascade,
        ),
    )


@dataclass(frozen=True)
class LockedStarts:
    """A sweep's rows: those it can start, and the ids of those whose intent cannot be
    read (written by another version of the code)."""

    pending: list[PendingStart]
    unreadable: list[str]


async def lock_pending_starts(
    session: AsyncSession, *, older_than: timedelta, limit: int
) -> LockedStarts:
    """The requests whose workflow is still not started, the fewest failed starts and
    then the oldest first, locked for this transaction; rows another sweeper holds are
    skipped, so sweepers share the work. FOR NO KEY UPDATE: an action key written
    meanwhile (a foreign key to the row, which takes a key-share lock) does not wait
    for the sweep."""
    rows = await session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.workflow_started_at.is_(None),
            ServiceRequest.start_intent.is_not(None),
            ServiceRequest.created_at < func.now() - older_than,
        )
        .order_by(ServiceRequest.start_attempts, ServiceRequest.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
    )
    locked = LockedStarts([], [])
    for row in rows:
        try:
            start = pending_start(row)
        except ValidationError:
            locked.unreadable.append(str(row.id))
            continue
        if start is not None:
            locked.pending.append(start)
    return locked


async def count_failed_starts(session: AsyncSession, request_ids: list[str]) -> None:
    """These requests' starts failed once more: later sweeps take them after the rest."""
    if not request_ids:
        return
    await session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id.in_([uuid.UUID(r) for r in request_ids]))
        .values(start_attempts=ServiceRequest.start_attempts + 1)
        .execution_options(synchronize_session=False)
    )


async def mark_started(session: AsyncSession, request_ids: list[str]) -> None:
    """The workflows of these requests are started: nothing more to do for them."""
    if not request_ids:
        return
    await session.execute(
        update(ServiceRequest)
        .where(
            ServiceRequest.id.in_([uuid.UUID(r) for r in request_ids]),
            ServiceRequest.workflow_started_at.is_(None),
        )
        .values(workflow_started_at=func.now(), start_intent=None)
        .execution_options(synchronize_session=False)
    )


def apply(row: ServiceRequest, record: TransitionRecord) -> None:
    row.state = record.to_state
    row.assignee_id = uuid.UUID(record.assignee_id) if record.assignee_id else None
    row.sla_stage = record.sla_stage
    row.sla_due_at = record.sla_due_at
    row.sla_breached = False  # a new stage starts with a clean SLA
    if record.report is not None:
        row.report = record.report
    row.version += 1
    row.updated_at = record.occurred_at


def add_history(
    session: AsyncSession,
    *,
    request_id: str,
    event_id: str,
    seq: int,
    action: str,
    from_state: str | None,
    to_state: str,
    actor_id: str,
    actor_role: str,
    occurred_at: datetime,
    data: dict[str, object],
) -> None:
    session.add(
        RequestTransition(
            request_id=uuid.UUID(request_id),
            event_id=uuid.UUID(event_id),
            seq=seq,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_id=actor_id,
            actor_role=actor_role,
            occurred_at=occurred_at,
            data=data,
        )
    )


async def history(session: AsyncSession, request_id: str) -> list[TransitionView]:
    rows = await session.execute(
        select(RequestTransition)
        .where(RequestTransition.request_id == uuid.UUID(request_id))
        .order_by(RequestTransition.seq)
    )
    return [to_transition_view(row) for row in rows.scalars()]


async def assigned_last_by(session: AsyncSession, request_id: uuid.UUID) -> uuid.UUID | None:
    """Whoever assigned (or reassigned) the request last, while still active staff; None
    when nobody such did (the dispatch cascade's offers are the system's)."""
    found = await session.execute(
        select(User.id)
        .join(RequestTransition, RequestTransition.actor_id == cast(User.id, String))
        .where(
            RequestTransition.request_id == request_id,
            RequestTransition.action.in_([Action.ASSIGN.value, Action.REASSIGN.value]),
            User.is_active.is_(True),
            User.role.in_([r.value for r in STAFF_ROLES]),
        )
        .order_by(RequestTransition.seq.desc())
        .limit(1)
    )
    return found.scalar_one_or_none()


def to_transition_view(row: RequestTransition) -> TransitionView:
    return TransitionView(
        action=row.action,
        from_state=State(row.from_state) if row.from_state is not None else None,
        to_state=State(row.to_state),
        actor_id=row.actor_id,
        actor_role=Role(row.actor_role),
        occurred_at=row.occurred_at,
        seq=row.seq,
        data=dict(row.data),
    )


@dataclass(frozen=True)
class RequestListing:
    """One page of a list of requests: which (the filters), in what order (`sort` is a
    key of SORTABLE) and from where on. `customer_id` and `assigned_to` are the reader's
    scope: a customer sees their own requests, an executor those assigned to them."""

    sort: str
    descending: bool
    limit: int
    after: ListKey | None = None
    customer_id: uuid.UUID | None = None
    assigned_to: uuid.UUID | None = None
    states: list[str] | None = None
    category: str | None = None
    assignee_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    sla_breached: bool | None = None


async def listed(session: AsyncSession, listing: RequestListing) -> list[ServiceRequest]:
    sort_key = func.coalesce(SORTABLE[listing.sort], FAR_FUTURE)
    statement = select(ServiceRequest)
    if listing.customer_id is not None:
        statement = statement.where(ServiceRequest.customer_id == listing.customer_id)
    elif listing.assigned_to is not None:
        statement = statement.where(ServiceRequest.assignee_id == listing.assigned_to)
    conditions: list[ColumnElement[bool]] = []
    if listing.states:
        conditions.append(ServiceRequest.state.in_(listing.states))
    if listing.category:
        conditions.append(ServiceRequest.category == listing.category)
    if listing.assignee_id:
        conditions.append(ServiceRequest.assignee_id == listing.assignee_id)
    if listing.created_from:
        conditions.append(ServiceRequest.created_at >= listing.created_from)
    if listing.created_to:
        conditions.append(ServiceRequest.created_at < listing.created_to)
    if listing.sla_breached is not None:
        conditions.append(ServiceRequest.sla_breached.is_(listing.sla_breached))
    if conditions:
        statement = statement.where(and_(*conditions))
    if listing.after is not None:
        key, boundary = tuple_(sort_key, ServiceRequest.id), tuple_(*listing.after)
        statement = statement.where(key < boundary if listing.descending else key > boundary)
    order = (
        (sort_key.desc(), ServiceRequest.id.desc())
        if listing.descending
        else (sort_key.asc(), ServiceRequest.id.asc())
    )
    statement = statement.order_by(*order).limit(listing.limit)
    return list((await session.execute(statement)).scalars())


def list_key(row: ServiceRequest, sort: str) -> ListKey:
    """The row's place in a list sorted by `sort`, as a cursor resumes from it."""
    value: datetime | None = getattr(row, sort)
    return value or FAR_FUTURE, row.id


EXECUTOR_ACTIVE_STATES = ("assigned", "accepted", "in_progress", "completed", "disputed")


async def active_for_executor(
    session: AsyncSession, executor_id: str, limit: int = 20
) -> list[ServiceRequest]:
    found = await session.execute(
        select(ServiceRequest)
        .where(
            ServiceRequest.assignee_id == uuid.UUID(executor_id),
            ServiceRequest.state.in_(EXECUTOR_ACTIVE_STATES),
        )
        .order_by(ServiceRequest.updated_at.desc(), ServiceRequest.id)
        .limit(limit)
    )
    return list(found.scalars())


async def still_assigned_to(session: AsyncSession, executor_id: uuid.UUID) -> list[uuid.UUID]:
    """The requests assigned to the executor that they have not accepted yet, oldest
    first."""
    found = await session.execute(
        select(ServiceRequest.id)
        .where(ServiceRequest.assignee_id == executor_id, ServiceRequest.state == "assigned")
        .order_by(ServiceRequest.created_at)
    )
    return list(found.scalars())


async def find_for_executor(
    session: AsyncSession, executor_id: str, reference: str
) -> ServiceRequest | None:
    """The executor's request by full id or by the short id messages show (a prefix)."""
    prefix = reference.strip().lower()
    if not prefix or any(ch not in "0123456789abcdef-" for ch in prefix):
        return None
    found = await session.execute(
        select(ServiceRequest)
        .where(
            ServiceRequest.assignee_id == uuid.UUID(executor_id),
            cast(ServiceRequest.id, String).startswith(prefix, autoescape=True),
        )
        .order_by(ServiceRequest.updated_at.desc())
        .limit(2)
    )
    rows = list(found.scalars())
    return rows[0] if len(rows) == 1 else None


async def claim_action_key(
    session: AsyncSession,
    *,
    request_id: str,
    actor_id: str,
    idempotency_key: str,
    action: str,
    fingerprint: str,
) -> RequestActionKey:
    """The action the key is bound to: this one if the key is new, else the first one's.
    Concurrent claims of one key agree (the insert of all but one does nothing)."""
    await session.execute(
        insert(RequestActionKey)
        .values(
            request_id=uuid.UUID(request_id),
            actor_id=actor_id,
            idempotency_key=idempotency_key,
            action=action,
            fingerprint=fingerprint,
        )
        .on_conflict_do_nothing()
    )
    bound = await session.execute(
        select(RequestActionKey).where(
            RequestActionKey.request_id == uuid.UUID(request_id),
            RequestActionKey.actor_id == actor_id,
            RequestActionKey.idempotency_key == idempotency_key,
        )
    )
    return bound.scalar_one()
