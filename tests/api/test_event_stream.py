"""GET /events/stream on the real stack: a transition reaches the screens that may see it,
through the outbox, Kafka and the API's live hub, and a reconnect catches up."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.main import create_app
from core.settings import Settings
from domain.lifecycle import Role
from tests.helpers.api_client import SignedIn, User, act, create
from tests.helpers.api_server import serving
from tests.helpers.processes import free_port
from tests.helpers.relay import running_relay


@pytest.fixture
async def base_url(app: FastAPI) -> AsyncIterator[str]:
    await asyncio.wait_for(app.state.live_feed.ready.wait(), 30)
    async with serving(app) as url:
        yield url


@pytest.fixture
async def relay(settings: Settings) -> AsyncIterator[None]:
    async with running_relay(settings):
        yield


@dataclass
class Frame:
    id: str | None
    event: str
    data: dict[str, object]


class Listener:
    """One open stream, read in the background into a queue of frames."""

    def __init__(self, base_url: str, who: User, last_event_id: str | None = None) -> None:
        headers = dict(who.headers) | ({"Last-Event-ID": last_event_id} if last_event_id else {})
        self.http = httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=httpx.Timeout(10, read=None)
        )  # a stream waits for events
        self.frames: asyncio.Queue[Frame] = asyncio.Queue()
        self.opened = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async with self.http.stream("GET", "/events/stream") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            self.opened.set()
            fields: dict[str, str] = {}
            async for line in response.aiter_lines():
                if line == "":
                    if "data" in fields:
                        await self.frames.put(
                            Frame(
                                fields.get("id"),
                                fields.get("event", "message"),
                                json.loads(fields["data"]),
                            )
                        )
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    fields[name] = value

    async def next_about(self, request_id: str) -> Frame:
        async def wait() -> Frame:
            while True:
                frame = await self.frames.get()
                request = frame.data.get("request")
                if isinstance(request, dict) and request.get("id") == request_id:
                    return frame
                if frame.data.get("id") == request_id:
                    return frame

        return await asyncio.wait_for(wait(), 20)

    def seen(self) -> list[Frame]:
        found = []
        while not self.frames.empty():
            found.append(self.frames.get_nowait())
        return found

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.http.aclose()


async def test_a_transition_reaches_who_may_see_it_and_no_one_else(
    base_url: str, relay: None, client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer, stranger = await signed_in(Role.CUSTOMER), await signed_in(Role.CUSTOMER)
    manager = await signed_in(Role.MANAGER)
    executor = await signed_in(Role.EXECUTOR, skills=["plumbing"])
    people = {"customer": customer, "stranger": stranger, "manager": manager, "executor": executor}
    listeners = {name: Listener(base_url, who) for name, who in people.items()}
    try:
        for listener in listeners.values():
            await asyncio.wait_for(listener.opened.wait(), 10)
        rid = (await create(client, customer)).json()["id"]
        created = await listeners["manager"].next_about(rid)
        assert created.event == "request"
        assert created.data["type"] == "request.created"
        mine = await listeners["customer"].next_about(rid)
        assert mine.data["request"]["actions"] == ["cancel"]  # type: ignore[index]

        assert (
            await act(client, manager, rid, "assign", {"executor_id": executor.id})
        ).status_code == 200
        assigned = await listeners["executor"].next_about(rid)
        assert assigned.data["type"] == "request.assigned"
        assert "accept" in assigned.data["request"]["actions"]  # type: ignore[index]
        assert (await listeners["customer"].next_about(rid)).data["type"] == "request.assigned"

        assert (
            await act(client, executor, rid, "decline", {"reason": "далеко"})
        ).status_code == 200
        gone = await listeners["executor"].next_about(rid)
        assert gone.event == "gone"

        await asyncio.sleep(1)  # anything misrouted would have arrived by now
        assert not [f for f in listeners["stranger"].seen() if rid in json.dumps(f.data)]
    finally:
        for listener in listeners.values():
            await listener.close()


async def test_a_reconnect_with_last_event_id_gets_what_it_missed(
    base_url: str, relay: None, client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    first = Listener(base_url, manager)
    await asyncio.wait_for(first.opened.wait(), 10)
    rid = (await create(client, customer)).json()["id"]
    last_seen = await first.next_about(rid)
    await first.close()  # the connection drops ...

    assert (await act(client, customer, rid, "cancel", {"reason": "не нужно"})).status_code == 200
    await asyncio.sleep(3)  # ... while the request moves on

    again = Listener(base_url, manager, last_event_id=last_seen.id)
    try:
        caught_up = await again.next_about(rid)
        assert caught_up.data["type"] == "request.cancelled"
    finally:
        await again.close()

    stale = Listener(base_url, manager, last_event_id="another-process:7")
    try:
        reset = await asyncio.wait_for(stale.frames.get(), 10)
        assert reset.event == "reset"
    finally:
        await stale.close()


async def test_the_stream_needs_a_signed_in_caller(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.get("/events/stream")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_stop_signal_ends_open_streams_so_the_server_stops(
    settings: Settings, signed_in: SignedIn
) -> None:
    """uvicorn waits for open answers before its lifespan shutdown, without a time limit
    by default: the streams must end on the signal itself."""
    manager = await signed_in(Role.MANAGER)
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    )
    # uvicorn raises the signal again once it has stopped: here it must not end pytest.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    serving_task = asyncio.create_task(server.serve())
    listener: Listener | None = None
    try:
        while not server.started:
            assert not serving_task.done()
            await asyncio.sleep(0.05)
        listener = Listener(f"http://127.0.0.1:{port}", manager)
        await asyncio.wait_for(listener.opened.wait(), 10)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(asyncio.shield(serving_task), 10)
        await asyncio.wait_for(listener.task, 5)  # the stream ended, not cut
    finally:
        server.force_exit = True
        await asyncio.wait_for(serving_task, 10)
        if listener is not None:
            await listener.close()
        signal.signal(signal.SIGTERM, previous)
