"""An outbox relay serving the run's database, in the test's own event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bridges.outbox_relay import OutboxRelay
from core.settings import Settings


@asynccontextmanager
async def running_relay(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(OutboxRelay(settings).run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
