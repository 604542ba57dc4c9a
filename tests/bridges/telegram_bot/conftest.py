import asyncio
from collections.abc import AsyncIterator

import pytest

from bridges.telegram_bot.runner import BotRuntime, bot_runtime
from core.settings import Settings
from devstack.emulators.telegram import RunningEmulator
from tests.api_client import app, client, client_address, signed_in  # noqa: F401


@pytest.fixture
async def bot(
    settings: Settings, worker: None, telegram_api: RunningEmulator
) -> AsyncIterator[BotRuntime]:
    """The executor bot polling the emulator, as `python -m bridges bot` runs it."""
    stop = asyncio.Event()
    async with bot_runtime(settings) as runtime:
        polling = asyncio.create_task(runtime.poll(stop))
        try:
            yield runtime
        finally:
            stop.set()
            await polling
