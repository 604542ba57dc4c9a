"""Redis is the real server: expiry, atomic counters and pipelines."""

import asyncio

from redis.asyncio import Redis

from core.settings import Settings


async def test_round_trip_with_expiry_and_atomic_increments(
    settings: Settings, unique: str
) -> None:
    redis = Redis.from_url(settings.redis.url)
    try:
        await redis.set(f"{unique}:value", "hello", px=300)
        assert await redis.get(f"{unique}:value") == b"hello"

        await asyncio.gather(*(redis.incr(f"{unique}:counter") for _ in range(50)))
        async with redis.pipeline(transaction=True) as pipe:
            pipe.get(f"{unique}:counter")
            pipe.delete(f"{unique}:counter")
            counter, deleted = await pipe.execute()
        assert (int(counter), deleted) == (50, 1)

        await asyncio.sleep(0.5)
        assert await redis.get(f"{unique}:value") is None
    finally:
        await redis.aclose()
