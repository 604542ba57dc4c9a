"""The analytics rebuild, from the outbox and from Kafka: every event once, and a second
run gives the same tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analytics import schema
from analytics.rebuild import rebuild
from analytics.store import AnalyticsStore
from bridges import analytics_sources
from core.settings import Settings
from tests.helpers.outbox_rows import all_published, append_events
from tests.helpers.polling import until
from tests.helpers.relay import running_relay


@pytest.fixture
def store(settings: Settings, unique: str) -> Iterator[AnalyticsStore]:
    """A database of its own in the run's embedded store (one directory per process)."""
    database = "rebuild_" + unique.replace("-", "_")
    mine = settings.model_copy(
        update={"clickhouse": settings.clickhouse.model_copy(update={"database": database})}
    )
    opened = AnalyticsStore.open(mine)
    yield opened
    schema.drop_all(opened.client, database)


def _ours(store: AnalyticsStore, event_ids: set[str]) -> tuple[int, int]:
    """(events of ours stored once each, rows of ours before folding copies)."""
    ours = "toString(event_id) IN {ids:Array(String)}"
    ids = {"ids": sorted(event_ids)}
    distinct = store.query(f"SELECT count() FROM {{db}}.events FINAL WHERE {ours}", ids)
    rows = store.query(f"SELECT count() FROM {{db}}.events WHERE {ours}", ids)
    return int(distinct.result_rows[0][0]), int(rows.result_rows[0][0])


async def test_rebuild_from_postgres_is_complete_and_repeatable(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], store: AnalyticsStore
) -> None:
    aggregates = [f"rebuild-pg-{uuid.uuid4().hex[:8]}-{n}" for n in range(10)]
    event_ids = await append_events(sessions, aggregates, per_aggregate=12)
    total = await analytics_sources.postgres_count(settings)
    seen: list[int] = []

    first = await rebuild(
        store,
        analytics_sources.from_postgres(settings),
        total=total,
        progress=lambda done, _: seen.append(done),
    )
    assert _ours(store, event_ids) == (len(event_ids), len(event_ids))
    assert first.written + first.bad >= total  # the outbox may have grown since counting
    assert seen  # progress was shown
    assert seen == sorted(seen)  # and only went forward

    counts = store.counts()
    again = await rebuild(
        store, analytics_sources.from_postgres(settings), progress=lambda *_: None
    )
    assert again.bad == first.bad
    assert store.counts()["requests"] >= counts["requests"]
    assert _ours(store, event_ids) == (len(event_ids), len(event_ids))  # not doubled


@pytest.mark.slow
async def test_rebuild_from_kafka_reads_the_topics_from_the_start(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], store: AnalyticsStore
) -> None:
    aggregates = [f"rebuild-kafka-{uuid.uuid4().hex[:8]}-{n}" for n in range(10)]
    event_ids = await append_events(sessions, aggregates, per_aggregate=12)
    async with running_relay(settings):
        await until(lambda: all_published(sessions, aggregates), 60, "our events published")
    total, ends = await analytics_sources.kafka_count(settings)

    result = await rebuild(
        store, analytics_sources.from_kafka(settings, ends), total=total, progress=lambda *_: None
    )
    distinct, _ = _ours(store, event_ids)
    assert distinct == len(event_ids)
    assert 0 < result.written <= total
    requests = store.query(
        "SELECT count() FROM {db}.requests WHERE request_id IN {a:Array(String)}",
        {"a": aggregates},
    )
    assert requests.result_rows[0][0] == len(aggregates)
