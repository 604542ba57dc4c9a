"""Event types of the contract and the topic each one goes to (docs/events.md)."""

from __future__ import annotations

from domain.topics import Topic

SCHEMA_VERSION = 1

EVENT_TOPICS: dict[str, Topic] = {
    "request.created": Topic.REQUEST_EVENTS,
    "request.updated": Topic.REQUEST_EVENTS,
    "request.cancelled": Topic.REQUEST_EVENTS,
    "rating.given": Topic.REQUEST_EVENTS,
    "rating.changed": Topic.REQUEST_EVENTS,
    "followup.opened": Topic.REQUEST_EVENTS,
    "followup.done": Topic.REQUEST_EVENTS,
    "request.assigned": Topic.WORKFLOW_EVENTS,
    "request.accepted": Topic.WORKFLOW_EVENTS,
    "request.declined": Topic.WORKFLOW_EVENTS,
    "request.unassigned": Topic.WORKFLOW_EVENTS,
    "request.reassigned": Topic.WORKFLOW_EVENTS,
    "offer.sent": Topic.WORKFLOW_EVENTS,
    "offer.accepted": Topic.WORKFLOW_EVENTS,
    "offer.declined": Topic.WORKFLOW_EVENTS,
    "offer.expired": Topic.WORKFLOW_EVENTS,
    "offer.withdrawn": Topic.WORKFLOW_EVENTS,
    "dispatch.escalated": Topic.WORKFLOW_EVENTS,
    "dispatch.stopped": Topic.WORKFLOW_EVENTS,
    "request.started": Topic.WORKFLOW_EVENTS,
    "request.completed": Topic.WORKFLOW_EVENTS,
    "request.confirmed": Topic.WORKFLOW_EVENTS,
    "request.disputed": Topic.WORKFLOW_EVENTS,
    "request.resolved": Topic.WORKFLOW_EVENTS,
    "request.closed": Topic.WORKFLOW_EVENTS,
    "sla.breached": Topic.WORKFLOW_EVENTS,
    "hr.paperwork_recorded": Topic.HR_EVENTS,
    "hr.paperwork_failed": Topic.HR_EVENTS,
    "document.generated": Topic.HR_EVENTS,
    "payout.recorded": Topic.HR_EVENTS,
    "notification.requested": Topic.NOTIFICATION_EVENTS,
    "notification.sent": Topic.NOTIFICATION_EVENTS,
    "notification.failed": Topic.NOTIFICATION_EVENTS,
    "auth.login_failed": Topic.SECURITY_EVENTS,
    "verification.started": Topic.SECURITY_EVENTS,
    "verification.check_passed": Topic.SECURITY_EVENTS,
    "verification.check_failed": Topic.SECURITY_EVENTS,
    "verification.awaiting_decision": Topic.SECURITY_EVENTS,
    "verification.escalated": Topic.SECURITY_EVENTS,
    "verification.approved": Topic.SECURITY_EVENTS,
    "verification.rejected": Topic.SECURITY_EVENTS,
    "verification.expiring": Topic.SECURITY_EVENTS,
    "verification.expired": Topic.SECURITY_EVENTS,
    "access.denied": Topic.SECURITY_EVENTS,
    "audit.action": Topic.AUDIT_EVENTS,
}


def topic_of(event_type: str) -> Topic:
    try:
        return EVENT_TOPICS[event_type]
    except KeyError:
        raise ValueError(f"event type {event_type!r} is not in the contract") from None
