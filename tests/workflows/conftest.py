from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

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
from workflows.service_request import workflow_id


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


HISTORIES = Path(__file__).parent / "histories"


@pytest.fixture
def record_history(
    request: pytest.FixtureRequest, temporal: Client
) -> Callable[[str, str], Awaitable[None]]:
    """Save a finished workflow's history for the replay test (with --record-histories)."""

    async def save(request_id: str, name: str) -> None:
        if not request.config.getoption("--record-histories"):
            return
        history = await temporal.get_workflow_handle(workflow_id(request_id)).fetch_history()
        HISTORIES.mkdir(exist_ok=True)
        (HISTORIES / f"{name}.json").write_text(history.to_json())

    return save


PersonFactory = Callable[..., Awaitable[Person]]


@pytest.fixture
def person(sessions: async_sessionmaker[AsyncSession]) -> PersonFactory:
    async def make(role: Role, **kwargs: object) -> Person:
        return await make_person(sessions, role, **kwargs)  # type: ignore[arg-type]

    return make
