"""Accounts and sessions: registration, login with throttling, rotating refresh tokens.

Access tokens are short-lived JWTs. Refresh tokens are JWTs of a *family* (one login);
each refresh spends its token and issues the next. Spending a token twice means it was
stolen, so the whole family is revoked. Revocations live in Redis with the TTL of the
tokens they cancel, so they cost nothing once the tokens would have expired anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.logging import get_logger
from core.security import InvalidToken, TokenClaims, decode, hash_password, issue, verify_password
from core.settings import AuthSettings
from domain.lifecycle import Role
from services.audit import record_security_event
from services.auth_throttle import LoginThrottle, RegistrationThrottle
from services.errors import Unauthorized
from store import users
from store.models import User


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


MAX_PASSWORD = 200
log = get_logger("services.auth")


def _revoked_jti(jti: str) -> str:
    return f"sra:auth:revoked:{jti}"


def _revoked_family(family: str) -> str:
    return f"sra:auth:revoked-family:{family}"


def _spent(jti: str) -> str:
    return f"sra:auth:spent:{jti}"


class AuthService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], redis: Redis, settings: AuthSettings
    ) -> None:
        self.sessions = sessions
        self.redis = redis
        self.settings = settings
        self.login_throttle = LoginThrottle(redis, settings)
        self.registration_throttle = RegistrationThrottle(redis, settings)

    async def register_customer(
        self, email: str, password: str, full_name: str, locale: str, client_ip: str
    ) -> None:
        """Create the account, or quietly do nothing when the email is taken.

        Both outcomes look the same to the caller, and both pay for the password hash
        (the insert is what fails on a taken email), so neither the answer nor its timing
        tells whether an account exists."""
        await self.registration_throttle.admit(email.strip().lower(), client_ip)
        try:
            async with self.sessions.begin() as session:
                user = await users.add(
                    session,
                    email=email,
                    password_hash=await asyncio.to_thread(hash_password, password),
                    full_name=full_name,
                    role=Role.CUSTOMER,
                    locale=locale,
                )
                await users.add_customer_profile(session, user)
        except IntegrityError:
            log.info("auth.register_email_taken", account=_login_aggregate(email.lower()))
            return
        log.info("auth.registered", user_id=str(user.id))

    async def login(self, email: str, password: str, client_ip: str) -> TokenPair:
        email = email.strip().lower()
        # Counted before the password is checked, so parallel guesses cannot all slip
        # under the limit; a success gives the attempt back.
        await self.login_throttle.admit(email, client_ip)
        user = None
        if _plausible_email(email) and len(password) <= MAX_PASSWORD:
            async with self.sessions() as session:
                user = await users.by_email(session, email)
        ok = await asyncio.to_thread(
            verify_password, user.password_hash if user else None, password
        )
        if not ok or user is None or not user.is_active:
            await self.login_throttle.failed(email, client_ip)
            await record_security_event(
                self.sessions,
                "auth.login_failed",
                aggregate_id=_login_aggregate(email),
                data={
                    "email": email if _plausible_email(email) else "(malformed)",
                    "ip": client_ip,
                    "reason": "inactive" if user and ok else "bad credentials",
                },
            )
            raise Unauthorized("wrong email or password")
        await self.login_throttle.succeeded(email, client_ip)
        return await self._pair(user, family=uuid.uuid4().hex)

    async def refresh(self, refresh_token: str) -> TokenPair:
        claims = self._decode(refresh_token, "refresh")
        if await self.redis.exists(_revoked_family(claims.family)):
            raise Unauthorized("this session has been signed out")
        first_use = await self.redis.set(_spent(claims.jti), "1", nx=True, ex=self._ttl(claims))
        if not first_use:
            # A spent refresh token came back: someone else holds a copy.
            await self._revoke_family(claims.family)
            raise Unauthorized("refresh token reuse detected; the session is signed out")
        async with self.sessions() as session:
            user = await users.by_id(session, claims.subject)
        if user is None or not user.is_active:
            raise Unauthorized("the account is not active")
        return await self._pair(user, family=claims.family)

    async def logout(self, access: TokenClaims) -> None:
        await self.redis.set(_revoked_jti(access.jti), "1", ex=self._ttl(access))
        await self._revoke_family(access.family)

    async def end_session(self, refresh_token: str) -> None:
        """Sign out the session a refresh token belongs to (the browser's sign-out, which
        may no longer hold a valid access token)."""
        await self._revoke_family(self._decode(refresh_token, "refresh").family)

    async def authenticate(self, access_token: str) -> User:
        claims = self._decode(access_token, "access")
        revoked = await self.redis.mget(_revoked_jti(claims.jti), _revoked_family(claims.family))
        if any(revoked):
            raise Unauthorized("the token has been revoked")
        async with self.sessions() as session:
            user = await users.by_id(session, claims.subject)
        if user is None or not user.is_active:
            raise Unauthorized("the account is not active")
        return user

    def claims(self, access_token: str) -> TokenClaims:
        return self._decode(access_token, "access")

    def _decode(self, token: str, token_type: str) -> TokenClaims:
        try:
            return decode(self.settings, token, token_type)
        except InvalidToken as error:
            raise Unauthorized(f"invalid {token_type} token: {error}") from None

    async def _pair(self, user: User, family: str) -> TokenPair:
        access, _ = issue(
            self.settings, subject=str(user.id), role=user.role, token_type="access", family=family
        )
        refresh, _ = issue(
            self.settings, subject=str(user.id), role=user.role, token_type="refresh", family=family
        )
        return TokenPair(access, refresh, self.settings.access_ttl_s)

    async def _revoke_family(self, family: str) -> None:
        await self.redis.set(_revoked_family(family), "1", ex=self.settings.refresh_ttl_s)

    def _ttl(self, claims: TokenClaims) -> int:
        return max(claims.expires_at - int(time.time()), 1)


def _plausible_email(email: str) -> bool:
    return 3 <= len(email) <= 320 and "@" in email and email.isprintable()


def _login_aggregate(email: str) -> str:
    # Emails may be long or odd; the aggregate id must fit the contract (64 chars).
    return "login:" + hashlib.sha256(email.encode(errors="replace")).hexdigest()[:40]
