from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from temporalio.client import Client

from core.settings import Settings
from domain.lifecycle import Role
from domain.sla import SlaPolicy
from services.requests import RequestCommands
from tests.people import Person, make_person
from worker import running_worker


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.postgres.url())
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture(scope="session")
async def worker(temporal: Client, settings: Settings) -> AsyncIterator[None]:
    async with running_worker(temporal, settings):
        yield


@pytest.fixture(scope="session")
def commands(
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    worker: None,
) -> Callable[[SlaPolicy], RequestCommands]:
    def build(sla: SlaPolicy | None = None) -> RequestCommands:
        return RequestCommands(temporal, sessions, settings.temporal.task_queue, sla or SlaPolicy())

    return build


PersonFactory = Callable[..., Awaitable[Person]]


@pytest.fixture
def person(sessions: async_sessionmaker[AsyncSession]) -> PersonFactory:
    async def make(role: Role, **kwargs: object) -> Person:
        return await make_person(sessions, role, **kwargs)  # type: ignore[arg-type]

    return make
