"""Account administration by an admin: create, change, deactivate; odd input is a 4xx."""

import dataclasses
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from services.users import AccountChange
from store.models import ExecutorProfile
from store.models import User as UserRow
from tests.helpers.api_client import PASSWORD, SignedIn


async def test_admin_creates_changes_and_deactivates_an_executor(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    admin = await signed_in(Role.ADMIN)
    email = f"exec-{uuid.uuid4().hex[:8]}@example.com"
    created = await client.post(
        "/users",
        headers=admin.headers,
        json={
            "email": email,
            "password": PASSWORD,
            "full_name": "Иван",
            "role": "executor",
            "skills": ["plumbing"],
            "service_area": "Москва",
        },
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["executor"]["skills"] == ["plumbing"]
    assert user["executor"]["verification_status"] == "unverified"

    changed = await client.patch(
        f"/users/{user['id']}",
        headers=admin.headers,
        json={"skills": ["plumbing", "heating"], "available": False, "full_name": None},
    )
    assert changed.status_code == 200, changed.text
    executor = changed.json()["executor"]
    assert (executor["skills"], executor["available"]) == (["plumbing", "heating"], False)
    assert (
        await client.patch(f"/users/{user['id']}", headers=admin.headers, json={"skills": None})
    ).status_code == 200

    signed = await client.post("/auth/token", data={"username": email, "password": PASSWORD})
    assert signed.status_code == 200
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    off = await client.patch(
        f"/users/{user['id']}", headers=admin.headers, json={"is_active": False}
    )
    assert off.json()["is_active"] is False
    assert (await client.get("/auth/me", headers=headers)).status_code == 401
    refused = await client.post("/auth/token", data={"username": email, "password": PASSWORD})
    assert refused.status_code == 401


async def test_odd_admin_input_is_refused_with_4xx(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    admin = await signed_in(Role.ADMIN)
    customer = await signed_in(Role.CUSTOMER)
    cases = [
        ("GET", "/users", {"offset": 10**15}, None, 422),
        ("GET", "/users/not-a-uuid", None, None, 422),
        ("PATCH", f"/users/{customer.id}", None, {"skills": ["plumbing"]}, 422),
        ("PATCH", f"/users/{customer.id}", None, {"role": "executor"}, 422),
        ("PATCH", f"/users/{customer.id}", None, {"unknown": 1}, 422),
        ("PATCH", f"/users/{customer.id}", None, {"role": "system"}, 422),
        (
            "POST",
            "/users",
            None,
            {"email": "x@example.com", "password": PASSWORD, "full_name": "X", "role": "executor"},
            422,
        ),
    ]
    for method, path, params, body, status in cases:
        response = await client.request(
            method, path, params=params, json=body, headers=admin.headers
        )
        assert response.status_code == status, (method, path, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("verification_status", "verified"),
        ("verification_status", "pending"),
        ("verified_until", "2099-12-31T00:00:00+00:00"),
    ],
)
async def test_an_admin_cannot_set_the_verification_status(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    sessions: async_sessionmaker[AsyncSession],
    field: str,
    value: str,
) -> None:
    """Only the verification workflow (checks and an officer's decision) writes it: an
    admin's attempt is refused naming the field, and nothing in the body is applied."""
    admin = await signed_in(Role.ADMIN)
    executor = await signed_in(Role.EXECUTOR, verified=False)
    response = await client.patch(
        f"/users/{executor.id}",
        headers=admin.headers,
        json={field: value, "full_name": "Someone Else", "available": False},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["detail"]
    async with sessions() as session:
        user = await session.get(UserRow, uuid.UUID(executor.id))
        profile = await session.get(ExecutorProfile, uuid.UUID(executor.id))
    assert user is not None
    assert profile is not None
    assert user.full_name != "Someone Else"
    assert (profile.verification_status, profile.verified_until, profile.available) == (
        "unverified",
        None,
        True,
    )


def test_the_account_change_has_no_verification_fields() -> None:
    """The service cannot write the status either, whatever a caller builds."""
    names = {f.name for f in dataclasses.fields(AccountChange)}
    assert not names & {"verification_status", "verified_until"}


async def test_a_change_moves_updated_at(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = await signed_in(Role.ADMIN)
    executor = await signed_in(Role.EXECUTOR)
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    for change in ({"full_name": "Пётр"}, {"skills": ["heating"]}):
        async with sessions.begin() as session:
            await session.execute(
                update(UserRow)
                .where(UserRow.id == uuid.UUID(executor.id))
                .values(updated_at=long_ago)
            )
        response = await client.patch(f"/users/{executor.id}", headers=admin.headers, json=change)
        assert response.status_code == 200, response.text
        async with sessions() as session:
            user = await session.get(UserRow, uuid.UUID(executor.id))
        assert user is not None
        assert user.updated_at > long_ago, change
