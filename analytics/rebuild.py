"""Rebuild the analytics from a source of events: the store is emptied, the schema
applied again, and every event written through the same rows as the sink writes.

Running it twice gives the same tables (a copy of an event folds into the original), and
a sink running meanwhile only adds what it would have added anyway.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from analytics import schema
from analytics.rows import BadEvent, event_row
from analytics.store import AnalyticsStore

EventBatches = AsyncIterator[list[tuple[str, dict[str, Any]]]]  # (topic, envelope) pairs


@dataclass
class RebuildResult:
    written: int = 0
    bad: int = 0
    seconds: float = 0.0


Progress = Callable[[int, int | None], None]


def print_progress(done: int, total: int | None) -> None:
    """One self-overwriting line on stderr: events so far, of how many."""
    if total:
        share = min(done / total, 1.0)
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\r  [{bar:<30}] {done}/{total} events ({share:.0%})")
    else:
        sys.stderr.write(f"\r  {done} events")
    sys.stderr.flush()


async def rebuild(
    store: AnalyticsStore,
    batches: EventBatches,
    *,
    total: int | None = None,
    progress: Progress = print_progress,
) -> RebuildResult:
    started = time.perf_counter()
    schema.drop_all(store.client, store.database)
    store.migrate()
    result = RebuildResult()
    async for batch in batches:
        rows = []
        for topic, envelope in batch:
            try:
                rows.append(event_row(topic, envelope))
            except BadEvent:
                result.bad += 1
        await store.run(store.insert_events, rows)
        result.written += len(rows)
        progress(result.written + result.bad, total)
    result.seconds = time.perf_counter() - started
    return result
