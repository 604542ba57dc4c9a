"""The request cache never goes back to an older version."""

from dataclasses import replace

from redis.asyncio import Redis

from core.settings import Settings
from domain.lifecycle import State
from domain.requests import RequestView
from store import cache
from tests.helpers.request_views import request_view


def _view(version: int, state: State) -> RequestView:
    return request_view(version=version, state=state)


async def test_an_older_view_never_replaces_a_newer_one(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis.url)
    try:
        newer = _view(3, State.ACCEPTED)
        older = replace(newer, version=2, state=State.ASSIGNED)
        await cache.put_request(redis, newer)
        await cache.put_request(redis, older)  # a slow or retried writer
        assert await cache.get_request(redis, newer.id) == newer
        await cache.fill_request(redis, older)  # a reader that raced the writer
        assert await cache.get_request(redis, newer.id) == newer
        newest = replace(newer, version=4, state=State.IN_PROGRESS)
        await cache.put_request(redis, newest)
        assert await cache.get_request(redis, newer.id) == newest
    finally:
        await redis.aclose()
