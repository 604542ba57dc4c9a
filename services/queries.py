"""Read side: requests and executors from PostgreSQL (with Redis for single requests).
List views never touch Temporal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.access import RequestScope, request_scope
from domain.lifecycle import Actor
from domain.requests import RequestView, TransitionView
from services.errors import Forbidden, Unprocessable
from services.paging import CursorCodec, KeyValue, a_datetime, an_uuid
from store import cache, users
from store import requests as repo
from store.models import ExecutorProfile, User
from store.requests import ListKey, RequestListing


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

    async def get_stored(self, request_id: str) -> RequestView | None:
        """The request as committed, bypassing the cache (which is written just after)."""
        async with self.sessions() as session:
            row = await repo.get(session, request_id)
        return repo.to_view(row) if row is not None else None

    async def history(self, request_id: str) -> list[TransitionView]:
        async with self.sessions() as session:
            return await repo.history(session, request_id)

    async def list(self, actor: Actor, flt: RequestFilter) -> Page:
        descending = flt.sort.startswith("-")
        sort = flt.sort.lstrip("-")
        if sort not in repo.SORTABLE:
            raise Unprocessable(
                f"sort must be one of {', '.join(sorted(repo.SORTABLE))} "
                "(prefix '-' for descending)"
            )
        scope = request_scope(actor)
        if scope == RequestScope.NONE:
            raise Forbidden(f"a {actor.role} has no requests to list")
        reader = uuid.UUID(actor.id) if scope != RequestScope.ALL else None
        assignee = uuid.UUID(flt.assignee_id) if flt.assignee_id else None
        codec = cursor_codec(flt.sort)
        listing = RequestListing(
            sort=sort,
            descending=descending,
            limit=flt.limit + 1,
            after=_list_key(codec.decode(flt.cursor)) if flt.cursor else None,
            customer_id=reader if scope == RequestScope.OWN else None,
            assigned_to=reader if scope == RequestScope.ASSIGNED else None,
            states=flt.state,
            category=flt.category,
            assignee_id=assignee,
            created_from=flt.created_from,
            created_to=flt.created_to,
            sla_breached=flt.sla_breached,
        )
        async with self.sessions() as session:
            rows = await repo.listed(session, listing)
        more = len(rows) > flt.limit
        rows = rows[: flt.limit]
        next_cursor = None
        if more and rows:
            next_cursor = codec.encode(repo.list_key(rows[-1], sort))
        return Page([repo.to_view(r) for r in rows], next_cursor)


def _list_key(values: tuple[KeyValue, ...]) -> ListKey:
    value, row_id = values
    # The codec's decoders made exactly these types; this tells the type checker so.
    assert isinstance(value, datetime)
    assert isinstance(row_id, uuid.UUID)
    return value, row_id


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
    districts: list[str] = field(default_factory=list)
    capacity: int = 3
    working_hours: dict[str, list[str]] | None = None
    rating: float | None = None  # the mean of their customers' ratings
    ratings: int = 0


class ExecutorQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def get(self, executor_id: str) -> ExecutorView | None:
        try:
            key = uuid.UUID(executor_id)
        except ValueError:
            return None
        async with self.sessions() as session:
            row = await users.executor_with_load(session, key)
        return executor_view(*row) if row else None


def executor_view(
    user: User, profile: ExecutorProfile, jobs: int, rating: float | None = None, rated: int = 0
) -> ExecutorView:
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
        districts=list(profile.districts),
        capacity=profile.capacity,
        working_hours=profile.working_hours,
        rating=round(float(rating), 2) if rating is not None else None,
        ratings=int(rated),
    )
