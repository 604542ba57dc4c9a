"""GET /events/stream: the caller's live request events as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor
from api.live.hub import LiveEvent, LiveHub, Stream
from api.presenters import request_public
from domain.lifecycle import Actor

router = APIRouter(tags=["events"])

# A comment line this often keeps proxies from closing an idle stream and lets the
# server notice a client that went away.
KEEPALIVE_S = 15.0
RECONNECT_MS = 1000


def get_hub(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live_hub
    return hub


def frame(hub: LiveHub, event: LiveEvent, actor: Actor) -> str:
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
    return f"id: {hub.event_id(event)}\nevent: {name}\ndata: {payload}\n\n"


async def frames(
    hub: LiveHub, stream: Stream, actor: Actor, last_event_id: str | None
) -> AsyncIterator[str]:
    try:
        yield f"retry: {RECONNECT_MS}\n\n"
        if last_event_id:
            missed = hub.missed_since(last_event_id, actor)
            if missed is None:
                yield "event: reset\ndata: {}\n\n"
            else:
                for event in missed:
                    yield frame(hub, event, actor)
        while True:
            if stream.overflowed:
                # This client fell behind: drop what is queued and have it refetch.
                while not stream.queue.empty():
                    stream.queue.get_nowait()
                stream.overflowed = False
                yield "event: reset\ndata: {}\n\n"
            try:
                event = await asyncio.wait_for(stream.queue.get(), KEEPALIVE_S)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            yield frame(hub, event, actor)
    finally:
        hub.close(stream)


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
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
) -> StreamingResponse:
    hub = get_hub(request)
    stream = hub.open(actor)
    return StreamingResponse(
        frames(hub, stream, actor, last_event_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
