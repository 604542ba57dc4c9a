"""Account administration by an admin: create, change, deactivate; odd input is a 4xx."""

import uuid

import httpx

from domain.lifecycle import Role
from tests.api_client import PASSWORD, SignedIn


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
        json={
            "skills": ["plumbing", "heating"],
            "verification_status": "verified",
            "verified_until": "2027-12-31T00:00:00+00:00",
            "full_name": None,
        },
    )
    assert changed.status_code == 200, changed.text
    executor = changed.json()["executor"]
    assert (executor["skills"], executor["verification_status"]) == (
        ["plumbing", "heating"],
        "verified",
    )
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
        ("GET", "/users/not-a-uuid", None, None, 404),
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
