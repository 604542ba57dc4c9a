"""Accounts and sessions over HTTP, against real PostgreSQL and Redis."""

import random
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from services.auth import _login_aggregate
from store.models import OutboxEvent
from tests.helpers.api_client import PASSWORD, SignedIn, sign_in


def _email() -> str:
    return f"new-{uuid.uuid4().hex[:10]}@example.com"


async def test_register_sign_in_and_me(client: httpx.AsyncClient) -> None:
    email = _email()
    created = await client.post(
        "/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "Анна Иванова", "locale": "ru"},
    )
    assert created.status_code == 202, created.text
    assert "password" not in created.text

    headers = await sign_in(client, email)
    me = (await client.get("/auth/me", headers=headers)).json()
    assert (me["email"], me["role"], me["full_name"]) == (email, "customer", "Анна Иванова")


async def test_register_does_not_tell_whether_an_account_exists(
    client: httpx.AsyncClient,
) -> None:
    email = _email()
    body = {"email": email, "password": PASSWORD, "full_name": "A"}
    first = await client.post("/auth/register", json=body)
    taken = await client.post(
        "/auth/register",
        json=body | {"email": email.upper(), "password": "another-password-42"},
    )
    assert (taken.status_code, taken.json()) == (first.status_code, first.json())
    assert first.status_code == 202
    assert email not in taken.text
    assert "exists" not in taken.text
    # The existing account is untouched: its password still works, the newcomer's does not.
    await sign_in(client, email)
    refused = await client.post(
        "/auth/token", data={"username": email, "password": "another-password-42"}
    )
    assert refused.status_code == 401


async def test_register_refuses_weak_input(client: httpx.AsyncClient) -> None:
    body = {"email": _email(), "password": PASSWORD, "full_name": "A"}
    weak = await client.post("/auth/register", json=body | {"email": _email(), "password": "short"})
    assert weak.status_code == 422
    assert "password" in weak.json()["detail"]
    bad_email = await client.post("/auth/register", json=body | {"email": "not-an-email"})
    assert bad_email.status_code == 422


async def test_wrong_password_is_401_and_recorded(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user = await signed_in(Role.CUSTOMER)
    response = await client.post(
        "/auth/token", data={"username": user.person.email, "password": "wrong-one!!"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    async with sessions() as session:
        events = (
            (
                await session.execute(
                    select(OutboxEvent).where(
                        OutboxEvent.aggregate_id == _login_aggregate(user.person.email)
                    )
                )
            )
            .scalars()
            .all()
        )
    assert [(e.type, e.topic) for e in events] == [("auth.login_failed", "security-events")]


async def test_login_is_throttled_per_account_and_address(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.CUSTOMER)
    wrong = {"username": user.person.email, "password": "wrong-password"}
    statuses = [(await client.post("/auth/token", data=wrong)).status_code for _ in range(5)]
    assert statuses == [401] * 5
    throttled = await client.post(
        "/auth/token", data={"username": user.person.email, "password": PASSWORD}
    )
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


async def test_refresh_rotates_and_reuse_signs_the_session_out(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.CUSTOMER)
    pair = (
        await client.post("/auth/token", data={"username": user.person.email, "password": PASSWORD})
    ).json()
    rotated = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != pair["refresh_token"]
    fresh_headers = {"Authorization": f"Bearer {new['access_token']}"}
    assert (await client.get("/auth/me", headers=fresh_headers)).status_code == 200

    replay = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert replay.status_code == 401
    assert "reuse detected" in replay.json()["detail"]
    assert (await client.get("/auth/me", headers=fresh_headers)).status_code == 401
    assert (
        await client.post("/auth/refresh", json={"refresh_token": new["refresh_token"]})
    ).status_code == 401


async def test_logout_revokes_the_access_token(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.MANAGER)
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 200
    assert (await client.post("/auth/logout", headers=user.headers)).status_code == 204
    after = await client.get("/auth/me", headers=user.headers)
    assert after.status_code == 401
    assert after.json()["detail"] == "the token has been revoked"


async def test_garbage_and_missing_tokens_are_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/auth/me")).status_code == 401
    bad = await client.get("/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert bad.status_code == 401
    assert bad.json()["detail"].startswith("invalid access token")


async def test_login_is_throttled_per_ip_across_accounts(app: FastAPI, signed_in: SignedIn) -> None:
    victim = await signed_in(Role.CUSTOMER)
    address = (f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.1", 40000)
    transport = httpx.ASGITransport(app=app, client=address)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as sprayer:
        for n in range(30):  # one failure each on many accounts: password spraying
            response = await sprayer.post(
                "/auth/token",
                data={
                    "username": f"nobody-{n}-{uuid.uuid4().hex[:6]}@example.com",
                    "password": "guess-guess-guess",
                },
            )
            assert response.status_code == 401
        blocked = await sprayer.post(
            "/auth/token", data={"username": victim.person.email, "password": PASSWORD}
        )
    assert blocked.status_code == 429


async def test_odd_usernames_are_401_not_500(client: httpx.AsyncClient) -> None:
    for username in ("a" * 70 + "@example.com", "nul\x00@example.com", "x" * 5000):
        response = await client.post(
            "/auth/token", data={"username": username, "password": "whatever-1"}
        )
        assert response.status_code == 401, username
