import asyncio
import time
import uuid
from itertools import pairwise

from redis.asyncio import Redis

from core.settings import Settings
from notifications.rate_limit import Pacer


def busiest_second(times: list[float]) -> int:
    """The most events inside any window of one second."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_slots_are_spaced_so_no_second_holds_more_than_the_rate(settings: Settings) -> None:
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
    # a burst of 50 at 20/s cannot finish in much less than 2.45 s
    assert max(sent) - min(sent) >= 2.3


async def test_two_pacers_on_one_key_share_the_pace(settings: Settings) -> None:
    """Two worker processes pacing the same bot: the limit holds for both together."""
    first, second = Redis.from_url(settings.redis.url), Redis.from_url(settings.redis.url)
    name = f"test-{uuid.uuid4()}"
    pacers = [Pacer(first, name, 10), Pacer(second, name, 10)]
    waits = [await pacers[i % 2].reserve() for i in range(20)]
    await first.aclose()
    await second.aclose()
    # reservations are handed out 0.1 s apart whichever process asks (the last is 1.9 s
    # out, less the time the 20 round trips took)
    assert waits[-1] >= 1.5
    assert all(b > a for a, b in pairwise(waits))
