"""Commands on service requests, sent to their workflows. Used by the API and the bot,
so a request obeys the same rules whichever way an action arrives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from core.settings import Settings
from domain.lifecycle import Action, Actor, ActorNotAllowed, StateConflict
from domain.requests import ActionInput, NewRequest, RequestView, RequestWorkflowInput
from domain.sla import SlaPolicy
from services.errors import Conflict, NotFound, Unprocessable
from store import requests as repo
from store.models import ServiceRequest
from workflows.service_request import ServiceRequestWorkflow, workflow_id

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
    ) -> None:
        self.temporal = temporal
        self.sessions = sessions
        self.task_queue = task_queue
        self.sla = sla
        self.notification_queue = notification_queue

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
        )

    async def create(
        self,
        customer_id: str,
        idempotency_key: str,
        draft: RequestDraft,
        trace_id: str | None = None,
    ) -> tuple[RequestView, bool]:
        """The stored request and whether this call created it."""
        request_id = request_id_for(customer_id, idempotency_key)
        existing = await self._stored(request_id)
        if existing is not None:
            stored = repo.to_view(existing)
            _ensure_same(stored, draft)
            return stored, False
        new = NewRequest(
            request_id=request_id,
            customer_id=customer_id,
            idempotency_key=idempotency_key,
            **draft.__dict__,
        )
        operation = WithStartWorkflowOperation(
            ServiceRequestWorkflow.run,
            RequestWorkflowInput(
                request=new,
                sla=self.sla,
                trace_id=trace_id,
                notification_queue=self.notification_queue,
            ),
            id=workflow_id(request_id),
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A finished request must never be started again by a late retry.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        try:
            view = await self.temporal.execute_update_with_start_workflow(
                ServiceRequestWorkflow.submitted,
                start_workflow_operation=operation,
                id=f"submit-{request_id}",
            )
        except RPCError as error:
            if error.status != RPCStatusCode.ALREADY_EXISTS:
                raise
            late = await self._stored(request_id)
            if late is None:
                raise
            view, created = repo.to_view(late), False
        else:
            created = True
        # A concurrent create with the same key may have won the race with another body.
        _ensure_same(view, draft)
        return view, created

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
        """`idempotency_key` becomes the update id: Temporal runs an update id once per
        request, so a client retrying after a lost response gets the first result."""
        command = ActionInput(
            actor_id=actor.id,
            actor_role=actor.role.value,
            executor_id=executor_id,
            reason=reason,
            report=report,
            trace_id=trace_id,
        )
        handle = self.temporal.get_workflow_handle(workflow_id(request_id))
        try:
            result: RequestView = await handle.execute_update(
                action.value,
                command,
                result_type=RequestView,
                id=f"{action.value}-{idempotency_key}" if idempotency_key else None,
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

    async def _stored(self, request_id: str) -> ServiceRequest | None:
        async with self.sessions() as session:
            return await repo.get(session, request_id)


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
