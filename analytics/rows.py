"""An event envelope as a row of the events table.

The envelope's data differs per type; the columns reports filter and group on are taken
out here once, so no report parses JSON. The full data stays in `data`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from domain.districts import district_of

COLUMNS = (
    "event_id",
    "type",
    "topic",
    "occurred_at",
    "aggregate_id",
    "seq",
    "actor_id",
    "actor_role",
    "from_state",
    "to_state",
    "request_id",
    "executor_id",
    "category",
    "district",
    "channel",
    "reason",
    "sla_stage",
    "sla_tier",
    "amount_gross",
    "amount_net",
    "amount_commission",
    "notification_id",
    "data",
    "trace_id",
)


class BadEvent(ValueError):
    """An envelope the sink cannot store (it is logged and counted, not retried)."""


def event_row(topic: str, envelope: Mapping[str, Any]) -> list[Any]:
    try:
        event_type = str(envelope["type"])
        data: Mapping[str, Any] = envelope.get("data") or {}
        actor: Mapping[str, Any] = envelope.get("actor") or {}
        aggregate_id = str(envelope["aggregate_id"])
        row = {
            "event_id": uuid.UUID(str(envelope["event_id"])),
            "type": event_type,
            "topic": topic,
            "occurred_at": datetime.fromisoformat(str(envelope["occurred_at"])),
            "aggregate_id": aggregate_id,
            "seq": int(envelope.get("seq") or 0),
            "actor_id": _text(actor.get("id")),
            "actor_role": _text(actor.get("role")),
            "from_state": _text(envelope.get("from_state")),
            "to_state": _text(envelope.get("to_state")),
            "request_id": _request_of(event_type, aggregate_id, data),
            "executor_id": _executor_of(event_type, aggregate_id, data, actor),
            "category": _text(data.get("category")) if event_type == "request.created" else "",
            "district": district_of(_text(data.get("address")))
            if event_type == "request.created"
            else "",
            "channel": _text(data.get("channel")),
            "reason": _text(data.get("reason")),
            "sla_stage": _text(data.get("sla")) if event_type == "sla.breached" else "",
            "sla_tier": int(data.get("tier") or 0) if event_type == "sla.breached" else 0,
            "amount_gross": _money(data.get("gross")),
            "amount_net": _money(data.get("net")),
            "amount_commission": _money(data.get("commission")),
            "notification_id": _text(data.get("notification_id")),
            "data": orjson.dumps(data).decode(),
            "trace_id": _text(envelope.get("trace_id")),
        }
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise BadEvent(f"{type(error).__name__}: {error}") from error
    return [row[column] for column in COLUMNS]


def _request_of(event_type: str, aggregate_id: str, data: Mapping[str, Any]) -> str:
    if event_type.startswith(("request.", "sla.", "hr.", "document.", "payout.")):
        return aggregate_id
    if event_type == "audit.action" and not aggregate_id.startswith("user:"):
        return aggregate_id
    return _text(data.get("request_id"))


def _executor_of(
    event_type: str, aggregate_id: str, data: Mapping[str, Any], actor: Mapping[str, Any]
) -> str:
    if event_type.startswith("verification."):
        return aggregate_id  # verification events are keyed by the executor
    if event_type == "request.declined":
        # The assignee is gone from the data by then: the decline is the previous
        # assignee's (in events written before that was carried, the executor's who
        # declined; a timeout's then counts against nobody).
        declined_by = actor.get("id") if actor.get("role") == "executor" else None
        return _text(data.get("previous_assignee_id") or declined_by)
    return _text(data.get("assignee_id") or data.get("executor_id"))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _money(value: object) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)
