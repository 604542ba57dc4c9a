"""Who hears about what (docs/notifications.md): notification kinds, audiences, channels,
and the shapes that travel between the workflow, the planner and the senders.

Pure code. The request workflow turns each transition into a `NotificationTrigger`; the
planner activity resolves the audiences of `notices_for(trigger)` to people and their
channels; one delivery activity per (recipient, channel) sends it exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.lifecycle import Action
from domain.request_actions import BOT_ACTIONS


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


class Locale(StrEnum):
    RU = "ru"
    EN = "en"


DEFAULT_LOCALE = Locale.RU


class Audience(StrEnum):
    CUSTOMER = "customer"  # who filed the request
    EXECUTOR = "executor"  # the assignee (or the executor a cancel released)
    RELEASED_EXECUTOR = "released_executor"  # who held it before a reassignment
    MANAGERS = "managers"  # the manager who assigned it, else every active manager
    HEAD_MANAGERS = "head_managers"
    SECURITY = "security"  # every active security officer
    HEAD_SECURITY = "head_security"
    HR = "hr"  # every active HR officer


class Kind(StrEnum):
    """One template per kind (notifications/templates/<locale>/<kind>.*)."""

    REQUEST_CREATED = "request_created"
    EXECUTOR_OFFER = "executor_offer"
    VERIFICATION_APPROVED = "verification_approved"
    REQUEST_ACCEPTED = "request_accepted"
    REQUEST_STARTED = "request_started"
    REQUEST_COMPLETED = "request_completed"
    REQUEST_CONFIRMED = "request_confirmed"
    REQUEST_RETURNED = "request_returned"
    REQUEST_DISPUTED = "request_disputed"
    DISPUTE_RESOLVED = "dispute_resolved"
    REQUEST_CANCELLED = "request_cancelled"
    SLA_BREACHED = "sla_breached"
    DOCUMENTS_READY = "documents_ready"
    VERIFICATION_DECIDED = "verification_decided"
    VERIFICATION_EXPIRING = "verification_expiring"
    VERIFICATION_EXPIRED = "verification_expired"
    VERIFICATION_PENDING = "verification_pending"
    PAPERWORK_FAILED = "paperwork_failed"
    OFFER_GONE = "offer_gone"  # the job is no longer the executor's (expired, moved)
    DISPATCH_ESCALATED = "dispatch_escalated"


@dataclass(frozen=True)
class Notice:
    kind: Kind
    audience: Audience


# Event types of the lifecycle → who is told, in which words. Events absent here (e.g.
# request.closed, which follows documents_ready) tell nobody.
_NOTICES: dict[str, tuple[Notice, ...]] = {
    "request.created": (Notice(Kind.REQUEST_CREATED, Audience.CUSTOMER),),
    "request.assigned": (Notice(Kind.EXECUTOR_OFFER, Audience.EXECUTOR),),
    "verification.approved": (Notice(Kind.VERIFICATION_APPROVED, Audience.EXECUTOR),),
    "request.accepted": (Notice(Kind.REQUEST_ACCEPTED, Audience.CUSTOMER),),
    "request.started": (Notice(Kind.REQUEST_STARTED, Audience.CUSTOMER),),
    "request.completed": (Notice(Kind.REQUEST_COMPLETED, Audience.CUSTOMER),),
    "request.confirmed": (Notice(Kind.REQUEST_CONFIRMED, Audience.EXECUTOR),),
    # Declined, accept timeout, requeue, failed verification: back in the queue.
    "request.declined": (Notice(Kind.REQUEST_RETURNED, Audience.MANAGERS),),
    # A manager's withdrawal names the executor it released: they hear it too.
    "request.unassigned": (
        Notice(Kind.REQUEST_RETURNED, Audience.MANAGERS),
        Notice(Kind.OFFER_GONE, Audience.RELEASED_EXECUTOR),
    ),
    "request.disputed": (
        Notice(Kind.REQUEST_DISPUTED, Audience.MANAGERS),
        Notice(Kind.REQUEST_DISPUTED, Audience.EXECUTOR),
    ),
    "request.resolved": (
        Notice(Kind.DISPUTE_RESOLVED, Audience.CUSTOMER),
        Notice(Kind.DISPUTE_RESOLVED, Audience.EXECUTOR),
    ),
    "request.cancelled": (
        Notice(Kind.REQUEST_CANCELLED, Audience.CUSTOMER),
        Notice(Kind.REQUEST_CANCELLED, Audience.EXECUTOR),
    ),
    "hr.paperwork_recorded": (
        Notice(Kind.DOCUMENTS_READY, Audience.CUSTOMER),
        Notice(Kind.DOCUMENTS_READY, Audience.EXECUTOR),
    ),
    "hr.paperwork_failed": (Notice(Kind.PAPERWORK_FAILED, Audience.HR),),
    "request.reassigned": (
        Notice(Kind.EXECUTOR_OFFER, Audience.EXECUTOR),
        Notice(Kind.OFFER_GONE, Audience.RELEASED_EXECUTOR),
    ),
    # The dispatch cascade (domain/cascade.py): its offers are assignments (above); the
    # offeree hears when one ran out, the managers when the cascade gave up.
    "offer.expired": (Notice(Kind.OFFER_GONE, Audience.EXECUTOR),),
    "dispatch.escalated": (Notice(Kind.DISPATCH_ESCALATED, Audience.MANAGERS),),
}

# A decline or a taken-back offer in a running cascade is a step, not the end: managers
# hear of it once the cascade escalates; an offer a manager took back tells its offeree.
_CASCADE_STEP_NOTICES: dict[str, tuple[Notice, ...]] = {
    "request.declined": (),
    "request.unassigned": (Notice(Kind.OFFER_GONE, Audience.RELEASED_EXECUTOR),),
}


# Events about an executor's verification rather than a request (request_id is "").
_PERSON_NOTICES: dict[str, tuple[Notice, ...]] = {
    "verification.approved": (Notice(Kind.VERIFICATION_DECIDED, Audience.EXECUTOR),),
    "verification.rejected": (Notice(Kind.VERIFICATION_DECIDED, Audience.EXECUTOR),),
    "verification.expiring": (Notice(Kind.VERIFICATION_EXPIRING, Audience.EXECUTOR),),
    "verification.expired": (Notice(Kind.VERIFICATION_EXPIRED, Audience.EXECUTOR),),
    "verification.awaiting_decision": (Notice(Kind.VERIFICATION_PENDING, Audience.SECURITY),),
    "verification.escalated": (Notice(Kind.VERIFICATION_PENDING, Audience.HEAD_SECURITY),),
}


@dataclass(frozen=True)
class NotificationTrigger:
    """Something happened to a request that may concern people."""

    event_id: str  # the event that caused it: the root of every de-duplication key
    event_type: str
    request_id: str  # "" for events about a person (an executor's verification)
    occurred_at: datetime
    actor_id: str
    executor_id: str | None = None  # assignee, or the executor a cancel released
    data: dict[str, Any] = field(default_factory=dict)
    trace_id: str | None = None


# People are not told what they just did themselves, except where the message is a
# receipt they expect (the customer's "we got your request").
RECEIPTS = frozenset({"request.created"})


def tells_actor(event_type: str) -> bool:
    return event_type in RECEIPTS


def notices_for(trigger: NotificationTrigger) -> list[Notice]:
    if not trigger.request_id:
        return list(_PERSON_NOTICES.get(trigger.event_type, ()))
    if trigger.event_type == "sla.breached":
        tier = int(trigger.data.get("tier", 1))
        audience = Audience.MANAGERS if tier <= 1 else Audience.HEAD_MANAGERS
        return [Notice(Kind.SLA_BREACHED, audience)]
    if trigger.data.get("offer_no") and trigger.event_type in _CASCADE_STEP_NOTICES:
        return list(_CASCADE_STEP_NOTICES[trigger.event_type])
    return list(_NOTICES.get(trigger.event_type, ()))


def choose_channels(
    role: str, preferred: list[str] | None, *, telegram_linked: bool
) -> list[Channel]:
    """The user's chosen channels that can reach them; executors default to Telegram,
    everyone else to email, and nobody is ever left with no channel at all."""
    default = [Channel.TELEGRAM] if role == "executor" else [Channel.EMAIL]
    known = {channel.value for channel in Channel}
    wanted = [Channel(c) for c in preferred if c in known] if preferred else default
    usable = [c for c in wanted if c != Channel.TELEGRAM or telegram_linked]
    return usable or [Channel.EMAIL]


def concerns_anyone(event_type: str, *, about_request: bool = True) -> bool:
    if not about_request:
        return event_type in _PERSON_NOTICES
    return event_type == "sla.breached" or event_type in _NOTICES


# A delivery's identity: one per (cause, recipient, channel). Temporal may run the
# delivery activity many times; the key makes every run after a success a no-op.
NOTIFICATION_NAMESPACE = uuid.UUID("7d0c3c59-2f0c-4d7e-9b6f-0c2b6a8f5e11")


def notification_id(trigger_event_id: str, kind: Kind, recipient_id: str, channel: Channel) -> str:
    return str(
        uuid.uuid5(NOTIFICATION_NAMESPACE, f"{trigger_event_id}/{kind}/{recipient_id}/{channel}")
    )


@dataclass(frozen=True)
class PlannedNotification:
    """One message to one person on one channel, as the planner recorded it."""

    notification_id: str
    kind: str
    channel: str
    recipient_id: str
    address: str  # email address or Telegram chat id
    locale: str
    request_id: str
    context: dict[str, Any] = field(default_factory=dict)
    trace_id: str | None = None


@dataclass(frozen=True)
class DeliveryOutcome:
    notification_id: str
    status: str  # sent | failed | unconfirmed | skipped
    detail: str = ""


# ---- Telegram button payloads ---------------------------------------------------------

# Telegram allows 64 bytes of callback data: "<action>:<request uuid>" fits.
BUTTON_ACTIONS = BOT_ACTIONS
REFRESH = "show"  # a button that only shows the job's current state


def button_data(action: Action | str, request_id: str) -> str:
    return f"{action}:{request_id}"


def parse_button_data(data: str) -> tuple[str, str] | None:
    """(action, request id) of a button we made, or None for anything else."""
    action, _, request_id = data.partition(":")
    allowed = {a.value for a in BUTTON_ACTIONS} | {REFRESH}
    if action not in allowed:
        return None
    try:
        uuid.UUID(request_id)
    except ValueError:
        return None
    return action, request_id
