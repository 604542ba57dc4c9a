"""People for tests: real rows in the run's database."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Actor, Role
from store import users
from store.models import ExecutorProfile


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    role: Role

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.role)


async def make_person(
    sessions: async_sessionmaker[AsyncSession],
    role: Role,
    *,
    skills: list[str] | None = None,
    verified: bool = True,
    password_hash: str = "not-a-login",
    locale: str = "ru",
    telegram_chat_id: int | None = None,
    channels: list[str] | None = None,
    full_name: str | None = None,
) -> Person:
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    async with sessions.begin() as session:
        user = await users.add(
            session,
            email=email,
            password_hash=password_hash,
            full_name=full_name or f"Test {role}",
            role=role.value,
            locale=locale,
        )
        user.notification_channels = channels
        if role == Role.EXECUTOR:
            await users.add_executor_profile(
                session,
                user,
                skills=skills or ["plumbing"],
                verification_status="verified" if verified else "unverified",
                verified_until=datetime.now(UTC) + timedelta(days=365) if verified else None,
            )
            if telegram_chat_id is not None:
                profile = await session.get(ExecutorProfile, user.id)
                assert profile is not None
                profile.telegram_chat_id = telegram_chat_id
        if role == Role.CUSTOMER:
            await users.add_customer_profile(session, user)
    return Person(str(user.id), email, role)


PersonFactory = Callable[..., Awaitable[Person]]
