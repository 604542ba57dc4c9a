"""Path and header parameters shared by the routes under /requests/{request_id}, and
the refusals they document."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Header, Path

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        pattern=r"^[!-~]+$",
        description="a client-made unique key (e.g. a UUID); repeating it returns the same request",
    ),
]
ActionKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        pattern=r"^[!-~]+$",
        description=(
            "optional: repeating the action with the same key and body returns its first "
            "result (same status and body), even after the request moved on; the same key "
            "with another action or body is a 422"
        ),
    ),
]
# Any spelling of a UUID (upper case, no hyphens, braces) names the same request: FastAPI
# parses it, and every lookup, audit row and workflow id uses the canonical form.
RequestId = Annotated[uuid.UUID, Path(description="the request's id (a UUID)")]
AttachmentId = Annotated[uuid.UUID, Path(description="the attachment's id (a UUID)")]
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "this actor may not take this action"},
    404: {"description": "no such request, or not yours to see"},
    409: {"description": "not possible in the request's current state"},
    422: {"description": "invalid body, or the Idempotency-Key was used for another action"},
}
