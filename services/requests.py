"""Commands on service requests. Used by the API and the bot, so a request obeys the
same rules whichever way an action arrives.

A create is one PostgreSQL transaction (the request, its history line, its
`request.created` event and the intent to start its workflow) and is answered from the
committed row; the workflow is started after that (services/request_starts.py). Actions
are updates of that workflow."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from core.settings import Settings
from domain.access import can_view_request
from domain.cascade import CascadePolicy
from domain.lifecycle import Action, Actor, ActorNotAllowed, State, StateConflict
from domain.request_actions import update_of
from domain.requests import (
    ActionInput,
    NewRequest,
    RequestCreation,
    RequestView,
    StartIntent,
    new_request_stage,
    stage_sla,
)
from domain.sla import SlaPolicy
from domain.workflow_ids import request_workflow_id
from services.errors import Conflict, NotFound, Unprocessable
from services.request_starts import RequestStarts
from store import requests as repo
from store.requests import PendingStart

# Request ids derive from (customer, Idempotency-Key): a retried create finds its request.
REQUEST_ID_NAMESPACE = uuid.UUID("0b6c6d7e-6a53-4b8f-9a51-5f2d4c1e9a10")


@dataclass(frozen=True)
class RequestDraft:
    category: str
    description: str
    address: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    budget: str | None = None


@dataclass(frozen=True)
class StoredRequest:
    view: RequestView
    created: bool  # False: stored before, under the same key
    pending: PendingStart | None  # how to start its workflow, until it is started


def request_id_for(customer_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(REQUEST_ID_NAMESPACE, f"{customer_id}/{idempotency_key}"))


class RequestCommands:
    def __init__(
        self,
        temporal: Client,
        sessions: async_sessionmaker[AsyncSession],
        task_queue: str,
        sla: SlaPolicy,
        notification_queue: str = "notifications",
        paperwork_queue: str = "paperwork",
        cascade_for: Callable[[str], CascadePolicy | None] = lambda category: None,
    ) -> None:
        self.temporal = temporal
        self.sessions = sessions
        self.task_queue = task_queue
        self.sla = sla
        self.notification_queue = notification_queue
        self.paperwork_queue = paperwork_queue
        # The offer cascade a new request of a category runs (None: managers assign).
        self.cascade_for = cascade_for
        self.starts = RequestStarts(temporal, sessions)

    @classmethod
    def from_settings(
        cls, temporal: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> RequestCommands:
        return cls(
            temporal,
            sessions,
            settings.temporal.task_queue,
            settings.sla.policy(),
            settings.notifications.task_queue,
            settings.paperwork.task_queue,
            settings.dispatch.cascade_for,
        )

    async def create(
        self,
        customer_id: str,
        idempotency_key: str,
        draft: RequestDraft,
        trace_id: str | None = None,
    ) -> tuple[RequestView, bool]:
        """The stored request and whether this call created it. Answered once the
        request is committed; its workflow is started in the background."""
        stored = await self.store(customer_id, idempotency_key, draft, trace_id)
        if stored.pending is not None:
            # Also for a repeat: the first call's process may have died before its start.
            self.starts.start_soon(stored.pending)
        if not stored.created:
            # A repeat (or a concurrent create that lost the race) must carry the same body.
            _ensure_same(stored.view, draft)
        return stored.view, stored.created

    async def store(
        self,
        customer_id: str,
        idempotency_key: str,
        draft: RequestDraft,
        trace_id: str | None = None,
    ) -> StoredRequest:
        """The create's one transaction, without the start that `create` makes next: the
        request is durable here, and the sweeper starts its workflow if nobody else does."""
        request_id = request_id_for(customer_id, idempotency_key)
        now = datetime.now(UTC)
        # As the workflow computes it for a request entering `new` (domain.requests).
        sla_stage, due = stage_sla(self.sla, State.NEW, now, draft.window_start)
        event_id = str(uuid.uuid4())
        creation = RequestCreation(
            request=NewRequest(
                request_id=request_id,
                customer_id=customer_id,
                idempotency_key=idempotency_key,
                category=draft.category,
                description=draft.description,
                address=draft.address,
                window_start=draft.window_start,
                window_end=draft.window_end,
                budget=draft.budget,
            ),
            event_id=event_id,
            occurred_at=now,
            sla_stage=new_request_stage(sla_stage),
            sla_due_at=due or now,
            trace_id=trace_id,
        )
        intent = StartIntent(
            task_queue=self.task_queue,
            created_event_id=event_id,
            sla=self.sla,
            notification_queue=self.notification_queue,
            paperwork_queue=self.paperwork_queue,
            trace_id=trace_id,
            cascade=self.cascade_for(draft.category),
        )
        async with self.sessions.begin() as session:
            row, created = await repo.record_creation(session, creation, intent=intent)
            return StoredRequest(repo.to_view(row), created, repo.pending_start(row))

    async def act(
        self,
        request_id: str,
        action: Action,
        actor: Actor,
        *,
        executor_id: str | None = None,
        reason: str | None = None,
        report: str | None = None,
        trace_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> RequestView:
        """With an `idempotency_key`, a repeat of the same action and arguments returns
        the first result, whatever the request's state is now; the same key with another
        action or other arguments is refused (422). The key is bound to its action in the
        store first, then becomes the workflow update id, which Temporal runs once: a
        retry after a crash or a lost response anywhere in between finds the same update."""
        command = ActionInput(
            actor_id=actor.id,
            actor_role=actor.role,
            executor_id=executor_id,
            reason=reason,
            report=report,
            trace_id=trace_id,
        )
        update_id = None
        if idempotency_key is not None:
            await self._bind_key(request_id, action, command, idempotency_key)
            update_id = f"{action.value}-{actor.id}-{idempotency_key}"
        try:
            return await self._update(request_id, action, command, update_id)
        except NotFound:
            # A request can be stored with its workflow not started yet (created a moment
            # ago, or just before a crash): start it here as the sweeper would, once.
            if not await self.starts.start_if_pending(request_id):
                raise
        try:
            return await self._update(request_id, action, command, update_id)
        except NotFound:
            # Stored and started, yet no workflow takes the update: it has ended.
            await self._refuse_if_finished(request_id, action, actor)
            raise

    async def _refuse_if_finished(self, request_id: str, action: Action, actor: Actor) -> None:
        """A stored request whose workflow has ended (closed, cancelled) is a conflict,
        not a missing request, for whoever may see it; others still get the 404."""
        async with self.sessions() as session:
            row = await repo.get(session, request_id)
        if row is None:
            return
        view = repo.to_view(row)
        if can_view_request(actor, view.customer_id, view.assignee_id):
            raise StateConflict(f"the request is {view.state.value}; '{action}' is not possible")

    async def _update(
        self, request_id: str, action: Action, command: ActionInput, update_id: str | None
    ) -> RequestView:
        handle = self.temporal.get_workflow_handle(request_workflow_id(request_id))
        try:
            result: RequestView = await handle.execute_update(
                update_of(action), command, result_type=RequestView, id=update_id
            )
        except WorkflowUpdateFailedError as error:
            raise _translate(error) from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise NotFound(f"request {request_id} does not exist") from None
            if error.status == RPCStatusCode.FAILED_PRECONDITION:  # workflow already closed
                raise Conflict(
                    f"request {request_id} is finished; '{action}' is not possible"
                ) from None
            raise
        return result

    async def _bind_key(
        self, request_id: str, action: Action, command: ActionInput, idempotency_key: str
    ) -> None:
        fingerprint = action_fingerprint(action, command)
        try:
            async with self.sessions.begin() as session:
                bound = await repo.claim_action_key(
                    session,
                    request_id=request_id,
                    actor_id=command.actor_id,
                    idempotency_key=idempotency_key,
                    action=action.value,
                    fingerprint=fingerprint,
                )
        except IntegrityError:  # the request's row is not there
            raise NotFound(f"request {request_id} does not exist") from None
        if bound.fingerprint != fingerprint:
            raise Unprocessable(
                f"this Idempotency-Key was already used for '{bound.action}' on this "
                "request with other arguments; use a new key for a new action"
            )


def _ensure_same(stored: RequestView, draft: RequestDraft) -> None:
    """A repeated Idempotency-Key must carry the same request, field by field."""

    def amount(value: str | None) -> Decimal | None:
        return Decimal(value) if value is not None else None

    if (
        stored.category,
        stored.description,
        stored.address,
        stored.window_start,
        stored.window_end,
        amount(stored.budget),
    ) != (
        draft.category,
        draft.description,
        draft.address,
        draft.window_start,
        draft.window_end,
        amount(draft.budget),
    ):
        raise Unprocessable(
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new request"
        )


def action_fingerprint(action: Action, command: ActionInput) -> str:
    """What makes two calls the same action: the action and its arguments (not the trace
    id, which each retry of a client may send anew)."""
    arguments = asdict(command) | {"action": action.value}
    arguments.pop("trace_id")
    canonical = json.dumps(arguments, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _translate(error: WorkflowUpdateFailedError) -> Exception:
    cause = error.cause
    if isinstance(cause, ApplicationError):
        if cause.type == ActorNotAllowed.kind:
            return ActorNotAllowed(cause.message)
        if cause.type == StateConflict.kind:
            return StateConflict(cause.message)
        if cause.type in ("executor_not_eligible", "invalid_input"):
            return Unprocessable(cause.message)
    return error
