"""GET /events/stream over raw ASGI, without Kafka or a database: when the stream is
opened, and how the replay hands over to live events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from starlette.requests import ClientDisconnect
from starlette.types import Message

from api.deps import get_actor
from api.live.hub import LiveHub
from api.routes import events
from domain.lifecycle import Actor, Role
from tests.helpers.request_views import request_view

pytestmark = pytest.mark.fast

MANAGER = Actor(id=str(uuid.uuid4()), role=Role.MANAGER)
NOW = datetime.now(UTC).isoformat()


def stream_app(hub: LiveHub) -> FastAPI:
    app = FastAPI()
    app.state.live_hub = hub
    app.include_router(events.router)
    app.dependency_overrides[get_actor] = lambda: MANAGER
    # No token here: a stream that never expires (test_event_stream_frames covers that).
    app.dependency_overrides[events.stream_lease] = events.StreamLease
    return app


class ClientGone(OSError):
    """What the server's send raises once the client has closed the connection."""


async def call(
    app: FastAPI,
    on_send: Callable[[Message], Awaitable[None]],
    last_event_id: str = "",
    *,
    dropped: bool = True,
) -> None:
    headers = [(b"last-event-id", last_event_id.encode())] if last_event_id else []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/events/stream",
        "raw_path": b"/events/stream",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("api.test", 80),
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    if dropped:
        with pytest.raises(ClientDisconnect):
            await app(scope, receive, on_send)
    else:
        await app(scope, receive, on_send)


async def test_a_connection_dropped_before_the_body_leaves_no_stream_open() -> None:
    hub = LiveHub()

    async def gone_at_once(message: Message) -> None:
        raise ClientGone

    await call(stream_app(hub), gone_at_once)
    assert hub.open_streams == 0


async def test_the_replay_hands_over_to_live_events_with_no_duplicate_and_no_gap() -> None:
    hub = LiveHub()
    seen = hub.publish("request.created", NOW, request_view())
    ids: list[str] = []
    expected: list[str] = []

    async def publish_while_sending(message: Message) -> None:
        # An event arrives at each step of the hand-over: while the answer starts, after
        # the first frame, and once the replay is sent.
        if message["type"] == "http.response.start" or len(expected) < 3:
            expected.append(hub.publish("request.updated", NOW, request_view()).id)
        body = message.get("body", b"").decode()
        ids.extend(line[4:] for line in body.splitlines() if line.startswith("id: "))
        if ids and ids[-1] == expected[-1] and len(expected) == 3:
            raise ClientGone

    await call(stream_app(hub), publish_while_sending, last_event_id=seen.id)
    assert ids == expected
    assert hub.open_streams == 0


async def test_an_open_stream_ends_when_the_app_shuts_down() -> None:
    hub = LiveHub()
    app = stream_app(hub)
    sent: list[Message] = []
    opened = asyncio.Event()

    async def record(message: Message) -> None:
        sent.append(message)
        opened.set()

    async with app.router.lifespan_context(app):
        answer = asyncio.create_task(call(app, record, dropped=False))
        await asyncio.wait_for(opened.wait(), 5)
    await asyncio.wait_for(answer, 5)
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert hub.open_streams == 0
    await asyncio.wait_for(call(app, record, dropped=False), 5)  # no new stream stays open
