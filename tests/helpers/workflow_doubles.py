"""Workflow tests without the stack: Temporal's time-skipping test server, and same-name
doubles of the activities the request and verification workflows call.

Each double keeps in memory what the real activity would have written and records every
call, so a test asserts what the workflow did (transitions, breaches, notices, statuses),
not only where it ended. The doubles carry the real activities' names (the workflows
schedule activities by name); tests/workflows/test_service_request_timeskipping.py holds
them to the real ones."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType, IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.paperwork import GeneratedDocument
from core.settings import get_settings
from devstack.install import ensure_temporal_test_server
from domain.executor_verification import CheckOutcome, CheckRequest, StatusChange
from domain.lifecycle import State
from domain.notifications import (
    DEFAULT_LOCALE,
    Channel,
    DeliveryOutcome,
    NotificationTrigger,
    PlannedNotification,
    notices_for,
    notification_id,
)
from domain.requests import (
    EligibilityQuery,
    ExecutorEligibility,
    NewRequest,
    PaperworkFailure,
    PaperworkInput,
    RequestCreation,
    RequestView,
    RequestWorkflowInput,
    SlaBreach,
    TransitionRecord,
    stage_sla,
)
from domain.search_attributes import SEARCH_ATTRIBUTES
from domain.sla import SlaPolicy
from domain.verification import CHECK_AGE, CHECK_INN, CHECK_PASSPORT, CHECK_SELF_EMPLOYED
from domain.workflow_ids import VERIFICATION_DECIDED_SIGNAL, request_workflow_id
from worker import SANDBOX
from workflows.service_request import ServiceRequestWorkflow

# ---- the server --------------------------------------------------------------------------


@asynccontextmanager
async def time_skipping_environment() -> AsyncIterator[WorkflowEnvironment]:
    """The test server (installed on first use: Java, from Maven Central, cached), with
    the platform's search attributes registered: the request workflow sets them, and an
    unknown one fails its workflow task."""
    launcher = ensure_temporal_test_server(get_settings())
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(launcher))
    try:
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes={
                    name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{kind.upper()}")
                    for name, kind in SEARCH_ATTRIBUTES.items()
                },
            )
        )
        yield env
    finally:
        await env.shutdown()


def worker_for(
    env: WorkflowEnvironment,
    task_queue: str,
    workflows: Sequence[type],
    activities: Sequence[Callable[..., Any]],
) -> Worker:
    """A worker as worker.py builds one (same sandbox), serving every queue of a test
    (the workflows', notifications', paperwork's) from one task queue."""
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=workflows,
        activities=activities,
        workflow_runner=SANDBOX,
    )


async def eventually(done: Callable[[], bool], timeout_s: float = 10) -> None:
    """Wait (in real time) until the worker has acted on what the server's clock did:
    a skipped timer's workflow task runs after the skip returns."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not done():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the workflow did not get there in time")
        await asyncio.sleep(0.02)


# The history events that open and close a workflow task (its local activities run inside
# it): the test server does not report a pending workflow task in a description.
_TASK_OPEN = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    }
)
_TASK_SHUT = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    }
)


async def _busy(handle: WorkflowHandle[Any, Any]) -> bool:
    if (await handle.describe()).raw_description.pending_activities:
        return True
    history = await handle.fetch_history()
    tasks = [e.event_type for e in history.events if e.event_type in _TASK_OPEN | _TASK_SHUT]
    return bool(tasks) and tasks[-1] in _TASK_OPEN


async def quiet(handle: WorkflowHandle[Any, Any], timeout_s: float = 10) -> None:
    """Wait (in real time) until the workflow has no workflow task and no activity in
    flight. A clock skip that runs on while a notice waits for its worker can time the
    delivery out (6 hours), and the test server then leaves its clock locked for good;
    it leaks that lock for a run terminated mid-task too: every later skip would hang.
    Checked twice, a moment apart: a finished activity's result is a new workflow task."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        if not await _busy(handle):
            await asyncio.sleep(0.05)
            if not await _busy(handle):
                return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"workflow {handle.id} did not go quiet")
        await asyncio.sleep(0.02)


def activity_name(fn: Callable[..., Any]) -> str:
    name = activity._Definition.must_from_callable(fn).name
    assert name is not None, "not a dynamic activity"
    return name


# ---- notifications -----------------------------------------------------------------------


@dataclass
class NotificationsDouble:
    """Plans one message per notice the real planner would send (`notices_for`), to the
    audience itself as recipient, and delivers it by recording it."""

    triggers: list[NotificationTrigger] = field(default_factory=list)
    delivered: list[PlannedNotification] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        return [self.plan_notifications, self.deliver, self.give_up]

    def events(self) -> list[str]:
        return [t.event_type for t in self.triggers]

    def heard(self) -> list[tuple[str, str]]:
        """(kind, audience) of every delivered message, in the order planned."""
        return sorted((d.kind, d.recipient_id) for d in self.delivered)

    @activity.defn(name="plan_notifications")
    async def plan_notifications(self, trigger: NotificationTrigger) -> list[PlannedNotification]:
        self.triggers.append(trigger)
        return [
            PlannedNotification(
                notification_id=notification_id(
                    trigger.event_id, notice.kind, notice.audience.value, Channel.EMAIL
                ),
                kind=notice.kind.value,
                channel=Channel.EMAIL.value,
                recipient_id=notice.audience.value,
                address=f"{notice.audience.value}@example.test",
                locale=DEFAULT_LOCALE.value,
                request_id=trigger.request_id,
                trace_id=trigger.trace_id,
            )
            for notice in notices_for(trigger)
        ]

    @activity.defn(name="deliver")
    async def deliver(self, item: PlannedNotification) -> DeliveryOutcome:
        self.delivered.append(item)
        return DeliveryOutcome(item.notification_id, "sent")

    @activity.defn(name="give_up")
    async def give_up(self, item: PlannedNotification) -> DeliveryOutcome:
        return DeliveryOutcome(item.notification_id, "failed")


# ---- the request store and paperwork -----------------------------------------------------


def stored_view(request: NewRequest, *, at: datetime, sla_due_at: datetime) -> RequestView:
    """The view the API stores for a new request (the workflow starts from it)."""
    return RequestView(
        id=request.request_id,
        customer_id=request.customer_id,
        category=request.category,
        description=request.description,
        address=request.address,
        state=State.NEW,
        assignee_id=None,
        window_start=request.window_start,
        window_end=request.window_end,
        budget=request.budget,
        report=None,
        sla_stage=None,
        sla_due_at=sla_due_at,
        sla_breached=False,
        version=1,
        created_at=at,
        updated_at=at,
    )


@dataclass
class RequestStoreDouble:
    """Stands in for RequestActivities and PaperworkActivities: applies transitions the
    way the store does (once per event id) and records every call."""

    views: dict[str, RequestView] = field(default_factory=dict)
    transitions: list[TransitionRecord] = field(default_factory=list)
    breaches: list[SlaBreach] = field(default_factory=list)
    eligibility_checks: list[EligibilityQuery] = field(default_factory=list)
    paperwork_jobs: list[PaperworkInput] = field(default_factory=list)
    paperwork_failures: list[PaperworkFailure] = field(default_factory=list)
    # What check_executor answers about every executor.
    verified: bool = True
    # Paperwork attempts that fail for good (data no retry can mend) before one succeeds.
    unrenderable_attempts: int = 0

    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.create_request,
            self.apply_transition,
            self.record_sla_breach,
            self.check_executor,
            self.record_paperwork,
            self.generate_paperwork,
            self.record_paperwork_failure,
        ]

    def path(self) -> list[tuple[str, State, State]]:
        """(action, from, to) of every transition applied, in order."""
        return [(t.action.value, t.from_state, t.to_state) for t in self.transitions]

    def view(self, request_id: str) -> RequestView:
        return self.views[request_id]

    @activity.defn(name="create_request")
    async def create_request(self, creation: RequestCreation) -> RequestView:
        view = stored_view(
            creation.request, at=creation.occurred_at, sla_due_at=creation.sla_due_at
        )
        self.views[view.id] = replace(view, sla_stage=creation.sla_stage)
        return self.views[view.id]

    @activity.defn(name="apply_transition")
    async def apply_transition(self, record: TransitionRecord) -> RequestView:
        if any(t.event_id == record.event_id for t in self.transitions):
            return self.views[record.request_id]  # a retry: applied once, as the store does
        if self.views[record.request_id].state != record.from_state:
            raise ApplicationError(
                f"stored state is {self.views[record.request_id].state}, not {record.from_state}",
                non_retryable=True,
            )
        self.transitions.append(record)
        before = self.views[record.request_id]
        self.views[record.request_id] = replace(
            before,
            state=record.to_state,
            assignee_id=record.assignee_id,
            sla_stage=record.sla_stage,
            sla_due_at=record.sla_due_at,
            sla_breached=False,
            report=record.report if record.report is not None else before.report,
            version=before.version + 1,
            updated_at=record.occurred_at,
        )
        return self.views[record.request_id]

    @activity.defn(name="record_sla_breach")
    async def record_sla_breach(self, breach: SlaBreach) -> None:
        if all(b.event_id != breach.event_id for b in self.breaches):
            self.breaches.append(breach)

    @activity.defn(name="check_executor")
    async def check_executor(self, query: EligibilityQuery) -> ExecutorEligibility:
        self.eligibility_checks.append(query)
        return ExecutorEligibility(query.executor_id, eligible=True, verified=self.verified)

    @activity.defn(name="record_paperwork")
    async def record_paperwork(self, paperwork: PaperworkInput) -> None:
        self.paperwork_jobs.append(paperwork)

    @activity.defn(name="generate_paperwork")
    async def generate_paperwork(self, job: PaperworkInput) -> list[GeneratedDocument]:
        self.paperwork_jobs.append(job)
        if self.unrenderable_attempts > 0:
            self.unrenderable_attempts -= 1
            raise ApplicationError(
                "the executor's payout details are missing", type="ValueError", non_retryable=True
            )
        digest = hashlib.sha256(job.event_id.encode()).hexdigest()
        return [GeneratedDocument(f"act-{job.event_id}", "act", "A-1", "Акт", digest)]

    @activity.defn(name="record_paperwork_failure")
    async def record_paperwork_failure(self, failure: PaperworkFailure) -> RequestView:
        self.paperwork_failures.append(failure)
        view = replace(self.views[failure.request_id], paperwork_failed=True)
        self.views[failure.request_id] = view
        return view


@asynccontextmanager
async def request_running(
    env: WorkflowEnvironment,
    store: RequestStoreDouble,
    told: NotificationsDouble,
    queue: str,
    sla: SlaPolicy,
    customer_id: str = "c-1",
) -> AsyncIterator[WorkflowHandle[ServiceRequestWorkflow, RequestView]]:
    """A new request as the API stores it and starts its workflow, served on `queue`
    (its notifications and paperwork too) until the block ends; then it is terminated."""
    new = NewRequest(
        request_id=str(uuid.uuid4()),
        customer_id=customer_id,
        idempotency_key=f"fast-{uuid.uuid4()}",
        category="plumbing",
        description="Течёт смеситель",
        address="Москва, Тверская ул., 1",
    )
    now = await env.get_current_time()  # the server's clock, moved on by earlier tests
    stage, due = stage_sla(sla, State.NEW, now, None)
    assert due is not None
    view = replace(stored_view(new, at=now, sla_due_at=due), sla_stage=stage)
    store.views[view.id] = view
    activities = [*store.activities(), *told.activities()]
    async with worker_for(env, queue, [ServiceRequestWorkflow], activities):
        handle = await env.client.start_workflow(
            ServiceRequestWorkflow.run,
            RequestWorkflowInput(
                request=new,
                sla=sla,
                notification_queue=queue,
                paperwork_queue=queue,
                stored=view,
                created_event_id=str(uuid.uuid4()),
                created_at=now,
            ),
            id=request_workflow_id(new.request_id),
            task_queue=queue,
        )
        yield handle
        await quiet(handle)
        with contextlib.suppress(RPCError):  # it has ended already
            await handle.terminate("test over")


# ---- executor verification ---------------------------------------------------------------


def passing_document_checks() -> list[CheckOutcome]:
    return [
        CheckOutcome(CHECK_INN, True, "individual's INN, control digits valid"),
        CheckOutcome(CHECK_PASSPORT, True, "passport series and number well-formed"),
        CheckOutcome(CHECK_AGE, True, "age 30"),
    ]


SELF_EMPLOYED = CheckOutcome(CHECK_SELF_EMPLOYED, True, "registered as self-employed (НПД)")


@dataclass
class VerificationDouble:
    """Stands in for VerificationActivities: the checks answer what the test set, the
    status changes are recorded, and the requests waiting on the executor are listed."""

    document_checks: list[CheckOutcome] = field(default_factory=passing_document_checks)
    # The tax service's answers in turn: a timedelta is "busy, ask again after this long";
    # once they run out it answers SELF_EMPLOYED.
    tax_answers: list[CheckOutcome | timedelta] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    statuses: list[StatusChange] = field(default_factory=list)
    checked_submissions: list[str] = field(default_factory=list)
    # The attempt number of each tax service call.
    tax_calls: list[int] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.run_document_checks,
            self.check_self_employed,
            self.record_status,
            self.waiting_requests,
        ]

    def events(self) -> list[tuple[str, str]]:
        """(event type, state recorded) of every status change, in order."""
        return [(s.event_type, s.state) for s in self.statuses]

    def at(self, event_type: str) -> list[datetime]:
        return [s.occurred_at for s in self.statuses if s.event_type == event_type]

    @activity.defn(name="run_document_checks")
    async def run_document_checks(self, request: CheckRequest) -> list[CheckOutcome]:
        self.checked_submissions.append(request.submission_id)
        return list(self.document_checks)

    @activity.defn(name="check_self_employed")
    async def check_self_employed(self, request: CheckRequest) -> CheckOutcome:
        self.tax_calls.append(activity.info().attempt)
        answer = self.tax_answers.pop(0) if self.tax_answers else SELF_EMPLOYED
        if isinstance(answer, timedelta):
            raise ApplicationError(
                "tax service busy", type="tax_service_busy", next_retry_delay=answer
            )
        return answer

    @activity.defn(name="record_status")
    async def record_status(self, change: StatusChange) -> None:
        if all(s.event_id != change.event_id for s in self.statuses):
            self.statuses.append(change)

    @activity.defn(name="waiting_requests")
    async def waiting_requests(self, executor_id: str) -> list[str]:
        return list(self.waiting)


@workflow.defn(name="WaitingRequest")
class WaitingRequestWorkflow:
    """A request waiting on an executor's verification, reduced to the signal the
    verification workflow sends it: it records each decision it hears of. Run it with
    `UnsandboxedWorkflowRunner` (it lives among test helpers the sandbox would reload)."""

    def __init__(self) -> None:
        self._decisions: list[tuple[str, bool]] = []

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)  # until the test terminates it

    @workflow.signal(name=VERIFICATION_DECIDED_SIGNAL)
    def verification_decided(self, executor_id: str, approved: bool) -> None:
        self._decisions.append((executor_id, approved))

    @workflow.query
    def decisions(self) -> list[tuple[str, bool]]:
        return list(self._decisions)
