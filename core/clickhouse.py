"""The analytics store client: embedded chDB by default, a ClickHouse server by DSN.

clickhouse-connect gives the same client API for both. With chDB only one process may
open the store directory, so exactly one process (the API) owns it."""

from __future__ import annotations

from typing import Any

import clickhouse_connect

from core.settings import Settings


def connect_clickhouse(settings: Settings, dsn: str | None = None) -> Any:
    dsn = dsn or settings.clickhouse_dsn
    client = clickhouse_connect.get_client(dsn=dsn)
    client.command(f"CREATE DATABASE IF NOT EXISTS {settings.clickhouse.database}")
    return client
