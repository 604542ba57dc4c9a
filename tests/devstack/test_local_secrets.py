"""`make up` signs with its own secret: generated once into the state directory (0600),
handed to every process it starts, and the public default no longer opens anything."""

import stat
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.main import create_app
from core.secret_policy import refuse_insecure_secrets
from core.security import ACTION_LINK, issue, key_id
from core.settings import LOCAL_JWT_SECRET, LOCAL_WEBHOOK_SECRET, AuthSettings, Settings
from devstack.errors import StackError
from devstack.install import toolset
from devstack.local_secrets import child_environment, local_stack_settings, secrets_dir
from devstack.services import all_services
from devstack.supervisor import Layout, render_config, write_private
from domain.lifecycle import Role
from tests.helpers.people import make_person

OUR_PROCESSES = {
    "api",
    "worker-requests-1",
    "worker-notifications-1",
    "worker-verification-1",
    "worker-paperwork-1",
    "bridges",
    "bot",
}


def _fresh(tmp_path: Path, **given: object) -> Settings:
    """Settings as the launcher reads them on a machine where nothing was configured."""
    return Settings(_env_file=None, state_dir=tmp_path, **given)  # type: ignore[arg-type]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_first_up_generates_owner_only_secrets_and_later_ups_reuse_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SRA_ENVIRONMENT")  # as on a developer's machine
    first = local_stack_settings(_fresh(tmp_path))
    folder = secrets_dir(first)
    assert _mode(folder) == 0o700
    for name in ("jwt_secret", "telegram_webhook_secret"):
        assert _mode(folder / name) == 0o600
    jwt_secret = first.auth.jwt_secret.get_secret_value()
    assert len(jwt_secret.encode()) >= 32
    assert jwt_secret != LOCAL_JWT_SECRET
    assert first.telegram.webhook_secret.get_secret_value() != LOCAL_WEBHOOK_SECRET
    assert first.environment == "local"
    # Strong enough that even a process not marked local would accept them.
    refuse_insecure_secrets(first.model_copy(update={"environment": "production"}), "test")

    again = local_stack_settings(_fresh(tmp_path))
    assert again.auth.jwt_secret == first.auth.jwt_secret  # tokens survive a restart
    assert again.telegram.webhook_secret == first.telegram.webhook_secret


def test_the_local_api_gets_an_operator_token_and_its_docs(tmp_path: Path) -> None:
    """`make status` reads the API's readiness details, which need an operator's token;
    the local API listens on loopback, so its docs are the developer's."""
    first = local_stack_settings(_fresh(tmp_path))
    token = first.api.ops_token.get_secret_value()
    assert len(token.encode()) >= 32
    assert _mode(secrets_dir(first) / "ops_token") == 0o600
    assert first.api.public_docs
    assert local_stack_settings(_fresh(tmp_path)).api.ops_token == first.api.ops_token
    environment = child_environment(first)
    assert environment["SRA_API__OPS_TOKEN"] == token
    assert environment["SRA_API__PUBLIC_DOCS"] == "true"


def test_configured_secrets_and_environment_are_kept(tmp_path: Path) -> None:
    own = SecretStr("configured-" + "c" * 32)
    settings = local_stack_settings(
        _fresh(tmp_path, environment="staging", auth=AuthSettings(jwt_secret=own))
    )
    assert settings.auth.jwt_secret == own
    assert settings.environment == "staging"
    assert not (secrets_dir(settings) / "jwt_secret").exists()


def test_every_process_the_launcher_starts_receives_the_secrets(tmp_path: Path) -> None:
    settings = local_stack_settings(_fresh(tmp_path))
    services = {s.name: s for s in all_services(settings, toolset(settings))}
    expected = child_environment(settings)
    assert expected["SRA_AUTH__JWT_SECRET"] == settings.auth.jwt_secret.get_secret_value()
    for name in OUR_PROCESSES:
        assert expected.items() <= services[name].environment.items(), name
    config = render_config(Layout.of(settings), list(services.values()))
    api = config.split("[program:api]")[1].split("[program:")[0]
    assert f'SRA_AUTH__JWT_SECRET="{expected["SRA_AUTH__JWT_SECRET"]}"' in api
    assert 'SRA_ENVIRONMENT="local"' in api


def test_the_supervisor_configuration_is_owner_only(tmp_path: Path) -> None:
    config = tmp_path / "supervisord.conf"
    config.write_text("old")
    config.chmod(0o644)
    write_private(config, "new")
    assert _mode(config) == 0o600
    assert config.read_text() == "new"


def test_a_secret_supervisord_cannot_carry_is_refused_by_name(tmp_path: Path) -> None:
    quoted = AuthSettings(jwt_secret=SecretStr('has-a-"quote"-' + "q" * 32))
    settings = local_stack_settings(_fresh(tmp_path, auth=quoted))
    with pytest.raises(StackError, match="SRA_AUTH__JWT_SECRET"):
        render_config(Layout.of(settings), all_services(settings, toolset(settings)))


def test_a_percent_sign_reaches_the_process_unchanged(tmp_path: Path) -> None:
    from supervisor.datatypes import dict_of_key_value_pairs

    own = "with-%(percent)s-" + "p" * 32
    settings = local_stack_settings(_fresh(tmp_path, auth=AuthSettings(jwt_secret=SecretStr(own))))
    config = render_config(Layout.of(settings), all_services(settings, toolset(settings)))
    line = next(
        ln for ln in config.split("[program:api]")[1].splitlines() if ln.startswith("environment=")
    )
    # supervisord expands %(...)s in the line, then splits it into pairs.
    parsed = dict_of_key_value_pairs(line.removeprefix("environment=") % {})
    assert parsed["SRA_AUTH__JWT_SECRET"] == own


@pytest.fixture
async def launcher_api(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    """The API as `make up` runs it: its settings come from the launcher's environment."""
    launcher = local_stack_settings(_fresh(tmp_path))
    for name, value in child_environment(launcher).items():
        monkeypatch.setenv(name, value)
    child = Settings(_env_file=None)
    assert child.auth.jwt_secret == launcher.auth.jwt_secret
    served = settings.model_copy(update={"auth": child.auth, "environment": child.environment})
    app = create_app(served)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            yield http, served


def _forged(claims: dict[str, object], **headers: str) -> str:
    return jwt.encode(claims, LOCAL_JWT_SECRET, algorithm="HS256", headers=headers or None)


async def test_a_token_forged_with_the_old_default_secret_is_refused(
    launcher_api: tuple[httpx.AsyncClient, Settings],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    http, served = launcher_api
    admin = await make_person(sessions, Role.ADMIN)
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": admin.id, "role": "admin", "typ": "access", "jti": uuid.uuid4().hex,
        "fam": uuid.uuid4().hex, "iat": now, "exp": now + 600,
    }  # fmt: skip
    current_kid = key_id(served.auth.jwt_secret.get_secret_value())
    for token in (
        _forged(claims),  # as the review forged it
        _forged(claims, kid=key_id(LOCAL_JWT_SECRET)),
        _forged(claims, kid=current_kid),
    ):
        response = await http.get("/users", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, response.text

    # The generated secret itself works: the refusals above are about the key.
    real, _ = issue(served.auth, subject=admin.id, role="admin", token_type="access", family="f")
    response = await http.get("/users", headers={"Authorization": f"Bearer {real}"})
    assert response.status_code == 200, response.text

    link = _forged(
        {"sub": admin.id, "rid": str(uuid.uuid4()), "act": "confirm", "typ": ACTION_LINK,
         "iat": now, "exp": now + 600},
        kid=current_kid,
    )  # fmt: skip
    response = await http.get(f"/confirm/{link}")
    assert response.status_code == 400
    assert "Подтвердите" not in response.text


def test_up_refuses_a_weak_configured_secret_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from devstack.cli import up

    weak = AuthSettings(jwt_secret=SecretStr("short"))
    settings = local_stack_settings(_fresh(tmp_path, environment="staging", auth=weak))
    assert up(settings, detach=True, infra_only=True, test_tools=False) == 1
    said = capsys.readouterr()
    assert "SRA_AUTH__JWT_SECRET is shorter than 32 bytes" in said.out + said.err
    assert not Layout.of(settings).config.exists()  # nothing was configured or started


def test_up_refuses_a_configured_public_default_even_in_a_local_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An .env left with the old default would otherwise come up forgeable under make up."""
    from devstack.cli import up

    public = AuthSettings(jwt_secret=SecretStr(LOCAL_JWT_SECRET))
    settings = local_stack_settings(_fresh(tmp_path, auth=public))
    assert settings.environment == "local"
    assert up(settings, detach=True, infra_only=True, test_tools=False) == 1
    said = capsys.readouterr()
    assert "SRA_AUTH__JWT_SECRET is a default that shipped with the code" in said.out + said.err
    assert not Layout.of(settings).config.exists()
