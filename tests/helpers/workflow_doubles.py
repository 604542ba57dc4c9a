"""Same-name test doubles of the activities the request workflow calls, for workflow tests
on Temporal's time-skipping test server: an in-memory store that applies transitions the
way the real one does and records every call, so a test asserts what the workflow did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from temporalio import activity

from activities.paperwork import GeneratedDocument
from domain.lifecycle import State
from domain.notifications import NotificationTrigger, PlannedNotification
from domain.requests import (
    EligibilityQuery,
    ExecutorEligibility,
    NewRequest,
    PaperworkFailure,
    PaperworkInput,
    RequestCreation,
    RequestView,
    SlaBreach,
    TransitionRecord,
)


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
    """Stands in for RequestActivities, PaperworkActivities and notification planning."""

    views: dict[str, RequestView] = field(default_factory=dict)
    transitions: list[TransitionRecord] = field(default_factory=list)
    breaches: list[SlaBreach] = field(default_factory=list)
    notified: list[NotificationTrigger] = field(default_factory=list)
    paperwork: list[PaperworkInput] = field(default_factory=list)
    verified: bool = True

    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.create_request,
            self.apply_transition,
            self.record_sla_breach,
            self.check_executor,
            self.record_paperwork,
            self.generate_paperwork,
            self.record_paperwork_failure,
            self.plan_notifications,
        ]

    def path(self) -> list[tuple[str, State, State]]:
        return [(t.action.value, t.from_state, t.to_state) for t in self.transitions]

    @activity.defn(name="create_request")
    async def create_request(self, creation: RequestCreation) -> RequestView:
        now = creation.occurred_at
        view = stored_view(creation.request, at=now, sla_due_at=creation.sla_due_at)
        self.views[view.id] = replace(view, sla_stage=creation.sla_stage)
        return self.views[view.id]

    @activity.defn(name="apply_transition")
    async def apply_transition(self, record: TransitionRecord) -> RequestView:
        if any(t.event_id == record.event_id for t in self.transitions):
            return self.views[record.request_id]  # a retry: applied once, as the store does
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
        self.breaches.append(breach)

    @activity.defn(name="check_executor")
    async def check_executor(self, query: EligibilityQuery) -> ExecutorEligibility:
        return ExecutorEligibility(query.executor_id, eligible=True, verified=self.verified)

    @activity.defn(name="record_paperwork")
    async def record_paperwork(self, paperwork: PaperworkInput) -> None:
        self.paperwork.append(paperwork)  # the way of histories from before rendering

    @activity.defn(name="generate_paperwork")
    async def generate_paperwork(self, job: PaperworkInput) -> list[GeneratedDocument]:
        self.paperwork.append(job)
        return []

    @activity.defn(name="record_paperwork_failure")
    async def record_paperwork_failure(self, failure: PaperworkFailure) -> RequestView:
        view = replace(self.views[failure.request_id], paperwork_failed=True)
        self.views[failure.request_id] = view
        return view

    @activity.defn(name="plan_notifications")
    async def plan_notifications(self, trigger: NotificationTrigger) -> list[PlannedNotification]:
        self.notified.append(trigger)
        return []  # who hears what is tested with the planner itself, not here
