"""Ending the open event streams when the server is told to stop.

uvicorn, on SIGTERM or SIGINT, waits for every open answer to end before it runs the
app's lifespan shutdown, and an event stream never ends by itself: shutting the hub
there would come too late. So while the app runs, the first such signal also shuts the
hub, then goes on to the server's own handler; the streams end, their clients reconnect
(to another process, or to this one once restarted) and the server stops.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

from fastapi import FastAPI

from api.live.hub import LiveHub

SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], Any]


@asynccontextmanager
async def streams_end_on_shutdown(app: FastAPI) -> AsyncIterator[None]:
    hub: LiveHub = app.state.live_hub
    installed = _chain_signals(hub, asyncio.get_running_loop())
    try:
        yield
    finally:
        hub.shut()  # servers that send the lifespan shutdown first, and in-process runs
        for sig, (ours, theirs) in installed.items():
            if signal.getsignal(sig) is ours:
                signal.signal(sig, theirs)


def _chain_signals(
    hub: LiveHub, loop: asyncio.AbstractEventLoop
) -> dict[int, tuple[Handler, Handler]]:
    # Only the main thread may set handlers; only a handler a server set (a callable,
    # not the default) is chained, so a process without one keeps its default action.
    if threading.current_thread() is not threading.main_thread():
        return {}
    installed: dict[int, tuple[Handler, Handler]] = {}
    for sig in SIGNALS:
        theirs = signal.getsignal(sig)
        if not callable(theirs):
            continue

        def ours(number: int, frame: FrameType | None, theirs: Handler = theirs) -> None:
            loop.call_soon_threadsafe(hub.shut)
            theirs(number, frame)

        signal.signal(sig, ours)
        installed[sig] = (ours, theirs)
    return installed
