"""Repository of users and their profiles. Functions only flush."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from domain.lifecycle import Role
from domain.ratings import RaterRole
from store import ratings
from store.models import CustomerProfile, ExecutorProfile, ServiceRequest, User

# A person with the Telegram chat their executor profile has linked, if any.
Recipient = tuple[User, int | None]
# An executor with their profile and the number of jobs they hold now.
# An executor, their profile, the jobs they hold, their customers' mean rating and count.
ExecutorLoad = tuple[User, ExecutorProfile, int, float | None, int]
# Where a list by name resumes: the (full name, id) of the last row seen.
NameKey = tuple[str, uuid.UUID]
JOB_HOLDING_STATES = ("assigned", "accepted", "in_progress")


async def by_email(session: AsyncSession, email: str) -> User | None:
    found = await session.execute(select(User).where(func.lower(User.email) == email.lower()))
    return found.scalar_one_or_none()


async def by_id(session: AsyncSession, user_id: str) -> User | None:
    """The user of an id as text; None for a malformed one, as for an unknown one."""
    try:
        key = uuid.UUID(user_id)
    except ValueError:
        return None
    return await get(session, key)


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def full_names(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows.all()}


async def page(session: AsyncSession, role: Role | None, limit: int, offset: int) -> list[User]:
    """Users oldest first (then by id), of one role or all."""
    statement = select(User).order_by(User.created_at, User.id).limit(limit).offset(offset)
    if role is not None:
        statement = statement.where(User.role == role.value)
    return list((await session.execute(statement)).scalars())


def _with_chat() -> Select[User, int | None]:
    return select(User, ExecutorProfile.telegram_chat_id).outerjoin(
        ExecutorProfile, ExecutorProfile.user_id == User.id
    )


async def _recipients(
    session: AsyncSession, statement: Select[User, int | None]
) -> list[Recipient]:
    rows = await session.execute(statement.order_by(User.id))
    return [(user, chat_id) for user, chat_id in rows.all()]


async def recipient(session: AsyncSession, user_id: uuid.UUID) -> list[Recipient]:
    """The user with their chat: one entry, or none for an unknown id."""
    return await _recipients(session, _with_chat().where(User.id == user_id))


async def active_with_role(session: AsyncSession, role: Role) -> list[Recipient]:
    """Every active holder of `role` with their chat, by id."""
    return await _recipients(
        session, _with_chat().where(User.role == role.value, User.is_active.is_(True))
    )


async def add(
    session: AsyncSession,
    *,
    email: str,
    password_hash: str,
    full_name: str,
    role: str,
    locale: str = "ru",
    user_id: uuid.UUID | None = None,
) -> User:
    user = User(
        id=user_id or uuid.uuid4(),
        email=email.lower(),
        password_hash=password_hash,
        full_name=full_name,
        role=role,
        locale=locale,
        is_active=True,
    )
    session.add(user)
    await session.flush()
    await session.refresh(user)  # load server defaults (created_at) while in the session
    return user


async def add_executor_profile(
    session: AsyncSession,
    user: User,
    *,
    skills: list[str],
    service_area: str = "",
    verification_status: str = "unverified",
    verified_until: datetime | None = None,
) -> ExecutorProfile:
    profile = ExecutorProfile(
        user_id=user.id,
        skills=skills,
        service_area=service_area,
        verification_status=verification_status,
        verified_until=verified_until,
        available=True,
    )
    session.add(profile)
    await session.flush()
    return profile


async def add_customer_profile(session: AsyncSession, user: User, *, phone: str = "") -> None:
    session.add(CustomerProfile(user_id=user.id, phone=phone))
    await session.flush()


async def executor_profile(
    session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False
) -> ExecutorProfile | None:
    return await session.get(ExecutorProfile, user_id, with_for_update=lock)


async def executor_with_profile(
    session: AsyncSession, executor_id: uuid.UUID
) -> tuple[User, ExecutorProfile] | None:
    found = (
        await session.execute(
            select(User, ExecutorProfile)
            .join(ExecutorProfile, ExecutorProfile.user_id == User.id)
            .where(User.id == executor_id)
        )
    ).first()
    if found is None:
        return None
    user, profile = found
    return user, profile


async def owner_of_chat(session: AsyncSession, chat_id: int) -> uuid.UUID | None:
    """The executor whose profile has this Telegram chat linked, active or not."""
    found = await session.execute(
        select(ExecutorProfile.user_id).where(ExecutorProfile.telegram_chat_id == chat_id)
    )
    return found.scalar_one_or_none()


async def active_executor_of_chat(session: AsyncSession, chat_id: int) -> User | None:
    found = await session.execute(
        select(User)
        .join(ExecutorProfile, ExecutorProfile.user_id == User.id)
        .where(ExecutorProfile.telegram_chat_id == chat_id, User.is_active.is_(True))
    )
    return found.scalar_one_or_none()


async def link_chat(session: AsyncSession, executor_id: uuid.UUID, chat_id: int) -> None:
    """Bind the chat to this executor. A chat belongs to one executor: whoever had it
    before loses it (a phone handed over takes the chat along)."""
    await _set_chat(session, ExecutorProfile.telegram_chat_id == chat_id, None)
    await session.flush()
    await _set_chat(session, ExecutorProfile.user_id == executor_id, chat_id)


async def unlink_chat(session: AsyncSession, executor_id: uuid.UUID) -> None:
    await _set_chat(session, ExecutorProfile.user_id == executor_id, None)


async def _set_chat(
    session: AsyncSession, profiles: ColumnElement[bool], chat_id: int | None
) -> None:
    await session.execute(update(ExecutorProfile).where(profiles).values(telegram_chat_id=chat_id))


def held_jobs() -> ScalarSelect[int]:
    """The requests a User row's executor holds now (assigned, accepted, in progress)."""
    return (
        select(func.count())
        .where(ServiceRequest.assignee_id == User.id, ServiceRequest.state.in_(JOB_HOLDING_STATES))
        .correlate(User)
        .scalar_subquery()
    )


def _executors_with_load() -> Select[User, ExecutorProfile, int, float | None, int]:
    return select(
        User,
        ExecutorProfile,
        held_jobs(),
        ratings.average_received(RaterRole.CUSTOMER),
        ratings.count_received(RaterRole.CUSTOMER),
    ).join(ExecutorProfile, ExecutorProfile.user_id == User.id)


async def executor_with_load(session: AsyncSession, executor_id: uuid.UUID) -> ExecutorLoad | None:
    row = (await session.execute(_executors_with_load().where(User.id == executor_id))).first()
    if row is None:
        return None
    user, profile, jobs, rating, rated = row
    return user, profile, jobs, rating, rated


async def executors_page(
    session: AsyncSession,
    *,
    skill: str | None,
    available: bool | None,
    after: NameKey | None,
    limit: int,
) -> list[ExecutorLoad]:
    """Executors by name, then id, from after `after`: those with `skill`, and those
    who take work now (active and available) or do not, when asked."""
    statement = _executors_with_load().order_by(User.full_name, User.id).limit(limit)
    if after is not None:
        statement = statement.where(tuple_(User.full_name, User.id) > tuple_(*after))
    if skill:
        statement = statement.where(ExecutorProfile.skills.contains([skill]))
    if available is True:
        statement = statement.where(ExecutorProfile.available.is_(True), User.is_active.is_(True))
    elif available is False:
        statement = statement.where(ExecutorProfile.available.is_(False))
    rows = (await session.execute(statement)).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def verification_page(
    session: AsyncSession, *, status: str | None, after: NameKey | None, limit: int
) -> list[tuple[User, ExecutorProfile]]:
    """Executors with their profiles by name, then id, from after `after`; only those
    whose verification status is `status`, when given."""
    statement = (
        select(User, ExecutorProfile)
        .join(ExecutorProfile, ExecutorProfile.user_id == User.id)
        .order_by(User.full_name, User.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(User.full_name, User.id) > tuple_(*after))
    if status:
        statement = statement.where(ExecutorProfile.verification_status == status)
    rows = (await session.execute(statement)).all()
    return [(user, profile) for user, profile in rows]
