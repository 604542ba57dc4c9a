"""The API in-process over HTTP (httpx ASGI transport), signed in as any role, and the
calls the request tests make through it."""

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.main import create_app
from core.security import hash_password
from core.settings import Settings
from domain.lifecycle import Role
from tests.helpers.people import Person, make_person

PASSWORD = "correct-horse-battery-staple"
_HASH = hash_password(PASSWORD)

# A visit a month ahead: windows must lie within a plausible range of today.
VISIT_DAY = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
BODY = {
    "category": "plumbing",
    "description": "Течёт смеситель на кухне",
    "address": "Москва, Тверская ул., 1",
    "budget": "2500.00",
    "window_start": f"{VISIT_DAY}T09:00:00+03:00",
    "window_end": f"{VISIT_DAY}T13:00:00+03:00",
}


@pytest.fixture(scope="session")
async def app(settings: Settings, worker: None) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def client_address() -> tuple[str, int]:
    # Sign-in throttling counts failures per client IP in the shared Redis; each run
    # signs in from its own loopback address so earlier runs cannot throttle it.
    return (
        f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}",
        50000,
    )


@pytest.fixture
async def client(app: FastAPI, client_address: tuple[str, int]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=client_address)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http


@dataclass(frozen=True)
class User:
    person: Person
    headers: dict[str, str]

    @property
    def id(self) -> str:
        return self.person.id


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, str]:
    response = await client.post("/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


SignedIn = Callable[..., Awaitable[User]]


@pytest.fixture
def signed_in(client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]) -> SignedIn:
    async def make(role: Role, **kwargs: object) -> User:
        person = await make_person(sessions, role, password_hash=_HASH, **kwargs)  # type: ignore[arg-type]
        return User(person, await sign_in(client, person.email))

    return make


async def create(
    client: httpx.AsyncClient, who: User, body: dict[str, Any] | None = None, key: str | None = None
) -> httpx.Response:
    return await client.post(
        "/requests",
        json=body or BODY,
        headers=who.headers | {"Idempotency-Key": key or str(uuid.uuid4())},
    )


async def act(
    client: httpx.AsyncClient, who: User, rid: str, action: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(f"/requests/{rid}/{action}", json=body, headers=who.headers)
