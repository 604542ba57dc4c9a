"""Request bodies past their limit are refused with a 413 problem before they are read."""

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from core.settings import Settings
from domain.lifecycle import Role
from tests.helpers.api_client import SignedIn

MIB = 1024 * 1024


async def test_a_30_mb_body_is_refused_before_it_is_parsed(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    body = b'{"refresh_token": "' + b"a" * (30 * MIB) + b'"}'
    response = await client.post(
        "/auth/refresh", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["max_bytes"]) == (413, settings.api.max_body_bytes)
    assert problem["instance"] == "/auth/refresh"


async def test_a_streamed_body_is_cut_off_at_the_limit(client: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"refresh_token": "'
        for _ in range(30 * 16):  # 30 MiB in 64 KiB chunks, with no Content-Length
            sent += 1
            yield b"a" * (64 * 1024)
        yield b'"}'

    response = await client.post(
        "/auth/refresh", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    # The API stopped reading once the limit was passed: about 1 MiB, not 30.
    assert sent < 30 * 16 / 4


async def test_a_body_under_the_limit_is_served_as_usual(client: httpx.AsyncClient) -> None:
    padded = b'{"refresh_token": "not.a.token"' + b" " * 1_000_000 + b"}"
    response = await client.post(
        "/auth/refresh", content=padded, headers={"content-type": "application/json"}
    )
    assert response.status_code == 401, response.text[:300]


async def test_identity_scans_have_the_higher_upload_limit(
    client: httpx.AsyncClient, signed_in: SignedIn, settings: Settings, app: FastAPI
) -> None:
    executor = await signed_in(Role.EXECUTOR)
    scan = {"kind": "selfie", "content_type": "image/png", "content_base64": "A" * (3 * MIB)}
    # Over the global limit, under the upload limit: it reaches validation (a field is
    # missing), so it is not refused for its size.
    response = await client.post(
        "/executors/me/verification", json={"scans": [scan]}, headers=executor.headers
    )
    assert response.status_code == 422, response.text[:300]

    too_big = b"{" + b" " * (settings.api.max_upload_body_bytes + 1) + b"}"
    refused = await client.post(
        "/executors/me/verification",
        content=too_big,
        headers=executor.headers | {"content-type": "application/json"},
    )
    assert refused.status_code == 413
    assert refused.json()["max_bytes"] == settings.api.max_upload_body_bytes


async def test_only_an_executors_token_opens_the_upload_limit(
    client: httpx.AsyncClient, signed_in: SignedIn, settings: Settings
) -> None:
    """FastAPI parses a body before it checks the caller: without a signed executor
    token, the upload route takes no more than any other."""
    customer = await signed_in(Role.CUSTOMER)
    over_global = b"{" + b" " * settings.api.max_body_bytes + b"}"
    for headers in ({}, {"Authorization": "Bearer forged.token.here"}, customer.headers):
        refused = await client.post(
            "/executors/me/verification",
            content=over_global,
            headers=headers | {"content-type": "application/json"},
        )
        assert refused.status_code == 413, headers
        assert refused.json()["max_bytes"] == settings.api.max_body_bytes
