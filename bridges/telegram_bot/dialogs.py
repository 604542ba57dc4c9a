"""What the bot is waiting for from a chat (a decline reason, a completion report),
kept in Redis so a restarted bot, or another bot replica, continues the conversation."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from redis.asyncio import Redis

DIALOG_TTL_S = 30 * 60


@dataclass
class Dialog:
    action: str  # decline | complete
    request_id: str
    photos: list[str] = field(default_factory=list)  # attachment ids


class Dialogs:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @staticmethod
    def _key(chat_id: int) -> str:
        return f"tg-dialog:{chat_id}"

    async def open(self, chat_id: int, dialog: Dialog) -> None:
        await self.redis.set(self._key(chat_id), json.dumps(asdict(dialog)), ex=DIALOG_TTL_S)

    async def current(self, chat_id: int) -> Dialog | None:
        raw = await self.redis.get(self._key(chat_id))
        if raw is None:
            return None
        try:
            return Dialog(**json.loads(raw))
        except (ValueError, TypeError):
            return None  # written by another version: forget it

    async def close(self, chat_id: int) -> bool:
        return bool(await self.redis.delete(self._key(chat_id)))
