"""Password hashing (argon2id) and signed tokens (JWT).

Every token and action link names its signing key in the `kid` header. The current
secret signs; it and the previous secrets verify, so a secret can be rotated without
signing everyone out. A token without a kid, or naming a key no longer listed, is
refused: tokens from before kids existed were signed with the public default secret.
"""

from __future__ import annotations

import hashlib
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


def key_id(secret: str) -> str:
    """A signing key's id: a short fingerprint of the secret, so rotating needs no naming
    scheme and two secrets never share an id. It reveals nothing of a random secret."""
    return hashlib.sha256(b"sra-signing-key:" + secret.encode()).hexdigest()[:16]


def _sign(settings: AuthSettings, payload: dict[str, Any]) -> str:
    secret = settings.jwt_secret.get_secret_value()
    return jwt.encode(
        payload, secret, algorithm=settings.jwt_algorithm, headers={"kid": key_id(secret)}
    )


def _verify(settings: AuthSettings, token: str, required: list[str]) -> dict[str, Any]:
    """The payload of a token signed by a listed key; InvalidToken otherwise."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    if not isinstance(kid, str):
        raise InvalidToken("the token names no signing key")
    secrets = [settings.jwt_secret, *settings.jwt_previous_secrets]
    keys = {key_id(s.get_secret_value()): s.get_secret_value() for s in secrets}
    if kid not in keys:
        raise InvalidToken("the token's signing key is unknown or retired")
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            keys[kid],
            algorithms=[settings.jwt_algorithm],
            options={"require": required},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    return payload


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
    return _sign(settings, payload), claims


def decode(settings: AuthSettings, token: str, expected_type: str) -> TokenClaims:
    payload = _verify(settings, token, ["sub", "exp", "jti", "typ", "fam"])
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
    return _sign(settings, payload)


def decode_action_link(settings: AuthSettings, token: str) -> ActionLink:
    payload = _verify(settings, token, ["sub", "exp", "rid", "act", "typ"])
    if payload["typ"] != ACTION_LINK:
        raise InvalidToken("not an action link")
    return ActionLink(payload["sub"], payload["rid"], payload["act"])
