"""The web tests' stack: the API serving the built app on a real port, the outbox relay
(live updates come through Kafka), the workers, and one Chromium."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser

from api.web_app import dist_of
from core.settings import Settings
from tests.helpers.api_client import (  # noqa: F401 - fixtures the web tests share
    app,
    client,
    client_address,
    signed_in,
)
from tests.helpers.api_server import serving
from tests.helpers.relay import running_relay
from tests.helpers.browser import chromium


@pytest.fixture(scope="session")
async def web_url(app: FastAPI, settings: Settings) -> AsyncIterator[str]:  # noqa: F811
    if not (dist_of(settings) / "index.html").is_file():
        pytest.fail(
            "the web app is not built: `make test` builds it (python -m devstack.web_build)"
        )
    await asyncio.wait_for(app.state.live_feed.ready.wait(), 30)
    async with running_relay(settings), serving(app) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running
