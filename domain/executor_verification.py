"""Executor verification (docs/verification-and-paperwork.md): its states, who decides,
how long a decision holds, and what a verification status means for assigning work.
Pure code.

One long-lived workflow per executor walks a submission through automated checks to a
security officer's decision; an approval holds for 12 months, with reminders before it
runs out. Requests assigned to an executor who is not verified yet wait for the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.lifecycle import Role


class VerificationState(StrEnum):
    UNVERIFIED = "unverified"  # nothing submitted yet
    CHECKING = "checking"  # automated checks running
    AWAITING_DECISION = "awaiting_decision"  # checks passed, an officer decides
    VERIFIED = "verified"
    REJECTED = "rejected"  # by a failed check or by an officer; may resubmit
    EXPIRED = "expired"  # the 12 months ran out; must resubmit


# Officers decide; the head of security also takes what officers left too long.
DECIDERS = frozenset({Role.SECURITY, Role.HEAD_SECURITY})
SEES_VERIFICATIONS = frozenset({Role.SECURITY, Role.HEAD_SECURITY, Role.ADMIN})


@dataclass(frozen=True)
class VerificationPolicy:
    """Durations in seconds (plain numbers, so workflows can carry the policy)."""

    decision_timeout_s: float = 48 * 3600  # then the head of security is told
    validity_s: float = 365 * 24 * 3600
    reminders_before_s: tuple[float, ...] = (30 * 24 * 3600, 7 * 24 * 3600)
    # The tax service may be down for long: past this the documents go to an officer
    # with the self-employment check marked "not checked", instead of waiting forever.
    tax_check_deadline_s: float = 24 * 3600
    # Submissions one executor may make in a local calendar day (each one runs the
    # checks and asks the rate-limited tax service, which every executor shares).
    submissions_per_day: int = 5


@dataclass(frozen=True)
class SubmissionRef:
    """An executor's documents, stored by the API; the workflow carries only the id."""

    submission_id: str
    executor_id: str
    submitted_at: datetime
    trace_id: str | None = None


@dataclass(frozen=True)
class VerificationInput:
    executor_id: str
    policy: VerificationPolicy = field(default_factory=VerificationPolicy)
    # Where the previous run left off (continue-as-new), None for a new executor.
    carried: VerificationView | None = None
    # Documents that arrived just as the previous run handed over.
    pending: SubmissionRef | None = None
    notification_queue: str = "notifications"
    # The verification workers' queue: the checks run there (runs recorded before it
    # existed carry this default, the queue's production name).
    verification_queue: str = "executor-verification"


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    passed: bool
    detail: str
    # False: the check could not be made (passed is then False too, but it rejects
    # nothing); the officer who decides sees it as "not checked".
    checked: bool = True


def not_checked(checks: tuple[CheckOutcome, ...] | list[CheckOutcome]) -> list[str]:
    return [c.name for c in checks if not c.checked]


def failed(checks: tuple[CheckOutcome, ...] | list[CheckOutcome]) -> list[CheckOutcome]:
    """Checks that were made and did not pass (those reject without an officer)."""
    return [c for c in checks if c.checked and not c.passed]


@dataclass(frozen=True)
class Decision:
    officer_id: str
    officer_role: str
    approved: bool
    reason: str = ""
    trace_id: str | None = None


@dataclass(frozen=True)
class VerificationView:
    executor_id: str
    state: str
    submission_id: str | None = None
    checks: tuple[CheckOutcome, ...] = ()
    decided_by: str | None = None
    reason: str = ""
    verified_until: datetime | None = None
    escalated: bool = False
    round: int = 0


@dataclass(frozen=True)
class StatusChange:
    """What the store records for a verification step: profile status and its event."""

    event_id: str
    executor_id: str
    event_type: str  # verification.*
    state: str
    occurred_at: datetime
    verified_until: datetime | None = None
    actor_id: str = "system"
    actor_role: str = Role.SYSTEM.value
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    trace_id: str | None = None


@dataclass(frozen=True)
class CheckRequest:
    event_id: str
    submission_id: str
    executor_id: str
    as_of: datetime  # checks use its date (a date alone does not travel through Temporal)
    trace_id: str | None = None


@dataclass(frozen=True)
class Assignability:
    eligible: bool
    verified: bool
    reason: str = ""


def assignability(state: str, verified_until: datetime | None, now: datetime) -> Assignability:
    """Whether work may be assigned to an executor in this verification state.

    Verified and current: yes. Not verified yet (nothing submitted, or being checked or
    decided): yes, and the request waits for the decision (docs/lifecycle.md). Expired or
    rejected: no — they must submit again first."""
    if state == VerificationState.VERIFIED:
        if verified_until is not None and verified_until > now:
            return Assignability(True, True)
        until = verified_until.date().isoformat() if verified_until else "unknown"
        return Assignability(False, False, f"verification expired on {until}; re-verify first")
    if (
        state in (VerificationState.CHECKING, VerificationState.AWAITING_DECISION)
        and verified_until is not None
        and verified_until > now
    ):
        return Assignability(True, True)  # re-verifying early: the last approval holds
    if state == VerificationState.EXPIRED:
        return Assignability(False, False, "verification expired; the executor must re-verify")
    if state == VerificationState.REJECTED:
        return Assignability(False, False, "the executor failed security verification")
    return Assignability(True, False)
