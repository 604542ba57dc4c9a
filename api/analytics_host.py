"""The API process hosting the analytics sink.

With the embedded store (chDB) only one process may open the store's directory, and the
API must read it for the reports, so the API owns it and runs the sink beside its
routes. With a ClickHouse server the sink usually runs as its own process
(`python -m bridges sink`); settings decide (analytics.sink_in_api).
"""

from __future__ import annotations

import asyncio
import contextlib

from analytics.sink import AnalyticsSink
from api.resources import Resources
from core.logging import get_logger

log = get_logger("api.analytics_host")
RETRY_S = 5.0


class HostedSink:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.sink: AnalyticsSink | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="analytics-sink")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 10)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                store = await self.resources.analytics()
                self.sink = AnalyticsSink(self.resources.settings, store)
                await self.sink.run(self._stop)
            except Exception:
                # The store is locked or away: the API keeps serving, readiness says so.
                log.exception("analytics_sink.failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), RETRY_S)
