"""Request body limits: a body past its route's limit is refused with a 413 problem
before it is read whole, let alone parsed.

A declared Content-Length is checked before the app runs; a body without one (chunked)
is counted as it streams in and cut off at the limit. The limit is chosen from the
method, the path and the bearer token's signature alone, so the refusal needs no
routing, no parsing and no database.
"""

from __future__ import annotations

import math
import re

from fastapi import HTTPException, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from core.security import InvalidToken, decode
from core.settings import ApiSettings, AuthSettings
from domain.lifecycle import Role
from services.request_photos import MAX_PHOTO_BYTES

# A photo's body: the largest photo base64-encoded, and room for the JSON around it
# (the type and a caption of up to 500 characters, escaped).
PHOTO_BODY_BYTES = 4 * math.ceil(MAX_PHOTO_BYTES / 3) + 64 * 1024

# The routes whose bodies carry files get a larger limit, for the role that may send
# them: FastAPI reads and parses a body before it checks who sent it, so an anonymous
# caller must not make the API take in megabytes. None: the configured upload limit
# (identity scans: several files in one body).
UPLOAD_ROUTES: tuple[tuple[str, re.Pattern[str], frozenset[str], int | None], ...] = (
    (
        "POST",
        re.compile(r"/executors/me/verification"),
        frozenset({Role.EXECUTOR.value}),
        None,
    ),
    (
        "POST",
        re.compile(r"/requests/[0-9a-fA-F-]{36}/attachments"),
        frozenset({Role.CUSTOMER.value, Role.EXECUTOR.value}),
        PHOTO_BODY_BYTES,
    ),
)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: ApiSettings, auth: AuthSettings) -> None:
        self.app = app
        self.settings = settings
        self.auth = auth

    def limit_of(self, scope: Scope) -> int:
        path = scope["path"].rstrip("/") or "/"
        for method, pattern, uploaders, limit in UPLOAD_ROUTES:
            if scope["method"] == method and pattern.fullmatch(path):
                if self._bearer_role(scope) in uploaders:
                    return limit or self.settings.max_upload_body_bytes
                break
        return self.settings.max_body_bytes

    def _bearer_role(self, scope: Scope) -> str | None:
        """The role in a validly signed access token (revocation is the route's to check:
        this only decides how much the API is willing to read)."""
        scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return decode(self.auth, token.strip(), "access").role
        except InvalidToken:
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
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
