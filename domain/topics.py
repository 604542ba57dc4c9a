"""The Kafka topics of the event contract (docs/events.md)."""

from enum import StrEnum


class Topic(StrEnum):
    REQUEST_EVENTS = "request-events"
    WORKFLOW_EVENTS = "workflow-events"
    NOTIFICATION_EVENTS = "notification-events"
    SECURITY_EVENTS = "security-events"
    HR_EVENTS = "hr-events"
    AUDIT_EVENTS = "audit-events"


ALL_TOPICS: tuple[str, ...] = tuple(t.value for t in Topic)
