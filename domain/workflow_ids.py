"""Workflow ids, and the names one workflow uses to reach another.

One workflow per request and one per executor's verification: Temporal refuses a second
running workflow with the same id, which is what makes a start exactly once. Every caller
that starts, updates or signals one builds its id here."""

from __future__ import annotations


def request_workflow_id(request_id: str) -> str:
    return f"request-{request_id}"


def verification_workflow_id(executor_id: str) -> str:
    return f"verification-{executor_id}"


# The signal a verification decision sends to each request waiting on that executor. The
# name is recorded in histories: it stays as long as a request may wait for a decision.
VERIFICATION_DECIDED_SIGNAL = "verification_decided"
# New documents for an executor's verification: the signal that starts (signal-with-start)
# or wakes its workflow. Recorded in histories like the one above.
VERIFICATION_SUBMITTED_SIGNAL = "submitted"
