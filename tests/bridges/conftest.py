from collections.abc import AsyncIterator

import pytest

from core.settings import Settings
from tests.helpers.kafka_probe import KafkaProbe
from tests.helpers.relay import running_relay


@pytest.fixture
async def relay(settings: Settings) -> AsyncIterator[None]:
    """An outbox relay serving the run's database for the duration of one test."""
    async with running_relay(settings):
        yield


@pytest.fixture
async def kafka(settings: Settings) -> AsyncIterator[KafkaProbe]:
    async with KafkaProbe(settings.kafka.bootstrap_servers) as probe:
        yield probe
