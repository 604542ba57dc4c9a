"""The request workflow on Temporal's time-skipping test server, its activities replaced by
same-name doubles (tests/helpers/workflow_doubles.py): hours and days of SLA timers pass
in moments, and no service of the stack is needed (the fast tier, `make test-fast`).

The SLA policy is the production one; each test asserts what the workflow did (the
transitions it wrote, the breaches, who was told), not only where the request ended."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.notifications import NotificationActivities
from activities.paperwork import PaperworkActivities
from activities.requests import RequestActivities
from domain.lifecycle import Action, Role, State
from domain.notifications import Audience, Kind
from domain.request_actions import update_of
from domain.requests import ActionInput, RequestView
from domain.sla import Sla, SlaPolicy
from domain.workflow_ids import VERIFICATION_DECIDED_SIGNAL
from tests.helpers.polling import until
from tests.helpers.workflow_doubles import (
    NotificationsDouble,
    RequestStoreDouble,
    activity_name,
    eventually,
    quiet,
    request_running,
    time_skipping_environment,
)
from workflows.service_request import ServiceRequestWorkflow

pytestmark = pytest.mark.fast

POLICY = SlaPolicy()  # the production durations: hours and days
HOUR = timedelta(hours=1)
MANAGER = ActionInput(actor_id="m-1", actor_role=Role.MANAGER)
EXECUTOR = ActionInput(actor_id="e-1", actor_role=Role.EXECUTOR)
OTHER_EXECUTOR = ActionInput(actor_id="e-2", actor_role=Role.EXECUTOR)
HR = ActionInput(actor_id="hr-1", actor_role=Role.HR)
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
    told: NotificationsDouble
    handle: WorkflowHandle[ServiceRequestWorkflow, RequestView]

    async def act(self, action: Action, actor: ActionInput, **fields: str) -> RequestView:
        command = ActionInput(actor_id=actor.actor_id, actor_role=actor.actor_role, **fields)
        view: RequestView = await self.handle.execute_update(
            update_of(action), command, result_type=RequestView
        )
        return view

    async def to_in_progress(self) -> RequestView:
        await self.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
        await self.act(Action.ACCEPT, EXECUTOR)
        return await self.act(Action.START, EXECUTOR)

    async def skip(self, duration: timedelta) -> None:
        """Move the server's clock on, once what the test did so far has settled."""
        await quiet(self.handle)
        await self.env.sleep(duration)

    async def current(self) -> RequestView:
        return await self.handle.query(ServiceRequestWorkflow.current)

    def breaches(self) -> list[tuple[str, int, str]]:
        return [(b.sla, b.tier, b.escalation) for b in self.store.breaches]


@pytest.fixture
async def request_(env: WorkflowEnvironment) -> AsyncIterator[Running]:
    """A request the API stored, its workflow started on a queue of its own."""
    store, told = RequestStoreDouble(), NotificationsDouble()
    queue = f"fast-{uuid.uuid4().hex[:8]}"
    async with request_running(env, store, told, queue, POLICY, CUSTOMER_ID) as handle:
        yield Running(env, store, told, handle)


def test_the_doubles_carry_the_names_of_the_activities_they_stand_in_for() -> None:
    real: dict[str, str] = {}
    for cls in (RequestActivities, PaperworkActivities, NotificationActivities):
        for name in dir(cls):
            if activity._Definition.from_callable(getattr(cls, name)) is not None:
                real[activity_name(getattr(cls, name))] = name
    doubles = [*RequestStoreDouble().activities(), *NotificationsDouble().activities()]

    assert {activity_name(d): d.__name__ for d in doubles}.items() <= real.items()


async def test_a_request_runs_to_closed_with_auto_confirm_two_days_after_completion(
    request_: Running,
) -> None:
    await request_.to_in_progress()
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
    auto, close = request_.store.transitions[4:]
    waited = auto.occurred_at - completed.updated_at
    assert (
        timedelta(seconds=POLICY.auto_confirm_s)
        <= waited
        < timedelta(seconds=POLICY.auto_confirm_s) + timedelta(minutes=1)
    )
    assert (auto.actor_role, close.actor_role) == (Role.SYSTEM, Role.SYSTEM)
    assert auto.data == {"reason": "auto_confirm SLA expired"}
    assert [t.report for t in request_.store.transitions if t.report] == ["Заменил картридж"]
    assert len(request_.store.paperwork_jobs) == 1  # documents before closing, once
    assert request_.store.breaches == []  # auto-confirm is the plan, not a breach
    assert request_.told.events() == [
        "request.created",
        "request.assigned",
        "request.accepted",
        "request.started",
        "request.completed",
        "request.confirmed",
        "hr.paperwork_recorded",
    ]  # request.closed concerns nobody
    paperwork = request_.told.triggers[-1]
    assert paperwork.data["documents"] == [
        {"id": f"act-{request_.store.paperwork_jobs[0].event_id}", "kind": "act", "title": "Акт"}
    ]
    # The workflow waited for every delivery before it ended.
    assert request_.told.heard() == sorted(
        [
            (Kind.REQUEST_CREATED, Audience.CUSTOMER),
            (Kind.EXECUTOR_OFFER, Audience.EXECUTOR),
            (Kind.REQUEST_ACCEPTED, Audience.CUSTOMER),
            (Kind.REQUEST_STARTED, Audience.CUSTOMER),
            (Kind.REQUEST_COMPLETED, Audience.CUSTOMER),
            (Kind.REQUEST_CONFIRMED, Audience.EXECUTOR),
            (Kind.DOCUMENTS_READY, Audience.CUSTOMER),
            (Kind.DOCUMENTS_READY, Audience.EXECUTOR),
        ]
    )
    history = await request_.handle.query(ServiceRequestWorkflow.history)
    assert [h.action for h in history] == ["create", *(a for a, _, _ in request_.store.path())]


async def test_a_declined_job_goes_back_to_the_queue_for_another_executor(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    declined = await request_.act(Action.DECLINE, EXECUTOR, reason="Далеко ехать")

    assert declined.state == State.NEW
    assert declined.assignee_id is None
    assert declined.sla_stage == Sla.ASSIGN
    assert declined.sla_due_at == declined.updated_at + timedelta(seconds=POLICY.assign_s)
    assert request_.store.transitions[-1].data == {"reason": "Далеко ехать"}
    await eventually(lambda: "request.declined" in request_.told.events())
    assert request_.told.triggers[-1].executor_id == EXECUTOR.actor_id

    with pytest.raises(WorkflowUpdateFailedError):  # no longer theirs
        await request_.act(Action.ACCEPT, EXECUTOR)
    await request_.act(Action.ASSIGN, MANAGER, executor_id=OTHER_EXECUTOR.actor_id)
    accepted = await request_.act(Action.ACCEPT, OTHER_EXECUTOR)

    assert accepted.assignee_id == OTHER_EXECUTOR.actor_id
    assert [a for a, _, _ in request_.store.path()] == ["assign", "decline", "assign", "accept"]


async def test_an_unaccepted_assignment_goes_back_to_the_queue_after_two_hours(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    await request_.skip(timedelta(seconds=POLICY.accept_s) - timedelta(minutes=1))
    assert (await request_.current()).state == State.ASSIGNED  # not before it is due

    await request_.skip(timedelta(minutes=2))
    await eventually(lambda: len(request_.store.transitions) == 2)

    view = await request_.current()
    assert (view.state, view.assignee_id, view.sla_stage) == (State.NEW, None, Sla.ASSIGN)
    timeout = request_.store.transitions[-1]
    assert (timeout.action, timeout.from_state, timeout.to_state) == (
        Action.ACCEPT_TIMEOUT,
        State.ASSIGNED,
        State.NEW,
    )
    assert (timeout.actor_id, timeout.data) == ("system", {"reason": "accept SLA expired"})
    assert request_.breaches() == [("accept", 1, "act")]
    await eventually(lambda: "request.declined" in request_.told.events())
    assert request_.told.events().count("sla.breached") == 1


async def test_an_unassigned_request_escalates_to_the_manager_then_the_head(
    request_: Running,
) -> None:
    await request_.skip(timedelta(seconds=POLICY.assign_s) - timedelta(minutes=1))
    assert request_.store.breaches == []  # not before it is due

    await request_.skip(timedelta(minutes=2))
    await eventually(lambda: len(request_.store.breaches) == 1)
    assert request_.breaches() == [("assign", 1, "notify_manager")]
    await request_.skip(HOUR)
    await eventually(lambda: len(request_.store.breaches) == 2)

    assert request_.breaches() == [("assign", 1, "notify_manager"), ("assign", 2, "notify_head")]
    view = await request_.current()
    assert view.state == State.NEW
    assert view.sla_breached
    await eventually(lambda: len(request_.told.delivered) == 3)
    assert request_.told.heard() == sorted(
        [
            (Kind.REQUEST_CREATED, Audience.CUSTOMER),
            (Kind.SLA_BREACHED, Audience.MANAGERS),
            (Kind.SLA_BREACHED, Audience.HEAD_MANAGERS),
        ]
    )
    # No third tier for the assign SLA: hours later nothing more has happened.
    await request_.skip(10 * HOUR)
    assigned = await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    assert len(request_.store.breaches) == 2
    assert not assigned.sla_breached  # a new stage starts with a clean SLA


async def test_an_accepted_job_not_started_in_time_is_requeued_after_the_head_is_told(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    accepted = await request_.act(Action.ACCEPT, EXECUTOR)
    assert accepted.sla_due_at == accepted.updated_at + timedelta(seconds=POLICY.start_s)

    await request_.skip(timedelta(seconds=POLICY.start_s) + 2 * HOUR + timedelta(minutes=1))
    await eventually(lambda: request_.store.path()[-1][0] == "requeue")

    assert request_.breaches() == [
        ("start", 1, "notify_manager"),
        ("start", 2, "notify_head"),
        ("start", 3, "requeue"),
    ]
    due = request_.store.breaches[0].due_at
    assert [b.occurred_at - due for b in request_.store.breaches] == [
        pytest.approx(timedelta(0), abs=timedelta(seconds=5)),
        pytest.approx(HOUR, abs=timedelta(seconds=5)),
        pytest.approx(2 * HOUR, abs=timedelta(seconds=5)),
    ]
    assert request_.store.path()[-1] == ("requeue", State.ACCEPTED, State.NEW)
    view = await request_.current()
    assert (view.state, view.assignee_id) == (State.NEW, None)


async def test_work_not_completed_in_three_days_is_escalated_and_stays_with_the_executor(
    request_: Running,
) -> None:
    await request_.to_in_progress()

    await request_.skip(timedelta(seconds=POLICY.complete_s) + HOUR + timedelta(minutes=1))
    await eventually(lambda: len(request_.store.breaches) == 2)

    assert request_.breaches() == [
        ("complete", 1, "notify_manager"),
        ("complete", 2, "notify_head"),
    ]
    view = await request_.current()
    assert (view.state, view.assignee_id) == (State.IN_PROGRESS, EXECUTOR.actor_id)
    completed = await request_.act(Action.COMPLETE, EXECUTOR, report="Сделал, но поздно")
    assert completed.state == State.COMPLETED


async def test_a_disputed_job_is_reworked_then_confirmed_by_the_customer(
    request_: Running,
) -> None:
    await request_.to_in_progress()
    await request_.act(Action.COMPLETE, EXECUTOR, report="Готово")
    await request_.act(Action.DISPUTE, CUSTOMER, reason="Всё ещё течёт")
    reworked = await request_.act(Action.RESOLVE_REWORK, MANAGER, reason="Переделать")
    assert (reworked.state, reworked.sla_stage) == (State.IN_PROGRESS, Sla.COMPLETE)
    await request_.act(Action.COMPLETE, EXECUTOR, report="Переделал")
    await request_.act(Action.CONFIRM, CUSTOMER)

    closed = await request_.handle.result()

    assert closed.state == State.CLOSED
    assert closed.report == "Переделал"
    assert request_.store.path()[3:] == [
        ("complete", State.IN_PROGRESS, State.COMPLETED),
        ("dispute", State.COMPLETED, State.DISPUTED),
        ("resolve_rework", State.DISPUTED, State.IN_PROGRESS),
        ("complete", State.IN_PROGRESS, State.COMPLETED),
        ("confirm", State.COMPLETED, State.CONFIRMED),
        ("close", State.CONFIRMED, State.CLOSED),
    ]
    assert request_.store.transitions[4].data == {"reason": "Всё ещё течёт"}
    assert request_.store.breaches == []
    assert (Kind.REQUEST_DISPUTED, Audience.MANAGERS) in request_.told.heard()
    assert (Kind.DISPUTE_RESOLVED, Audience.CUSTOMER) in request_.told.heard()


async def test_a_dispute_the_manager_accepts_confirms_and_closes_the_request(
    request_: Running,
) -> None:
    await request_.to_in_progress()
    await request_.act(Action.COMPLETE, EXECUTOR, report="Готово")
    disputed = await request_.act(Action.DISPUTE, CUSTOMER, reason="Царапина на раковине")
    assert disputed.sla_stage is None  # a dispute waits for a manager, with no SLA

    await request_.skip(timedelta(days=5))  # and no auto-confirm runs meanwhile
    assert (await request_.current()).state == State.DISPUTED
    await request_.act(Action.RESOLVE_ACCEPT, MANAGER, reason="Работа принята")
    closed = await request_.handle.result()

    assert closed.state == State.CLOSED
    assert [a for a, _, _ in request_.store.path()][-3:] == ["dispute", "resolve_accept", "close"]
    assert request_.store.transitions[-2].data == {"reason": "Работа принята"}


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


async def test_a_customer_cancels_before_work_starts_and_the_executor_is_released(
    request_: Running,
) -> None:
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    await request_.act(Action.CANCEL, CUSTOMER, reason="Передумал")

    cancelled = await request_.handle.result()

    assert cancelled.state == State.CANCELLED
    assert request_.store.path()[-1] == ("cancel", State.ASSIGNED, State.CANCELLED)
    assert request_.store.transitions[-1].data == {
        "reason": "Передумал",
        "released_executor_id": EXECUTOR.actor_id,
    }
    assert {
        (Kind.REQUEST_CANCELLED, Audience.CUSTOMER),
        (Kind.REQUEST_CANCELLED, Audience.EXECUTOR),
    } <= set(request_.told.heard())
    assert request_.store.paperwork_jobs == []


async def test_work_in_progress_is_cancelled_by_a_manager_not_by_the_customer(
    request_: Running,
) -> None:
    await request_.to_in_progress()

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await request_.act(Action.CANCEL, CUSTOMER, reason="Долго")
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "state_conflict"
    await request_.act(Action.CANCEL, MANAGER, reason="Клиент отказался")

    cancelled = await request_.handle.result()
    assert cancelled.state == State.CANCELLED
    assert request_.store.path()[-1] == ("cancel", State.IN_PROGRESS, State.CANCELLED)
    assert request_.store.transitions[-1].actor_id == MANAGER.actor_id


async def test_paperwork_that_fails_for_good_parks_the_request_until_hr_retries(
    request_: Running,
) -> None:
    request_.store.unrenderable_attempts = 1
    await request_.to_in_progress()
    await request_.act(Action.COMPLETE, EXECUTOR, report="Готово")
    await request_.act(Action.CONFIRM, CUSTOMER)

    await eventually(lambda: bool(request_.store.paperwork_failures))
    failure = request_.store.paperwork_failures[0]
    assert failure.reason == "the executor's payout details are missing"

    async def parked() -> RequestView | None:
        # The workflow parks the request once the failure is stored: a moment later.
        view = await request_.current()
        return view if view.paperwork_failed else None

    view = await until(parked, timeout_s=10, what="the request parked for HR")
    assert view.state == State.CONFIRMED
    await eventually(lambda: "hr.paperwork_failed" in request_.told.events())
    await request_.skip(timedelta(days=3))  # parked: no retries of its own, no closing
    assert len(request_.store.paperwork_jobs) == 1
    assert request_.store.path()[-1][0] == "confirm"

    with pytest.raises(WorkflowUpdateFailedError):
        await request_.handle.execute_update(ServiceRequestWorkflow.retry_paperwork, MANAGER)
    await request_.handle.execute_update(ServiceRequestWorkflow.retry_paperwork, HR)
    closed = await request_.handle.result()

    assert closed.state == State.CLOSED
    first, retried = request_.store.paperwork_jobs
    assert retried == first  # the same job: generation is idempotent
    assert (Kind.PAPERWORK_FAILED, Audience.HR) in request_.told.heard()
    assert request_.told.events()[-1] == "hr.paperwork_recorded"


async def test_an_unverified_executor_may_accept_once_security_approves(
    request_: Running,
) -> None:
    request_.store.verified = False
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)
    # Read again once the assignment is stored: a decision made in between is not lost.
    assert [q.executor_id for q in request_.store.eligibility_checks] == ["e-1", "e-1"]

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await request_.act(Action.ACCEPT, EXECUTOR)
    assert isinstance(refused.value.cause, ApplicationError)
    assert "waiting for security verification" in refused.value.cause.message
    await request_.handle.signal(VERIFICATION_DECIDED_SIGNAL, args=[EXECUTOR.actor_id, True])
    accepted = await request_.act(Action.ACCEPT, EXECUTOR)

    assert accepted.state == State.ACCEPTED
    await eventually(lambda: "verification.approved" in request_.told.events())
    assert (Kind.VERIFICATION_APPROVED, Audience.EXECUTOR) in request_.told.heard()


async def test_a_request_waiting_on_a_rejected_executor_goes_back_to_the_queue(
    request_: Running,
) -> None:
    request_.store.verified = False
    await request_.act(Action.ASSIGN, MANAGER, executor_id=EXECUTOR.actor_id)

    await request_.handle.signal(VERIFICATION_DECIDED_SIGNAL, args=["someone-else", False])
    await request_.handle.signal(VERIFICATION_DECIDED_SIGNAL, args=[EXECUTOR.actor_id, False])
    await eventually(lambda: len(request_.store.transitions) == 2)

    assert request_.store.path() == [
        ("assign", State.NEW, State.ASSIGNED),
        ("verification_rejected", State.ASSIGNED, State.NEW),
    ]  # the decision about someone else changed nothing
    view = await request_.current()
    assert (view.state, view.assignee_id, view.sla_stage) == (State.NEW, None, Sla.ASSIGN)
    assert request_.store.transitions[-1].data == {
        "reason": "executor failed security verification"
    }
