"""One workflow per service request, from creation to closing (docs/lifecycle.md).

Every actor action is a workflow update whose validator asks `domain.lifecycle.decide`
(the same table the API uses), so a wrong actor or a wrong state is rejected before
anything is written. The run method watches the SLA of the current stage and escalates
in tiers; a confirmed request gets its paperwork and is closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.notifying import Notifier

with workflow.unsafe.imports_passed_through():
    from activities.dispatch import DispatchActivities
    from activities.paperwork import GeneratedDocument, PaperworkActivities
    from activities.requests import RequestActivities
    from domain.cascade import (
        ESCALATED_EVENT,
        OFFER_EVENT_TYPES,
        STATE_AFTER,
        STOPPED_EVENT,
        CascadeEvent,
        CascadePolicy,
        CascadeState,
        OffereeQuery,
        OfferOutcome,
    )
    from domain.lifecycle import (
        SYSTEM_ACTOR,
        TERMINAL_STATES,
        Action,
        Actor,
        RequestFacts,
        Role,
        State,
        TransitionError,
        decide,
    )
    from domain.notifications import NotificationTrigger, concerns_anyone
    from domain.requests import (
        ActionInput,
        EligibilityQuery,
        PaperworkFailure,
        PaperworkInput,
        RequestCreation,
        RequestView,
        RequestWorkflowInput,
        SlaBreach,
        TransitionRecord,
        TransitionView,
        new_request_stage,
        stage_sla,
    )
    from domain.sla import TIERS, TIMEOUT_ACTION, Escalation, Sla
    from domain.workflow_ids import VERIFICATION_DECIDED_SIGNAL

STATE_KEY = SearchAttributeKey.for_keyword("RequestState")
CATEGORY_KEY = SearchAttributeKey.for_keyword("RequestCategory")
CUSTOMER_KEY = SearchAttributeKey.for_keyword("CustomerId")
EXECUTOR_KEY = SearchAttributeKey.for_keyword("ExecutorId")
BREACHED_KEY = SearchAttributeKey.for_bool("SlaBreached")

# Store calls are idempotent (keyed by event id), so retrying them forever is safe:
# a database outage delays the request instead of failing it.
STORE_TIMEOUT = timedelta(seconds=15)
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    non_retryable_error_types=["LookupError"],
)


# Store writes run as local activities (inside the workflow task: no activity task round
# trip through the server). Histories recorded before this change replay on the old path;
# the marker can go once no request whose workflow started before it is open.
LOCAL_STORE_WRITES = "store-writes-as-local-activities"
ParamT = TypeVar("ParamT")
ResultT = TypeVar("ResultT")


async def store_call(activity: Callable[[Any, ParamT], Awaitable[ResultT]], arg: ParamT) -> ResultT:
    if workflow.patched(LOCAL_STORE_WRITES):
        return await workflow.execute_local_activity_method(
            activity, arg, start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY
        )
    return await workflow.execute_activity_method(
        activity, arg, start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY
    )


# Notifications started by the workflow. Histories recorded before they existed replay
# without any, as they ran; the marker can go once no request started before it is open.
NOTIFICATIONS = "notifications-on-transitions"


# HR documents (act, contract, payout) generated before closing. Histories recorded
# before them close without paperwork, as they ran; the marker can go once no request
# started before it is open.
PAPERWORK = "paperwork-documents"
PAPERWORK_TIMEOUT = timedelta(seconds=60)

# Paperwork that fails for good (data that cannot be rendered: a non-retryable error)
# parks the confirmed request for HR instead of failing the workflow; HR retries it with
# the `retry_paperwork` update. Histories recorded before run the paperwork as they did;
# the marker can go once no request whose paperwork began before it is open.
PAPERWORK_PARKS = "paperwork-failure-parks-for-hr"
# An outage of the database or the renderer is not HR's to fix: attempts go on (every
# 5 minutes at most) until it passes, so only a failure no retry can mend parks.
PAPERWORK_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
    non_retryable_error_types=["LookupError"],
)
PAPERWORK_RETRIERS = frozenset({Role.HR, Role.ADMIN})

# Paperwork activities run on the paperwork queue (its own workers: rendering is CPU
# work). Histories recorded before scheduled them on the workflow's queue, and replay so;
# once no request whose paperwork began before it is open, the marker can go, and so can
# the paperwork activities the request workers register for them (worker.py).
PAPERWORK_QUEUE = "paperwork-queue"
# A paperwork attempt whose worker died is retried after this long without a heartbeat
# (instead of at the end of its whole timeout): the renderer heartbeats while it works.
PAPERWORK_HEARTBEAT = timedelta(seconds=3)


# The executor's verification status read again after an assignment to an unverified
# executor: a decision recorded between the eligibility check and the stored assignment
# found no request to signal, and would otherwise leave this one waiting for ever. The
# marker can go once no request assigned before it is open.
RECHECK_AFTER_ASSIGN = "recheck-verification-after-assign"


# The offer cascade of auto-dispatched categories (docs/dispatch.md). Only requests whose
# input carries a cascade policy ask for the marker, so every history recorded before it
# replays as it ran; the marker can go once no request started before it is open.
DISPATCH_CASCADE = "dispatch-offer-cascade"


# How an open offer ends when the request takes one of these transitions.
_OFFER_ENDS: dict[Action, OfferOutcome] = {
    Action.ACCEPT: OfferOutcome.ACCEPTED,
    Action.DECLINE: OfferOutcome.DECLINED,
    Action.ACCEPT_TIMEOUT: OfferOutcome.EXPIRED,
    # The offeree failed security verification meanwhile: the cascade moves on.
    Action.VERIFICATION_REJECTED: OfferOutcome.DECLINED,
    Action.REASSIGN: OfferOutcome.WITHDRAWN,
    Action.WITHDRAW: OfferOutcome.WITHDRAWN,
    Action.CANCEL: OfferOutcome.WITHDRAWN,
}


def refusal(error: TransitionError) -> ApplicationError:
    return ApplicationError(error.message, type=error.kind, non_retryable=True)


@workflow.defn
class ServiceRequestWorkflow:
    # Given the input (workflow.init) so that a request the API stored itself is there
    # before any handler runs: an action sent right after the start reaches its
    # validator in the same first workflow task as the start, before `run` begins.
    @workflow.init
    def __init__(self, params: RequestWorkflowInput) -> None:
        self._view: RequestView | None = params.stored
        self._assignee_verified = False
        self._lock = asyncio.Lock()
        self._params: RequestWorkflowInput | None = params
        self._history: list[TransitionView] = []
        if params.stored is not None:
            self._history.append(_created(params, params.created_at or params.stored.created_at))
        self._notifier = Notifier()
        # The trace of the step that confirmed the request: its paperwork and closing
        # follow from that step, so their events carry it.
        self._confirmed_trace: str | None = None
        self._paperwork_parked = False
        # The dispatch cascade: the open offer (its number and offeree), how the last
        # one ended, where the cascade stands, and whether a manager stopped it.
        self._offer: tuple[int, str] | None = None
        self._offer_end: OfferOutcome | None = None
        self._dispatch: CascadeState | None = None
        self._cascade_stopped = False

    # ---- run: creation, SLA watch, closing -------------------------------------------

    @workflow.run
    async def run(self, params: RequestWorkflowInput) -> RequestView:
        # Which way depends on the input alone, never on when the code changed: a
        # history replays the way it ran without a patch marker (those recorded before
        # have no stored view in their input and create the request here).
        if params.stored is None:
            created_event_id = await self._create(params)
        else:
            # Stored (and its history line and `request.created` written) by the API.
            assert params.created_event_id is not None, "a stored request comes with its event"
            created_event_id = params.created_event_id
        self._publish_search_attributes()
        self._notify("request.created", created_event_id, params.request.customer_id)
        cascade: asyncio.Task[None] | None = None
        if params.cascade is not None and workflow.patched(DISPATCH_CASCADE):
            # Beside the SLA watch below: the stage's SLA runs on while offers go out.
            cascade = asyncio.create_task(self._run_cascade(params.cascade))
        while self.view.state not in TERMINAL_STATES:
            if self.view.state == State.CONFIRMED:
                await self._close()
            else:
                await self._watch_stage()
        if cascade is not None:
            await cascade
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and self._notifier.idle()
        )
        return self.view

    async def _create(self, params: RequestWorkflowInput) -> str:
        """Store the request (the way of requests started before the API stored them
        itself); the id of its `request.created` event."""
        now = workflow.now()
        sla_stage, due = self._sla_for(State.NEW, now)
        created_event_id = str(workflow.uuid4())
        self._view = await store_call(
            RequestActivities.create_request,
            RequestCreation(
                request=params.request,
                event_id=created_event_id,
                occurred_at=now,
                sla_stage=new_request_stage(sla_stage),
                sla_due_at=due or now,
                trace_id=params.trace_id,
            ),
        )
        self._history.append(_created(params, now))
        return created_event_id

    @property
    def view(self) -> RequestView:
        assert self._view is not None, "the request is not created yet"
        return self._view

    @property
    def params(self) -> RequestWorkflowInput:
        assert self._params is not None
        return self._params

    def _facts(self) -> RequestFacts:
        return RequestFacts(
            state=self.view.state,
            customer_id=self.view.customer_id,
            assignee_id=self.view.assignee_id,
            assignee_verified=self._assignee_verified,
        )

    def _sla_for(self, state: State, entered_at: datetime) -> tuple[Sla | None, datetime | None]:
        return stage_sla(self.params.sla, state, entered_at, self.params.request.window_start)

    async def _watch_stage(self) -> None:
        """Wait until the state moves on, escalating the stage's SLA tier by tier."""
        version = self.view.version

        def moved() -> bool:
            return self.view.version != version

        sla, due = self.view.sla_stage, self.view.sla_due_at
        if sla is None or due is None:
            await workflow.wait_condition(moved)
            return
        for tier, escalation in enumerate(TIERS[sla]):
            fire_at = due + self.params.sla.tier_offset(tier)
            wait = (fire_at - workflow.now()).total_seconds()
            if moved():
                return
            if wait > 0:
                try:
                    await workflow.wait_condition(moved, timeout=timedelta(seconds=wait))
                    return
                except TimeoutError:
                    pass
            if await self._escalate(sla, tier, escalation, due):
                return
        await workflow.wait_condition(moved)

    async def _escalate(self, sla: Sla, tier: int, escalation: Escalation, due: datetime) -> bool:
        """Act on a missed SLA; True when the escalation moved the request."""
        async with self._lock:
            if self.view.sla_stage != sla.value or self.view.state in TERMINAL_STATES:
                return True  # an update moved it while the timer fired
            if sla != Sla.AUTO_CONFIRM:  # auto-confirm is the plan, not a breach
                breach_event_id = str(workflow.uuid4())
                await store_call(
                    RequestActivities.record_sla_breach,
                    SlaBreach(
                        event_id=breach_event_id,
                        request_id=self.view.id,
                        sla=sla.value,
                        tier=tier + 1,
                        escalation=escalation.value,
                        due_at=due,
                        occurred_at=workflow.now(),
                        state=self.view.state,
                        trace_id=self.params.trace_id,
                    ),
                )
                self._view = replace(self.view, sla_breached=True)
                workflow.upsert_search_attributes([BREACHED_KEY.value_set(True)])
                self._notify(
                    "sla.breached",
                    breach_event_id,
                    SYSTEM_ACTOR.id,
                    data={"sla": sla.value, "tier": tier + 1, "due_at": due.isoformat()},
                )
            if escalation == Escalation.ACT:
                await self._apply(
                    TIMEOUT_ACTION[sla], SYSTEM_ACTOR, reason=f"{sla.value} SLA expired"
                )
                return True
            if escalation == Escalation.REQUEUE:
                await self._apply(
                    Action.REQUEUE, SYSTEM_ACTOR, reason=f"{sla.value} SLA expired after escalation"
                )
                return True
        return False

    async def _close(self) -> None:
        async with self._lock:
            paperwork_event_id = str(workflow.uuid4())
            trace_id = self._confirmed_trace or self.params.trace_id
            job = PaperworkInput(
                event_id=paperwork_event_id,
                request_id=self.view.id,
                occurred_at=workflow.now(),
                trace_id=trace_id,
            )
            documents: list[dict[str, str]] = []
            if workflow.patched(PAPERWORK):
                # None: the workflow's own queue, where histories recorded before ran it.
                queue = self.params.paperwork_queue if workflow.patched(PAPERWORK_QUEUE) else None
                if workflow.patched(PAPERWORK_PARKS):
                    made = await self._paperwork_until_done(job, queue)
                else:
                    made = await workflow.execute_activity_method(
                        PaperworkActivities.generate_paperwork,
                        job,
                        task_queue=queue,
                        start_to_close_timeout=PAPERWORK_TIMEOUT,
                        heartbeat_timeout=PAPERWORK_HEARTBEAT,
                        retry_policy=STORE_RETRY,
                    )
                documents = [{"id": d.id, "kind": d.kind, "title": d.title} for d in made]
            else:
                await store_call(RequestActivities.record_paperwork, job)
            self._notify(
                "hr.paperwork_recorded",
                paperwork_event_id,
                SYSTEM_ACTOR.id,
                data={"documents": documents},
                trace_id=trace_id,
            )
            await self._apply(Action.CLOSE, SYSTEM_ACTOR, trace_id=trace_id)

    async def _paperwork_until_done(
        self, job: PaperworkInput, queue: str | None
    ) -> list[GeneratedDocument]:
        """Generate the paperwork; when it fails for good, park the request for HR and
        wait for their retry. Every attempt is the same job: generation is idempotent."""
        while True:
            try:
                return await workflow.execute_activity_method(
                    PaperworkActivities.generate_paperwork,
                    job,
                    task_queue=queue,
                    start_to_close_timeout=PAPERWORK_TIMEOUT,
                    heartbeat_timeout=PAPERWORK_HEARTBEAT,
                    retry_policy=PAPERWORK_RETRY,
                )
            except ActivityError as error:
                reason = _failure_reason(error)
            failure_event_id = str(workflow.uuid4())
            self._view = await workflow.execute_activity_method(
                PaperworkActivities.record_paperwork_failure,
                PaperworkFailure(
                    event_id=failure_event_id,
                    request_id=self.view.id,
                    occurred_at=workflow.now(),
                    reason=reason,
                    trace_id=job.trace_id,
                ),
                task_queue=queue,
                start_to_close_timeout=STORE_TIMEOUT,
                heartbeat_timeout=PAPERWORK_HEARTBEAT,
                retry_policy=STORE_RETRY,
            )
            self._notify(
                "hr.paperwork_failed",
                failure_event_id,
                SYSTEM_ACTOR.id,
                data={"reason": reason},
                trace_id=job.trace_id,
            )
            self._paperwork_parked = True
            await workflow.wait_condition(lambda: not self._paperwork_parked)

    # ---- the dispatch cascade --------------------------------------------------------

    async def _run_cascade(self, policy: CascadePolicy) -> None:
        """Offer the request to its candidates one at a time, best first, until one
        accepts; after `max_offers` (or when nobody is left) escalate to the managers."""
        try:
            await self._offer_in_turn(policy)
        except ActivityError as error:
            # A step that can never succeed (its store call failed for good): the
            # managers take it from here rather than the request's workflow failing.
            async with self._lock:
                if self._dispatch in (CascadeState.OFFERING, None):
                    reason = f"the cascade failed: {_failure_reason(error)}"
                    event_id = await self._cascade_event(ESCALATED_EVENT, reason=reason)
                    self._notify(
                        ESCALATED_EVENT, event_id, SYSTEM_ACTOR.id, data={"reason": reason}
                    )

    async def _offer_in_turn(self, policy: CascadePolicy) -> None:
        offered: list[str] = []
        while len(offered) < policy.max_offers:
            if self._cascade_stopped or self.view.state != State.NEW:
                await self._cascade_taken_over()
                return
            offeree = await store_call(
                DispatchActivities.next_offeree,
                OffereeQuery(self.view.id, workflow.now(), list(offered)),
            )
            if offeree is None:
                break
            async with self._lock:
                # A manager may have assigned, stopped or cancelled while it was ranked.
                if self._cascade_stopped or self.view.state != State.NEW:
                    await self._cascade_taken_over()
                    return
                offered.append(offeree)
                await self._make_offer(len(offered), offeree, policy)
            try:
                await workflow.wait_condition(
                    lambda: self._offer is None, timeout=policy.offer_timeout
                )
            except TimeoutError:
                async with self._lock:
                    if self._offer is not None and self._offer[1] == offeree:
                        await self._apply(
                            Action.ACCEPT_TIMEOUT, SYSTEM_ACTOR, reason="the offer ran out"
                        )
            if self._offer_end in (OfferOutcome.ACCEPTED, OfferOutcome.WITHDRAWN):
                return  # accepted, or a manager took it over (the event said so)
        async with self._lock:
            if self._cascade_stopped or self.view.state != State.NEW:
                await self._cascade_taken_over()
                return
            reason = (
                f"{len(offered)} offers declined or unanswered"
                if offered
                else "no eligible executor"
            )
            event_id = await self._cascade_event(ESCALATED_EVENT, reason=reason)
            self._notify(ESCALATED_EVENT, event_id, SYSTEM_ACTOR.id, data={"reason": reason})

    async def _make_offer(self, offer_no: int, offeree: str, policy: CascadePolicy) -> None:
        """The request assigned to `offeree` by the system, as an open offer. Caller
        holds the lock."""
        expires_at = workflow.now() + policy.offer_timeout
        self._offer = (offer_no, offeree)
        self._offer_end = None
        await self._apply(
            Action.OFFER,
            SYSTEM_ACTOR,
            assignee_id=offeree,
            extra={"expires_at": expires_at.isoformat()},
        )
        # Ranked eligible just now, which includes valid verification.
        self._assignee_verified = True
        await self._cascade_event(
            OFFER_EVENT_TYPES[OfferOutcome.SENT],
            executor_id=offeree,
            offer_no=offer_no,
            expires_at=expires_at,
        )
        # A rejection decided between the ranking and the stored offer found no request
        # to tell (as for a manager's assignment): read the status again now.
        again = await store_call(
            RequestActivities.check_executor,
            EligibilityQuery(
                executor_id=offeree, category=self.view.category, as_of=workflow.now()
            ),
        )
        if not again.eligible:
            await self._apply(Action.VERIFICATION_REJECTED, SYSTEM_ACTOR, reason=again.reason)

    async def _end_offer(self, action: Action, actor: Actor, reason: str | None) -> None:
        """Record how the open offer ended, when `action` ended it. Caller holds the lock."""
        if self._offer is None or action not in _OFFER_ENDS:
            return
        offer_no, offeree = self._offer
        outcome = _OFFER_ENDS[action]
        self._offer = None
        self._offer_end = outcome
        event_id = await self._cascade_event(
            OFFER_EVENT_TYPES[outcome],
            executor_id=offeree,
            offer_no=offer_no,
            reason=reason,
            actor=actor,
        )
        if outcome == OfferOutcome.EXPIRED:
            self._notify(
                OFFER_EVENT_TYPES[outcome],
                event_id,
                SYSTEM_ACTOR.id,
                executor_id=offeree,
                data={"offer_no": offer_no},
            )

    async def _cascade_taken_over(self) -> None:
        """A manager assigned by hand, stopped the cascade or cancelled between two
        offers: the cascade ends where it stands, and says so once."""
        if self._dispatch in (CascadeState.OFFERING, None):
            await self._cascade_event(STOPPED_EVENT, reason=f"the request is {self.view.state}")

    async def _cascade_event(
        self,
        event_type: str,
        *,
        executor_id: str | None = None,
        offer_no: int = 0,
        expires_at: datetime | None = None,
        reason: str | None = None,
        actor: Actor = SYSTEM_ACTOR,
    ) -> str:
        event_id = str(workflow.uuid4())
        stored = await store_call(
            DispatchActivities.record_cascade_event,
            CascadeEvent(
                event_id=event_id,
                request_id=self.view.id,
                event_type=event_type,
                occurred_at=workflow.now(),
                executor_id=executor_id,
                offer_no=offer_no,
                expires_at=expires_at,
                reason=reason,
                actor_id=actor.id,
                actor_role=actor.role.value,
                trace_id=self.params.trace_id,
            ),
        )
        # Only its cascade state: the workflow's version moves with transitions alone
        # (the SLA watch restarts when it moves), though the stored row counts this too.
        self._view = replace(self.view, dispatch=stored.dispatch)
        self._dispatch = STATE_AFTER[event_type]
        return event_id

    # ---- transitions -----------------------------------------------------------------

    async def _apply(
        self,
        action: Action,
        actor: Actor,
        *,
        assignee_id: str | None = None,
        reason: str | None = None,
        report: str | None = None,
        trace_id: str | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> RequestView:
        """Decide again under the lock (another handler may have moved the request
        while this one waited) and persist the transition. Caller holds the lock."""
        try:
            rule = decide(self._facts(), action, actor)
        except TransitionError as error:
            raise refusal(error) from None
        now = workflow.now()
        new_assignee = self._assignee_after(action, assignee_id)
        sla_stage, due = self._sla_for(rule.to_state, now)
        data: dict[str, object] = {}
        if reason:
            data["reason"] = reason
        if action in (Action.CANCEL, Action.REASSIGN, Action.WITHDRAW) and self.view.assignee_id:
            data["released_executor_id"] = self.view.assignee_id  # compensation: tell them
        if report is not None:
            data["report"] = report
        if self._offer is not None:
            # A step of the cascade: whom it concerns is told by its offer events.
            data["offer_no"] = self._offer[0]
        data.update(extra or {})
        record_from = self.view.state
        assignee_before = self.view.assignee_id
        event_id = str(workflow.uuid4())
        self._view = await store_call(
            RequestActivities.apply_transition,
            TransitionRecord(
                event_id=event_id,
                request_id=self.view.id,
                action=action,
                event_type=rule.event_type,
                from_state=self.view.state,
                to_state=rule.to_state,
                actor_id=actor.id,
                actor_role=actor.role,
                occurred_at=now,
                assignee_id=new_assignee,
                sla_stage=sla_stage,
                sla_due_at=due,
                report=report,
                data=data,
                # The action's own trace when it came with one, else the request's.
                trace_id=trace_id or self.params.trace_id,
            ),
        )
        self._history.append(
            TransitionView(action.value, record_from, rule.to_state, actor.id, actor.role, now)
        )
        if new_assignee is None:
            self._assignee_verified = False
        if rule.to_state == State.CONFIRMED:
            self._confirmed_trace = trace_id
        self._publish_search_attributes()
        self._notify(
            rule.event_type,
            event_id,
            actor.id,
            executor_id=new_assignee or assignee_before,
            data=data,
            trace_id=trace_id,
        )
        await self._end_offer(action, actor, reason)
        return self.view

    # ---- notifications (never block the transition that caused them) ---------------

    def _notify(
        self,
        event_type: str,
        event_id: str,
        actor_id: str,
        *,
        executor_id: str | None = None,
        data: dict[str, object] | None = None,
        trace_id: str | None = None,
    ) -> None:
        if not concerns_anyone(event_type) or not workflow.patched(NOTIFICATIONS):
            return
        trigger = NotificationTrigger(
            event_id=event_id,
            event_type=event_type,
            request_id=self.view.id,
            occurred_at=workflow.now(),
            actor_id=actor_id,
            executor_id=executor_id,
            data=dict(data or {}),
            trace_id=trace_id or self.params.trace_id,
        )
        self._notifier.start(trigger, self.params.notification_queue)

    def _assignee_after(self, action: Action, assignee_id: str | None) -> str | None:
        if action in (Action.ASSIGN, Action.OFFER, Action.REASSIGN):
            return assignee_id
        if action in (
            Action.WITHDRAW,
            Action.DECLINE,
            Action.ACCEPT_TIMEOUT,
            Action.REQUEUE,
            Action.VERIFICATION_REJECTED,
        ):
            return None
        return self.view.assignee_id

    def _publish_search_attributes(self) -> None:
        updates: list[SearchAttributeUpdate[Any]] = [
            STATE_KEY.value_set(self.view.state),
            CATEGORY_KEY.value_set(self.view.category),
            CUSTOMER_KEY.value_set(self.view.customer_id),
            BREACHED_KEY.value_set(self.view.sla_breached),
            EXECUTOR_KEY.value_set(self.view.assignee_id)
            if self.view.assignee_id
            else EXECUTOR_KEY.value_unset(),
        ]
        workflow.upsert_search_attributes(updates)

    async def _act(
        self,
        action: Action,
        cmd: ActionInput,
        *,
        reason: str | None = None,
        report: str | None = None,
    ) -> RequestView:
        await workflow.wait_condition(lambda: self._view is not None)
        async with self._lock:
            return await self._apply(
                action,
                Actor(cmd.actor_id, cmd.actor_role),
                trace_id=cmd.trace_id,
                reason=reason,
                report=report,
            )

    def _validate(self, action: Action, cmd: ActionInput) -> None:
        if self._view is None:
            raise ApplicationError(
                "the request is still being created", type="state_conflict", non_retryable=True
            )
        try:
            decide(self._facts(), action, Actor(cmd.actor_id, cmd.actor_role))
        except TransitionError as error:
            raise refusal(error) from None
        except ValueError as error:
            raise ApplicationError(str(error), type="actor_not_allowed") from None

    # ---- updates (one per action) and their validators -------------------------------

    @workflow.update
    async def submitted(self) -> RequestView:
        """The creation round trip of update-with-start: answers once stored."""
        await workflow.wait_condition(lambda: self._view is not None)
        return self.view

    @workflow.update
    async def assign(self, cmd: ActionInput) -> RequestView:
        return await self._assign_checked(Action.ASSIGN, cmd)

    async def _assign_checked(self, action: Action, cmd: ActionInput) -> RequestView:
        """Assign (or reassign) to `cmd.executor_id` once it is found eligible."""
        if not cmd.executor_id:
            raise ApplicationError(
                f"{action} needs executor_id", type="invalid_input", non_retryable=True
            )
        eligibility = await store_call(
            RequestActivities.check_executor,
            EligibilityQuery(
                executor_id=cmd.executor_id, category=self.view.category, as_of=workflow.now()
            ),
        )
        if not eligibility.eligible:
            raise ApplicationError(
                f"cannot assign executor {cmd.executor_id}: {eligibility.reason}",
                type="executor_not_eligible",
                non_retryable=True,
            )
        async with self._lock:
            if action == Action.REASSIGN and self.view.assignee_id == cmd.executor_id:
                raise ApplicationError(
                    f"the request is already with executor {cmd.executor_id}",
                    type="invalid_input",
                    non_retryable=True,
                )
            view = await self._apply(
                action,
                Actor(cmd.actor_id, cmd.actor_role),
                assignee_id=cmd.executor_id,
                reason=cmd.reason,
                trace_id=cmd.trace_id,
            )
            # An unverified executor keeps the request waiting (no accept) until the
            # verification decision arrives through `verification_decided`.
            self._assignee_verified = eligibility.verified
            if not eligibility.verified and workflow.patched(RECHECK_AFTER_ASSIGN):
                # A decision recorded between the check above and this assignment found
                # no request to tell: read the status again now the assignment is stored.
                again = await store_call(
                    RequestActivities.check_executor,
                    EligibilityQuery(
                        executor_id=cmd.executor_id,
                        category=self.view.category,
                        as_of=workflow.now(),
                    ),
                )
                self._assignee_verified = again.verified
                if not again.eligible:
                    view = await self._apply(
                        Action.VERIFICATION_REJECTED, SYSTEM_ACTOR, reason=again.reason
                    )
        return view

    @assign.validator
    def _assign_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.ASSIGN, cmd)

    @workflow.update
    async def reassign(self, cmd: ActionInput) -> RequestView:
        """Move an assigned or accepted request to another executor: the stage's SLA
        starts again as at any assignment, and the previous executor is told."""
        return await self._assign_checked(Action.REASSIGN, cmd)

    @reassign.validator
    def _reassign_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.REASSIGN, cmd)

    @workflow.update
    async def withdraw(self, cmd: ActionInput) -> RequestView:
        """A manager takes an assigned request back into the queue; a running dispatch
        cascade stops there (the manager has taken over)."""
        await workflow.wait_condition(lambda: self._view is not None)
        async with self._lock:
            view = await self._apply(
                Action.WITHDRAW,
                Actor(cmd.actor_id, cmd.actor_role),
                reason=cmd.reason,
                trace_id=cmd.trace_id,
            )
            # Only once it is done: a withdrawal refused (the offeree answered first)
            # leaves the cascade running.
            self._cascade_stopped = True
            return view

    @withdraw.validator
    def _withdraw_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.WITHDRAW, cmd)

    @workflow.update
    async def accept(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.ACCEPT, cmd)

    @accept.validator
    def _accept_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.ACCEPT, cmd)

    @workflow.update
    async def decline(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.DECLINE, cmd, reason=cmd.reason)

    @decline.validator
    def _decline_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.DECLINE, cmd)

    @workflow.update
    async def start(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.START, cmd)

    @start.validator
    def _start_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.START, cmd)

    @workflow.update
    async def complete(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.COMPLETE, cmd, report=cmd.report or "")

    @complete.validator
    def _complete_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.COMPLETE, cmd)

    @workflow.update
    async def confirm(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.CONFIRM, cmd)

    @confirm.validator
    def _confirm_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.CONFIRM, cmd)

    @workflow.update
    async def dispute(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.DISPUTE, cmd, reason=cmd.reason)

    @dispute.validator
    def _dispute_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.DISPUTE, cmd)

    @workflow.update
    async def resolve_rework(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.RESOLVE_REWORK, cmd, reason=cmd.reason)

    @resolve_rework.validator
    def _resolve_rework_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.RESOLVE_REWORK, cmd)

    @workflow.update
    async def resolve_accept(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.RESOLVE_ACCEPT, cmd, reason=cmd.reason)

    @resolve_accept.validator
    def _resolve_accept_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.RESOLVE_ACCEPT, cmd)

    @workflow.update
    async def cancel(self, cmd: ActionInput) -> RequestView:
        return await self._act(Action.CANCEL, cmd, reason=cmd.reason)

    @cancel.validator
    def _cancel_ok(self, cmd: ActionInput) -> None:
        self._validate(Action.CANCEL, cmd)

    @workflow.update
    async def retry_paperwork(self, cmd: ActionInput) -> RequestView:
        """HR has the data corrected: generate the parked paperwork again."""
        self._paperwork_parked = False
        return self.view

    @retry_paperwork.validator
    def _retry_paperwork_ok(self, cmd: ActionInput) -> None:
        if cmd.actor_role not in PAPERWORK_RETRIERS:
            raise ApplicationError(
                f"a {cmd.actor_role} may not retry paperwork; HR does",
                type="actor_not_allowed",
                non_retryable=True,
            )
        if self._view is None or not self._paperwork_parked:
            raise ApplicationError(
                "the paperwork of this request is not waiting for a retry",
                type="state_conflict",
                non_retryable=True,
            )

    # ---- the verification hook (sent by the executor's verification workflow) ----------

    @workflow.signal(name=VERIFICATION_DECIDED_SIGNAL)
    async def verification_decided(self, executor_id: str, approved: bool) -> None:
        await workflow.wait_condition(lambda: self._view is not None)
        async with self._lock:
            if self.view.assignee_id != executor_id or self.view.state != State.ASSIGNED:
                return
            if approved:
                self._assignee_verified = True
                if workflow.patched(NOTIFICATIONS):
                    self._notify(
                        "verification.approved",
                        str(workflow.uuid4()),
                        SYSTEM_ACTOR.id,
                        executor_id=executor_id,
                    )
            else:
                await self._apply(
                    Action.VERIFICATION_REJECTED,
                    SYSTEM_ACTOR,
                    reason="executor failed security verification",
                )

    # ---- queries ------------------------------------------------------------------------

    @workflow.query
    def current(self) -> RequestView:
        return self.view

    @workflow.query
    def history(self) -> list[TransitionView]:
        return list(self._history)


def _created(params: RequestWorkflowInput, at: datetime) -> TransitionView:
    """The first line of the request's history."""
    customer = params.request.customer_id
    return TransitionView("create", None, State.NEW, customer, Role.CUSTOMER, at)


def _failure_reason(error: ActivityError) -> str:
    """What HR reads: the innermost message (the activity's own error, not Temporal's
    wrapping of it)."""
    cause: BaseException = error
    while cause.__cause__ is not None:
        cause = cause.__cause__
    message = getattr(cause, "message", None) or str(cause)
    return message[:500]
