"""Versioned ClickHouse DDL, applied in order on start (the way Alembic does it for
PostgreSQL): migrations/NNNN_name.sql, recorded in {db}.schema_migrations with a checksum.

Every statement is idempotent (IF NOT EXISTS), so two processes starting at once against
a ClickHouse server both succeed. An applied migration whose file changed is refused:
a deployed schema is changed by a new migration, never by editing an old one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class SchemaDrift(RuntimeError):
    """An applied migration's file is not what was applied."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self, database: str) -> list[str]:
        body = "\n".join(
            line for line in self.sql.splitlines() if not line.lstrip().startswith("--")
        )
        return [s.strip().replace("{db}", database) for s in body.split(";") if s.strip()]


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migrations share a version number")
    return found


def upgrade(client: Any, database: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply what is missing; return the names applied now."""
    client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
    client.command(
        f"CREATE TABLE IF NOT EXISTS {database}.schema_migrations "
        "(version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC')) "
        "ENGINE = ReplacingMergeTree ORDER BY version"
    )
    applied = {
        int(version): checksum
        for version, checksum in client.query(
            f"SELECT version, checksum FROM {database}.schema_migrations FINAL"  # noqa: S608 - the database is a checked identifier from settings
        ).result_rows
    }
    done = []
    for migration in migrations(directory):
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise SchemaDrift(
                    f"analytics migration {migration.name} changed after it was applied; "
                    "add a new migration instead"
                )
            continue
        for statement in migration.statements(database):
            client.command(statement)
        client.command(
            f"INSERT INTO {database}.schema_migrations (version, name, checksum, applied_at) "  # noqa: S608
            "VALUES ({version:UInt32}, {name:String}, {checksum:String}, now64(3))",
            parameters={
                "version": migration.version,
                "name": migration.name,
                "checksum": migration.checksum,
            },
        )
        done.append(migration.name)
    return done


def drop_all(client: Any, database: str) -> None:
    """Remove the analytics database (a rebuild starts from nothing)."""
    client.command(f"DROP DATABASE IF EXISTS {database} SYNC")
