"""The automatic offer cascade (docs/dispatch.md): a new request of an auto-dispatched
category is offered to its best candidate, one executor at a time, each offer open for a
while; a decline or a timeout moves it to the next, and after `max_offers` (or when
nobody is left) it goes to the managers' queue as escalated.

Pure: the shapes the workflow and its activities exchange, and the few rules of who
comes next. The workflow runs it (workflows/service_request.py); who is a candidate and
in which order is domain/dispatch.py's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class CascadePolicy:
    """Carried in the workflow's input (plain numbers, so histories can hold it)."""

    offer_timeout_s: float = 15 * 60
    max_offers: int = 3

    @property
    def offer_timeout(self) -> timedelta:
        return timedelta(seconds=self.offer_timeout_s)


class OfferOutcome(StrEnum):
    """What became of one offer; each is an event on workflow-events (`offer.<value>`)."""

    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    # Taken back: a manager reassigned the request, stopped the cascade, or cancelled it.
    WITHDRAWN = "withdrawn"


class CascadeState(StrEnum):
    """Where a request's cascade stands (the request's `dispatch` field)."""

    OFFERING = "offering"
    ACCEPTED = "accepted"
    ESCALATED = "escalated"  # every offer went unanswered or declined: the managers' turn
    STOPPED = "stopped"  # a manager took over


OFFER_EVENT_TYPES = {outcome: f"offer.{outcome.value}" for outcome in OfferOutcome}
ESCALATED_EVENT = "dispatch.escalated"
STOPPED_EVENT = "dispatch.stopped"
CASCADE_EVENT_TYPES = (*OFFER_EVENT_TYPES.values(), ESCALATED_EVENT, STOPPED_EVENT)

# The request's cascade state after each event.
STATE_AFTER: dict[str, CascadeState] = {
    OFFER_EVENT_TYPES[OfferOutcome.SENT]: CascadeState.OFFERING,
    OFFER_EVENT_TYPES[OfferOutcome.ACCEPTED]: CascadeState.ACCEPTED,
    OFFER_EVENT_TYPES[OfferOutcome.DECLINED]: CascadeState.OFFERING,
    OFFER_EVENT_TYPES[OfferOutcome.EXPIRED]: CascadeState.OFFERING,
    OFFER_EVENT_TYPES[OfferOutcome.WITHDRAWN]: CascadeState.STOPPED,
    ESCALATED_EVENT: CascadeState.ESCALATED,
    STOPPED_EVENT: CascadeState.STOPPED,
}


@dataclass(frozen=True)
class OffereeQuery:
    """Who is next for this request, leaving out those offered it already."""

    request_id: str
    as_of: datetime
    already_offered: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CascadeEvent:
    """One step of a cascade, as the store records it (keyed by `event_id`)."""

    event_id: str
    request_id: str
    event_type: str  # one of CASCADE_EVENT_TYPES
    occurred_at: datetime
    executor_id: str | None = None  # the offeree; None for escalated/stopped
    offer_no: int = 0  # 1-based number of the offer this event is about
    expires_at: datetime | None = None  # offer.sent: when it runs out
    reason: str | None = None
    actor_id: str = "system"
    actor_role: str = "system"
    trace_id: str | None = None


def next_offeree(ranked: Iterable[str], already_offered: Iterable[str]) -> str | None:
    """The best-ranked candidate not offered the request yet: an executor who declined
    or let an offer run out is not asked again by the same cascade."""
    asked = set(already_offered)
    return next((executor for executor in ranked if executor not in asked), None)
