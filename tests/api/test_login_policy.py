"""Sign-in slows attackers without locking owners out; sign-up is throttled. Real Redis."""

import asyncio
import random
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.main import create_app
from core.settings import AuthSettings, Settings
from domain.lifecycle import Role
from services.auth import _login_aggregate
from services.auth_throttle import address_key, backoff_s
from store.models import OutboxEvent
from tests.helpers.api_client import PASSWORD, SignedIn


def _address() -> tuple[str, int]:
    octets = (random.randint(1, 254) for _ in range(3))
    return (f"127.{'.'.join(str(o) for o in octets)}", 41000)


@asynccontextmanager
async def _from(
    app: FastAPI, address: tuple[str, int] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=address or _address())
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http


@asynccontextmanager
async def _app_with(settings: Settings, **auth: object) -> AsyncIterator[FastAPI]:
    tuned = settings.model_copy(update={"auth": settings.auth.model_copy(update=auth)})
    app = create_app(tuned)
    async with app.router.lifespan_context(app):
        yield app


async def _token(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post("/auth/token", data={"username": email, "password": password})


async def test_an_attacker_elsewhere_cannot_lock_the_owner_out(
    app: FastAPI, signed_in: SignedIn
) -> None:
    victim = await signed_in(Role.ADMIN)
    async with _from(app) as attacker:
        statuses = [
            (await _token(attacker, victim.person.email, f"guess-{n}")).status_code
            for n in range(12)
        ]
        # The attacker's own address is slowed down: five guesses, then it must wait ...
        assert statuses == [401] * 5 + [429] * 7
        assert (await _token(attacker, victim.person.email, PASSWORD)).status_code == 429
    # ... while the owner, from their own address, signs in as usual.
    async with _from(app) as owner:
        response = await _token(owner, victim.person.email, PASSWORD)
    assert response.status_code == 200, response.text


async def test_each_further_failure_doubles_the_wait(
    settings: Settings, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.CUSTOMER)
    async with (
        _app_with(settings, login_free_failures=2, login_backoff_base_s=1) as app,
        _from(app) as http,
    ):
        assert (await _token(http, user.person.email, "wrong-1")).status_code == 401
        assert (await _token(http, user.person.email, "wrong-2")).status_code == 401
        waiting = await _token(http, user.person.email, PASSWORD)
        assert waiting.status_code == 429
        assert waiting.headers["retry-after"] == "1"
        assert waiting.headers["content-type"] == "application/problem+json"
        await asyncio.sleep(1.1)  # the wait is kept by Redis, in real time
        assert (await _token(http, user.person.email, "wrong-3")).status_code == 401
        assert (await _token(http, user.person.email, PASSWORD)).headers["retry-after"] == "2"


def test_the_wait_is_capped() -> None:
    policy = AuthSettings(login_free_failures=5, login_backoff_base_s=15, login_backoff_max_s=900)
    assert [backoff_s(policy, n) for n in (5, 6, 7, 9, 10, 11, 10_000)] == [
        15,
        30,
        60,
        240,
        480,
        900,
        900,
    ]


async def test_an_account_attacked_from_everywhere_is_slowed_not_refused(
    settings: Settings, signed_in: SignedIn
) -> None:
    owner = await signed_in(Role.CUSTOMER)
    async with _app_with(
        settings, login_account_slowdown_after=4, login_account_slowdown_s=0.4
    ) as app:
        for _ in range(5):  # a botnet: one guess from each address
            async with _from(app) as bot:
                assert (await _token(bot, owner.person.email, "guess")).status_code == 401
        async with _from(app) as http:
            started = time.perf_counter()
            response = await _token(http, owner.person.email, PASSWORD)
            elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert elapsed >= 0.4


async def test_failed_sign_in_carries_the_callers_trace(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user = await signed_in(Role.CUSTOMER)
    trace = secrets.token_hex(16)
    response = await client.post(
        "/auth/token",
        data={"username": user.person.email, "password": "not-the-password"},
        headers={"traceparent": f"00-{trace}-{secrets.token_hex(8)}-01"},
    )
    assert response.status_code == 401
    async with sessions() as session:
        event = (
            await session.execute(
                select(OutboxEvent).where(
                    OutboxEvent.aggregate_id == _login_aggregate(user.person.email),
                    OutboxEvent.type == "auth.login_failed",
                )
            )
        ).scalar_one()
    assert event.envelope["trace_id"] == trace


def _registration(email: str) -> dict[str, str]:
    return {"email": email, "password": PASSWORD, "full_name": "Анна Иванова"}


async def test_sign_up_is_throttled_per_email(app: FastAPI) -> None:
    email = f"popular-{uuid.uuid4().hex[:8]}@example.com"
    answers = []
    for _ in range(4):  # each from a different address
        async with _from(app) as http:
            answers.append(await http.post("/auth/register", json=_registration(email)))
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert int(answers[-1].headers["retry-after"]) > 0
    assert answers[-1].headers["content-type"] == "application/problem+json"


async def test_sign_up_is_throttled_per_address(settings: Settings) -> None:
    async with _app_with(settings, register_max_per_ip=3) as app, _from(app) as http:
        statuses = [
            (
                await http.post(
                    "/auth/register",
                    json=_registration(f"burst-{uuid.uuid4().hex[:8]}@example.com"),
                )
            ).status_code
            for _ in range(4)
        ]
    assert statuses == [202, 202, 202, 429]


async def test_an_ipv6_subscriber_counts_as_one_address(app: FastAPI, signed_in: SignedIn) -> None:
    """One subscriber holds a whole /64: hopping between its addresses buys no guesses."""
    victim = await signed_in(Role.CUSTOMER)
    prefix = f"2001:db8:{random.randint(1, 0xFFFF):x}:{random.randint(1, 0xFFFF):x}"
    statuses = []
    for n in range(6):
        async with _from(app, (f"{prefix}::{n + 1:x}", 41000)) as hopping:
            statuses.append((await _token(hopping, victim.person.email, f"guess-{n}")).status_code)
    assert statuses == [401] * 5 + [429]


def test_addresses_are_keyed_by_what_one_party_controls() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("unknown") == "unknown"
