"""Readiness as anonymous callers see it: one probe run shared by everyone for a few
seconds. Each run makes a round trip to five dependencies (two of them new connections),
so without it anyone could make the API open Kafka and Temporal connections at will."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from core.health import DependencyStatus

# Long enough to absorb a flood, short enough for a load balancer to notice an outage.
FRESH_FOR_S = 5.0


class SharedReadiness:
    def __init__(self, fresh_for_s: float = FRESH_FOR_S) -> None:
        self.fresh_for_s = fresh_for_s
        self.runs = 0  # probe runs made; read by tests and nothing else
        self._last: tuple[float, list[DependencyStatus]] | None = None
        self._lock = asyncio.Lock()

    async def statuses(
        self, probe: Callable[[], Awaitable[list[DependencyStatus]]]
    ) -> list[DependencyStatus]:
        """The last run's answers while fresh; otherwise one new run, which callers
        arriving meanwhile wait for instead of starting their own."""
        async with self._lock:
            if self._last is not None and time.monotonic() - self._last[0] < self.fresh_for_s:
                return self._last[1]
            return await self.fresh(probe)

    async def fresh(
        self, probe: Callable[[], Awaitable[list[DependencyStatus]]]
    ) -> list[DependencyStatus]:
        """A new run (operators always get one), remembered for anonymous callers."""
        self.runs += 1
        statuses = await probe()
        self._last = (time.monotonic(), statuses)
        return statuses
