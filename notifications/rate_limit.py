"""A pace shared by every worker process: at most `per_second` sends per channel in any
window of one second.

A send asks Redis for a turn: a sorted set keeps the times of the sends of the last
second, and a Lua script lets one more in only while fewer than the limit are there
(otherwise it answers how long until the oldest leaves the window). The turn is taken
the moment before the send, so a worker that was slow to wake (a busy machine) cannot
make several sends bunch up the way pre-booked time slots would. Redis's clock is used,
so workers on different machines agree on time.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

# A second and a margin: the provider's clock and ours (and a worker's wake-up) differ by
# milliseconds; a window exactly one second long would let two bursts touch.
WINDOW_US = 1_050_000

# KEYS[1] the window; ARGV[1] limit, ARGV[2] a unique member. Returns 0 when the turn is
# taken, else the microseconds to wait before asking again.
_TAKE_TURN = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_us - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_us, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now_us)
"""


class Pacer:
    def __init__(self, redis: Redis, name: str, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.redis = redis
        self.key = f"pace:{name}"
        # A fractional rate (0.5/s) becomes whole sends per a longer window (1 per 2 s).
        self.limit = max(1, round(per_second)) if per_second >= 1 else 1
        self.window_us = WINDOW_US if per_second >= 1 else round(WINDOW_US / per_second)
        self._take = redis.register_script(_TAKE_TURN)

    async def try_turn(self) -> float:
        """Take a turn now if there is one (0.0); else seconds until one may be free."""
        wait_us = int(
            await self._take(keys=[self.key], args=[self.limit, uuid.uuid4().hex, self.window_us])
        )
        return wait_us / 1_000_000

    async def wait_turn(self, keep_alive: Callable[[], Awaitable[None]] | None = None) -> None:
        """Wait until this send may go, calling `keep_alive` about every second meanwhile
        (activities heartbeat so Temporal knows a long wait is not a dead worker)."""
        waited = 0.0
        while (wait := await self.try_turn()) > 0:
            await asyncio.sleep(wait)
            waited += wait
            if keep_alive is not None and waited >= 1.0:
                await keep_alive()
                waited = 0.0
