from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import ClickHouseSettings, Settings

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)


def test_nested_settings_come_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRA_POSTGRES__PORT", "6543")
    monkeypatch.setenv("SRA_KAFKA__TOPIC_PARTITIONS", "12")
    monkeypatch.setenv("SRA_TEMPORAL__TASK_QUEUE", "elsewhere")
    settings = Settings(_env_file=None)
    assert settings.postgres.url() == "postgresql+psycopg://postgres@127.0.0.1:6543/aggregator"
    assert settings.kafka.topic_partitions == 12
    assert settings.temporal.task_queue == "elsewhere"


def test_clickhouse_defaults_to_embedded_chdb_in_the_state_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, state_dir=tmp_path)
    assert settings.clickhouse_dsn == f"chdb://{tmp_path / 'clickhouse'}"


def test_a_clickhouse_server_dsn_is_used_unchanged() -> None:
    dsn = "http://default:secret@clickhouse:8123/default"
    settings = Settings(_env_file=None, clickhouse=ClickHouseSettings(dsn=dsn))
    assert settings.clickhouse_dsn == dsn


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRA_KAFKA__TOPIC_PARTITIONS", "0")
    with pytest.raises(ValueError, match="topic_partitions"):
        Settings(_env_file=None)


def test_an_unknown_time_zone_is_refused_at_start_up() -> None:
    """Document dates and age checks use it: a typo must stop the process, not a payout."""
    with pytest.raises(ValidationError, match="unknown time zone 'Europe/Moskow'"):
        Settings(_env_file=None, time_zone="Europe/Moskow")
    assert Settings(_env_file=None, time_zone="Asia/Vladivostok").time_zone == "Asia/Vladivostok"


def test_public_origins_are_origins_as_browsers_send_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRA_API__PUBLIC_ORIGINS", '["HTTPS://App.Example.com/", "http://x:8080"]')
    assert Settings(_env_file=None).api.public_origins == [
        "https://app.example.com",
        "http://x:8080",
    ]
    for wrong in ("app.example.com", "https://app.example.com/app/", "ftp://x", "https://"):
        monkeypatch.setenv("SRA_API__PUBLIC_ORIGINS", f'["{wrong}"]')
        with pytest.raises(ValidationError, match="is not an origin"):
            Settings(_env_file=None)
