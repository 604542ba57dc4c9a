import asyncio
import time
import uuid

from redis.asyncio import Redis

from core.settings import Settings
from notifications.rate_limit import Pacer
from tests.helpers.notifications import busiest_second


async def test_no_second_holds_more_sends_than_the_rate(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis.url)
    pacer = Pacer(redis, f"test-{uuid.uuid4()}", per_second=20)
    sent: list[float] = []

    async def send() -> None:
        await pacer.wait_turn()
        sent.append(time.monotonic())

    try:
        await asyncio.gather(*(send() for _ in range(50)))
    finally:
        await redis.aclose()
    assert len(sent) == 50
    assert busiest_second(sent) <= 21  # 20 per second, +1 for timer jitter at the edge
    # a burst of 50 at 20/s: 20 now, 20 a second later, the last 10 a second after that
    assert max(sent) - min(sent) >= 1.9


async def test_two_pacers_on_one_key_share_the_limit(settings: Settings) -> None:
    """Two worker processes pacing the same bot: the limit holds for both together."""
    first, second = Redis.from_url(settings.redis.url), Redis.from_url(settings.redis.url)
    name = f"test-{uuid.uuid4()}"
    pacers = [Pacer(first, name, 10), Pacer(second, name, 10)]
    try:
        waits = [await pacers[i % 2].try_turn() for i in range(15)]
    finally:
        await first.aclose()
        await second.aclose()
    assert waits[:10] == [0.0] * 10  # ten turns in the second, whichever process asks
    assert all(0 < w <= 1.05 for w in waits[10:])  # the rest must wait for the window


async def test_a_fractional_rate_spreads_over_a_longer_window(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis.url)
    pacer = Pacer(redis, f"test-{uuid.uuid4()}", per_second=0.5)
    try:
        assert await pacer.try_turn() == 0.0
        assert 1.5 < await pacer.try_turn() <= 2.1  # one send per two seconds (and a margin)
    finally:
        await redis.aclose()
