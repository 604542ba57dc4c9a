"""One long-lived workflow per executor: submissions → automated checks → an officer's
decision → 12 months of validity with reminders → expiry (docs/verification-and-paperwork.md).

A new submission is welcome at any time (after a rejection, before or after expiry, or
to replace documents still being decided). Each decision is passed on to every request
waiting on this executor: approved → they may accept; rejected → back to the queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    FailureError,
    RetryState,
)
from temporalio.exceptions import TimeoutError as ActivityTimeout  # not the builtin one

with workflow.unsafe.imports_passed_through():
    from activities.verification import VerificationActivities
    from domain.executor_verification import (
        DECIDERS,
        CheckOutcome,
        CheckRequest,
        Decision,
        StatusChange,
        SubmissionRef,
        VerificationInput,
        VerificationState,
        VerificationView,
        failed,
        not_checked,
    )
    from domain.lifecycle import Role
    from domain.notifications import NotificationTrigger, concerns_anyone
    from domain.verification import CHECK_INN, CHECK_SELF_EMPLOYED
    from domain.workflow_ids import (
        VERIFICATION_DECIDED_SIGNAL,
        VERIFICATION_SUBMITTED_SIGNAL,
        request_workflow_id,
    )

from workflows.notifying import Notifier

S = VerificationState
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=10),
    non_retryable_error_types=["LookupError"],
)
# The tax service allows a few calls a minute; its busy answers set their own delays.
TAX_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["LookupError"],
)
# History grows with every round; a fresh run carries the state on.
ROUNDS_PER_RUN = 20
# Changes to the commands a run issues (replays of older runs take the old path):
# an expiry sends back the requests still waiting to be accepted, as a rejection does...
EXPIRY_TELLS_REQUESTS = "expiry-tells-requests"
# ...and an approval still ends at its time while new documents are being checked.
KEEP_EXPIRY_WHILE_REVERIFYING = "keep-expiry-while-reverifying"
# ...and the checks run on the verification workers' own queue, and a next run starts
# there: runs started on the request queue before it existed move over at their next
# activity. The request workers keep the workflow type registered until no run is left
# on their queue (every run reaches a continue-as-new or its end within ROUNDS_PER_RUN
# rounds); then this patch and that registration can go.
OWN_QUEUE = "verification-own-queue"


@workflow.defn
class ExecutorVerificationWorkflow:
    def __init__(self) -> None:
        self._view: VerificationView | None = None
        self._pending: SubmissionRef | None = None
        self._decision: Decision | None = None
        self._params = VerificationInput(executor_id="")
        self._concluded: Decision | None = None
        self._notifier = Notifier()
        # The approval whose expiry a background timer keeps during re-verification.
        self._guarded_until: datetime | None = None
        self._expiring = False
        # One status write at a time, so a state read for one is not overtaken by another.
        self._recording = asyncio.Lock()

    @property
    def view(self) -> VerificationView:
        assert self._view is not None
        return self._view

    @workflow.run
    async def run(self, params: VerificationInput) -> None:
        self._view = params.carried or VerificationView(params.executor_id, S.UNVERIFIED)
        self._pending = self._pending or params.pending
        self._params = params
        for _ in range(ROUNDS_PER_RUN):
            await self._watch_validity()
            submission = self._pending
            assert submission is not None
            self._pending = None
            self._keep_expiry()
            await self._verify(submission)
        await workflow.wait_condition(
            lambda: (
                workflow.all_handlers_finished() and self._notifier.idle() and not self._expiring
            )  # a next run restarts a timer, not a half-told expiry
        )
        workflow.continue_as_new(
            replace(params, carried=self.view, pending=self._pending),
            task_queue=self._activity_queue(),
        )

    def _activity_queue(self) -> str | None:
        """Where this run's activities go (None: the run's own queue, as before)."""
        return self._params.verification_queue if workflow.patched(OWN_QUEUE) else None

    # ---- one round ---------------------------------------------------------------------

    async def _verify(self, submission: SubmissionRef) -> None:
        self._view = replace(
            self.view,
            state=S.CHECKING,
            submission_id=submission.submission_id,
            checks=(),
            decided_by=None,
            reason="",
            escalated=False,
            round=self.view.round + 1,
        )
        self._decision = None
        await self._record("verification.started", S.CHECKING, trace_id=submission.trace_id)
        checks = await self._checks(submission)
        if self._pending is not None:
            return  # newer documents arrived meanwhile: judge those, not these
        self._view = replace(self.view, checks=tuple(checks))
        failures = failed(checks)
        if failures:
            reason = "; ".join(f"{c.name}: {c.detail}" for c in failures)
            await self._conclude(approved=False, reason=reason, decided=None)
            return
        self._view = replace(self.view, state=S.AWAITING_DECISION)
        await self._record("verification.awaiting_decision", S.AWAITING_DECISION)
        decided = await self._await_decision()
        if decided is None:
            return  # new documents arrived first: the next round takes them
        await self._conclude(decided.approved, decided.reason, decided)

    async def _checks(self, submission: SubmissionRef) -> list[CheckOutcome]:
        request = CheckRequest(
            event_id=str(workflow.uuid4()),
            submission_id=submission.submission_id,
            executor_id=self.view.executor_id,
            as_of=workflow.now(),
            trace_id=submission.trace_id,
        )
        checks = await workflow.execute_activity_method(
            VerificationActivities.run_document_checks,
            request,
            task_queue=self._activity_queue(),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=STORE_RETRY,
        )
        inn_ok = any(c.name == CHECK_INN and c.passed for c in checks)
        # The tax service (a few calls a minute for everyone) is asked only about an INN
        # that can exist, and not for documents already replaced by newer ones.
        if inn_ok and self._pending is None:
            checks.append(await self._tax_check(request))
        return checks

    async def _tax_check(self, request: CheckRequest) -> CheckOutcome:
        """The tax service's answer, retried while it is busy or down, but not for ever:
        past the deadline an officer decides with this check marked "not checked"."""
        deadline = timedelta(seconds=self._params.policy.tax_check_deadline_s)
        try:
            return await workflow.execute_activity_method(
                VerificationActivities.check_self_employed,
                request,
                task_queue=self._activity_queue(),
                start_to_close_timeout=timedelta(seconds=30),
                schedule_to_close_timeout=deadline,
                retry_policy=TAX_RETRY,
            )
        except ActivityError as error:
            # Out of time: the deadline passed during an attempt, or the next retry
            # (a busy answer's wait included) would start after it.
            if error.retry_state != RetryState.TIMEOUT and not isinstance(
                error.cause, ActivityTimeout
            ):
                raise
        hours = deadline.total_seconds() / 3600
        return CheckOutcome(
            CHECK_SELF_EMPLOYED,
            passed=False,
            detail=f"not checked: the tax service did not answer within {hours:g} h",
            checked=False,
        )

    async def _await_decision(self) -> Decision | None:
        """The officer's decision; past the timeout the head of security is told, once."""

        def arrived() -> bool:
            return self._decision is not None or self._pending is not None

        timeout = timedelta(seconds=self._params.policy.decision_timeout_s)
        try:
            await workflow.wait_condition(arrived, timeout=timeout)
        except TimeoutError:
            self._view = replace(self.view, escalated=True)
            await self._record("verification.escalated", S.AWAITING_DECISION)
            await workflow.wait_condition(arrived)
        return self._decision if self._pending is None else None

    async def _conclude(self, approved: bool, reason: str, decided: Decision | None) -> None:
        until = workflow.now() + timedelta(seconds=self._params.policy.validity_s)
        state = S.VERIFIED if approved else S.REJECTED
        self._view = replace(
            self.view,
            state=state,
            reason=reason,
            decided_by=decided.officer_id if decided else None,
            verified_until=until if approved else None,
        )
        await self._record(
            "verification.approved" if approved else "verification.rejected",
            state,
            verified_until=until if approved else None,
            decided=decided,
        )
        await self._tell_waiting_requests(approved)
        self._concluded = decided

    async def _tell_waiting_requests(self, approved: bool) -> None:
        waiting = await workflow.execute_activity_method(
            VerificationActivities.waiting_requests,
            self.view.executor_id,
            task_queue=self._activity_queue(),
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=STORE_RETRY,
        )
        for request_id in waiting:
            handle = workflow.get_external_workflow_handle(request_workflow_id(request_id))
            try:
                await handle.signal(
                    VERIFICATION_DECIDED_SIGNAL, args=[self.view.executor_id, approved]
                )
            except FailureError:
                continue  # that request finished meanwhile: nothing waits there any more

    # ---- validity: reminders, expiry, and waiting for documents -----------------------

    async def _watch_validity(self) -> None:
        """Until new documents arrive: remind before a verification runs out, expire it."""

        def submitted() -> bool:
            return self._pending is not None

        if self.view.state == S.VERIFIED and self.view.verified_until is not None:
            until = self.view.verified_until
            for before in sorted(self._params.policy.reminders_before_s, reverse=True):
                if await self._sleep_unless(submitted, until - timedelta(seconds=before)):
                    return
                await self._record("verification.expiring", S.VERIFIED, verified_until=until)
            if await self._sleep_unless(submitted, until):
                return
            self._view = replace(self.view, state=S.EXPIRED)
            await self._record("verification.expired", S.EXPIRED, verified_until=until)
            if workflow.patched(EXPIRY_TELLS_REQUESTS):
                await self._tell_waiting_requests(approved=False)
        await workflow.wait_condition(submitted)

    def _keep_expiry(self) -> None:
        """New documents while an approval holds: the approval still ends at its time,
        whatever the checks and the officer take, unless a decision replaces it first."""
        until = self.view.verified_until
        if until is None or until <= workflow.now() or until == self._guarded_until:
            return
        if not workflow.patched(KEEP_EXPIRY_WHILE_REVERIFYING):
            return
        self._guarded_until = until
        asyncio.create_task(self._expire_unless_replaced(until))  # noqa: RUF006 - it ends by itself

    async def _expire_unless_replaced(self, until: datetime) -> None:
        def replaced() -> bool:
            # a new approval sets a new date, a rejection clears it
            return self.view.verified_until != until

        if await self._sleep_unless(replaced, until):
            return
        self._expiring = True
        try:
            # The status stays what the re-verification made it (checking or awaiting a
            # decision); what ends is the approval the assignments relied on.
            await self._record("verification.expired", None, verified_until=until)
            await self._tell_waiting_requests(approved=False)
        finally:
            self._expiring = False

    async def _sleep_unless(self, woken: Callable[[], bool], until: datetime) -> bool:
        """Sleep until `until`; True when `woken()` became true first."""
        wait = (until - workflow.now()).total_seconds()
        if wait <= 0:
            return bool(woken())
        try:
            await workflow.wait_condition(woken, timeout=timedelta(seconds=wait))
        except TimeoutError:
            return False
        return True

    # ---- the store -----------------------------------------------------------------------

    async def _record(
        self,
        event_type: str,
        state: VerificationState | None,
        *,
        verified_until: datetime | None = None,
        decided: Decision | None = None,
        trace_id: str | None = None,
    ) -> None:
        """Record a step; `state` None keeps the state as it is when the write begins."""
        async with self._recording:
            await self._record_now(
                event_type,
                S(self.view.state) if state is None else state,
                verified_until=verified_until,
                decided=decided,
                trace_id=trace_id,
            )

    async def _record_now(
        self,
        event_type: str,
        state: VerificationState,
        *,
        verified_until: datetime | None,
        decided: Decision | None,
        trace_id: str | None,
    ) -> None:
        change = StatusChange(
            event_id=str(workflow.uuid4()),
            executor_id=self.view.executor_id,
            event_type=event_type,
            state=state.value,
            occurred_at=workflow.now(),
            verified_until=verified_until,
            actor_id=decided.officer_id if decided else "system",
            actor_role=decided.officer_role if decided else Role.SYSTEM.value,
            reason=self.view.reason,
            data={
                "submission_id": self.view.submission_id,
                "round": self.view.round,
                "checks": [c.name for c in failed(self.view.checks)],
                "not_checked": not_checked(self.view.checks),
            },
            trace_id=(decided.trace_id if decided else None) or trace_id,
        )
        await workflow.execute_activity_method(
            VerificationActivities.record_status,
            change,
            task_queue=self._activity_queue(),
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=STORE_RETRY,
        )
        if concerns_anyone(event_type, about_request=False):
            self._notifier.start(
                NotificationTrigger(
                    event_id=change.event_id,
                    event_type=event_type,
                    request_id="",
                    occurred_at=change.occurred_at,
                    actor_id=change.actor_id,
                    executor_id=self.view.executor_id,
                    data={
                        "reason": change.reason,
                        "verified_until": verified_until.isoformat() if verified_until else None,
                        "failed_checks": change.data["checks"],
                        "not_checked": change.data["not_checked"],
                        "round": self.view.round,
                    },
                    trace_id=change.trace_id,
                ),
                self._params.notification_queue,
            )

    # ---- messages --------------------------------------------------------------------------

    @workflow.signal(name=VERIFICATION_SUBMITTED_SIGNAL)
    def submitted(self, submission: SubmissionRef) -> None:
        self._pending = submission

    @workflow.update
    async def decide(self, decision: Decision) -> VerificationView:
        self._decision = decision
        # Answer once the decision is on record (and requests were told).
        await workflow.wait_condition(
            lambda: self._concluded is decision or self._pending is not None
        )
        if self._concluded is not decision:
            raise ApplicationError(
                "newer documents arrived before the decision was recorded; decide on those",
                type="state_conflict",
                non_retryable=True,
            )
        return self.view

    @decide.validator
    def _decide_ok(self, decision: Decision) -> None:
        if Role(decision.officer_role) not in DECIDERS:
            raise ApplicationError(
                f"a {decision.officer_role} may not decide on verification; security officers do",
                type="actor_not_allowed",
                non_retryable=True,
            )
        if (
            self._view is None
            or self.view.state != S.AWAITING_DECISION
            or self._decision
            or self._pending is not None  # newer documents wait: this decision is stale
        ):
            state = self._view.state if self._view else S.UNVERIFIED
            raise ApplicationError(
                f"nothing to decide: the verification is {state}",
                type="state_conflict",
                non_retryable=True,
            )
        if not decision.approved and not decision.reason.strip():
            raise ApplicationError(
                "a rejection needs a reason", type="invalid_input", non_retryable=True
            )

    @workflow.query
    def status(self) -> VerificationView:
        return self.view
