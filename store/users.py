"""Repository of users and their profiles. Functions only flush."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import CustomerProfile, ExecutorProfile, User


async def by_email(session: AsyncSession, email: str) -> User | None:
    found = await session.execute(select(User).where(func.lower(User.email) == email.lower()))
    return found.scalar_one_or_none()


async def by_id(session: AsyncSession, user_id: str) -> User | None:
    try:
        key = uuid.UUID(user_id)
    except ValueError:
        return None
    return await session.get(User, key)


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


async def executor_profile(session: AsyncSession, user_id: uuid.UUID) -> ExecutorProfile | None:
    return await session.get(ExecutorProfile, user_id)
