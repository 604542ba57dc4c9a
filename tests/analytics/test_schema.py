"""The analytics DDL is applied once, in order, and an edited old migration is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics import schema
from core.clickhouse import connect_clickhouse
from core.settings import Settings


@pytest.fixture
def client(settings: Settings) -> Any:
    # The run's own embedded store: one chDB directory per process.
    return connect_clickhouse(settings)


@pytest.fixture
def database(client: Any, unique: str) -> Iterator[str]:
    name = "schema_" + unique.replace("-", "_")
    yield name
    schema.drop_all(client, name)


def _copy_migrations(target: Path) -> Path:
    target.mkdir()
    for migration in schema.MIGRATIONS_DIR.glob("*.sql"):
        (target / migration.name).write_text(migration.read_text())
    return target


def test_upgrade_applies_every_migration_once(client: Any, database: str) -> None:
    names = [m.name for m in schema.migrations()]
    assert schema.upgrade(client, database) == names
    assert schema.upgrade(client, database) == []  # a second start changes nothing
    recorded = client.query(
        f"SELECT version, name FROM {database}.schema_migrations FINAL ORDER BY version"
    ).result_rows
    assert [name for _, name in recorded] == names
    tables = {row[0] for row in client.query(f"SHOW TABLES FROM {database}").result_rows}
    assert {"events", "request_facts", "request_facts_mv", "requests"} <= tables


def test_a_new_migration_is_applied_on_the_next_start(
    client: Any, database: str, tmp_path: Path
) -> None:
    directory = _copy_migrations(tmp_path / "migrations")
    schema.upgrade(client, database, directory)
    (directory / "0999_extra.sql").write_text(
        "CREATE TABLE IF NOT EXISTS {db}.extra (x UInt8) ENGINE = MergeTree ORDER BY x;"
    )
    assert schema.upgrade(client, database, directory) == ["0999_extra"]
    assert client.command(f"EXISTS TABLE {database}.extra") == 1


def test_an_applied_migration_that_changed_is_refused(
    client: Any, database: str, tmp_path: Path
) -> None:
    directory = _copy_migrations(tmp_path / "migrations")
    schema.upgrade(client, database, directory)
    first = sorted(directory.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after deploy\n")
    with pytest.raises(schema.SchemaDrift, match=first.stem):
        schema.upgrade(client, database, directory)


def test_badly_named_migration_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "add_table.sql").write_text("SELECT 1")
    with pytest.raises(ValueError, match="NNNN_name"):
        schema.migrations(tmp_path)
