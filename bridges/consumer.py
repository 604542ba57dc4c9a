"""A toolkit for our own Kafka consumers (analytics sink, notifications, …).

Each consumer is a group that commits offsets only after its handler succeeded, and
skips events it has already handled (by event_id, remembered in Redis), so a redelivery
after a crash, a rebalance or a relay re-publish is processed once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from redis.asyncio import Redis

from bridges.metrics import CONSUMED, DUPLICATES
from core.logging import get_logger
from core.settings import Settings

log = get_logger("bridges.consumer")
DEDUPE_TTL_S = 7 * 24 * 3600  # longer than any redelivery we can cause


@dataclass(frozen=True)
class Event:
    topic: str
    partition: int
    offset: int
    key: str
    headers: dict[str, str]
    envelope: dict[str, Any]

    @property
    def event_id(self) -> str:
        return str(self.envelope["event_id"])

    @property
    def type(self) -> str:
        return str(self.envelope["type"])


def parse(record: ConsumerRecord[bytes, bytes]) -> Event:
    return Event(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key.decode() if record.key else "",
        headers={k: v.decode() for k, v in record.headers or ()},
        envelope=orjson.loads(record.value) if record.value else {},
    )


class RedisDeduplicator:
    """Remembers handled event ids per consumer group."""

    def __init__(self, redis: Redis, group: str) -> None:
        self.redis = redis
        self.group = group

    def _key(self, event_id: str) -> str:
        return f"sra:consumed:{self.group}:{event_id}"

    async def seen(self, event_id: str) -> bool:
        return bool(await self.redis.exists(self._key(event_id)))

    async def remember(self, event_id: str) -> None:
        await self.redis.set(self._key(event_id), "1", ex=DEDUPE_TTL_S)


Handler = Callable[[Event], Awaitable[None]]


class EventConsumer:
    def __init__(
        self,
        settings: Settings,
        topics: Sequence[str],
        group: str,
        handler: Handler,
        redis: Redis,
        *,
        from_beginning: bool = True,
        retry_delay_s: float = 1.0,
    ) -> None:
        self.settings = settings
        self.topics = list(topics)
        self.group = group
        self.handler = handler
        self.dedupe = RedisDeduplicator(redis, group)
        self.from_beginning = from_beginning
        self.retry_delay_s = retry_delay_s
        self.assigned = asyncio.Event()  # set once the group gave us partitions

    async def run(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.settings.kafka.bootstrap_servers,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest" if self.from_beginning else "latest",
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                if consumer.assignment():
                    self.assigned.set()
                for partition, records in batches.items():
                    await self._handle_partition(consumer, partition, records)
        finally:
            await consumer.stop()

    async def _handle_partition(
        self,
        consumer: AIOKafkaConsumer,
        partition: TopicPartition,
        records: list[ConsumerRecord[bytes, bytes]],
    ) -> None:
        done: int | None = None  # offset of the last record handled (or skipped)
        for record in records:
            event = parse(record)
            if await self.dedupe.seen(event.event_id):
                DUPLICATES.labels(self.group).inc()
            else:
                try:
                    await self.handler(event)
                except Exception:
                    # Commit what succeeded, rewind to this record and let it come again.
                    log.exception(
                        "consumer.handler_failed",
                        group=self.group,
                        event_id=event.event_id,
                        type=event.type,
                    )
                    if done is not None:
                        await consumer.commit({partition: done + 1})
                    consumer.seek(partition, record.offset)
                    await asyncio.sleep(self.retry_delay_s)
                    return
                await self.dedupe.remember(event.event_id)
                CONSUMED.labels(self.group).inc()
            done = record.offset
        if done is not None:
            await consumer.commit({partition: done + 1})
