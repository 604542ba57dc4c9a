"""Where the analytics rebuild reads events from: Kafka from the earliest offsets up to
the end it saw when it began, or the outbox rows PostgreSQL still holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition

from core.settings import Settings
from domain.topics import ALL_TOPICS
from store import outbox_relay

Batch = list[tuple[str, dict[str, Any]]]
BATCH = 5000
# Fetches in a row that bring nothing before the end is declared reached: only
# transaction markers can sit between the last record and the end offset.
IDLE_FETCHES = 5


async def kafka_count(settings: Settings) -> tuple[int, dict[TopicPartition, int]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in ALL_TOPICS
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
    finally:
        await consumer.stop()
    return sum(ends[tp] - starts[tp] for tp in partitions), {tp: ends[tp] for tp in partitions}


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
