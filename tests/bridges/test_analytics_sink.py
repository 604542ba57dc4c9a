"""The Kafka → ClickHouse sink as a real process: killed with -9 mid-stream and started
again, it ends with every outbox event stored exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bridges.analytics_sources import end_offsets
from core.settings import Settings
from tests.helpers.analytics_store import count_events
from tests.helpers.outbox_rows import all_published, append_events
from tests.helpers.polling import until
from tests.helpers.processes import PlatformProcess
from tests.helpers.relay import running_relay


@pytest.fixture
def sink_process(settings: Settings, tmp_path: Path, unique: str) -> Iterator[PlatformProcess]:
    process = PlatformProcess(
        settings,
        ["-m", "bridges", "sink"],
        "SRA_ANALYTICS__METRICS_PORT",
        SRA_CLICKHOUSE__DSN=f"chdb://{tmp_path / 'store'}",
        SRA_ANALYTICS__CONSUMER_GROUP=unique,
        SRA_ANALYTICS__BATCH_MAX="200",
        # Nothing is committed before the kill: the restart replays every event the
        # first process wrote, so the store's de-duplication must do its job.
        SRA_ANALYTICS__COMMIT_INTERVAL_S="3600",
    )
    yield process
    process.stop()


async def _metric(process: PlatformProcess, name: str) -> float:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            text = (await client.get(f"http://127.0.0.1:{process.port}/metrics")).text
    except httpx.HTTPError:
        return 0.0
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


async def _committed_past(settings: Settings, group: str, ends: dict[TopicPartition, int]) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return all(
        end == 0 or (tp in committed and committed[tp].offset >= end) for tp, end in ends.items()
    )


async def _written_at_least(process: PlatformProcess, count: int) -> float:
    written = await _metric(process, "analytics_sink_events_total")
    return written if written >= count else 0.0


@pytest.mark.slow
async def test_sink_killed_mid_stream_ends_with_each_event_once(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    sink_process: PlatformProcess,
    tmp_path: Path,
    unique: str,
) -> None:
    run = uuid.uuid4().hex[:8]
    aggregates = {f"sink-{run}-{n}" for n in range(30)}
    event_ids = await append_events(sessions, sorted(aggregates), per_aggregate=40)
    async with running_relay(settings):
        sink_process.start()
        written_before_kill = await until(
            lambda: _written_at_least(sink_process, 400), 120, "the sink writing"
        )
        sink_process.kill()
        # The second process commits as it goes, which tells the test when it is done.
        sink_process.env["SRA_ANALYTICS__COMMIT_INTERVAL_S"] = "0.5"
        sink_process.start()
        await until(lambda: all_published(sessions, aggregates), 120, "all published")
        ends = await end_offsets(settings)  # every event of ours is before these
        await until(lambda: _committed_past(settings, unique, ends), 180, "the sink caught up")
        # Nothing was committed before the kill, so the second process wrote again
        # everything the first one had.
        assert await _metric(sink_process, "analytics_sink_events_total") >= written_before_kill
        sink_process.stop()

    counts = count_events(tmp_path / "store", event_ids, aggregates)
    assert counts["distinct"] == len(event_ids)  # none missing, none doubled
    assert counts["requests"] == len(aggregates)
    assert counts["written"] >= counts["distinct"]
