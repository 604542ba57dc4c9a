"""Activities of executor verification: the automated checks, the tax service's status
check, and recording each step (profile status + its security event) exactly once.

Every write is keyed by a workflow-made event id; a retried activity finds its own
earlier commit and changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.executor_verification import (
    CheckOutcome,
    CheckRequest,
    StatusChange,
    VerificationState,
)
from domain.lifecycle import Role
from domain.verification import CHECK_SELF_EMPLOYED, check_age, check_inn, check_passport
from integrations.errors import TaxServiceBusy, TaxServiceRejected, TaxServiceUnavailable
from integrations.tax_service import TaxStatusClient
from store import audit, outbox, users
from store import requests as repo
from store import verification as submissions
from store.audit import AuditRecord
from store.models import VerificationSubmission
from store.outbox import EventDraft


class VerificationActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tax: TaxStatusClient,
        time_zone: str,
    ) -> None:
        self.sessions = sessions
        self.tax = tax
        # Ages and the tax service's "status on" date are counted in the business's one
        # local time zone: just after midnight in Moscow it is still yesterday in UTC.
        self.local_time = ZoneInfo(time_zone)

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.local_time).date()

    @activity.defn
    async def run_document_checks(self, request: CheckRequest) -> list[CheckOutcome]:
        """INN control digits, passport format, age: each one a security event."""
        async with self.sessions.begin() as session:
            submission = await _submission(session, request.submission_id)
            results = [
                check_inn(submission.inn),
                check_passport(submission.passport_series, submission.passport_number),
                check_age(submission.date_of_birth, self._local_date(request.as_of)),
            ]
            outcomes = [CheckOutcome(r.name, r.passed, r.detail) for r in results]
            for outcome in outcomes:
                await _record_check(session, request, outcome)
        return outcomes

    @activity.defn
    async def check_self_employed(self, request: CheckRequest) -> CheckOutcome:
        """The tax service's public НПД status check (rate-limited and cached)."""
        async with self.sessions() as session:
            submission = await _submission(session, request.submission_id)
        try:
            status = await self.tax.self_employed(submission.inn, self._local_date(request.as_of))
        except TaxServiceBusy as busy:
            # The public service allows a few calls a minute: come back when it has room.
            raise ApplicationError(
                f"tax service busy: {busy.detail}",
                type="tax_service_busy",
                next_retry_delay=_seconds(busy.retry_after_s),
            ) from None
        except TaxServiceUnavailable as down:
            raise ApplicationError(f"tax service unavailable: {down.detail}") from None
        except TaxServiceRejected:
            outcome = CheckOutcome(CHECK_SELF_EMPLOYED, False, "the tax service refused the INN")
        else:
            # Fixed words, not the service's message: it repeats the INN, and these details
            # travel in events and emails.
            outcome = CheckOutcome(
                CHECK_SELF_EMPLOYED,
                status.self_employed,
                "registered as self-employed (НПД)"
                if status.self_employed
                else "not registered as self-employed (НПД)",
            )
        async with self.sessions.begin() as session:
            await _record_check(session, request, outcome)
        return outcome

    @activity.defn
    async def record_status(self, change: StatusChange) -> None:
        """The executor's verification status and its event, in one transaction."""
        async with self.sessions.begin() as session:
            if await outbox.already_recorded(session, change.event_id):
                return
            profile = await users.executor_profile(
                session, uuid.UUID(change.executor_id), lock=True
            )
            if profile is None:
                raise LookupError(f"executor {change.executor_id} has no profile")
            before = {"state": profile.verification_status}
            profile.verification_status = change.state
            profile.verification_reason = change.reason
            if change.state == VerificationState.REJECTED:
                profile.verified_until = None  # a rejection ends any earlier approval
            if change.state == VerificationState.VERIFIED:
                profile.verified_until = change.verified_until
                submission_id = change.data.get("submission_id")
                if isinstance(submission_id, str):
                    profile.inn = (await _submission(session, submission_id)).inn
            await outbox.append(
                session,
                EventDraft(
                    event_id=change.event_id,
                    type=change.event_type,
                    aggregate_id=change.executor_id,
                    occurred_at=change.occurred_at,
                    actor_id=change.actor_id,
                    actor_role=change.actor_role,
                    from_state=before["state"],
                    to_state=change.state,
                    data={
                        **change.data,
                        "reason": change.reason,
                        "verified_until": change.verified_until.isoformat()
                        if change.verified_until
                        else None,
                    },
                    trace_id=change.trace_id,
                ),
            )
            if change.actor_role in (Role.SECURITY, Role.HEAD_SECURITY):
                await audit.add(
                    session,
                    AuditRecord(
                        actor_id=change.actor_id,
                        actor_role=change.actor_role,
                        action=change.event_type,
                        target_type="executor",
                        target_id=change.executor_id,
                        outcome="allowed",
                        event_type="audit.action",
                        aggregate_id=f"user:{change.executor_id}",
                        detail=change.reason,
                        before=before,
                        after={"state": change.state},
                        event_id=str(uuid.uuid5(uuid.UUID(change.event_id), "audit")),
                        occurred_at=change.occurred_at,
                        trace_id=change.trace_id,
                    ),
                )

    @activity.defn
    async def waiting_requests(self, executor_id: str) -> list[str]:
        """Requests assigned to this executor that wait for the verification decision."""
        async with self.sessions() as session:
            waiting = await repo.still_assigned_to(session, uuid.UUID(executor_id))
            return [str(request_id) for request_id in waiting]


async def _submission(session: AsyncSession, submission_id: str) -> VerificationSubmission:
    submission = await submissions.submission(session, uuid.UUID(submission_id))
    if submission is None:
        raise LookupError(f"verification submission {submission_id} does not exist")
    return submission


async def _record_check(
    session: AsyncSession, request: CheckRequest, outcome: CheckOutcome
) -> None:
    event_id = str(uuid.uuid5(uuid.UUID(request.event_id), outcome.name))
    if await outbox.already_recorded(session, event_id):
        return
    await outbox.append(
        session,
        EventDraft(
            event_id=event_id,
            type="verification.check_passed" if outcome.passed else "verification.check_failed",
            aggregate_id=request.executor_id,
            occurred_at=datetime.now(UTC),
            actor_id="system",
            actor_role=Role.SYSTEM,
            data={
                "check": outcome.name,
                "detail": outcome.detail,
                "submission_id": request.submission_id,
            },
            trace_id=request.trace_id,
        ),
    )


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=max(value, 1.0))
