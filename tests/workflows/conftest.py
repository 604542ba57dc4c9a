from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis
from temporalio.client import Client

from core.settings import Settings
from domain.workflow_ids import request_workflow_id

HISTORIES = Path(__file__).parent / "histories"


@pytest.fixture
def record_history(
    request: pytest.FixtureRequest, temporal: Client
) -> Callable[..., Awaitable[None]]:
    """Save a finished workflow's history for the replay test (with --record-histories)."""

    async def save(request_id: str, name: str, of_workflow: str | None = None) -> None:
        if not request.config.getoption("--record-histories"):
            return
        handle = temporal.get_workflow_handle(of_workflow or request_workflow_id(request_id))
        history = await handle.fetch_history()
        HISTORIES.mkdir(exist_ok=True)
        (HISTORIES / f"{name}.json").write_text(history.to_json())

    return save


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis.url)
    yield client
    await client.aclose()
