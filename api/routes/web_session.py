"""The browser's sign-in: the access token in the answer (the app keeps it in memory),
the refresh token in an httpOnly cookie that script cannot read.

The refresh cookie is SameSite=Strict and scoped to /auth/session, so the browser sends
it nowhere else. Calls that use it also need the CSRF token: a second, readable cookie
whose value the app copies into the X-CSRF-Token header. Another site can make the
browser send cookies but can neither read this one nor set the header (double submit).
A request with an Origin header from elsewhere is refused outright.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Header, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import ClientIp, ResourcesDep
from core.settings import LOCAL_ENVIRONMENT, Settings
from services.auth import TokenPair
from services.errors import Forbidden, Unauthorized

REFRESH_COOKIE = "sra_refresh"
CSRF_COOKIE = "sra_csrf"
CSRF_HEADER = "X-CSRF-Token"
REFRESH_PATH = "/auth/session"

router = APIRouter(prefix="/auth/session", tags=["auth"])


class BrowserSession(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


def _secure(settings: Settings) -> bool:
    if settings.api.secure_cookies is not None:
        return settings.api.secure_cookies
    # Plain http is only for a local run; anywhere else the cookies travel over TLS only.
    return settings.environment != LOCAL_ENVIRONMENT


def _same_origin(request: Request, settings: Settings) -> None:
    origin = request.headers.get("origin")
    if origin is None:
        return
    # Behind a TLS proxy the request's own scheme (and maybe Host) is not what the
    # browser used: the configured origins say what it did.
    allowed = settings.api.public_origins or [
        f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
    ]
    if origin.lower() not in allowed:
        raise Forbidden("cross-site request refused")


def _check_csrf(
    request: Request, settings: Settings, header: str | None, cookie: str | None
) -> None:
    _same_origin(request, settings)
    if not header or not cookie or not secrets.compare_digest(header, cookie):
        raise Forbidden(f"missing or wrong {CSRF_HEADER} header")


def _answer(pair: TokenPair, response: Response, settings: Settings) -> BrowserSession:
    secure = _secure(settings)
    max_age = settings.auth.refresh_ttl_s
    response.set_cookie(
        REFRESH_COOKIE,
        pair.refresh_token,
        max_age=max_age,
        path=REFRESH_PATH,
        httponly=True,
        secure=secure,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(32),
        max_age=max_age,
        path="/",
        httponly=False,  # the app reads it to echo it in the header
        secure=secure,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return BrowserSession(access_token=pair.access_token, expires_in=pair.expires_in)


def _forget(response: Response, settings: Settings) -> None:
    secure = _secure(settings)
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_PATH, httponly=True, secure=secure, samesite="strict"
    )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="strict")


RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE)]
CsrfCookie = Annotated[str | None, Cookie(alias=CSRF_COOKIE)]
CsrfHeader = Annotated[str | None, Header(alias=CSRF_HEADER)]


@router.post(
    "",
    response_model=BrowserSession,
    summary="Sign in from the web app: the access token, and the refresh token as a cookie",
    responses={
        401: {"description": "wrong email or password"},
        403: {"description": "a cross-site request"},
        429: {"description": "too many failed attempts; see Retry-After"},
    },
)
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    response: Response,
    resources: ResourcesDep,
    ip: ClientIp,
) -> BrowserSession:
    _same_origin(request, resources.settings)
    pair = await resources.auth.login(form.username, form.password, ip)
    return _answer(pair, response, resources.settings)


@router.post(
    "/refresh",
    response_model=BrowserSession,
    summary="A new access token for the web app (rotates the cookie; needs the CSRF header)",
    responses={
        401: {"description": "no session, or it is spent, revoked or expired"},
        403: {"description": "the CSRF header is missing or wrong, or a cross-site request"},
    },
)
async def refresh(
    request: Request,
    response: Response,
    resources: ResourcesDep,
    refresh_token: RefreshCookie = None,
    csrf_cookie: CsrfCookie = None,
    csrf_header: CsrfHeader = None,
) -> BrowserSession:
    if not refresh_token:
        raise Unauthorized("no session: sign in first")
    _check_csrf(request, resources.settings, csrf_header, csrf_cookie)
    pair = await resources.auth.refresh(refresh_token)
    return _answer(pair, response, resources.settings)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out of the web app: revokes the session and clears its cookies",
    responses={403: {"description": "the CSRF header is missing or wrong"}},
)
async def sign_out(
    request: Request,
    response: Response,
    resources: ResourcesDep,
    refresh_token: RefreshCookie = None,
    csrf_cookie: CsrfCookie = None,
    csrf_header: CsrfHeader = None,
) -> None:
    if refresh_token:
        _check_csrf(request, resources.settings, csrf_header, csrf_cookie)
        # An invalid one is already signed out: clearing the cookies is all that is left.
        with contextlib.suppress(Unauthorized):
            await resources.auth.end_session(refresh_token)
    _forget(response, resources.settings)
