"""users.updated_at follows every change of a person: their own row, their profiles,
through the unit of work or an update() statement, whoever writes it."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from domain.lifecycle import Role
from services.telegram_link import TelegramLinks
from services.users import update_preferences
from store.models import ExecutorProfile, User
from tests.helpers.people import Person, PersonFactory

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis.url)
    yield client
    await client.aclose()


async def _aged(sessions: Sessions, person: Person) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(User).where(User.id == uuid.UUID(person.id)).values(updated_at=LONG_AGO)
        )


async def _updated_at(sessions: Sessions, person: Person) -> datetime:
    async with sessions() as session:
        user = await session.get(User, uuid.UUID(person.id))
        assert user is not None
        return user.updated_at


async def _set_verification_status(sessions: Sessions, person: Person) -> None:
    async with sessions.begin() as session:
        profile = await session.get(ExecutorProfile, uuid.UUID(person.id))
        assert profile is not None
        profile.verification_status = "expired"


async def _set_name(sessions: Sessions, person: Person) -> None:
    async with sessions.begin() as session:
        user = await session.get(User, uuid.UUID(person.id))
        assert user is not None
        user.full_name = "Новое имя"


async def _bulk_profile_update(sessions: Sessions, person: Person) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(ExecutorProfile)
            .where(ExecutorProfile.user_id == uuid.UUID(person.id))
            .values(available=False)
        )


async def _preferences(sessions: Sessions, person: Person) -> None:
    await update_preferences(sessions, person.id, locale="en", channels=None)


@pytest.mark.parametrize(
    "change",
    [_set_name, _set_verification_status, _bulk_profile_update, _preferences],
    ids=["own-row", "profile-attribute", "profile-update-statement", "preferences"],
)
async def test_a_change_moves_updated_at(
    sessions: Sessions,
    person: PersonFactory,
    change: Callable[[Sessions, Person], Awaitable[None]],
) -> None:
    executor = await person(Role.EXECUTOR)
    await _aged(sessions, executor)
    await change(sessions, executor)
    assert await _updated_at(sessions, executor) > LONG_AGO


async def test_linking_a_telegram_chat_moves_updated_at(
    sessions: Sessions, person: PersonFactory, redis: Redis
) -> None:
    executor = await person(Role.EXECUTOR)
    links = TelegramLinks(sessions, redis, 600)
    code = await links.issue_code(executor.id)
    await _aged(sessions, executor)
    linked = await links.redeem(code.code, random.randrange(10**9, 10**10))
    assert linked is not None
    assert str(linked.id) == executor.id
    assert await _updated_at(sessions, executor) > LONG_AGO


async def test_setting_a_profile_to_what_it_was_changes_nothing(
    sessions: Sessions, person: PersonFactory
) -> None:
    executor = await person(Role.EXECUTOR)
    await _aged(sessions, executor)
    async with sessions.begin() as session:
        profile = await session.get(ExecutorProfile, uuid.UUID(executor.id))
        assert profile is not None
        profile.available = profile.available
    assert await _updated_at(sessions, executor) == LONG_AGO


async def test_the_new_value_is_readable_after_the_session_closed(
    sessions: Sessions, person: PersonFactory
) -> None:
    executor = await person(Role.EXECUTOR)
    await _aged(sessions, executor)
    async with sessions.begin() as session:
        user = await session.get(User, uuid.UUID(executor.id))
        assert user is not None
        user.locale = "en"
    assert user.updated_at > LONG_AGO  # fetched with the UPDATE, no lazy load needed
