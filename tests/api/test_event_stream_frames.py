"""How an open event stream ends on its own: when its token expires, and when the token
no longer stands (signed out, account deactivated). The client then reconnects with a
current token and Last-Event-ID; tests/api/test_event_stream.py covers the stream itself
on the real stack."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator

import pytest

from api.live.hub import LiveHub
from api.routes.events import frames
from domain.lifecycle import Actor, Role

pytestmark = pytest.mark.fast

MANAGER = Actor(id=str(uuid.uuid4()), role=Role.MANAGER)


async def _drain(stream: AsyncGenerator[str, None], limit_s: float) -> list[str]:
    got: list[str] = []

    async def collect() -> None:
        async for text in stream:
            got.append(text)

    await asyncio.wait_for(collect(), limit_s)
    return got


async def test_the_stream_ends_when_its_token_expires() -> None:
    hub = LiveHub()
    began = time.monotonic()
    sent = await _drain(frames(hub, MANAGER, None, expires_at=time.time() + 0.3), 5)
    assert sent[0].startswith("retry:")
    assert 0.2 < time.monotonic() - began < 3
    assert hub.open_streams == 0


async def test_the_stream_ends_once_its_token_no_longer_stands() -> None:
    hub = LiveHub()
    answers = iter([True, False])
    asked = 0

    async def still_allowed() -> bool:
        nonlocal asked
        asked += 1
        return next(answers)

    stream = frames(hub, MANAGER, None, still_allowed=still_allowed, revalidate_s=0.1)
    await _drain(stream, 5)
    assert asked == 2
    assert hub.open_streams == 0


async def test_a_stream_whose_token_stands_stays_open() -> None:
    hub = LiveHub()

    async def still_allowed() -> bool:
        return True

    stream = frames(hub, MANAGER, None, still_allowed=still_allowed, revalidate_s=0.05)
    with pytest.raises(TimeoutError):
        await _drain(stream, 0.5)
