"""The local stack's own secrets: generated on the first `make up`, kept in the state
directory (0600) and reused, so tokens and links survive restarts; never the public
defaults that ship in the code.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from core.settings import LOCAL_ENVIRONMENT, Settings

# 32 random bytes: the HS256 key length the secret policy asks for, URL-safe so it
# travels through supervisord's environment syntax unquoted.
SECRET_BYTES = 32
# Categories the local stack offers to executors by itself (off in production unless set).
DEMO_AUTO_CATEGORIES = ("heating", "installation")


def secrets_dir(settings: Settings) -> Path:
    return settings.state_dir.resolve() / "secrets"


def stored_secret(path: Path) -> str:
    """The secret in `path`, written first (owner-only) when there is none yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        # O_EXCL: of two launchers starting at once, one writes and both read its secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(SECRET_BYTES))
    return path.read_text().strip()


def local_stack_settings(settings: Settings) -> Settings:
    """The launcher's settings: marked local unless an environment was set, with the
    state directory's secrets wherever none was configured."""
    update: dict[str, object] = {}
    if "environment" not in settings.model_fields_set:
        update["environment"] = LOCAL_ENVIRONMENT
    folder = secrets_dir(settings)
    if "jwt_secret" not in settings.auth.model_fields_set:
        secret = SecretStr(stored_secret(folder / "jwt_secret"))
        update["auth"] = settings.auth.model_copy(update={"jwt_secret": secret})
    api: dict[str, object] = {}
    if "ops_token" not in settings.api.model_fields_set:
        # What `make status` shows of the API's readiness needs an operator's token.
        api["ops_token"] = SecretStr(stored_secret(folder / "ops_token"))
    if "public_docs" not in settings.api.model_fields_set:
        # The local API listens on loopback only: its docs are for the developer.
        api["public_docs"] = True
    if api:
        update["api"] = settings.api.model_copy(update=api)
    if "webhook_secret" not in settings.telegram.model_fields_set:
        secret = SecretStr(stored_secret(folder / "telegram_webhook_secret"))
        update["telegram"] = settings.telegram.model_copy(update={"webhook_secret": secret})
    if "auto_categories" not in settings.dispatch.model_fields_set:
        # The demo's auto-dispatched categories (devstack/demo.py shows their cascades).
        update["dispatch"] = settings.dispatch.model_copy(
            update={"auto_categories": list(DEMO_AUTO_CATEGORIES)}
        )
    return settings.model_copy(update=update)


def child_environment(settings: Settings) -> dict[str, str]:
    """What each of our processes must see to run with the launcher's secrets."""
    return {
        "SRA_ENVIRONMENT": settings.environment,
        "SRA_AUTH__JWT_SECRET": settings.auth.jwt_secret.get_secret_value(),
        "SRA_TELEGRAM__WEBHOOK_SECRET": settings.telegram.webhook_secret.get_secret_value(),
        "SRA_API__OPS_TOKEN": settings.api.ops_token.get_secret_value(),
        "SRA_API__PUBLIC_DOCS": "true" if settings.api.public_docs else "false",
        "SRA_DISPATCH__AUTO_CATEGORIES": ",".join(settings.dispatch.auto_categories),
    }
