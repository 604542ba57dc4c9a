"""W3C trace context for every API request: continue the caller's `traceparent` or
start a new trace. The trace id travels into the workflow, onto every event it causes
(envelope `trace_id`) and out as the Kafka `traceparent` header; logs carry it too."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

from core.trace_context import current_trace_id, enter_trace, leave_trace

__all__ = ["current_trace_id", "install_tracing", "trace_id_from"]

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
INVALID_TRACE = "0" * 32


def trace_id_from(header: str | None) -> str:
    match = TRACEPARENT.match(header.strip().lower()) if header else None
    if match and match.group(1) != INVALID_TRACE:
        return match.group(1)
    return secrets.token_hex(16)


def install_tracing(app: FastAPI) -> None:
    @app.middleware("http")
    async def trace(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        trace_id = trace_id_from(request.headers.get("traceparent"))
        token = enter_trace(trace_id)
        try:
            with structlog.contextvars.bound_contextvars(trace_id=trace_id):
                response = await call_next(request)
        finally:
            leave_trace(token)
        response.headers["traceparent"] = f"00-{trace_id}-{secrets.token_hex(8)}-01"
        return response
