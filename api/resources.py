"""Long-lived clients and services of the API process, opened in the app's lifespan."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from temporalio.client import Client

from analytics.store import AnalyticsStore
from core.clickhouse import connect_clickhouse
from core.settings import Settings
from services.auth import AuthService
from services.queries import ExecutorQueries, RequestQueries
from services.request_starts import finish_background_starts
from services.requests import RequestCommands
from services.telegram_link import TelegramLinks
from services.users import UserAdmin
from services.verification import Verifications

BACKGROUND_STARTS_GRACE = timedelta(seconds=3)


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    auth: AuthService
    requests: RequestQueries
    executors: ExecutorQueries
    users: UserAdmin
    telegram_links: TelegramLinks
    _temporal: Client | None = None
    _clickhouse: Any = None
    _analytics: AnalyticsStore | None = None
    _temporal_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _clickhouse_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        engine = create_async_engine(
            settings.postgres.url(), pool_size=20, max_overflow=20, pool_pre_ping=True
        )
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        redis = Redis.from_url(settings.redis.url, socket_connect_timeout=3)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            redis=redis,
            auth=AuthService(sessions, redis, settings.auth),
            requests=RequestQueries(sessions, redis),
            executors=ExecutorQueries(sessions),
            users=UserAdmin(sessions),
            telegram_links=TelegramLinks(sessions, redis, settings.telegram.link_code_ttl_s),
        )

    async def temporal(self) -> Client:
        # Connected on first use: the API starts (and reports readiness) without Temporal.
        async with self._temporal_lock:
            if self._temporal is None:
                t = self.settings.temporal
                self._temporal = await Client.connect(t.address, namespace=t.namespace)
        return self._temporal

    async def commands(self) -> RequestCommands:
        return RequestCommands.from_settings(await self.temporal(), self.sessions, self.settings)

    async def verifications(self) -> Verifications:
        return Verifications.from_settings(await self.temporal(), self.sessions, self.settings)

    async def clickhouse(self) -> Any:
        # Opened on first use: a missing or locked analytics store must not stop the
        # API from starting; readiness reports it instead.
        async with self._clickhouse_lock:
            if self._clickhouse is None:
                self._clickhouse = await asyncio.to_thread(connect_clickhouse, self.settings)
        return self._clickhouse

    async def analytics(self) -> AnalyticsStore:
        """The analytics store with its schema applied (on first use, like the client)."""
        client = await self.clickhouse()
        async with self._clickhouse_lock:
            if self._analytics is None:
                self._analytics = await asyncio.to_thread(
                    AnalyticsStore.open, self.settings, client
                )
        return self._analytics

    async def close(self) -> None:
        # Creates answered just now may still be starting their workflows: let them
        # (the sweeper would, a moment later) before the connections go.
        await finish_background_starts(BACKGROUND_STARTS_GRACE)
        await self.redis.aclose()
        await self.engine.dispose()
        if self._clickhouse is not None:
            await asyncio.to_thread(self._clickhouse.close)
