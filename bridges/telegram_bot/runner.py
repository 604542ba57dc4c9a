"""Running the bot: polling or webhook, fed through one door that survives bad input.

PTB's own Updater parses a whole getUpdates batch at once, so one malformed update would
fail the batch forever without moving the offset. Here each raw update is parsed alone:
a bad one is logged and skipped, and the offset moves on. Webhook posts go through the
same door. Updates of one chat are handled in order (a photo before the report that
follows it); different chats run concurrently.

    python -m bridges bot      # mode from SRA_TELEGRAM__MODE (polling | webhook)
"""

from __future__ import annotations

import asyncio
import hmac
import warnings
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager, suppress
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI, Request, Response
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from telegram import Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from temporalio.client import Client

from bridges.telegram_bot.dialogs import Dialogs
from bridges.telegram_bot.handlers import ExecutorBot
from core.settings import Settings, TelegramSettings
from services.requests import RequestCommands
from services.telegram_link import TelegramLinks

log = structlog.get_logger("bot")
WEBHOOK_PATH = "/telegram/webhook"
LONG_POLL_S = 20

# We call getUpdates through do_api_request on purpose (raw JSON, parsed one by one).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")


class PerChatOrder(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat.

    PTB's own semaphore is made wide and ours is taken after the chat's lock: a chat
    flooding the bot queues on its own lock instead of holding every slot while the
    other chats wait."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates=1_000_000)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._users: defaultdict[int, int] = defaultdict(int)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        self._users[chat.id] += 1
        try:
            async with self._locks[chat.id], self._slots:
                await coroutine
        finally:
            self._users[chat.id] -= 1
            if self._users[chat.id] == 0:  # idle chats hold no memory
                del self._users[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def build_application(
    settings: Settings, handlers: ExecutorBot
) -> Application[Any, Any, Any, Any, Any, Any]:
    base = settings.telegram.base_url
    app = (
        Application.builder()
        .token(settings.telegram.token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .updater(None)
        .concurrent_updates(PerChatOrder())
        .build()
    )
    app.add_handler(CommandHandler(["start", "link"], handlers.start))
    app.add_handler(CommandHandler("help", handlers.help))
    app.add_handler(CommandHandler("jobs", handlers.jobs))
    app.add_handler(CommandHandler("job", handlers.job))
    app.add_handler(CommandHandler("cancel", handlers.cancel))
    app.add_handler(CommandHandler(["off", "offduty"], handlers.off_duty))
    app.add_handler(CommandHandler(["on", "onduty"], handlers.on_duty))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(MessageHandler(filters.PHOTO, handlers.photo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text))
    app.add_handler(MessageHandler(filters.COMMAND, handlers.help))  # unknown commands
    app.add_error_handler(handlers.error)
    return app


class BotRuntime:
    """The bot with its clients (PostgreSQL, Redis, Temporal), started and stopped as one."""

    def __init__(self, settings: Settings, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.settings = settings
        self.app = app
        self._offset: int | None = None

    async def feed(self, raw: Any) -> bool:
        """Queue one raw update for the handlers; False (logged) when it is unusable."""
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            log.warning("bot.malformed_update", raw=repr(raw)[:300])
            return False
        try:
            update = Update.de_json(raw, self.app.bot)
        except Exception as error:  # any parse failure is the sender's problem, not ours
            log.warning("bot.malformed_update", update_id=raw["update_id"], error=repr(error)[:300])
            return False
        await self.app.update_queue.put(update)
        return True

    async def poll(self, stop: asyncio.Event) -> None:
        await self.app.bot.delete_webhook()
        backoff = 1.0
        while not stop.is_set():
            try:
                batch = await _unless_stopped(
                    stop,
                    self.app.bot.do_api_request(
                        "getUpdates",
                        api_kwargs={"offset": self._offset, "timeout": LONG_POLL_S},
                        read_timeout=LONG_POLL_S + 10,
                    ),
                )
            except TelegramError as error:
                log.warning("bot.poll_failed", error=str(error)[:300], retry_in_s=backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            for raw in batch if isinstance(batch, list) else []:
                if isinstance(raw, dict) and isinstance(raw.get("update_id"), int):
                    self._offset = raw["update_id"] + 1
                await self.feed(raw)

    def webhook_app(self) -> FastAPI:
        secret = self.settings.telegram.webhook_secret.get_secret_value()
        api = FastAPI(title="telegram webhook", docs_url=None, redoc_url=None, openapi_url=None)

        @api.post(WEBHOOK_PATH)
        async def receive(request: Request) -> Response:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return Response(status_code=403)
            try:
                raw = await request.json()
            except ValueError:
                raw = None
            await self.feed(raw)
            # Always 200: Telegram would re-send a refused update forever.
            return Response(status_code=200)

        return api

    def webhook_url(self) -> str:
        t = self.settings.telegram
        return t.webhook_url or f"http://{t.webhook_host}:{t.webhook_port}{WEBHOOK_PATH}"


@asynccontextmanager
async def bot_runtime(settings: Settings) -> AsyncIterator[BotRuntime]:
    engine = create_async_engine(settings.postgres.url(), pool_size=5, pool_pre_ping=True)
    redis = Redis.from_url(settings.redis.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    temporal = await Client.connect(
        settings.temporal.address, namespace=settings.temporal.namespace
    )
    commands = RequestCommands.from_settings(temporal, sessions, settings)
    handlers = ExecutorBot(
        sessions,
        TelegramLinks(sessions, redis, settings.telegram.link_code_ttl_s),
        Dialogs(redis),
        commands,
    )
    app = build_application(settings, handlers)
    try:
        await _initialize(app)
        await app.start()
        yield BotRuntime(settings, app)
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
        await redis.aclose()
        await engine.dispose()


async def _initialize(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """getMe until the Bot API answers: the bot may start before the emulator (or while
    Telegram is unreachable); a wrong token is fatal and says so."""
    delay = 0.5
    while True:
        try:
            await app.initialize()
            return
        except NetworkError as error:
            log.warning("bot.api_unreachable", error=str(error)[:200], retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


def check_webhook_secret(settings: Settings) -> None:
    """A real bot in webhook mode must not use the well-known default secret: anyone
    could post forged updates as any executor."""
    t = settings.telegram
    default = TelegramSettings().webhook_secret.get_secret_value()
    secret = t.webhook_secret.get_secret_value()
    if t.mode == "webhook" and not t.uses_emulator and (not secret or secret == default):
        raise RuntimeError(
            "webhook mode with a real bot token needs its own secret: set "
            "SRA_TELEGRAM__WEBHOOK_SECRET to a long random value"
        )


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    check_webhook_secret(settings)
    async with bot_runtime(settings) as runtime:
        if settings.telegram.mode == "polling":
            log.info("bot.start", mode="polling", api=settings.telegram.base_url)
            await runtime.poll(stop)
            return
        await runtime.app.bot.set_webhook(
            runtime.webhook_url(),
            secret_token=settings.telegram.webhook_secret.get_secret_value(),
        )
        config = uvicorn.Config(
            runtime.webhook_app(),
            host=settings.telegram.webhook_host,
            port=settings.telegram.webhook_port,
            log_level="warning",
        )
        server = uvicorn.Server(config)
        log.info("bot.start", mode="webhook", url=runtime.webhook_url())
        serving = asyncio.create_task(server.serve())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done():  # the server could not start (port taken): fail, do not idle
            stopping.cancel()
            serving.result()
            raise RuntimeError(f"webhook server on port {config.port} stopped by itself")
        server.should_exit = True
        await serving


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _unless_stopped(stop: asyncio.Event, call: Awaitable[Any]) -> Any:
    """The call's result, or None as soon as `stop` is set (a long poll is abandoned)."""
    work = asyncio.ensure_future(call)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not work.done():
        work.cancel()
        with suppress(asyncio.CancelledError):
            await work
        return None
    stopped.cancel()
    return work.result()
