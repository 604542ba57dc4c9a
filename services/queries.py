"""Read side: requests and executors from PostgreSQL (with Redis for single requests).
List views never touch Temporal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import ColumnElement, Select, and_, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.access import RequestScope, request_scope
from domain.lifecycle import Actor
from domain.requests import RequestView, TransitionView
from services.errors import Forbidden, Unprocessable
from services.paging import CursorCodec, a_datetime, an_uuid
from store import cache
from store import requests as repo
from store.models import ExecutorProfile, ServiceRequest, User

SORTABLE = {
    "created_at": ServiceRequest.created_at,
    "updated_at": ServiceRequest.updated_at,
    "sla_due_at": ServiceRequest.sla_due_at,
}
ACTIVE_STATES = ("assigned", "accepted", "in_progress")
# Rows without an SLA due time sort last, and the cursor needs a value for them.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RequestFilter:
    state: list[str] | None = None
    category: str | None = None
    assignee_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    sla_breached: bool | None = None
    sort: str = "-created_at"
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[RequestView]
    next_cursor: str | None


def cursor_codec(sort_field: str) -> CursorCodec:
    """A cursor names its sort: one issued for created_at cannot page an updated_at list."""
    return CursorCodec(f"requests:{sort_field}", (a_datetime, an_uuid))


class RequestQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], redis: Redis) -> None:
        self.sessions = sessions
        self.redis = redis

    async def get(self, request_id: str) -> RequestView | None:
        cached = await cache.get_request(self.redis, request_id)
        if cached is not None:
            return cached
        async with self.sessions() as session:
            row = await repo.get(session, request_id)
        if row is None:
            return None
        view = repo.to_view(row)
        await cache.fill_request(self.redis, view)
        return view

    async def history(self, request_id: str) -> list[TransitionView]:
        async with self.sessions() as session:
            return await repo.history(session, request_id)

    async def list(self, actor: Actor, flt: RequestFilter) -> Page:
        descending = flt.sort.startswith("-")
        column = SORTABLE.get(flt.sort.lstrip("-"))
        if column is None:
            raise Unprocessable(
                f"sort must be one of {', '.join(sorted(SORTABLE))} (prefix '-' for descending)"
            )
        sort_key = func.coalesce(column, FAR_FUTURE)
        statement = self._scoped(select(ServiceRequest), actor, flt)
        codec = cursor_codec(flt.sort)
        if flt.cursor:
            value, row_id = codec.decode(flt.cursor)
            key, boundary = tuple_(sort_key, ServiceRequest.id), tuple_(value, row_id)
            statement = statement.where(key < boundary if descending else key > boundary)
        order = (
            (sort_key.desc(), ServiceRequest.id.desc())
            if descending
            else (sort_key.asc(), ServiceRequest.id.asc())
        )
        statement = statement.order_by(*order).limit(flt.limit + 1)
        async with self.sessions() as session:
            rows = list((await session.execute(statement)).scalars())
        more = len(rows) > flt.limit
        rows = rows[: flt.limit]
        next_cursor = None
        if more and rows:
            last = rows[-1]
            next_cursor = codec.encode((getattr(last, column.key) or FAR_FUTURE, last.id))
        return Page([repo.to_view(r) for r in rows], next_cursor)

    def _scoped(self, statement: Select[Any], actor: Actor, flt: RequestFilter) -> Select[Any]:
        scope = request_scope(actor)
        if scope == RequestScope.NONE:
            raise Forbidden(f"a {actor.role} has no requests to list")
        if scope == RequestScope.OWN:
            statement = statement.where(ServiceRequest.customer_id == uuid.UUID(actor.id))
        elif scope == RequestScope.ASSIGNED:
            statement = statement.where(ServiceRequest.assignee_id == uuid.UUID(actor.id))
        conditions: list[ColumnElement[bool]] = []
        if flt.state:
            conditions.append(ServiceRequest.state.in_(flt.state))
        if flt.category:
            conditions.append(ServiceRequest.category == flt.category)
        if flt.assignee_id:
            conditions.append(ServiceRequest.assignee_id == uuid.UUID(flt.assignee_id))
        if flt.created_from:
            conditions.append(ServiceRequest.created_at >= flt.created_from)
        if flt.created_to:
            conditions.append(ServiceRequest.created_at < flt.created_to)
        if flt.sla_breached is not None:
            conditions.append(ServiceRequest.sla_breached.is_(flt.sla_breached))
        return statement.where(and_(*conditions)) if conditions else statement


@dataclass(frozen=True)
class ExecutorView:
    id: str
    email: str
    full_name: str
    is_active: bool
    skills: list[str]
    service_area: str
    verification_status: str
    verified_until: datetime | None
    available: bool
    active_jobs: int
    telegram_linked: bool


class ExecutorQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def get(self, executor_id: str) -> ExecutorView | None:
        try:
            key = uuid.UUID(executor_id)
        except ValueError:
            return None
        async with self.sessions() as session:
            row = (await session.execute(executors_with_load().where(User.id == key))).first()
        return executor_view(*row) if row else None


def executors_with_load() -> Select[Any]:
    """Each executor with their profile and the number of jobs they hold now."""
    jobs = (
        select(func.count())
        .where(ServiceRequest.assignee_id == User.id, ServiceRequest.state.in_(ACTIVE_STATES))
        .correlate(User)
        .scalar_subquery()
    )
    return select(User, ExecutorProfile, jobs).join(
        ExecutorProfile, ExecutorProfile.user_id == User.id
    )


def executor_view(user: User, profile: ExecutorProfile, jobs: int) -> ExecutorView:
    return ExecutorView(
        id=str(user.id),
        email=user.email,
        full_name=user.full_name,
        is_active=user.is_active,
        skills=list(profile.skills),
        service_area=profile.service_area,
        verification_status=profile.verification_status,
        verified_until=profile.verified_until,
        available=profile.available,
        active_jobs=int(jobs),
        telegram_linked=profile.telegram_chat_id is not None,
    )
