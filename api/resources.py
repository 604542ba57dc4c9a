"""Long-lived clients of the API process, opened in the app's lifespan."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.clickhouse import connect_clickhouse
from core.settings import Settings


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    redis: Redis
    _clickhouse: Any = None
    _clickhouse_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        engine = create_async_engine(
            settings.postgres.url(), pool_size=10, max_overflow=20, pool_pre_ping=True
        )
        redis = Redis.from_url(settings.redis.url, socket_connect_timeout=3)
        return cls(settings=settings, engine=engine, redis=redis)

    async def clickhouse(self) -> Any:
        # Opened on first use: a missing or locked analytics store must not stop the
        # API from starting; readiness reports it instead.
        async with self._clickhouse_lock:
            if self._clickhouse is None:
                self._clickhouse = await asyncio.to_thread(connect_clickhouse, self.settings)
        return self._clickhouse

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()
        if self._clickhouse is not None:
            await asyncio.to_thread(self._clickhouse.close)
