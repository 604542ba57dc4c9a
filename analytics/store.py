"""The analytics store: a ClickHouse client (embedded chDB or a server, same API) with
the schema applied, serialised where the embedded engine needs it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from analytics import schema
from analytics.rows import COLUMNS
from core.clickhouse import connect_clickhouse
from core.settings import Settings

COUNTED_TABLES = ("events", "request_facts")


class AnalyticsStore:
    def __init__(self, client: Any, database: str, *, embedded: bool) -> None:
        self.client = client
        self.database = database
        # One chDB connection runs one statement at a time; a server takes many.
        self._lock = threading.Lock() if embedded else None

    @classmethod
    def open(cls, settings: Settings, client: Any | None = None) -> AnalyticsStore:
        client = client or connect_clickhouse(settings)
        store = cls(client, settings.clickhouse.database, embedded=settings.clickhouse_embedded)
        store.migrate()
        return store

    def migrate(self) -> list[str]:
        applied: list[str] = self._locked(schema.upgrade, self.client, self.database)
        return applied

    def insert_events(self, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._locked(self.client.insert, f"{self.database}.events", rows, column_names=COLUMNS)

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        """Run a SELECT; `{db}` in the text names the analytics database."""
        return self._locked(
            self.client.query, sql.replace("{db}", self.database), parameters=parameters or {}
        )

    def counts(self) -> dict[str, int]:
        """Distinct events and requests stored (exact, whatever merges have run)."""
        events = self.query("SELECT count() FROM {db}.events FINAL").result_rows[0][0]
        requests = self.query("SELECT uniqExact(request_id) FROM {db}.request_facts")
        return {"events": int(events), "requests": int(requests.result_rows[0][0])}

    async def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a blocking method off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def _locked(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._lock is None:
            return fn(*args, **kwargs)
        with self._lock:
            return fn(*args, **kwargs)
