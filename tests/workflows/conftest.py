from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_sessionmaker,
)
from temporalio.client import Client

from core.settings import Settings
from domain.sla import SlaPolicy
from services.requests import RequestCommands
from workflows.service_request import workflow_id


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
