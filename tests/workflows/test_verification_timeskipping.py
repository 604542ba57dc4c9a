"""Executor verification on Temporal's time-skipping test server, its activities replaced by
same-name doubles (tests/helpers/workflow_doubles.py): the production policy's 48 hours
for a decision, 12 months of validity and the reminders before its end pass in moments,
and no service of the stack is needed (the fast tier, `make test-fast`).

Each test asserts what the workflow recorded (status changes in order, with their times),
who was told, and what the requests waiting on the executor heard."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.verification import VerificationActivities
from domain.executor_verification import (
    CheckOutcome,
    Decision,
    SubmissionRef,
    VerificationInput,
    VerificationPolicy,
    VerificationView,
)
from domain.lifecycle import Action, Role, State
from domain.notifications import Audience, Kind
from domain.request_actions import update_of
from domain.requests import ActionInput, RequestView
from domain.sla import SlaPolicy
from domain.verification import CHECK_INN, CHECK_SELF_EMPLOYED
from domain.workflow_ids import (
    VERIFICATION_SUBMITTED_SIGNAL,
    request_workflow_id,
    verification_workflow_id,
)
from tests.helpers.workflow_doubles import (
    NotificationsDouble,
    RequestStoreDouble,
    VerificationDouble,
    WaitingRequestWorkflow,
    activity_name,
    eventually,
    quiet,
    request_running,
    time_skipping_environment,
    worker_for,
)
from workflows.verification import ExecutorVerificationWorkflow

pytestmark = pytest.mark.fast

POLICY = VerificationPolicy()  # the production durations: days and months
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
VALIDITY = timedelta(seconds=POLICY.validity_s)
OFFICER = "sec-1"
CLOSE = timedelta(seconds=5)  # how near a recorded time is to the one planned


def approved(reason: str = "") -> Decision:
    return Decision(OFFICER, Role.SECURITY.value, approved=True, reason=reason)


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_environment() as environment:
        yield environment


@dataclass
class Verifying:
    env: WorkflowEnvironment
    queue: str
    checks: VerificationDouble
    told: NotificationsDouble
    executor_id: str = field(default_factory=lambda: f"e-{uuid.uuid4().hex[:8]}")
    started: list[WorkflowHandle[ExecutorVerificationWorkflow, None]] = field(default_factory=list)
    waiting: list[WorkflowHandle[WaitingRequestWorkflow, None]] = field(default_factory=list)

    def workflows(self) -> list[WorkflowHandle[Any, Any]]:
        return [*self.started, *self.waiting]

    @property
    def handle(self) -> WorkflowHandle[ExecutorVerificationWorkflow, None]:
        return self.started[0]

    async def submit(self) -> str:
        """New documents, as the API sends them (signal-with-start)."""
        ref = SubmissionRef(str(uuid.uuid4()), self.executor_id, await self.env.get_current_time())
        handle = await self.env.client.start_workflow(
            ExecutorVerificationWorkflow.run,
            VerificationInput(
                self.executor_id,
                POLICY,
                notification_queue=self.queue,
                verification_queue=self.queue,
            ),
            id=verification_workflow_id(self.executor_id),
            task_queue=self.queue,
            start_signal=VERIFICATION_SUBMITTED_SIGNAL,
            start_signal_args=[ref],
        )
        if not self.started:
            self.started.append(handle)
        return ref.submission_id

    async def decide(self, decision: Decision) -> VerificationView:
        view: VerificationView = await self.handle.execute_update(
            ExecutorVerificationWorkflow.decide, decision
        )
        return view

    async def status(self) -> VerificationView:
        return await self.handle.query(ExecutorVerificationWorkflow.status)

    async def recorded(self, event_type: str, count: int = 1) -> None:
        await eventually(lambda: len(self.checks.at(event_type)) >= count)

    async def skip_to(self, moment: datetime) -> None:
        """Move the server's clock on to `moment`, once what the test did so far has
        settled. A skip should end soon after the timers it passes: a notice sent on the
        way has 6 hours to be delivered, and a skip that runs on past that before the
        worker picks it up times it out, which leaves the test server's clock locked."""
        for handle in self.workflows():
            await quiet(handle)
        await self.env.sleep(moment - await self.env.get_current_time())

    async def heard_by(
        self, request: WorkflowHandle[WaitingRequestWorkflow, None], count: int
    ) -> list[tuple[str, bool]]:
        """What a waiting request heard, once it has heard `count` decisions."""
        for _ in range(500):
            decisions = await request.query(WaitingRequestWorkflow.decisions)
            if len(decisions) >= count:
                return decisions
            await asyncio.sleep(0.02)
        raise AssertionError(f"the request heard {decisions}")

    async def request_waiting(self) -> WorkflowHandle[WaitingRequestWorkflow, None]:
        """A request assigned to this executor, waiting for the decision."""
        request_id = str(uuid.uuid4())
        handle = await self.env.client.start_workflow(
            WaitingRequestWorkflow.run,
            id=request_workflow_id(request_id),
            task_queue=f"{self.queue}-requests",
        )
        self.checks.waiting.append(request_id)
        self.waiting.append(handle)
        return handle


@asynccontextmanager
async def verifying_on(env: WorkflowEnvironment) -> AsyncIterator[Verifying]:
    queue = f"fast-{uuid.uuid4().hex[:8]}"
    checks, told = VerificationDouble(), NotificationsDouble()
    running = Verifying(env, queue, checks, told)
    waiting_requests = Worker(
        env.client,
        task_queue=f"{queue}-requests",
        workflows=[WaitingRequestWorkflow],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    verifications = worker_for(
        env, queue, [ExecutorVerificationWorkflow], [*checks.activities(), *told.activities()]
    )
    async with waiting_requests, verifications:
        yield running
        for handle in running.workflows():
            await quiet(handle)
            with contextlib.suppress(RPCError):
                await handle.terminate("test over")


@pytest.fixture
async def verifying(env: WorkflowEnvironment) -> AsyncIterator[Verifying]:
    async with verifying_on(env) as running:
        yield running


@pytest.fixture
async def verifying_alone() -> AsyncIterator[Verifying]:
    """On a test server of its own: an activity that times out while the clock is being
    skipped leaves the server's clock locked for good, so no later skip would return."""
    async with time_skipping_environment() as env, verifying_on(env) as running:
        yield running


def test_the_doubles_carry_the_names_of_the_activities_they_stand_in_for() -> None:
    real = {
        activity_name(getattr(VerificationActivities, name)): name
        for name in dir(VerificationActivities)
        if activity._Definition.from_callable(getattr(VerificationActivities, name))
    }
    doubles = VerificationDouble().activities()

    assert {activity_name(d): d.__name__ for d in doubles}.items() <= real.items()


async def test_an_approval_holds_twelve_months_with_reminders_then_expires(
    verifying: Verifying,
) -> None:
    request = await verifying.request_waiting()
    submission = await verifying.submit()
    await verifying.recorded("verification.awaiting_decision")
    assert verifying.checks.checked_submissions == [submission]
    assert len(verifying.checks.tax_calls) == 1  # the INN was valid: the tax service asked

    decided = await verifying.decide(approved())
    decided_at = verifying.checks.at("verification.approved")[0]

    assert (decided.state, decided.decided_by) == ("verified", OFFICER)
    assert decided.verified_until == decided_at + VALIDITY
    assert [c.name for c in decided.checks][-1] == CHECK_SELF_EMPLOYED
    assert await verifying.heard_by(request, 1) == [(verifying.executor_id, True)]

    until = decided.verified_until
    assert until is not None
    await verifying.skip_to(until - timedelta(days=30) - MINUTE)
    assert verifying.checks.at("verification.expiring") == []  # not before its time
    await verifying.skip_to(until - timedelta(days=30) + MINUTE)
    await verifying.recorded("verification.expiring")
    await verifying.skip_to(until - timedelta(days=7) + MINUTE)
    await verifying.recorded("verification.expiring", 2)
    assert (await verifying.status()).state == "verified"
    await verifying.skip_to(until + MINUTE)
    await verifying.recorded("verification.expired")

    assert verifying.checks.events() == [
        ("verification.started", "checking"),
        ("verification.awaiting_decision", "awaiting_decision"),
        ("verification.approved", "verified"),
        ("verification.expiring", "verified"),
        ("verification.expiring", "verified"),
        ("verification.expired", "expired"),
    ]
    reminders = verifying.checks.at("verification.expiring")
    assert [until - at for at in reminders] == [
        pytest.approx(timedelta(days=30), abs=CLOSE),
        pytest.approx(timedelta(days=7), abs=CLOSE),
    ]
    assert verifying.checks.at("verification.expired")[0] - until == pytest.approx(
        timedelta(0), abs=CLOSE
    )
    assert (await verifying.status()).state == "expired"
    # The requests still waiting on the executor hear that the approval ended.
    assert await verifying.heard_by(request, 2) == [
        (verifying.executor_id, True),
        (verifying.executor_id, False),
    ]
    await eventually(lambda: len(verifying.told.delivered) == 5)
    assert verifying.told.heard() == sorted(
        [
            (Kind.VERIFICATION_PENDING, Audience.SECURITY),
            (Kind.VERIFICATION_DECIDED, Audience.EXECUTOR),
            (Kind.VERIFICATION_EXPIRING, Audience.EXECUTOR),
            (Kind.VERIFICATION_EXPIRING, Audience.EXECUTOR),
            (Kind.VERIFICATION_EXPIRED, Audience.EXECUTOR),
        ]
    )


async def test_a_decision_left_two_days_goes_to_the_head_of_security_once(
    verifying: Verifying,
) -> None:
    await verifying.submit()
    await verifying.recorded("verification.awaiting_decision")

    due = verifying.checks.at("verification.awaiting_decision")[0] + timedelta(
        seconds=POLICY.decision_timeout_s
    )
    await verifying.skip_to(due - MINUTE)
    assert verifying.checks.at("verification.escalated") == []
    await verifying.skip_to(due + MINUTE)
    await verifying.recorded("verification.escalated")
    await verifying.skip_to(due + 10 * DAY)  # told once, not again

    assert (await verifying.status()).escalated
    assert len(verifying.checks.at("verification.escalated")) == 1
    waited = (
        verifying.checks.at("verification.escalated")[0]
        - verifying.checks.at("verification.awaiting_decision")[0]
    )
    assert waited == pytest.approx(timedelta(seconds=POLICY.decision_timeout_s), abs=CLOSE)
    await eventually(lambda: len(verifying.told.delivered) == 2)
    assert (Kind.VERIFICATION_PENDING, Audience.HEAD_SECURITY) in verifying.told.heard()

    decided = await verifying.decide(
        Decision("head-1", Role.HEAD_SECURITY.value, approved=False, reason="Фото нечитаемо")
    )
    assert (decided.state, decided.decided_by, decided.reason) == (
        "rejected",
        "head-1",
        "Фото нечитаемо",
    )
    assert decided.verified_until is None
    rejected = verifying.checks.statuses[-1]
    assert (rejected.event_type, rejected.actor_role) == ("verification.rejected", "head_security")


async def test_a_failed_check_rejects_without_an_officer_and_tells_waiting_requests(
    verifying: Verifying,
) -> None:
    verifying.checks.document_checks = [
        replace(c, passed=False, detail="INN control digit 12 is wrong (a typo in the INN)")
        if c.name == CHECK_INN
        else c
        for c in verifying.checks.document_checks
    ]
    request = await verifying.request_waiting()
    await verifying.submit()
    await verifying.recorded("verification.rejected")

    assert verifying.checks.events() == [
        ("verification.started", "checking"),
        ("verification.rejected", "rejected"),
    ]
    rejected = verifying.checks.statuses[-1]
    assert rejected.actor_id == "system"
    assert rejected.data["checks"] == [CHECK_INN]
    assert verifying.checks.tax_calls == []  # an INN that cannot exist is not asked about
    assert await verifying.heard_by(request, 1) == [(verifying.executor_id, False)]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await verifying.decide(approved())
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "state_conflict"


async def test_a_busy_tax_service_past_its_deadline_leaves_the_officer_a_not_checked_check(
    verifying_alone: Verifying,
) -> None:
    verifying = verifying_alone
    # Busy, come back in 10 hours, three times: the fourth try would pass the 24 h deadline.
    verifying.checks.tax_answers = [timedelta(hours=10)] * 3
    await verifying.submit()
    # Not skip(): the tax call stays pending through its retries, so the run is never quiet.
    await verifying.env.sleep(DAY + timedelta(minutes=1))
    await verifying.recorded("verification.awaiting_decision")

    # Each busy answer's wait was kept (the retry policy alone would have tried every few
    # minutes, and the fourth try answers), and the deadline ended the retries.
    assert verifying.checks.tax_calls == [1, 2, 3]
    started, awaiting_at = (
        verifying.checks.at("verification.started")[0],
        verifying.checks.at("verification.awaiting_decision")[0],
    )
    assert timedelta(hours=20) <= awaiting_at - started <= DAY + CLOSE
    awaiting = verifying.checks.statuses[-1]
    assert awaiting.data["not_checked"] == [CHECK_SELF_EMPLOYED]
    view = await verifying.status()
    tax: CheckOutcome = view.checks[-1]
    assert (tax.name, tax.checked, tax.passed) == (CHECK_SELF_EMPLOYED, False, False)
    assert tax.detail == "not checked: the tax service did not answer within 24 h"
    decided = await verifying.decide(approved("НПД проверен вручную"))
    assert decided.state == "verified"


async def test_only_security_officers_decide_and_a_rejection_needs_a_reason(
    verifying: Verifying,
) -> None:
    await verifying.submit()
    await verifying.recorded("verification.awaiting_decision")

    for decision, kind in (
        (Decision("m-1", Role.MANAGER.value, approved=True), "actor_not_allowed"),
        (Decision(OFFICER, Role.SECURITY.value, approved=False, reason=" "), "invalid_input"),
    ):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await verifying.decide(decision)
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == kind
    assert (await verifying.status()).state == "awaiting_decision"
    assert len(verifying.checks.statuses) == 2


async def test_new_documents_while_verified_keep_the_old_expiry_until_a_new_approval(
    verifying: Verifying,
) -> None:
    await verifying.submit()
    await verifying.recorded("verification.awaiting_decision")
    first = await verifying.decide(approved())
    assert first.verified_until is not None
    request = await verifying.request_waiting()

    until = first.verified_until
    await verifying.skip_to(until - timedelta(days=30) + MINUTE)
    await verifying.skip_to(until - timedelta(days=7) + MINUTE)
    await verifying.skip_to(until - 3 * DAY)
    await verifying.recorded("verification.expiring", 2)
    second = await verifying.submit()
    await verifying.recorded("verification.awaiting_decision", 2)
    assert (await verifying.status()).submission_id == second
    # The officer has not decided when the first approval runs out.
    await verifying.skip_to(until - DAY + MINUTE)  # escalated after two days
    await verifying.recorded("verification.escalated")
    await verifying.skip_to(until + MINUTE)
    await verifying.recorded("verification.expired")

    expired = verifying.checks.statuses[-1]
    assert (expired.event_type, expired.state) == ("verification.expired", "awaiting_decision")
    assert expired.occurred_at - until == pytest.approx(timedelta(0), abs=CLOSE)
    assert await verifying.heard_by(request, 1) == [(verifying.executor_id, False)]
    renewed = await verifying.decide(approved())
    assert renewed.state == "verified"
    assert renewed.verified_until is not None
    assert renewed.verified_until > until + 364 * DAY


async def test_a_request_assigned_to_an_unverified_executor_is_accepted_after_approval(
    env: WorkflowEnvironment, verifying: Verifying
) -> None:
    """Both real workflows: the verification's decision reaches the waiting request."""
    store = RequestStoreDouble(verified=False)
    queue = f"{verifying.queue}-request"
    async with request_running(env, store, verifying.told, queue, SlaPolicy()) as request:
        manager = ActionInput("m-1", Role.MANAGER, executor_id=verifying.executor_id)
        executor = ActionInput(verifying.executor_id, Role.EXECUTOR)
        await request.execute_update(update_of(Action.ASSIGN), manager, result_type=RequestView)
        with pytest.raises(WorkflowUpdateFailedError):
            await request.execute_update(
                update_of(Action.ACCEPT), executor, result_type=RequestView
            )
        request_id = request.id.removeprefix("request-")
        verifying.checks.waiting.append(request_id)

        await verifying.submit()
        await verifying.recorded("verification.awaiting_decision")
        await verifying.decide(approved())
        await eventually(
            lambda: any(
                (t.event_type, t.request_id) == ("verification.approved", request_id)
                for t in verifying.told.triggers
            )
        )  # the request heard of the decision, and told its executor
        accepted: RequestView = await request.execute_update(
            update_of(Action.ACCEPT), executor, result_type=RequestView
        )

        assert accepted.state == State.ACCEPTED
        assert [a for a, _, _ in store.path()] == ["assign", "accept"]
