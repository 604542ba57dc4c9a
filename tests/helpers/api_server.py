"""The API on a real port (uvicorn in the test loop), for what an in-process transport
cannot show: streamed answers, and browsers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from tests.helpers.processes import free_port


@asynccontextmanager
async def serving(app: FastAPI, **options: Any) -> AsyncIterator[str]:
    """Serve an app whose lifespan already runs; yields its base URL. `options` go to
    uvicorn.Config (e.g. proxy headers)."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        # Open event streams never end by themselves: stopping must not wait for them.
        timeout_graceful_shutdown=1,
        **options,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
