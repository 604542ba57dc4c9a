"""Kafka → ClickHouse: every event of every topic into the analytics store.

One consumer group reads all topics in batches; a batch is written when it is full or
shortly after its first event, and offsets are committed only after the write, at most
every `commit_interval_s`. A crash therefore replays what was written but not committed;
the events table folds copies of an event_id and the derived facts use aggregates that a
copy cannot change, so the result is exactly once. A record that is not a valid event is
logged and counted, never retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge, Histogram

from analytics.rows import BadEvent, event_row
from analytics.store import AnalyticsStore
from core.logging import get_logger
from core.settings import Settings
from domain.topics import ALL_TOPICS

log = get_logger("analytics.sink")

SINK_WRITTEN = Counter("analytics_sink_events_total", "Events written to ClickHouse")
SINK_BAD = Counter("analytics_sink_bad_events_total", "Records that are not valid events")
SINK_WRITE_ERRORS = Counter("analytics_sink_write_errors_total", "Failed writes (retried)")
SINK_BATCH = Histogram(
    "analytics_sink_batch_seconds",
    "Time to write one batch",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SINK_LAST_WRITE = Gauge("analytics_sink_last_write_timestamp_seconds", "Last batch written")
RETRY_MAX_S = 10.0


class AnalyticsSink:
    def __init__(self, settings: Settings, store: AnalyticsStore) -> None:
        self.settings = settings
        self.store = store
        self.assigned = asyncio.Event()  # partitions were handed to us at least once
        self.written = 0

    async def run(self, stop: asyncio.Event) -> None:
        delay = 0.5
        while not stop.is_set():
            try:
                await self._consume(stop)
                return
            except (KafkaError, OSError) as error:
                log.warning("analytics_sink.kafka_unreachable", error=str(error))
            await _sleep_or_stop(stop, delay)
            delay = min(delay * 2, RETRY_MAX_S)

    async def _consume(self, stop: asyncio.Event) -> None:
        config = self.settings.analytics
        consumer = AIOKafkaConsumer(
            *ALL_TOPICS,
            bootstrap_servers=self.settings.kafka.bootstrap_servers,
            group_id=config.consumer_group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        await consumer.start()
        written: dict[TopicPartition, int] = {}  # next offset to commit, per partition
        last_commit = time.monotonic()
        try:
            while not stop.is_set():
                records = await self._collect(consumer, stop)
                if records and await self._write(records, stop):
                    for record in records:
                        tp = TopicPartition(record.topic, record.partition)
                        written[tp] = max(written.get(tp, 0), record.offset + 1)
                due = time.monotonic() - last_commit >= config.commit_interval_s
                if written and (due or stop.is_set()):
                    await consumer.commit(written)
                    written = {}
                    last_commit = time.monotonic()
        finally:
            if written:
                try:
                    await consumer.commit(written)
                except KafkaError as error:  # replayed on the next start: harmless
                    log.warning("analytics_sink.final_commit_failed", error=str(error))
            await consumer.stop()

    async def _collect(
        self, consumer: AIOKafkaConsumer, stop: asyncio.Event
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """Up to batch_max records, waiting at most flush_interval_s after the first."""
        config = self.settings.analytics
        batch: list[ConsumerRecord[bytes, bytes]] = []
        deadline: float | None = None
        while len(batch) < config.batch_max and not stop.is_set():
            wait = config.flush_interval_s if deadline is None else deadline - time.monotonic()
            if wait <= 0:
                break
            fetched = await consumer.getmany(
                timeout_ms=int(wait * 1000), max_records=config.batch_max - len(batch)
            )
            if consumer.assignment():
                self.assigned.set()
            for records in fetched.values():
                batch.extend(records)
            if batch and deadline is None:
                deadline = time.monotonic() + config.flush_interval_s
            elif not batch:
                break  # nothing came within the interval: let the caller commit
        return batch

    async def _write(
        self, records: list[ConsumerRecord[bytes, bytes]], stop: asyncio.Event
    ) -> bool:
        """Whether the batch was written (False: stopped while the store was away)."""
        rows = [row for row in map(_row_of, records) if row is not None]
        delay = 0.5
        while True:
            started = time.perf_counter()
            try:
                await asyncio.to_thread(self.store.insert_events, rows)
            except Exception as error:  # the store is away: keep the batch, try again
                SINK_WRITE_ERRORS.inc()
                log.warning("analytics_sink.write_failed", error=str(error), rows=len(rows))
                if stop.is_set():
                    return False
                await _sleep_or_stop(stop, delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            SINK_BATCH.observe(time.perf_counter() - started)
            SINK_WRITTEN.inc(len(rows))
            SINK_LAST_WRITE.set_to_current_time()
            self.written += len(rows)
            return True


def _row_of(record: ConsumerRecord[bytes, bytes]) -> list[Any] | None:
    try:
        envelope = orjson.loads(record.value or b"")
        if not isinstance(envelope, dict):
            raise BadEvent("the value is not a JSON object")
        return event_row(record.topic, envelope)
    except (orjson.JSONDecodeError, BadEvent) as error:
        SINK_BAD.inc()
        log.warning(
            "analytics_sink.bad_event",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=str(error),
        )
        return None


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
