import asyncio
from collections.abc import AsyncIterator

import pytest

from bridges.outbox_relay import OutboxRelay
from core.settings import Settings
from tests.helpers.kafka_probe import KafkaProbe


@pytest.fixture
async def relay(settings: Settings) -> AsyncIterator[None]:
    """An outbox relay serving the run's database for the duration of one test."""
    stop = asyncio.Event()
    task = asyncio.create_task(OutboxRelay(settings).run(stop))
    yield
    stop.set()
    await asyncio.wait_for(task, 30)


@pytest.fixture
async def kafka(settings: Settings) -> AsyncIterator[KafkaProbe]:
    async with KafkaProbe(settings.kafka.bootstrap_servers) as probe:
        yield probe
