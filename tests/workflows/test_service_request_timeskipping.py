"""The request workflow on Temporal's time-skipping test server, its activities replaced by
same-name doubles (tests/helpers/workflow_doubles.py): hours and days of SLA timers pass
in moments, and no service of the stack is needed (the fast tier, `make test-fast`)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.lifecycle import Action, Role, State
from domain.request_actions import update_of
from domain.requests import ActionInput, NewRequest, RequestView, RequestWorkflowInput, stage_sla
from domain.sla import Sla, SlaPolicy
from domain.workflow_ids import request_workflow_id
from tests.helpers.time_skipping import time_skipping_environment
from tests.helpers.workflow_doubles import RequestStoreDouble, stored_view
from workflows.service_request import ServiceRequestWorkflow

pytestmark = pytest.mark.fast

POLICY = SlaPolicy()  # the production durations: hours and days
MANAGER = ActionInput(actor_id="m-1", actor_role=Role.MANAGER)
EXECUTOR = ActionInput(actor_id="e-1", actor_role=Role.EXECUTOR)
CUSTOMER_ID = "c-1"
CUSTOMER = ActionInput(actor_id=CUSTOMER_ID, actor_role=Role.CUSTOMER)


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_environment() as environment:
        yield environment


@dataclass
class Running:
    env: WorkflowEnvironment
    store: RequestStoreDouble
    handle: WorkflowHandle[ServiceRequestWorkflow, RequestView]

    async def act(self, action: Action, actor: ActionInput, **fields: str) -> RequestView:
        command = ActionInput(actor_id=actor.actor_id, actor_role=actor.actor_role, **fields)
        view: RequestView = await self.handle.execute_update(
            update_of(action), command, result_type=RequestView
        )
        return view


@pytest.fixture
async def request_(env: WorkflowEnvironment) -> AsyncIterator[Running]:
    queue = f"fast-{uuid.uuid4().hex[:8]}"
    store = RequestStoreDouble()
    new = NewRequest(
        request_id=str(uuid.uuid4()),
        customer_id=CUSTOMER_ID,
        idempotency_key="fast-tier-key",
        category="plumbing",
        description="Течёт смеситель",
        address="Москва, Тверская ул., 1",
    )
    now = await env.get_current_time()  # the server's clock, moved on by earlier tests
    sla, due = stage_sla(POLICY, State.NEW, now, None)
    assert due is not None
    view = stored_view(new, at=now, sla_due_at=due)
    view = replace(view, sla_stage=sla)
    store.views[view.id] = view
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[ServiceRequestWorkflow],
        activities=store.activities(),
    ):
        handle = await env.client.start_workflow(
            ServiceRequestWorkflow.run,
            RequestWorkflowInput(
                request=new,
                sla=POLICY,
                notification_queue=queue,
                paperwork_queue=queue,
                stored=view,
                created_event_id=str(uuid.uuid4()),
                created_at=now,
            ),
            id=request_workflow_id(new.request_id),
            task_queue=queue,
        )
        yield Running(env, store, handle)
        with contextlib.suppress(RPCError):  # it has ended already
            await handle.terminate("test over")


async def test_a_request_runs_to_closed_with_auto_confirm_two_days_later(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    await request_.act(Action.ACCEPT, EXECUTOR)
    await request_.act(Action.START, EXECUTOR)
    completed = await request_.act(Action.COMPLETE, EXECUTOR, report="Заменил картридж")
    assert completed.sla_stage == Sla.AUTO_CONFIRM

    closed = await request_.handle.result()  # the server skips the 48 h of auto-confirm

    assert closed.state == State.CLOSED
    assert request_.store.path() == [
        ("assign", State.NEW, State.ASSIGNED),
        ("accept", State.ASSIGNED, State.ACCEPTED),
        ("start", State.ACCEPTED, State.IN_PROGRESS),
        ("complete", State.IN_PROGRESS, State.COMPLETED),
        ("auto_confirm", State.COMPLETED, State.CONFIRMED),
        ("close", State.CONFIRMED, State.CLOSED),
    ]
    auto = request_.store.transitions[4]
    assert auto.occurred_at - completed.updated_at >= timedelta(seconds=POLICY.auto_confirm_s)
    assert len(request_.store.paperwork) == 1  # documents before closing, once
    assert request_.store.breaches == []  # auto-confirm is the plan, not a breach
    told = [t.event_type for t in request_.store.notified]
    assert told[:6] == [
        "request.created",
        "request.assigned",
        "request.accepted",
        "request.started",
        "request.completed",
        "request.confirmed",
    ]


async def test_an_unaccepted_assignment_goes_back_to_the_queue_after_two_hours(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    await request_.env.sleep(timedelta(seconds=POLICY.accept_s + 60))

    view = await request_.handle.query(ServiceRequestWorkflow.current)

    assert view.state == State.NEW
    assert view.assignee_id is None
    assert view.sla_stage == Sla.ASSIGN
    assert request_.store.path()[-1] == ("accept_timeout", State.ASSIGNED, State.NEW)
    assert [b.sla for b in request_.store.breaches] == ["accept"]


async def test_an_unassigned_request_escalates_to_the_manager_then_the_head(
    request_: Running,
) -> None:
    await request_.env.sleep(timedelta(seconds=POLICY.assign_s - 60))
    assert request_.store.breaches == []  # not before it is due

    await request_.env.sleep(timedelta(seconds=POLICY.escalation_step_s + 120))

    tiers = [(b.sla, b.tier, b.escalation) for b in request_.store.breaches]
    assert tiers == [("assign", 1, "notify_manager"), ("assign", 2, "notify_head")]
    view = await request_.handle.query(ServiceRequestWorkflow.current)
    assert view.state == State.NEW
    assert view.sla_breached
    assert [t.event_type for t in request_.store.notified].count("sla.breached") == 2


async def test_an_accepted_job_not_started_in_time_is_requeued_after_the_head_is_told(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    await request_.act(Action.ACCEPT, EXECUTOR)
    await request_.env.sleep(timedelta(seconds=POLICY.start_s + 2 * POLICY.escalation_step_s + 60))

    view = await request_.handle.query(ServiceRequestWorkflow.current)

    assert view.state == State.NEW
    assert [(b.sla, b.escalation) for b in request_.store.breaches] == [
        ("start", "notify_manager"),
        ("start", "notify_head"),
        ("start", "requeue"),
    ]
    assert request_.store.path()[-1] == ("requeue", State.ACCEPTED, State.NEW)


async def test_a_disputed_job_is_reworked_then_confirmed_by_the_customer(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    await request_.act(Action.ACCEPT, EXECUTOR)
    await request_.act(Action.START, EXECUTOR)
    await request_.act(Action.COMPLETE, EXECUTOR, report="Готово")
    await request_.act(Action.DISPUTE, CUSTOMER, reason="Всё ещё течёт")
    await request_.act(Action.RESOLVE_REWORK, MANAGER, reason="Переделать")
    await request_.act(Action.COMPLETE, EXECUTOR, report="Переделал")
    await request_.act(Action.CONFIRM, CUSTOMER)

    closed = await request_.handle.result()

    assert closed.state == State.CLOSED
    actions = [action for action, _, _ in request_.store.path()]
    assert actions == [
        "assign", "accept", "start", "complete", "dispute", "resolve_rework", "complete",
        "confirm", "close",
    ]  # fmt: skip
    assert request_.store.transitions[4].data == {"reason": "Всё ещё течёт"}


async def test_a_wrong_actor_is_refused_by_the_validator_and_nothing_is_written(
    request_: Running,
) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await request_.act(Action.ASSIGN, CUSTOMER, executor_id=EXECUTOR.actor_id)

    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "actor_not_allowed"
    assert request_.store.transitions == []
    # Refused by the validator (nothing in the history), not failed by the handler.
    history = await request_.handle.fetch_history()
    assert not [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]


async def test_a_customer_cancels_before_work_starts_and_the_workflow_ends(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    await request_.act(Action.CANCEL, CUSTOMER, reason="Передумал")

    cancelled = await request_.handle.result()

    assert cancelled.state == State.CANCELLED
    assert request_.store.transitions[-1].data == {
        "reason": "Передумал",
        "released_executor_id": EXECUTOR.actor_id,
    }
