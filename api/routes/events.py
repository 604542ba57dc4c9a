"""GET /events/stream: the caller's live request events as Server-Sent Events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import StreamingResponse
from starlette.types import Send

from api.deps import AccessToken, CurrentActor, ResourcesDep
from api.live.hub import LiveEvent, LiveHub
from api.live.shutdown import streams_end_on_shutdown
from api.presenters import request_public
from domain.lifecycle import Actor
from services.errors import Unauthorized

router = APIRouter(tags=["events"], lifespan=streams_end_on_shutdown)

# A comment line this often keeps proxies from closing an idle stream and lets the
# server notice a client that went away.
KEEPALIVE_S = 15.0
RECONNECT_MS = 1000
# How often an open stream asks again whether its token still stands (not revoked by a
# sign-out, its account still active).
REVALIDATE_S = 60.0
REVALIDATE_TIMEOUT_S = 5.0


def get_hub(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live_hub
    return hub


def frame(event: LiveEvent, actor: Actor) -> str:
    if event.visible_to(actor):
        name = "request"
        data = {
            "type": event.type,
            "occurred_at": event.occurred_at,
            "request": request_public(event.view, actor).model_dump(mode="json"),
        }
    else:
        name = "gone"
        data = {"type": event.type, "occurred_at": event.occurred_at, "id": event.view.id}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.id}\nevent: {name}\ndata: {payload}\n\n"


def reset_frame(position: str) -> str:
    # With the id, a client that reconnects after refetching resumes from here.
    return f"id: {position}\nevent: reset\ndata: {{}}\n\n"


async def frames(
    hub: LiveHub,
    actor: Actor,
    last_event_id: str | None,
    *,
    expires_at: float = float("inf"),
    still_allowed: Callable[[], Awaitable[bool]] | None = None,
    revalidate_s: float = REVALIDATE_S,
) -> AsyncGenerator[str, None]:
    """The stream's frames until it ends: the hub ends it, its token expires (`expires_at`,
    Unix time), or `still_allowed` says no. An ended stream is reconnected by the client
    with its current token and Last-Event-ID, so it misses nothing it may still see."""
    # Opened here, not in the endpoint: a connection that drops before its body is sent
    # never runs this generator, and would leave a stream nobody closes.
    stream = hub.open(actor, last_event_id)
    checked = time.monotonic()
    try:
        yield f"retry: {RECONNECT_MS}\n\n"
        while not stream.ended:
            left = expires_at - time.time()
            if left <= 0:
                return
            if still_allowed is not None and time.monotonic() - checked >= revalidate_s:
                if not await still_allowed():
                    return
                checked = time.monotonic()
            position = stream.take_reset()
            if position is not None:
                yield reset_frame(position)
            elif (event := stream.pop()) is not None:
                yield frame(event, actor)
            elif not await stream.wait(min(KEEPALIVE_S, left, revalidate_s)):
                yield ": keepalive\n\n"
    finally:
        hub.close(stream)


class EventStreamResponse(StreamingResponse):
    """Closes its generator however the answer ends: Starlette's loop leaves one that a
    failed send interrupted to the garbage collector, and its stream open until then."""

    def __init__(self, content: AsyncGenerator[str, None], **options: Any) -> None:
        super().__init__(content, **options)
        self._frames = content

    async def stream_response(self, send: Send) -> None:
        async with contextlib.aclosing(self._frames):
            await super().stream_response(send)


@dataclass(frozen=True)
class StreamLease:
    """How long a stream may stay open: until its token expires (Unix time), and while
    `still_allowed` (None: no check) says its token still stands."""

    expires_at: float = float("inf")
    still_allowed: Callable[[], Awaitable[bool]] | None = None


async def stream_lease(token: AccessToken, resources: ResourcesDep) -> StreamLease:
    if token is None:  # CurrentActor has refused such a call already
        raise Unauthorized("sign in first: send 'Authorization: Bearer <access token>'")
    auth = resources.auth

    async def still_allowed() -> bool:
        try:
            async with asyncio.timeout(REVALIDATE_TIMEOUT_S):
                await auth.authenticate(token)
        except Unauthorized:
            return False
        except TimeoutError:
            return True  # a slow store is no reason to cut everyone off; asked again later
        return True

    return StreamLease(auth.claims(token).expires_at, still_allowed)


@router.get(
    "/events/stream",
    summary="Live request events the caller may see (Server-Sent Events)",
    description="Events `request` (the request as GET /requests/{id} shows it to you), "
    "`gone` (a request you can no longer see) and `reset` (refetch: the events you missed "
    "are no longer kept). Reconnect with Last-Event-ID to get what you missed.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    request: Request,
    actor: CurrentActor,
    lease: Annotated[StreamLease, Depends(stream_lease)],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
) -> StreamingResponse:
    return EventStreamResponse(
        frames(
            get_hub(request),
            actor,
            last_event_id,
            expires_at=lease.expires_at,
            still_allowed=lease.still_allowed,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
