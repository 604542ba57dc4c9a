"""Administration of accounts: an admin creates executors and staff, changes roles,
activity and executor profiles. Every change is audited in its own transaction."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.security import hash_password
from domain.lifecycle import Actor, Role
from services.audit import record_admin_action
from services.errors import Conflict, NotFound, Unprocessable
from store import users
from store.models import ExecutorProfile, User


@dataclass(frozen=True)
class NewAccount:
    email: str
    password: str
    full_name: str
    role: Role
    locale: str = "ru"
    skills: tuple[str, ...] = ()
    service_area: str = ""


@dataclass(frozen=True)
class AccountChange:
    full_name: str | None = None
    role: Role | None = None
    is_active: bool | None = None
    locale: str | None = None
    skills: tuple[str, ...] | None = None
    service_area: str | None = None
    available: bool | None = None
    # No verification status here: only the verification workflow (its checks and an
    # officer's decision) writes it, so the requests waiting on it are always told.


def snapshot(user: User, profile: ExecutorProfile | None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "role": user.role,
        "is_active": user.is_active,
        "full_name": user.full_name,
        "locale": user.locale,
    }
    if profile is not None:
        state |= {
            "skills": list(profile.skills),
            "service_area": profile.service_area,
            "available": profile.available,
            "verification_status": profile.verification_status,
            "verified_until": profile.verified_until.isoformat()
            if profile.verified_until
            else None,
        }
    return state


class UserAdmin:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def create(
        self, admin: Actor, account: NewAccount
    ) -> tuple[User, ExecutorProfile | None]:
        if account.role == Role.EXECUTOR and not account.skills:
            raise Unprocessable("an executor needs at least one skill")
        try:
            async with self.sessions.begin() as session:
                user = await users.add(
                    session,
                    email=account.email,
                    password_hash=await asyncio.to_thread(hash_password, account.password),
                    full_name=account.full_name,
                    role=account.role,
                    locale=account.locale,
                )
                profile = None
                if account.role == Role.EXECUTOR:
                    profile = await users.add_executor_profile(
                        session,
                        user,
                        skills=list(account.skills),
                        service_area=account.service_area,
                    )
                elif account.role == Role.CUSTOMER:
                    await users.add_customer_profile(session, user)
                await record_admin_action(
                    session,
                    admin,
                    action="user.create",
                    target_type="user",
                    target_id=str(user.id),
                    before=None,
                    after=snapshot(user, profile),
                )
        except IntegrityError:
            raise Conflict(f"an account with email {account.email} already exists") from None
        return user, profile

    async def change(
        self, admin: Actor, user_id: str, change: AccountChange
    ) -> tuple[User, ExecutorProfile | None]:
        async with self.sessions.begin() as session:
            user = await users.by_id(session, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            profile = await users.executor_profile(session, user.id)
            before = snapshot(user, profile)
            if change.role is not None and change.role != user.role:
                if Role.EXECUTOR in (change.role, Role(user.role)):
                    raise Unprocessable(
                        "executors are separate accounts; create a new one "
                        "instead of changing the role to or from executor"
                    )
                user.role = change.role.value
            for field in ("full_name", "is_active", "locale"):
                value = getattr(change, field)
                if value is not None:
                    setattr(user, field, value)
            self._change_profile(profile, change)
            await session.flush()
            await record_admin_action(
                session,
                admin,
                action="user.update",
                target_type="user",
                target_id=str(user.id),
                before=before,
                after=snapshot(user, profile),
            )
        return user, profile

    @staticmethod
    def _change_profile(profile: ExecutorProfile | None, change: AccountChange) -> None:
        executor_fields = ("skills", "service_area", "available")
        wanted = {f: getattr(change, f) for f in executor_fields if getattr(change, f) is not None}
        if not wanted:
            return
        if profile is None:
            raise Unprocessable(f"{', '.join(wanted)} only apply to executors")
        for field, value in wanted.items():
            setattr(profile, field, list(value) if field == "skills" else value)

    async def get(self, user_id: str) -> tuple[User, ExecutorProfile | None]:
        async with self.sessions() as session:
            user = await users.by_id(session, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            return user, await users.executor_profile(session, user.id)

    async def list(self, role: Role | None, limit: int, offset: int) -> list[User]:
        async with self.sessions() as session:
            return await users.page(session, role, limit, offset)


async def update_preferences(
    sessions: async_sessionmaker[AsyncSession],
    user_id: str,
    *,
    locale: str | None,
    channels: list[str] | None,
) -> User:
    """A user's own language and notification channels. Telegram needs a linked chat
    (only executors have the bot), so asking for it without one is refused."""
    async with sessions.begin() as session:
        user = await users.get(session, uuid.UUID(user_id))
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        if channels is not None:
            if "telegram" in channels:
                profile = await users.executor_profile(session, user.id)
                if profile is None or profile.telegram_chat_id is None:
                    raise Unprocessable(
                        "telegram needs a linked chat: executors get a code from "
                        "POST /executors/me/telegram-link and send it to the bot"
                    )
            user.notification_channels = list(dict.fromkeys(channels))
        if locale is not None:
            user.locale = locale
        return user
