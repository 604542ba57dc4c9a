"""A RequestView with plausible defaults, for tests that need one without a database."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from domain.lifecycle import State
from domain.requests import RequestView


def request_view(**changes: Any) -> RequestView:
    now = datetime.now(UTC)
    view = RequestView(
        id=str(uuid.uuid4()),
        customer_id=str(uuid.uuid4()),
        category="plumbing",
        description="Течёт кран",
        address="Москва, ул. Льва Толстого, 16",
        state=State.NEW,
        assignee_id=None,
        window_start=None,
        window_end=None,
        budget=None,
        report=None,
        sla_stage=None,
        sla_due_at=None,
        sla_breached=False,
        version=1,
        created_at=now,
        updated_at=now,
    )
    return replace(view, **changes)
