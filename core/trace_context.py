"""The trace id of the work being done, shared by every layer of a process.

The API's tracing middleware sets it for each request; services read it to stamp the
events and audit rows a request causes, without being handed it through every call."""

from __future__ import annotations

from contextvars import ContextVar, Token

_current: ContextVar[str | None] = ContextVar("trace_id", default=None)


def current_trace_id() -> str | None:
    """The trace of the request being served (None outside a request)."""
    return _current.get()


def enter_trace(trace_id: str) -> Token[str | None]:
    return _current.set(trace_id)


def leave_trace(token: Token[str | None]) -> None:
    _current.reset(token)
