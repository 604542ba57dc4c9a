"""The web app's sign-in: refresh token only in an httpOnly cookie, CSRF on its use."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api.routes import web_session
from core.settings import ApiSettings, Settings
from domain.lifecycle import Role
from tests.helpers.api_client import PASSWORD, SignedIn


async def _sign_in(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/auth/session", data={"username": email, "password": PASSWORD})


def _csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["sra_csrf"]}


async def test_sign_in_gives_the_access_token_and_keeps_the_refresh_token_from_script(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.CUSTOMER)
    response = await _sign_in(client, user.person.email)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}  # no refresh token
    cookies = response.headers.get_list("set-cookie")
    refresh = next(c for c in cookies if c.startswith("sra_refresh="))
    csrf = next(c for c in cookies if c.startswith("sra_csrf="))
    assert "HttpOnly" in refresh
    assert "SameSite=strict" in refresh
    assert "Path=/auth/session" in refresh
    assert "HttpOnly" not in csrf
    assert "SameSite=strict" in csrf
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["email"] == user.person.email


async def test_refresh_needs_the_csrf_header_and_rotates_the_cookie(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.MANAGER)
    await _sign_in(client, user.person.email)
    first_cookie = client.cookies["sra_refresh"]

    missing = await client.post("/auth/session/refresh")
    assert missing.status_code == 403
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = await client.post("/auth/session/refresh", headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert client.cookies["sra_refresh"] == first_cookie  # refusals spend nothing

    renewed = await client.post("/auth/session/refresh", headers=_csrf(client))
    assert renewed.status_code == 200, renewed.text
    assert client.cookies["sra_refresh"] != first_cookie

    # The spent cookie coming back is theft: the whole session is signed out.
    stolen = httpx.Cookies({"sra_refresh": first_cookie, "sra_csrf": "t"})
    replay = await client.post(
        "/auth/session/refresh", headers={"X-CSRF-Token": "t", "Cookie": _cookie_header(stolen)}
    )
    assert replay.status_code == 401
    after = await client.post("/auth/session/refresh", headers=_csrf(client))
    assert after.status_code == 401


def _cookie_header(cookies: httpx.Cookies) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


async def test_a_cross_site_request_is_refused_even_with_the_cookies(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.CUSTOMER)
    await _sign_in(client, user.person.email)
    forged = await client.post(
        "/auth/session/refresh",
        headers=_csrf(client) | {"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    sign_in_elsewhere = await client.post(
        "/auth/session",
        data={"username": user.person.email, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert sign_in_elsewhere.status_code == 403


async def test_without_a_session_refresh_is_401(client: httpx.AsyncClient) -> None:
    client.cookies.clear()
    response = await client.post("/auth/session/refresh", headers={"X-CSRF-Token": "x"})
    assert response.status_code == 401


async def test_sign_out_revokes_the_session_and_clears_the_cookies(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.CUSTOMER)
    await _sign_in(client, user.person.email)
    refresh_cookie, csrf = client.cookies["sra_refresh"], _csrf(client)
    assert (await client.delete("/auth/session")).status_code == 403  # CSRF here too
    out = await client.delete("/auth/session", headers=csrf)
    assert out.status_code == 204
    assert any(
        c.startswith("sra_refresh=") and "Max-Age=0" in c
        for c in out.headers.get_list("set-cookie")
    )
    again = await client.post(
        "/auth/session/refresh",
        headers=csrf | {"Cookie": f"sra_refresh={refresh_cookie}; sra_csrf={csrf['X-CSRF-Token']}"},
    )
    assert again.status_code == 401


def _with_api(app: FastAPI, monkeypatch: pytest.MonkeyPatch, **api: object) -> None:
    resources = app.state.resources
    settings = resources.settings
    changed = settings.model_copy(update={"api": settings.api.model_copy(update=api)})
    monkeypatch.setattr(resources, "settings", changed)


async def test_behind_a_tls_proxy_the_configured_origin_is_the_one_accepted(
    app: FastAPI,
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy speaks plain http to the API: the request's own scheme is not the page's."""
    _with_api(app, monkeypatch, public_origins=["https://app.example.com"], secure_cookies=True)
    user = await signed_in(Role.CUSTOMER)
    page = {"Origin": "https://app.example.com"}
    response = await client.post(
        "/auth/session",
        data={"username": user.person.email, "password": PASSWORD},
        headers=page,
    )
    assert response.status_code == 200, response.text
    cookies = {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}
    assert "; Secure" in cookies["sra_refresh"]
    assert "; Secure" in cookies["sra_csrf"]

    # The client keeps Secure cookies from plain http to itself: send them as a browser would.
    refresh, csrf = (response.cookies[name] for name in ("sra_refresh", "sra_csrf"))
    session = {"Cookie": f"sra_refresh={refresh}; sra_csrf={csrf}", "X-CSRF-Token": csrf}
    for origin in ("http://api.test", "https://evil.example"):
        refused = await client.post("/auth/session/refresh", headers=session | {"Origin": origin})
        assert refused.status_code == 403, origin
    renewed = await client.post("/auth/session/refresh", headers=session | page)
    assert renewed.status_code == 200, renewed.text


@pytest.mark.parametrize(
    ("environment", "secure_cookies", "secure"),
    [
        ("local", None, False),
        ("production", None, True),
        ("production", False, False),
        ("local", True, True),
    ],
)
def test_the_secure_flag_follows_the_setting_else_the_environment(
    environment: str, secure_cookies: bool | None, secure: bool
) -> None:
    settings = Settings(
        _env_file=None, environment=environment, api=ApiSettings(secure_cookies=secure_cookies)
    )
    assert web_session._secure(settings) is secure
