"""HR's retry of paperwork that failed for good and parked its request.

The workflow owns the decision (its validator refuses a request that is not parked, or
a caller who is not HR); this only carries the command and translates the refusal."""

from __future__ import annotations

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.lifecycle import Actor, ActorNotAllowed, StateConflict
from domain.requests import ActionInput, RequestView
from domain.workflow_ids import request_workflow_id
from workflows.service_request import ServiceRequestWorkflow

NOT_PARKED = "the paperwork of this request is not waiting for a retry"


async def retry_paperwork(
    temporal: Client, request_id: str, actor: Actor, *, trace_id: str | None
) -> RequestView:
    """Ask the workflow of a request known to the store to generate its paperwork again."""
    handle = temporal.get_workflow_handle(request_workflow_id(request_id))
    command = ActionInput(actor_id=actor.id, actor_role=actor.role, trace_id=trace_id)
    try:
        view: RequestView = await handle.execute_update(
            ServiceRequestWorkflow.retry_paperwork, command
        )
        return view
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type == ActorNotAllowed.kind:
            raise ActorNotAllowed(cause.message) from None
        if isinstance(cause, ApplicationError) and cause.type == StateConflict.kind:
            raise StateConflict(cause.message) from None
        raise
    except RPCError as error:
        # The caller has found the request in the store: a workflow Temporal cannot
        # update is one that has finished (closed or cancelled), with nothing parked.
        if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise StateConflict(NOT_PARKED) from None
        raise
