"""Password hashing (argon2id) and signed tokens (JWT)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.settings import AuthSettings

_hasher = PasswordHasher()
# Verifying against this keeps the timing of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("no-such-user-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    role: str
    token_type: str  # access | refresh
    jti: str
    family: str
    expires_at: int


class InvalidToken(Exception):
    pass


def issue(
    settings: AuthSettings, *, subject: str, role: str, token_type: str, family: str
) -> tuple[str, TokenClaims]:
    ttl = settings.access_ttl_s if token_type == "access" else settings.refresh_ttl_s
    now = int(time.time())
    claims = TokenClaims(
        subject=subject,
        role=role,
        token_type=token_type,
        jti=uuid.uuid4().hex,
        family=family,
        expires_at=now + ttl,
    )
    payload: dict[str, Any] = {
        "sub": subject,
        "role": role,
        "typ": token_type,
        "jti": claims.jti,
        "fam": family,
        "iat": now,
        "exp": claims.expires_at,
    }
    token = jwt.encode(
        payload, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm
    )
    return token, claims


def decode(settings: AuthSettings, token: str, expected_type: str) -> TokenClaims:
    try:
        payload = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["sub", "exp", "jti", "typ", "fam"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    if payload["typ"] != expected_type:
        raise InvalidToken(f"expected an {expected_type} token")
    return TokenClaims(
        subject=payload["sub"],
        role=payload["role"],
        token_type=payload["typ"],
        jti=payload["jti"],
        family=payload["fam"],
        expires_at=int(payload["exp"]),
    )


@dataclass(frozen=True)
class ActionLink:
    """A link in a message that lets its recipient do one action on one request
    (e.g. the customer confirms the work from the email) without signing in."""

    subject: str
    request_id: str
    action: str


ACTION_LINK = "action_link"


def issue_action_link(
    settings: AuthSettings, *, subject: str, request_id: str, action: str, ttl_s: int
) -> str:
    now = int(time.time())
    payload = {
        "sub": subject,
        "rid": request_id,
        "act": action,
        "typ": ACTION_LINK,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(
        payload, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm
    )


def decode_action_link(settings: AuthSettings, token: str) -> ActionLink:
    try:
        payload = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["sub", "exp", "rid", "act", "typ"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    if payload["typ"] != ACTION_LINK:
        raise InvalidToken("not an action link")
    return ActionLink(payload["sub"], payload["rid"], payload["act"])
