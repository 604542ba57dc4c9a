"""Tokens and action links name their signing key (kid); rotation keeps listed keys."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from pydantic import SecretStr

from core.security import (
    ACTION_LINK,
    InvalidToken,
    decode,
    decode_action_link,
    issue,
    issue_action_link,
    key_id,
)
from core.settings import LOCAL_JWT_SECRET, AuthSettings

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)

OLD = "old-signing-secret-" + "o" * 32
NEW = "new-signing-secret-" + "n" * 32


def _auth(current: str, *previous: str) -> AuthSettings:
    return AuthSettings(
        jwt_secret=SecretStr(current), jwt_previous_secrets=[SecretStr(p) for p in previous]
    )


def _access(settings: AuthSettings) -> str:
    token, _ = issue(settings, subject="u1", role="admin", token_type="access", family="f1")
    return token


def _link(settings: AuthSettings) -> str:
    return issue_action_link(
        settings, subject="u1", request_id=str(uuid.uuid4()), action="confirm", ttl_s=600
    )


def _claims() -> dict[str, object]:
    now = int(time.time())
    return {"sub": "u1", "role": "admin", "typ": "access", "jti": "j", "fam": "f",
            "iat": now, "exp": now + 600}  # fmt: skip


def test_tokens_and_links_name_the_current_key() -> None:
    settings = _auth(NEW)
    assert jwt.get_unverified_header(_access(settings))["kid"] == key_id(NEW)
    assert jwt.get_unverified_header(_link(settings))["kid"] == key_id(NEW)
    assert key_id(NEW) != key_id(OLD)


def test_a_rotated_key_still_verifies_while_it_is_listed() -> None:
    token, link = _access(_auth(OLD)), _link(_auth(OLD))
    rotated = _auth(NEW, OLD)
    assert decode(rotated, token, "access").subject == "u1"
    assert decode_action_link(rotated, link).action == "confirm"
    # ... and new tokens are signed with the new key only.
    assert jwt.get_unverified_header(_access(rotated))["kid"] == key_id(NEW)


def test_dropping_the_old_key_signs_its_tokens_out() -> None:
    token, link = _access(_auth(OLD)), _link(_auth(OLD))
    with pytest.raises(InvalidToken, match="unknown or retired"):
        decode(_auth(NEW), token, "access")
    with pytest.raises(InvalidToken, match="unknown or retired"):
        decode_action_link(_auth(NEW), link)


def test_a_token_without_a_kid_is_refused_even_with_a_valid_signature() -> None:
    legacy = jwt.encode(_claims(), NEW, algorithm="HS256")
    with pytest.raises(InvalidToken, match="names no signing key"):
        decode(_auth(NEW), legacy, "access")
    now = int(time.time())
    link = jwt.encode(
        {"sub": "u1", "rid": "r", "act": "confirm", "typ": ACTION_LINK, "exp": now + 60},
        NEW,
        algorithm="HS256",
    )
    with pytest.raises(InvalidToken, match="names no signing key"):
        decode_action_link(_auth(NEW), link)


def test_a_token_naming_the_current_kid_but_signed_with_another_secret_is_refused() -> None:
    forged = jwt.encode(
        _claims(), LOCAL_JWT_SECRET, algorithm="HS256", headers={"kid": key_id(NEW)}
    )
    with pytest.raises(InvalidToken, match="Signature"):
        decode(_auth(NEW), forged, "access")


def _hand_signed(header: dict[str, object], secret: str) -> str:
    """A validly signed HS256 token with any header (PyJWT itself refuses odd kids)."""

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signed = f"{part({'alg': 'HS256', 'typ': 'JWT', **header})}.{part(_claims())}"
    mac = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


@pytest.mark.parametrize("kid", [None, 7, ["x"], "", "no-such-key"])
def test_odd_kids_are_refused(kid: object) -> None:
    token = _hand_signed({} if kid is None else {"kid": kid}, NEW)
    with pytest.raises(InvalidToken):
        decode(_auth(NEW), token, "access")


def test_the_hand_signed_helper_makes_tokens_that_verify() -> None:
    assert decode(_auth(NEW), _hand_signed({"kid": key_id(NEW)}, NEW), "access").role == "admin"


def test_garbage_is_an_invalid_token() -> None:
    with pytest.raises(InvalidToken):
        decode(_auth(NEW), "not.a.jwt", "access")
