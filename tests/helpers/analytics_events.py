"""Synthetic event envelopes for the analytics store: request lifecycles, notifications,
verification rounds and payouts, built the way the platform writes them, so a test
knows every timestamp and can compute the expected figures itself."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analytics.rows import event_row
from domain.events import topic_of


def envelope(
    event_type: str,
    aggregate_id: str,
    at: datetime,
    seq: int,
    actor: tuple[str, str] = ("system", "system"),
    from_state: str | None = None,
    to_state: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "schema_version": 1,
        "occurred_at": at.isoformat(),
        "aggregate_id": aggregate_id,
        "seq": seq,
        "actor": {"id": actor[0], "role": actor[1]},
        "from_state": from_state,
        "to_state": to_state,
        "data": data or {},
        "trace_id": None,
    }


def rows_of(envelopes: Iterable[dict[str, Any]]) -> list[list[Any]]:
    return [event_row(topic_of(e["type"]), e) for e in envelopes]


@dataclass
class Lifecycle:
    """One request's story; each step appends its event and remembers its time."""

    category: str
    address: str
    customer_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    events: list[dict[str, Any]] = field(default_factory=list)
    state: str = ""
    assignee: str | None = None
    times: dict[str, list[datetime]] = field(default_factory=dict)

    def _step(
        self,
        event_type: str,
        at: datetime,
        actor: tuple[str, str],
        to_state: str,
        **data: Any,
    ) -> Lifecycle:
        self.events.append(
            envelope(
                event_type,
                self.request_id,
                at,
                len(self.events) + 1,
                actor,
                self.state or None,
                to_state,
                data,
            )
        )
        self.times.setdefault(event_type.removeprefix("request."), []).append(at)
        self.state = to_state
        return self

    def created(self, at: datetime) -> Lifecycle:
        return self._step(
            "request.created",
            at,
            (self.customer_id, "customer"),
            "new",
            category=self.category,
            address=self.address,
        )

    def assigned(self, at: datetime, executor_id: str) -> Lifecycle:
        self.assignee = executor_id
        return self._step(
            "request.assigned", at, ("manager-1", "manager"), "assigned", assignee_id=executor_id
        )

    def accepted(self, at: datetime) -> Lifecycle:
        return self._by_assignee("request.accepted", at, "accepted")

    def declined(self, at: datetime, *, timeout: bool = False) -> Lifecycle:
        actor = ("system", "system") if timeout else (str(self.assignee), "executor")
        held, self.assignee = self.assignee, None
        return self._step(
            "request.declined", at, actor, "new", assignee_id=None, previous_assignee_id=held
        )

    def started(self, at: datetime) -> Lifecycle:
        return self._by_assignee("request.started", at, "in_progress")

    def completed(self, at: datetime) -> Lifecycle:
        return self._by_assignee("request.completed", at, "completed")

    def confirmed(self, at: datetime) -> Lifecycle:
        return self._step(
            "request.confirmed",
            at,
            (self.customer_id, "customer"),
            "confirmed",
            assignee_id=self.assignee,
        )

    def disputed(self, at: datetime) -> Lifecycle:
        return self._step(
            "request.disputed",
            at,
            (self.customer_id, "customer"),
            "disputed",
            assignee_id=self.assignee,
        )

    def reworked(self, at: datetime) -> Lifecycle:
        return self._step(
            "request.resolved",
            at,
            ("manager-1", "manager"),
            "in_progress",
            assignee_id=self.assignee,
        )

    def closed(self, at: datetime) -> Lifecycle:
        return self._step("request.closed", at, ("system", "system"), "closed")

    def cancelled(self, at: datetime, role: str) -> Lifecycle:
        actor = (self.customer_id, role) if role == "customer" else ("manager-1", role)
        self.assignee = None
        return self._step("request.cancelled", at, actor, "cancelled", reason="не нужно")

    def breached(self, at: datetime, stage: str, tier: int) -> Lifecycle:
        self.events.append(
            envelope(
                "sla.breached",
                self.request_id,
                at,
                len(self.events) + 1,
                from_state=self.state,
                to_state=self.state,
                data={"sla": stage, "tier": tier, "escalation": "notify_manager"},
            )
        )
        self.times.setdefault("breached", []).append(at)
        return self

    def payout(self, at: datetime, gross: str, commission: str, net: str) -> Lifecycle:
        self.events.append(
            envelope(
                "payout.recorded",
                self.request_id,
                at,
                len(self.events) + 1,
                data={
                    "executor_id": self.assignee,
                    "gross": gross,
                    "commission": commission,
                    "net": net,
                    "commission_rate": "0.10",
                },
            )
        )
        return self

    def first(self, step: str) -> datetime | None:
        return min(self.times[step]) if step in self.times else None

    def last(self, step: str) -> datetime | None:
        return max(self.times[step]) if step in self.times else None

    def _by_assignee(self, event_type: str, at: datetime, to_state: str) -> Lifecycle:
        return self._step(
            event_type, at, (str(self.assignee), "executor"), to_state, assignee_id=self.assignee
        )


def notification(
    recipient_id: str,
    request_id: str,
    channel: str,
    requested_at: datetime,
    *,
    sent_at: datetime | None = None,
    failed_at: datetime | None = None,
    permanent: bool = True,
) -> list[dict[str, Any]]:
    """A notification's events: requested, then sent or failed when given."""
    nid = str(uuid.uuid4())
    common: dict[str, Any] = {"notification_id": nid, "channel": channel, "request_id": request_id}
    found = [envelope("notification.requested", recipient_id, requested_at, 1, data=common)]
    if failed_at is not None:
        found.append(
            envelope(
                "notification.failed",
                recipient_id,
                failed_at,
                2,
                data={**common, "attempt": 1, "permanent": permanent},
            )
        )
    if sent_at is not None:
        found.append(envelope("notification.sent", recipient_id, sent_at, 3, data=common))
    return found


def verification_round(
    executor_id: str,
    round_number: int,
    started_at: datetime,
    *,
    awaiting_at: datetime | None = None,
    decided_at: datetime | None = None,
    approved: bool = True,
    reason: str = "",
    seq: int = 1,
) -> list[dict[str, Any]]:
    """One verification round: started, maybe awaiting an officer, maybe decided."""
    data: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "round": round_number,
        "checks": [],
        "reason": "",
    }
    found = [envelope("verification.started", executor_id, started_at, seq, data=data)]
    if awaiting_at is not None:
        found.append(
            envelope("verification.awaiting_decision", executor_id, awaiting_at, seq + 1, data=data)
        )
    if decided_at is not None:
        found.append(
            envelope(
                "verification.approved" if approved else "verification.rejected",
                executor_id,
                decided_at,
                seq + 2,
                ("officer-1", "security"),
                data={**data, "reason": reason},
            )
        )
    return found
