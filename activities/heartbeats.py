"""Heartbeats for the whole of an activity attempt.

The workflows give long activities a short heartbeat timeout (a few seconds) so that an
attempt whose worker was killed is retried elsewhere at once, instead of at the end of
its whole start-to-close timeout. A live attempt must then heartbeat while it waits on
something slow (a provider, a render process), or it would look dead too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from temporalio import activity

# Well inside the shortest heartbeat timeout the workflows give (3 s); the SDK throttles
# what it actually sends to the server.
HEARTBEAT_EVERY_S = 1.0


@contextlib.asynccontextmanager
async def heartbeating(every_s: float = HEARTBEAT_EVERY_S) -> AsyncIterator[None]:
    """Heartbeat every `every_s` seconds until the block ends."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every_s)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
