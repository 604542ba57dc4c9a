"""Binding an executor's Telegram chat to their account with a one-time code.

The executor asks the API for a code (signed in, so we know who they are) and sends it
to the bot; the bot redeems it with the chat id it came from. A code works once, for a
few minutes, and a new code replaces the previous one.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.errors import NotFound
from store import users
from store.models import User

# No 0/O or 1/I: codes are typed by hand on a phone.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class LinkCode:
    code: str
    expires_in_s: int


def _code_key(code: str) -> str:
    return f"tg-link:code:{code}"


def _owner_key(executor_id: str) -> str:
    return f"tg-link:executor:{executor_id}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def normalize(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


class TelegramLinks:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], redis: Redis, ttl_s: int
    ) -> None:
        self.sessions = sessions
        self.redis = redis
        self.ttl_s = ttl_s

    async def issue_code(self, executor_id: str) -> LinkCode:
        async with self.sessions() as session:
            if await users.executor_profile(session, uuid.UUID(executor_id)) is None:
                raise NotFound(f"{executor_id} has no executor profile")
        code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
        previous = await self.redis.getdel(_owner_key(executor_id))
        async with self.redis.pipeline(transaction=True) as pipe:
            if previous:
                pipe.delete(_code_key(_text(previous)))
            pipe.set(_code_key(code), executor_id, ex=self.ttl_s)
            pipe.set(_owner_key(executor_id), code, ex=self.ttl_s)
            await pipe.execute()
        return LinkCode(code, self.ttl_s)

    async def redeem(self, text: str, chat_id: int) -> User | None:
        """The executor now bound to `chat_id`, or None for an unknown/used code.
        The bot calls it for private chats only (a group would let every member act)."""
        code = normalize(text)
        if len(code) != CODE_LENGTH:
            return None
        owner = await self.redis.getdel(_code_key(code))
        if owner is None:
            return None
        executor_id = uuid.UUID(_text(owner))
        await self.redis.delete(_owner_key(str(executor_id)))
        async with self.sessions.begin() as session:
            await users.link_chat(session, executor_id, chat_id)
            return await users.get(session, executor_id)

    async def executor_of_chat(self, chat_id: int) -> User | None:
        async with self.sessions() as session:
            return await users.active_executor_of_chat(session, chat_id)

    async def unlink(self, executor_id: str) -> None:
        async with self.sessions.begin() as session:
            await users.unlink_chat(session, uuid.UUID(executor_id))
