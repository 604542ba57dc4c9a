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


# Replace the cached view only with a newer version: a slow or retried writer must not
# put back an older view over a newer one.
_PUT_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current then
  local version = cjson.decode(current)['version']
  if version and tonumber(version) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""


async def put_request(redis: Redis, view: RequestView) -> None:
    """Write-through after a committed change (or a retry that found it committed)."""
    await redis.eval(
        _PUT_IF_NEWER, 1, request_key(view.id), _views.dump_json(view), view.version, TTL_S
    )


async def fill_request(redis: Redis, view: RequestView) -> None:
    """Fill on a read miss, only if absent: a read that raced a write never overwrites
    the writer's newer view with its older one."""
    await redis.set(request_key(view.id), _views.dump_json(view), ex=TTL_S, nx=True)
