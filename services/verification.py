"""Executor verification commands and reads, used by the API: submit documents, decide,
see where a verification stands."""

from __future__ import annotations

import base64
import binascii
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from core.settings import Settings, get_settings
from domain.executor_verification import (
    Decision,
    SubmissionRef,
    VerificationInput,
    VerificationPolicy,
    VerificationState,
    VerificationView,
)
from domain.lifecycle import Actor
from domain.verification import normalize_inn, normalize_passport
from domain.workflow_ids import VERIFICATION_SUBMITTED_SIGNAL, verification_workflow_id
from services.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unprocessable
from services.workflow_options import WORKFLOW_TASK_TIMEOUT
from store import users
from store import verification as submissions
from store.verification import NewSubmission
from workflows.verification import ExecutorVerificationWorkflow

SCAN_KINDS = frozenset({"passport_main", "passport_registration", "inn_certificate", "selfie"})


@dataclass(frozen=True)
class Scan:
    kind: str
    content_type: str
    content_base64: str


@dataclass(frozen=True)
class Documents:
    full_name: str
    inn: str
    passport_series: str
    passport_number: str
    date_of_birth: date
    scans: list[Scan] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    executor_id: str
    full_name: str
    email: str
    state: str
    verified_until: datetime | None
    reason: str


class Verifications:
    def __init__(
        self,
        temporal: Client,
        sessions: async_sessionmaker[AsyncSession],
        task_queue: str,
        policy: VerificationPolicy,
        max_scan_bytes: int,
        notification_queue: str = "notifications",
        time_zone: str | None = None,
    ) -> None:
        self.notification_queue = notification_queue
        # A "day" of the submission cap is a local calendar day.
        self.local_time = ZoneInfo(time_zone or get_settings().time_zone)
        self.temporal = temporal
        self.sessions = sessions
        self.task_queue = task_queue
        self.policy = policy
        self.max_scan_bytes = max_scan_bytes

    @classmethod
    def from_settings(
        cls, temporal: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> Verifications:
        v = settings.verification
        return cls(
            temporal,
            sessions,
            v.task_queue,
            v.policy(),
            v.max_scan_bytes,
            settings.notifications.task_queue,
            settings.time_zone,
        )

    async def submit(
        self, executor_id: str, documents: Documents, trace_id: str | None = None
    ) -> VerificationView:
        """Keep the documents and hand them to the executor's verification workflow
        (started on the first submission). The checks run after this returns."""
        scans = list(
            {digest: scan for digest, scan in map(self._decoded, documents.scans)}.values()
        )
        series, number = normalize_passport(documents.passport_series, documents.passport_number)
        inn = normalize_inn(documents.inn)
        # Longer than any valid value: refuse rather than cut (the officer must see what
        # the executor typed, and a cut value could pass a check the whole would fail).
        for label, value, longest in (
            ("INN", inn, 12),
            ("series", series, 4),
            ("number", number, 6),
        ):
            if len(value) > longest:
                raise Unprocessable(
                    f"passport {label} is too long"
                    if label != "INN"
                    else "an INN has at most 12 digits"
                )
        async with self.sessions.begin() as session:
            # Locked: one executor's submissions are counted one after another, so two
            # at once cannot both pass the cap.
            profile = await users.executor_profile(session, uuid.UUID(executor_id), lock=True)
            if profile is None:
                raise Forbidden("only executors are verified")
            await self._within_daily_cap(session, profile.user_id)
            submission = await submissions.add_submission(
                session,
                NewSubmission(
                    executor_id=uuid.UUID(executor_id),
                    full_name=documents.full_name.strip(),
                    inn=inn,
                    passport_series=series,
                    passport_number=number,
                    date_of_birth=documents.date_of_birth,
                    scans=scans,
                ),
            )
        ref = SubmissionRef(str(submission.id), executor_id, datetime.now(UTC), trace_id)
        await self.temporal.start_workflow(
            ExecutorVerificationWorkflow.run,
            VerificationInput(
                executor_id,
                self.policy,
                notification_queue=self.notification_queue,
                verification_queue=self.task_queue,
            ),
            id=verification_workflow_id(executor_id),
            task_queue=self.task_queue,
            start_signal=VERIFICATION_SUBMITTED_SIGNAL,
            start_signal_args=[ref],
            task_timeout=WORKFLOW_TASK_TIMEOUT,
        )
        return VerificationView(executor_id, VerificationState.CHECKING, str(submission.id))

    async def _within_daily_cap(self, session: AsyncSession, executor_id: uuid.UUID) -> None:
        """Each submission runs the checks and asks the tax service, whose few calls a
        minute every executor shares: a handful a day is plenty for honest corrections.
        Counted from the stored submissions, so restarts and replicas agree."""
        now = datetime.now(UTC)
        local_day = now.astimezone(self.local_time).date()
        day_starts = datetime.combine(local_day, time(), self.local_time)
        next_day = datetime.combine(local_day + timedelta(days=1), time(), self.local_time)
        made = await submissions.submitted_since(session, executor_id, day_starts)
        cap = self.policy.submissions_per_day
        if made >= cap:
            # Compared in UTC: aware datetimes of one zone subtract as wall-clock times.
            wait = (next_day.astimezone(UTC) - now).total_seconds()
            raise TooManyRequests(
                f"at most {cap} verification submissions a day; "
                f"the next one is possible after midnight ({self.local_time.key})",
                retry_after_s=max(1, math.ceil(wait)),
            )

    def _decoded(self, scan: Scan) -> tuple[str, tuple[str, str, bytes]]:
        """(content hash, scan): the same image sent twice is kept once."""
        kind, content_type, content = self._content(scan)
        return submissions.digest(content), (kind, content_type, content)

    def _content(self, scan: Scan) -> tuple[str, str, bytes]:
        if scan.kind not in SCAN_KINDS:
            raise Unprocessable(f"scan kind must be one of {', '.join(sorted(SCAN_KINDS))}")
        try:
            content = base64.b64decode(scan.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise Unprocessable(f"scan '{scan.kind}' is not valid base64") from None
        if not content or len(content) > self.max_scan_bytes:
            raise Unprocessable(
                f"scan '{scan.kind}' must be 1 byte to {self.max_scan_bytes // 1024} KiB"
            )
        return scan.kind, scan.content_type, content

    async def decide(
        self, executor_id: str, officer: Actor, approved: bool, reason: str, trace_id: str | None
    ) -> VerificationView:
        handle = self.temporal.get_workflow_handle(verification_workflow_id(executor_id))
        decision = Decision(officer.id, officer.role.value, approved, reason.strip(), trace_id)
        try:
            view: VerificationView = await handle.execute_update(
                ExecutorVerificationWorkflow.decide, decision
            )
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(error)
            kind = cause.type if isinstance(cause, ApplicationError) else ""
            if kind == "actor_not_allowed":
                raise Forbidden(message) from None
            if kind == "invalid_input":
                raise Unprocessable(message) from None
            raise Conflict(message) from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise Conflict(f"executor {executor_id} has not submitted documents") from None
            raise
        return view

    async def status(self, executor_id: str) -> VerificationView:
        """Where the verification stands: the workflow knows the checks; an executor who
        never submitted has no workflow and is simply unverified."""
        try:
            view: VerificationView = await self.temporal.get_workflow_handle(
                verification_workflow_id(executor_id)
            ).query(ExecutorVerificationWorkflow.status)
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
        else:
            return view
        async with self.sessions() as session:
            profile = await users.executor_profile(session, uuid.UUID(executor_id))
        if profile is None:
            raise NotFound(f"executor {executor_id} does not exist")
        return VerificationView(
            executor_id,
            profile.verification_status,
            reason=profile.verification_reason,
            verified_until=profile.verified_until,
        )
