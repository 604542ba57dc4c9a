"""A pace shared by every worker process: at most `per_second` sends per channel.

Each send reserves the next free slot in Redis (GCRA: the key holds the theoretical
arrival time of the next slot) and sleeps until it. Slots are spaced 1/rate apart, so no
window of one second ever holds more than `per_second` sends, with no burst at the start
of a second the way a fixed-window counter allows. Redis's clock is used, so workers on
different machines agree on time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

# Returns the wait in microseconds until the reserved slot.
_RESERVE = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval_us = tonumber(ARGV[1])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(next_free, now_us)
local ttl_ms = math.ceil((slot - now_us + interval_us) / 1000) + 1000
redis.call('SET', KEYS[1], tostring(slot + interval_us), 'PX', ttl_ms)
return slot - now_us
"""


class Pacer:
    def __init__(self, redis: Redis, name: str, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.redis = redis
        self.key = f"pace:{name}"
        self.interval_us = max(1, round(1_000_000 / per_second))
        self._reserve = redis.register_script(_RESERVE)

    async def reserve(self) -> float:
        """Take the next slot; seconds to wait until it is due."""
        wait_us = int(await self._reserve(keys=[self.key], args=[self.interval_us]))
        return wait_us / 1_000_000

    async def wait_turn(self, keep_alive: Callable[[], Awaitable[None]] | None = None) -> None:
        """Reserve a slot and sleep until it, calling `keep_alive` every second meanwhile
        (activities heartbeat so Temporal knows a long wait is not a dead worker)."""
        remaining = await self.reserve()
        while remaining > 0:
            step = min(remaining, 1.0)
            await asyncio.sleep(step)
            remaining -= step
            if keep_alive is not None and remaining > 0:
                await keep_alive()
