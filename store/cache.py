"""Redis cache of request views. Writers put the committed view (write-through), which
replaces whatever was cached; readers fill on a miss only if nothing is there."""

from __future__ import annotations

from pydantic import TypeAdapter
from redis.asyncio import Redis

from domain.requests import RequestView

TTL_S = 300
_views = TypeAdapter(RequestView)


def request_key(request_id: str) -> str:
    return f"sra:request:{request_id}"


async def get_request(redis: Redis, request_id: str) -> RequestView | None:
    raw = await redis.get(request_key(request_id))
    return _views.validate_json(raw) if raw else None


async def put_request(redis: Redis, view: RequestView) -> None:
    """Write-through after a committed change: replaces whatever was cached."""
    await redis.set(request_key(view.id), _views.dump_json(view), ex=TTL_S)


async def fill_request(redis: Redis, view: RequestView) -> None:
    """Fill on a read miss, only if absent: a read that raced a write never overwrites
    the writer's newer view with its older one."""
    await redis.set(request_key(view.id), _views.dump_json(view), ex=TTL_S, nx=True)
