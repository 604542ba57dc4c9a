"""Messages the platform delivered during a run, and any delivered twice.

E-mail: the local mailbox (devstack/mailbox.py, GET /api/messages). Each notification's
Message-ID is `<notification id>@<sender domain>` (notifications/email.py), and the
notification id is derived from (trigger event, kind, recipient, channel)
(domain.notifications.notification_id): the same Message-ID twice is the same
notification sent twice. The same recipient getting the same subject twice for one of
the run's requests (subjects name the request, "№<first 8 of its id>") is counted too:
that would be one step notified under two ids.

Telegram: the emulator's record of every message the bot sent (GET /__emulator/sent).
Telegram has no message key of ours, so a duplicate is the same text sent to the same
chat twice, among texts that name one of the run's requests (each kind of notice has
its own wording, so one request's notices differ from each other).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx

from core.settings import Settings

SHORT_ID = re.compile(r"№\s*([0-9a-f]{8})")
PAGE = 500


def short_ids(request_ids: Iterable[str]) -> set[str]:
    return {r[:8] for r in request_ids}


def _when(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def _names_run_request(text: str, shorts: set[str]) -> str | None:
    for found in SHORT_ID.findall(text or ""):
        if found in shorts:
            return str(found)
    return None


def _second(times: list[float]) -> float:
    return sorted(times)[1]


def mail_duplicates(
    messages: Iterable[dict[str, Any]], since: float, shorts: set[str]
) -> dict[str, Any]:
    by_id: dict[str, list[dict[str, Any]]] = {}
    by_subject: dict[tuple[str, str], list[dict[str, Any]]] = {}
    counted = 0
    for m in messages:
        if _when(m["date"]) < since:
            continue
        if _names_run_request(m.get("subject") or "", shorts) is None:
            continue
        counted += 1
        message_id = (m.get("message_id") or "").strip("<>")
        if message_id:
            by_id.setdefault(message_id, []).append(m)
        by_subject.setdefault((m.get("to") or "", m.get("subject") or ""), []).append(m)
    return {
        "emails": counted,
        "same_message_id": [
            {
                "message_id": k,
                "keys": [m["key"] for m in v],
                "at": _second([_when(m["date"]) for m in v]),
            }
            for k, v in by_id.items()
            if len(v) > 1
        ],
        "same_recipient_and_subject": [
            {
                "to": to,
                "subject": subject,
                "keys": [m["key"] for m in v],
                "at": _second([_when(m["date"]) for m in v]),
            }
            for (to, subject), v in by_subject.items()
            if len(v) > 1
        ],
    }


def telegram_duplicates(
    sent: Iterable[dict[str, Any]], since: float, shorts: set[str]
) -> dict[str, Any]:
    by_text: dict[tuple[int, str], list[dict[str, Any]]] = {}
    counted = 0
    for m in sent:
        if _when(m["sent_at"]) < since or _names_run_request(m["text"], shorts) is None:
            continue
        counted += 1
        by_text.setdefault((int(m["chat_id"]), m["text"]), []).append(m)
    return {
        "messages": counted,
        "same_chat_and_text": [
            {
                "chat_id": chat,
                "text": text[:200],
                "message_ids": [int(m["message_id"]) for m in v],
                "at": _second([_when(m["sent_at"]) for m in v]),
            }
            for (chat, text), v in by_text.items()
            if len(v) > 1
        ],
    }


def duplicate_times(audit: dict[str, Any]) -> dict[str, list[float]]:
    """When each duplicate (its second copy) was delivered, per channel. An e-mail sent
    twice under one Message-ID is also a same-subject pair: it is counted once."""
    email = audit["email"]
    by_id = {tuple(d["keys"]) for d in email["same_message_id"]}
    mails = [d["at"] for d in email["same_message_id"]] + [
        d["at"] for d in email["same_recipient_and_subject"] if tuple(d["keys"]) not in by_id
    ]
    return {"email": mails, "telegram": [d["at"] for d in audit["telegram"]["same_chat_and_text"]]}


class Deliveries:
    """Reads the mailbox and the Telegram emulator; can watch their counts grow."""

    def __init__(self, settings: Settings) -> None:
        smtp = settings.smtp
        self.mailbox = f"http://{smtp.host}:{smtp.mailbox_web_port}"
        self.telegram = settings.telegram.base_url if settings.telegram.uses_emulator else None
        self.http = httpx.AsyncClient(timeout=30)
        self.grew: list[float] = []  # wall clock of each poll that saw a new delivery
        self._task: asyncio.Task[None] | None = None

    async def mails_since(self, since: float) -> list[dict[str, Any]]:
        """Newest first, paged until older than `since`."""
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await self.http.get(
                f"{self.mailbox}/api/messages", params={"offset": offset, "limit": PAGE}
            )
            page.raise_for_status()
            items = page.json()
            found.extend(items)
            if len(items) < PAGE or _when(items[-1]["date"]) < since:
                return found
            offset += PAGE

    async def telegram_sent(self) -> list[dict[str, Any]]:
        if self.telegram is None:
            return []
        response = await self.http.get(f"{self.telegram}/__emulator/sent")
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    async def marks(self) -> tuple[str, int]:
        """The newest e-mail's key (the mailbox's count stops at its retention cap) and
        how many Telegram messages the bot has sent."""
        newest = await self.http.get(f"{self.mailbox}/api/messages", params={"limit": 1})
        newest.raise_for_status()
        items = newest.json()
        return (items[0]["key"] if items else ""), len(await self.telegram_sent())

    async def audit(self, since: float, request_ids: set[str]) -> dict[str, Any]:
        shorts = short_ids(request_ids)
        return {
            "email": mail_duplicates(await self.mails_since(since), since, shorts),
            "telegram": telegram_duplicates(await self.telegram_sent(), since, shorts),
        }

    async def watch(self, every_s: float = 1.0) -> None:
        self._task = asyncio.create_task(self._watch(every_s))

    async def _watch(self, every_s: float) -> None:
        last: tuple[str, int] | None = None
        while True:
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                now = await self.marks()
                if last is not None and (now[0] != last[0] or now[1] > last[1]):
                    self.grew.append(time.time())
                last = now
            await asyncio.sleep(every_s)

    def first_after(self, since: float) -> float | None:
        return next((t for t in self.grew if t >= since), None)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.http.aclose()
