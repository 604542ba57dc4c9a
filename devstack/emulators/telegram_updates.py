"""Pending updates and their two ways out, like Telegram: the bot pulls them (getUpdates,
confirming by offset) or Telegram pushes them to the bot's webhook, one at a time, in order,
until the receiver answers 2xx. Nothing is lost while the bot or its receiver is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx

JSONDict = dict[str, Any]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram backs off for minutes; locally a receiver that is back should get its updates fast.
RETRY_FIRST_S = 0.05
RETRY_MAX_S = 1.0
DELIVERY_TIMEOUT_S = 10.0


class Pulse:
    """Wakes everyone waiting for "something changed". Fired from plain (non-async) code,
    which an asyncio.Condition cannot do without its lock."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout_s: float) -> None:
        event = self._event  # taken before any await, so a fire() in between is not missed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout_s)


class UpdateQueue:
    def __init__(self) -> None:
        self._pending: list[JSONDict] = []
        # Never reset: a bot polling with offset N would silently skip reused lower ids.
        self._last_id = 0
        self.changed = Pulse()

    def __len__(self) -> int:
        return len(self._pending)

    def push(self, update: JSONDict) -> int:
        """Queue an update; one without an update_id gets the next one."""
        if "update_id" not in update:
            update["update_id"] = self._last_id + 1
        update_id = update["update_id"]
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise ValueError("update_id must be an integer, or absent")
        self._last_id = max(self._last_id, update_id)
        self._pending.append(update)
        self.changed.fire()
        return update_id

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: older updates are confirmed and forgotten; a negative offset
        keeps only that many of the newest."""
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def peek(self, limit: int) -> list[JSONDict]:
        return self._pending[:limit]

    def first(self) -> JSONDict | None:
        return self._pending[0] if self._pending else None

    def discard(self, update: JSONDict) -> None:
        # By identity: the queue may have been dropped while the update was in flight.
        self._pending = [u for u in self._pending if u is not update]

    def drop_all(self) -> None:
        self._pending = []


class WebhookDelivery:
    """Pushes the queue to the webhook while one is set, from a single task so the order holds."""

    def __init__(self, queue: UpdateQueue) -> None:
        self._queue = queue
        self.url = ""
        self.secret: str | None = None
        self.max_connections = 40
        self.allowed_updates: list[str] | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._task: asyncio.Task[None] | None = None

    def set(
        self,
        url: str,
        *,
        secret: str | None,
        max_connections: int | None,
        allowed_updates: list[str] | None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.max_connections = max_connections or 40
        self.allowed_updates = allowed_updates
        self.last_error_date = self.last_error_message = None
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook")
        self._queue.changed.fire()  # long polls must now answer 409

    def delete(self) -> None:
        self.url = ""
        self.secret = None
        self.allowed_updates = None
        if self._task is not None:
            self._task.cancel()  # an update in flight stays queued: at least once, as Telegram
            self._task = None

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def info(self) -> JSONDict:
        info: JSONDict = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.url:
            info["max_connections"] = self.max_connections
            if self.allowed_updates is not None:
                info["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def _run(self) -> None:
        failures = 0
        async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_S) as client:
            while self.url:
                update = self._queue.first()
                if update is None:
                    await self._queue.changed.wait(timeout_s=1.0)
                elif await self._deliver(client, update):
                    self._queue.discard(update)
                    failures = 0
                else:
                    await asyncio.sleep(min(RETRY_FIRST_S * 2**failures, RETRY_MAX_S))
                    failures += 1

    async def _deliver(self, client: httpx.AsyncClient, update: JSONDict) -> bool:
        headers = {SECRET_HEADER: self.secret} if self.secret else {}
        try:
            response = await client.post(self.url, json=update, headers=headers)
        except httpx.HTTPError as error:
            self._failed(f"Connection failed: {error!r}")
            return False
        if response.is_success:
            return True
        self._failed(
            f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
        )
        return False

    def _failed(self, message: str) -> None:
        self.last_error_date = int(time.time())
        self.last_error_message = message
