"""A local emulator of the Telegram Bot API, used by the tests and the local stack instead of
api.telegram.org. python-telegram-bot works against it unchanged:

    Bot(token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot")

It serves the Bot API methods our bot uses (polling with getUpdates or a webhook), file
downloads, a JSON control API under /__emulator/ to play the users and inspect what the bot
sent, and a page at / where a developer chats with the bot as an executor.

    python -m devstack.emulators.telegram --host 127.0.0.1 --port 58081 --token 123456:abc
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from core.settings import TelegramSettings, get_settings
from devstack.emulators import telegram_botapi, telegram_control_api, telegram_page
from devstack.emulators.serving import serve_app
from devstack.emulators.telegram_control import TelegramEmulatorControl
from devstack.emulators.telegram_state import DEFAULT_BOT_USERNAME, BotApiError, TelegramEmulator

__all__ = [
    "BotApiError",
    "RunningEmulator",
    "TelegramEmulator",
    "create_app",
    "main",
    "serve_emulator",
]


def create_app(emulator: TelegramEmulator) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await emulator.close()

    app = FastAPI(title="Telegram Bot API emulator", lifespan=lifespan)
    app.include_router(telegram_botapi.router(emulator))
    app.include_router(telegram_control_api.router(emulator))
    app.include_router(telegram_page.router(emulator))
    return app


@dataclass(frozen=True)
class RunningEmulator:
    base_url: str  # "http://127.0.0.1:PORT", the root python-telegram-bot's URLs start from
    emulator: TelegramEmulator
    control: TelegramEmulatorControl

    @property
    def bot_api_url(self) -> str:
        """Bot(base_url=...)"""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """Bot(base_file_url=...)"""
        return f"{self.base_url}/file/bot"


@contextlib.asynccontextmanager
async def serve_emulator(
    token: str,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    max_messages_per_s: float | None = None,
    bot_username: str = DEFAULT_BOT_USERNAME,
) -> AsyncIterator[RunningEmulator]:
    """Run an emulator in this event loop (port 0: any free port) until the block ends."""
    emulator = TelegramEmulator(
        token, max_messages_per_s=max_messages_per_s, bot_username=bot_username
    )
    async with serve_app(create_app(emulator), host=host, port=port) as base_url:
        control = TelegramEmulatorControl(base_url)
        try:
            yield RunningEmulator(base_url, emulator, control)
        finally:
            await control.aclose()
            # Before the server stops: it would otherwise wait for long polls to time out.
            await emulator.close()


def main(argv: list[str] | None = None) -> None:
    args = _arguments().parse_args(argv)
    emulator = TelegramEmulator(args.token, max_messages_per_s=args.max_messages_per_s)
    print(f"Telegram emulator on http://{args.host}:{args.port}/ (bot token {args.token})")
    uvicorn.run(
        create_app(emulator),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=2,
    )


def _arguments() -> argparse.ArgumentParser:
    settings = get_settings().telegram
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default=settings.emulator_host)
    parser.add_argument("--port", type=int, default=settings.emulator_port)
    parser.add_argument("--token", default=TelegramSettings.EMULATOR_TOKEN)
    parser.add_argument(
        "--max-messages-per-s",
        type=float,
        default=None,
        help="refuse sendMessage beyond this rate with 429, like Telegram's flood control",
    )
    parser.add_argument("--log-level", default="info")
    return parser


if __name__ == "__main__":
    main()
