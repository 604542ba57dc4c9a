"""Request body limits: a body past its route's limit is refused with a 413 problem
before it is read whole, let alone parsed.

A declared Content-Length is checked before the app runs; a body without one (chunked)
is counted as it streams in and cut off at the limit. The limit is chosen from the
method and path alone, so the refusal needs no routing and no parsing.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from core.settings import ApiSettings

# The routes whose bodies carry files (identity scans) get the upload limit.
UPLOAD_ROUTES = frozenset({("POST", "/executors/me/verification")})


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: ApiSettings) -> None:
        self.app = app
        self.settings = settings

    def limit_of(self, method: str, path: str) -> int:
        if (method, path.rstrip("/") or "/") in UPLOAD_ROUTES:
            return self.settings.max_upload_body_bytes
        return self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, limit)
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the endpoint's body read: FastAPI passes HTTP errors
                    # through, and the problem handlers answer it.
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # The body was read outside an endpoint (a middleware): answer here.
            if started:
                raise
            await _refuse(scope, receive, send, limit)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    request = Request(scope, receive)
    response = problem_response(
        request, 413, f"the request body is larger than {limit} bytes", max_bytes=limit
    )
    # The unread body is not drained: the connection is closed after this answer.
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
