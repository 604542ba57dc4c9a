"""Envelopes become event rows with the columns reports group on."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from analytics.rows import COLUMNS, BadEvent, event_row

pytestmark = pytest.mark.fast


def _envelope(event_type: str, aggregate_id: str = "r-1", **fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "schema_version": 1,
        "occurred_at": "2026-11-02T09:30:00+00:00",
        "aggregate_id": aggregate_id,
        "seq": 3,
        "actor": {"id": "u-1", "role": "customer"},
        "from_state": None,
        "to_state": "new",
        "data": {},
        "trace_id": None,
        **fields,
    }


def _row(topic: str, envelope: dict[str, Any]) -> dict[str, Any]:
    return dict(zip(COLUMNS, event_row(topic, envelope), strict=True))


def test_a_created_request_carries_its_category_and_district() -> None:
    row = _row(
        "request-events",
        _envelope(
            "request.created",
            data={"category": "plumbing", "address": "Москва, Кутузовский проспект, 12"},
        ),
    )
    assert (row["request_id"], row["category"], row["district"]) == ("r-1", "plumbing", "ЗАО")
    assert row["actor_role"] == "customer"
    assert row["seq"] == 3


def test_the_executor_of_a_transition_and_of_a_decline() -> None:
    assigned = _row("workflow-events", _envelope("request.assigned", data={"assignee_id": "e-7"}))
    declined = _row(
        "workflow-events",
        _envelope(
            "request.declined",
            actor={"id": "e-7", "role": "executor"},
            data={"assignee_id": None, "reason": "далеко"},
        ),
    )
    assert assigned["executor_id"] == "e-7"
    assert (declined["executor_id"], declined["reason"]) == ("e-7", "далеко")


def test_a_timed_out_decline_belongs_to_the_executor_who_held_the_request() -> None:
    timed_out = _row(
        "workflow-events",
        _envelope(
            "request.declined",
            actor={"id": "system", "role": "system"},
            data={"assignee_id": None, "previous_assignee_id": "e-7"},
        ),
    )
    assert timed_out["executor_id"] == "e-7"
    # Written before events carried the previous assignee: nobody's, never "system"'s.
    older = _row(
        "workflow-events",
        _envelope("request.declined", actor={"id": "system", "role": "system"}, data={}),
    )
    assert older["executor_id"] == ""


def test_notifications_belong_to_their_request_and_channel() -> None:
    row = _row(
        "notification-events",
        _envelope(
            "notification.sent",
            aggregate_id="user-9",
            data={"notification_id": "n-1", "channel": "telegram", "request_id": "r-5"},
        ),
    )
    assert (row["request_id"], row["channel"], row["notification_id"]) == ("r-5", "telegram", "n-1")


def test_payouts_and_breaches_are_typed() -> None:
    payout = _row(
        "hr-events",
        _envelope(
            "payout.recorded", data={"gross": "3000.00", "net": "2700.00", "commission": "300.00"}
        ),
    )
    breach = _row("workflow-events", _envelope("sla.breached", data={"sla": "accept", "tier": 2}))
    assert (payout["amount_gross"], payout["amount_net"]) == (
        Decimal("3000.00"),
        Decimal("2700.00"),
    )
    assert (breach["sla_stage"], breach["sla_tier"]) == ("accept", 2)


@pytest.mark.parametrize(
    "broken",
    [
        {"event_id": "not-a-uuid"},
        {"occurred_at": "yesterday"},
        {"type": None, "aggregate_id": None},
    ],
)
def test_an_envelope_that_cannot_be_stored_is_refused(broken: dict[str, Any]) -> None:
    envelope = _envelope("request.created")
    envelope.update(broken)
    if broken.get("aggregate_id", 0) is None:
        del envelope["aggregate_id"]
    with pytest.raises(BadEvent):
        event_row("request-events", envelope)
