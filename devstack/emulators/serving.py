"""Serve an ASGI app with uvicorn inside the current event loop, for tests and tools that
need a real HTTP server next to them (the Telegram emulator, a webhook receiver)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT_S = 10.0


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # The host process (pytest, a tool) owns SIGINT/SIGTERM, not this server.
        yield


@contextlib.asynccontextmanager
async def serve_app(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve until the block ends; yields the base URL ("http://127.0.0.1:PORT").

    The socket is bound here, before uvicorn starts, so port 0 gets a free port we can name.
    """
    sock = _bound_socket(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2
    )
    server = _EmbeddedServer(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn:{bound_port}")
    try:
        await _started(server, serving)
        yield f"http://{f'[{host}]' if ':' in host else host}:{bound_port}"
    finally:
        server.should_exit = True
        await serving
        sock.close()


def _bound_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    # Naming the protocol matters: asyncio sets TCP_NODELAY only on connections accepted from
    # an IPPROTO_TCP socket; without it every keep-alive request waits ~40 ms for an ACK.
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


async def _started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    async with asyncio.timeout(STARTUP_TIMEOUT_S):
        while not server.started:
            if serving.done():  # failed to start: surface uvicorn's error
                serving.result()
                raise RuntimeError("uvicorn stopped before it started serving")
            await asyncio.sleep(0.01)
