"""Our consumers: manual commits after handling, redeliveries handled once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bridges.__main__ import republish
from bridges.consumer import Event, EventConsumer
from core.settings import Settings
from tests.helpers.outbox_rows import append_events


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis.url)
    yield client
    await client.aclose()


async def _until(check: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.05)


Run = Callable[[EventConsumer], Awaitable[asyncio.Event]]


@pytest.fixture
async def running() -> AsyncIterator[Run]:
    stops: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(consumer: EventConsumer) -> asyncio.Event:
        stop = asyncio.Event()
        stops.append((stop, asyncio.create_task(consumer.run(stop))))
        await asyncio.wait_for(consumer.assigned.wait(), 60)
        return stop

    yield start
    for stop, task in stops:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_redeliveries_are_handled_once_and_offsets_committed(
    relay: None,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    running: Run,
    unique: str,
) -> None:
    aggregate = f"consumer-{uuid.uuid4().hex[:8]}"
    group = f"test-{unique}"[:200]
    handled: Counter[str] = Counter()
    failed_once: set[str] = set()

    async def handle(event: Event) -> None:
        if event.key != aggregate:
            return
        if event.envelope["data"]["n"] == 3 and event.event_id not in failed_once:
            failed_once.add(event.event_id)
            raise RuntimeError("a transient failure in the handler")
        handled[event.event_id] += 1

    consumer = EventConsumer(
        settings, ["request-events"], group, handle, redis, from_beginning=False, retry_delay_s=0.1
    )
    stop = await running(consumer)
    ids = await append_events(sessions, [aggregate], 10)
    await _until(lambda: set(handled) == ids)

    # Re-publish the same events (as after an incident): they arrive again, are skipped.
    assert await republish(settings, None, aggregate, None) == 10
    await asyncio.sleep(3)
    assert set(handled) == ids
    assert all(count == 1 for count in handled.values())  # the failed one too, once
    assert len(failed_once) == 1

    stop.set()
    await asyncio.sleep(0.5)
    committed = await _committed(settings, group)
    ends = await _ends(settings, list(committed))
    assert committed
    assert all(committed[tp] == ends[tp] for tp in committed)


async def _committed(settings: Settings, group: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


async def _ends(settings: Settings, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()
