"""Where the analytics rebuild reads events from: Kafka from the earliest offsets up to
the end it saw when it began, or the outbox rows PostgreSQL still holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from core.settings import Settings
from domain.topics import ALL_TOPICS
from store import outbox_relay

Batch = list[tuple[str, dict[str, Any]]]
BATCH = 5000
# Fetches in a row that bring nothing before the end is declared reached: only
# transaction markers can sit between the last record and the end offset.
IDLE_FETCHES = 5


async def partitions(settings: Settings) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(list(ALL_TOPICS))
    finally:
        await admin.close()
    return [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]


async def end_offsets(settings: Settings) -> dict[TopicPartition, int]:
    """Where each partition of the contract topics ends now."""
    found = await partitions(settings)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, group_id=None)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(found))
    finally:
        await consumer.stop()


async def kafka_count(settings: Settings) -> tuple[int, dict[TopicPartition, int]]:
    """Offsets to read (records and transaction markers) and where each partition ends."""
    found = await partitions(settings)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, group_id=None)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(found)
        starts = await consumer.beginning_offsets(found)
    finally:
        await consumer.stop()
    return sum(ends[tp] - starts[tp] for tp in found), {tp: ends[tp] for tp in found}


async def from_kafka(settings: Settings, ends: dict[TopicPartition, int]) -> AsyncIterator[Batch]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        todo = {tp: end for tp, end in ends.items() if end > 0}
        consumer.assign(list(todo))
        await consumer.seek_to_beginning(*todo)
        idle = 0
        while todo and idle < IDLE_FETCHES:
            fetched = await consumer.getmany(*todo, timeout_ms=1000, max_records=BATCH)
            idle = 0 if fetched else idle + 1
            batch: Batch = []
            for tp, records in fetched.items():
                for record in records:
                    if record.offset < todo.get(tp, 0) and record.value:
                        batch.append((record.topic, orjson.loads(record.value)))
            for tp in list(todo):
                if await consumer.position(tp) >= todo[tp]:
                    del todo[tp]
            if batch:
                yield batch
    finally:
        await consumer.stop()


async def postgres_count(settings: Settings) -> int:
    url = settings.postgres.url(driver="postgresql")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        return await outbox_relay.event_count(conn)


async def from_postgres(settings: Settings) -> AsyncIterator[Batch]:
    url = settings.postgres.url(driver="postgresql")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        after = 0
        while rows := await outbox_relay.events_after(conn, after, BATCH):
            after = rows[-1][0]
            yield [(topic, envelope) for _, topic, envelope in rows]
