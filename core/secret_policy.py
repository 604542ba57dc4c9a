"""The secrets a process may start with.

A secret that ever shipped as a default is public: anyone can sign an admin token or a
confirm link with it, or post forged Telegram updates. Every entry point (API, worker,
relay, bot) calls `refuse_insecure_secrets` before it serves, so such a process never
comes up outside a run explicitly marked local.
"""

from __future__ import annotations

from pydantic import SecretStr

from core.settings import LOCAL_ENVIRONMENT, LOCAL_JWT_SECRET, LOCAL_WEBHOOK_SECRET, Settings

# HS256 keys shorter than the hash output (32 bytes) weaken the MAC (RFC 7518 §3.2).
MIN_SECRET_BYTES = 32

# Every value that was ever a default or an example in the repository.
KNOWN_DEFAULT_SECRETS = frozenset({LOCAL_JWT_SECRET, LOCAL_WEBHOOK_SECRET, "change-me"})

GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class InsecureSecrets(RuntimeError):
    """A process was about to serve with a public or too short secret."""


def secret_problem(secret: SecretStr) -> str | None:
    """Why this secret must not be used outside a local run, or None when it may."""
    value = secret.get_secret_value()
    if value in KNOWN_DEFAULT_SECRETS:
        return "is a default that shipped with the code (public)"
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    return None


def insecure_secrets(settings: Settings) -> list[str]:
    """Each secret setting in use that a non-local process must refuse, with the reason."""
    auth = settings.auth
    checked: list[tuple[str, SecretStr]] = [("SRA_AUTH__JWT_SECRET", auth.jwt_secret)]
    # A previous key still verifies tokens, so a public one reopens the same hole.
    checked += [
        (f"SRA_AUTH__JWT_PREVIOUS_SECRETS[{i}]", secret)
        for i, secret in enumerate(auth.jwt_previous_secrets)
    ]
    # An operator token opens readiness details and /metrics: when set, it is a secret.
    if settings.api.ops_token.get_secret_value():
        checked.append(("SRA_API__OPS_TOKEN", settings.api.ops_token))
    # The webhook secret is only trusted (and only reachable) in webhook mode.
    if settings.telegram.mode == "webhook":
        checked.append(("SRA_TELEGRAM__WEBHOOK_SECRET", settings.telegram.webhook_secret))
    return [
        f"{name} {problem}"
        for name, secret in checked
        if (problem := secret_problem(secret)) is not None
    ]


def public_signing_secrets(settings: Settings) -> list[str]:
    """The signing secrets in use that shipped with the code: refused even in a local
    run once someone configured them (the local stack generates its own)."""
    auth = settings.auth
    named = [("SRA_AUTH__JWT_SECRET", auth.jwt_secret)] + [
        (f"SRA_AUTH__JWT_PREVIOUS_SECRETS[{i}]", secret)
        for i, secret in enumerate(auth.jwt_previous_secrets)
    ]
    return [name for name, secret in named if secret.get_secret_value() in KNOWN_DEFAULT_SECRETS]


def refuse_insecure_secrets(settings: Settings, process: str) -> None:
    """Raise InsecureSecrets (naming what to set) unless every secret in use is safe or the
    environment is explicitly local."""
    if settings.environment == LOCAL_ENVIRONMENT:
        return
    problems = insecure_secrets(settings)
    if problems:
        raise InsecureSecrets(
            f"{process} refuses to start in environment {settings.environment!r}: "
            + "; ".join(problems)
            + f". Set each to a random value of at least {MIN_SECRET_BYTES} bytes "
            f"(e.g. {GENERATE_HINT}), or set SRA_ENVIRONMENT=local for a local run."
        )
