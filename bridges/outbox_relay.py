"""Outbox → Kafka relay.

Wakes on PostgreSQL NOTIFY (polling as a fallback), claims a shard's pending rows under
an advisory lock with `FOR UPDATE SKIP LOCKED`, publishes them with the idempotent
producer (acks=all), and marks them published in the same transaction only after the
broker acknowledged every one. A crash before that commit means the rows are published
again: consumers de-duplicate on event_id, so delivery is effectively exactly once.

Per-aggregate order holds with any number of relays: an aggregate's rows live in one
shard, a shard is served by one relay at a time, and within it rows go in id order
(the order their transactions committed seq numbers) to one partition (key = aggregate).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from bridges.metrics import (
    LAST_CYCLE,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    PRUNED,
    PUBLISH_ERRORS,
    PUBLISH_LATENCY,
    PUBLISHED,
)
from core.logging import get_logger
from core.settings import Settings
from store import outbox_relay as outbox

log = get_logger("bridges.relay")
GAUGE_INTERVAL_S = 5.0


@dataclass(frozen=True)
class RelayStatus:
    backlog: int
    oldest_unpublished_age_s: float
    published_last_hour: int
    by_topic: dict[str, int]


def headers_of(row_type: str, envelope: dict[str, Any]) -> list[tuple[str, bytes]]:
    headers = [
        ("event_type", row_type.encode()),
        ("event_id", str(envelope["event_id"]).encode()),
        ("schema_version", str(envelope["schema_version"]).encode()),
    ]
    trace_id = envelope.get("trace_id")
    if trace_id:  # W3C trace context: the span is the event itself
        span_id = str(envelope["event_id"]).replace("-", "")[:16]
        headers.append(("traceparent", f"00-{trace_id}-{span_id}-01".encode()))
    return headers


def producer_for(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka.bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=10000,
    )


class OutboxRelay:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.relay = settings.relay
        self.url = settings.postgres.url(driver="postgresql")
        self._wake = asyncio.Event()
        self._last_prune = 0.0
        self._last_gauges = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop))
        try:
            while not stop.is_set():
                try:
                    await self._serve(stop)
                except (OSError, psycopg.Error, KafkaError) as error:
                    PUBLISH_ERRORS.inc()
                    log.warning("relay.reconnect", error=str(error))
                    await _sleep_or_stop(stop, 1.0)
        finally:
            listener.cancel()

    async def _serve(self, stop: asyncio.Event) -> None:
        producer = producer_for(self.settings)
        await self._start(producer, stop)
        try:
            # Autocommit: every statement runs inside an explicit transaction block below,
            # never in an implicit one left idle.
            async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                backoff = 0.0
                while not stop.is_set():
                    try:
                        # Cleared before the pass: a NOTIFY during it wakes the next one.
                        self._wake.clear()
                        published = await self.cycle(conn, producer)
                        backoff = 0.0
                    except KafkaError as error:
                        # Kafka is down: rows stay in the outbox; retry with backoff.
                        PUBLISH_ERRORS.inc()
                        backoff = min(max(backoff * 2, 0.2), self.relay.max_backoff_s)
                        log.warning("relay.publish_failed", error=str(error), retry_in=backoff)
                        await _sleep_or_stop(stop, backoff)
                        continue
                    await self._housekeeping(conn)
                    if published == 0:
                        await self._idle(stop)
        finally:
            await producer.stop()

    async def _start(self, producer: AIOKafkaProducer, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                await producer.start()
                return
            except KafkaError as error:
                PUBLISH_ERRORS.inc()
                log.warning("relay.kafka_unavailable", error=str(error), retry_in=backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self.relay.max_backoff_s)

    async def cycle(self, conn: psycopg.AsyncConnection[Any], producer: AIOKafkaProducer) -> int:
        """One pass over every shard this relay can lock; returns rows published."""
        total = 0
        # Only shards with work get a transaction.
        shards = await outbox.pending_shards(conn)
        random.shuffle(shards)  # several relays spread over the shards
        for shard in shards:
            total += await self._publish_shard(conn, producer, shard)
        LAST_CYCLE.set(time.time())
        return total

    async def _publish_shard(
        self, conn: psycopg.AsyncConnection[Any], producer: AIOKafkaProducer, shard: int
    ) -> int:
        async with conn.transaction():
            if not await outbox.lock_shard(conn, shard):
                return 0  # another relay serves this shard right now
            rows = await outbox.claim(conn, shard, self.relay.batch_size)
            if not rows:
                return 0
            deliveries = []
            for _id, topic, key, row_type, envelope, _created in rows:
                deliveries.append(
                    await producer.send(
                        topic,
                        value=orjson.dumps(envelope),
                        key=key.encode(),
                        headers=headers_of(row_type, envelope),
                    )
                )
            await asyncio.gather(*deliveries)  # every ack, or the transaction rolls back
            acked_at = datetime.now(UTC)
            await outbox.mark_published(conn, [r.id for r in rows], acked_at)
        for _id, topic, _key, _type, _envelope, created_at in rows:
            PUBLISHED.labels(topic).inc()
            PUBLISH_LATENCY.observe((acked_at - created_at).total_seconds())
        return len(rows)

    async def _idle(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        await asyncio.wait(
            waiters, timeout=self.relay.poll_interval_s, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in waiters:
            waiter.cancel()

    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN on its own connection; any failure only means we fall back to polling."""
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await outbox.listen(conn)
                    async for _ in conn.notifies():
                        self._wake.set()
            except (OSError, psycopg.Error) as error:
                log.info("relay.listen_lost", error=str(error))
                await _sleep_or_stop(stop, 1.0)

    async def _housekeeping(self, conn: psycopg.AsyncConnection[Any]) -> None:
        now = time.monotonic()
        if now - self._last_gauges >= GAUGE_INTERVAL_S:
            self._last_gauges = now
            status = await relay_status(conn, with_topics=False)
            OUTBOX_BACKLOG.set(status.backlog)
            OUTBOX_OLDEST_AGE.set(status.oldest_unpublished_age_s)
        if now - self._last_prune >= self.relay.prune_interval_s:
            self._last_prune = now
            PRUNED.inc(await prune(conn, self.relay.retention_hours))


async def prune(conn: psycopg.AsyncConnection[Any], retention_hours: float) -> int:
    """Delete published rows older than the retention, in bounded batches."""
    deleted = 0
    while True:
        async with conn.transaction():
            batch = await outbox.delete_published(conn, retention_hours)
        deleted += batch
        if batch < outbox.PRUNE_BATCH:
            return deleted


async def relay_status(
    conn: psycopg.AsyncConnection[Any], *, with_topics: bool = True
) -> RelayStatus:
    async with conn.transaction():
        backlog, oldest = await outbox.backlog(conn)
        recent = await outbox.published_last_hour(conn)
        by_topic = await outbox.unpublished_by_topic(conn) if with_topics else {}
    return RelayStatus(backlog, oldest, recent, by_topic)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
