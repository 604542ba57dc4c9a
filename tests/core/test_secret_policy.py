"""No process serves with a public or short secret unless the run is explicitly local."""

import os
import subprocess
import sys

import pytest
from pydantic import SecretStr, ValidationError

from api.main import create_app
from core.secret_policy import MIN_SECRET_BYTES, InsecureSecrets, refuse_insecure_secrets
from core.settings import (
    LOCAL_JWT_SECRET,
    LOCAL_WEBHOOK_SECRET,
    REPO_ROOT,
    ApiSettings,
    AuthSettings,
    Settings,
    TelegramSettings,
)

STRONG = "s" * MIN_SECRET_BYTES


def _settings(**update: object) -> Settings:
    # The suite itself runs marked local (tests/conftest.py); these play a deployment.
    return Settings(_env_file=None).model_copy(update={"environment": "production", **update})


def test_a_process_outside_devstack_is_not_local_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SRA_ENVIRONMENT", raising=False)
    assert Settings(_env_file=None).environment == "production"


@pytest.mark.parametrize(
    "auth",
    [
        AuthSettings(),  # the default that shipped
        AuthSettings(jwt_secret=SecretStr("x" * (MIN_SECRET_BYTES - 1))),
        AuthSettings(jwt_secret=SecretStr("")),
        AuthSettings(jwt_secret=SecretStr(LOCAL_WEBHOOK_SECRET)),
        # A public key kept for verification reopens the hole just the same.
        AuthSettings(
            jwt_secret=SecretStr(STRONG), jwt_previous_secrets=[SecretStr(LOCAL_JWT_SECRET)]
        ),
    ],
)
def test_weak_signing_secrets_are_refused_outside_a_local_run(auth: AuthSettings) -> None:
    with pytest.raises(InsecureSecrets, match="SRA_AUTH__JWT_") as refused:
        refuse_insecure_secrets(_settings(auth=auth), "the API")
    assert "the API refuses to start in environment 'production'" in str(refused.value)
    assert "SRA_ENVIRONMENT=local" in str(refused.value)
    refuse_insecure_secrets(_settings(auth=auth, environment="local"), "the API")


def test_a_webhook_bot_needs_its_own_webhook_secret() -> None:
    auth = AuthSettings(jwt_secret=SecretStr(STRONG))
    webhook = TelegramSettings(mode="webhook")
    with pytest.raises(InsecureSecrets, match="SRA_TELEGRAM__WEBHOOK_SECRET is a default"):
        refuse_insecure_secrets(_settings(auth=auth, telegram=webhook), "bridges bot")
    own = webhook.model_copy(update={"webhook_secret": SecretStr(STRONG)})
    refuse_insecure_secrets(_settings(auth=auth, telegram=own), "bridges bot")
    # Polling never trusts the webhook secret, so it does not hold polling up.
    refuse_insecure_secrets(_settings(auth=auth), "bridges bot")


def test_a_short_operator_token_is_refused_outside_a_local_run() -> None:
    """It opens readiness details and /metrics; empty (admins only) is fine."""
    auth = AuthSettings(jwt_secret=SecretStr(STRONG))
    short = ApiSettings(ops_token=SecretStr("x"))
    with pytest.raises(InsecureSecrets, match="SRA_API__OPS_TOKEN is shorter than 32 bytes"):
        refuse_insecure_secrets(_settings(auth=auth, api=short), "the API")
    refuse_insecure_secrets(_settings(auth=auth, api=ApiSettings()), "the API")
    strong = ApiSettings(ops_token=SecretStr(STRONG))
    refuse_insecure_secrets(_settings(auth=auth, api=strong), "the API")


def test_only_hmac_algorithms_can_be_configured() -> None:
    with pytest.raises(ValidationError):
        AuthSettings(jwt_algorithm="none")


def test_long_random_secrets_pass_in_production() -> None:
    auth = AuthSettings(jwt_secret=SecretStr(STRONG), jwt_previous_secrets=[SecretStr("p" * 40)])
    refuse_insecure_secrets(_settings(auth=auth), "the API")


def test_the_api_refuses_to_be_built_with_the_default_secret() -> None:
    with pytest.raises(InsecureSecrets, match="SRA_AUTH__JWT_SECRET is a default"):
        create_app(_settings())


@pytest.mark.parametrize(
    "command",
    [
        ["worker.py"],
        ["-m", "bridges", "run"],
        ["-m", "bridges", "bot"],
        ["-m", "uvicorn", "--factory", "api.main:app_factory", "--port", "1"],
    ],
    ids=["worker", "relay", "bot", "api"],
)
def test_every_entry_point_refuses_the_default_secret(command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRA_")}
    result = subprocess.run(
        [sys.executable, *command],
        cwd=REPO_ROOT,
        env=dict(env, SRA_ENVIRONMENT="staging"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "refuses to start in environment 'staging'" in result.stderr
    assert "SRA_AUTH__JWT_SECRET is a default that shipped with the code" in result.stderr
