"""The outbox relay on the real broker: a lifecycle's events in order on the right
topics; a SIGKILLed relay loses nothing; Kafka down then back; two relays at once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.health import kafka_probe, run_probe
from core.settings import Settings
from devstack.supervisor import Layout, Supervisor
from domain.lifecycle import Action, Role
from services.requests import RequestCommands, RequestDraft
from store.models import OutboxEvent
from tests.helpers.kafka_probe import KafkaProbe, Seen
from tests.helpers.outbox_rows import append_events
from tests.helpers.people import PersonFactory
from tests.helpers.processes import PlatformProcess

DRAFT = RequestDraft("plumbing", "Течёт кран", "Москва")


@pytest.fixture
def relay_processes(settings: Settings) -> Iterator[Callable[[int], PlatformProcess]]:
    started: list[PlatformProcess] = []

    def make(batch_size: int) -> PlatformProcess:
        process = PlatformProcess(
            settings,
            ["-m", "bridges", "run"],
            "SRA_RELAY__METRICS_PORT",
            SRA_RELAY__BATCH_SIZE=str(batch_size),
        )
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()


async def insert_events(
    sessions: async_sessionmaker[AsyncSession], aggregates: int, per_aggregate: int
) -> tuple[set[str], set[str]]:
    run = uuid.uuid4().hex[:8]
    ids = [f"bulk-{run}-{n}" for n in range(aggregates)]
    return set(ids), await append_events(sessions, ids, per_aggregate)


async def published(sessions: async_sessionmaker[AsyncSession], aggregates: set[str]) -> int:
    async with sessions() as session:
        return int(
            (
                await session.execute(
                    select(func.count()).where(
                        OutboxEvent.aggregate_id.in_(aggregates),
                        OutboxEvent.published_at.is_not(None),
                    )
                )
            ).scalar_one()
        )


def assert_ordered_per_aggregate(seen: list[Seen]) -> None:
    """Per aggregate: in each topic one partition, seq increasing in offset order (after
    dropping redeliveries); across its topics, seq is exactly 1, 2, …, n."""
    streams: dict[str, list[Seen]] = defaultdict(list)
    for s in seen:
        streams[s.envelope["aggregate_id"]].append(s)
    for aggregate, events in streams.items():
        all_seqs: set[int] = set()
        for topic in {e.topic for e in events}:
            in_topic = [e for e in events if e.topic == topic]
            assert len({e.partition for e in in_topic}) == 1, (aggregate, topic)
            first_seen: dict[str, int] = {}
            for event in sorted(in_topic, key=lambda e: e.offset):
                first_seen.setdefault(event.envelope["event_id"], event.envelope["seq"])
            seqs = list(first_seen.values())
            assert seqs == sorted(seqs), (aggregate, topic, seqs)
            all_seqs |= set(seqs)
        assert sorted(all_seqs) == list(range(1, len(all_seqs) + 1)), (aggregate, all_seqs)


async def test_a_lifecycle_publishes_exactly_its_events_in_order(
    relay: None,
    kafka: KafkaProbe,
    commands: Callable[..., RequestCommands],
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cmd = commands()
    customer, executor, manager = (
        await person(Role.CUSTOMER),
        await person(Role.EXECUTOR),
        await person(Role.MANAGER),
    )
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    for who, action, kwargs in [
        (manager, Action.ASSIGN, {"executor_id": executor.id}),
        (executor, Action.ACCEPT, {}),
        (executor, Action.START, {}),
        (executor, Action.COMPLETE, {"report": "ok"}),
        (customer, Action.CONFIRM, {}),
    ]:
        await cmd.act(view.id, action, who.actor, **kwargs)

    expected = [
        ("request.created", "request-events"),
        ("request.assigned", "workflow-events"),
        ("audit.action", "audit-events"),
        ("request.accepted", "workflow-events"),
        ("request.started", "workflow-events"),
        ("request.completed", "workflow-events"),
        ("request.confirmed", "workflow-events"),
        ("document.generated", "hr-events"),  # act
        ("document.generated", "hr-events"),  # payout
        ("document.generated", "hr-events"),  # contract (the executor's first job)
        ("payout.recorded", "hr-events"),
        ("hr.paperwork_recorded", "hr-events"),
        ("request.closed", "workflow-events"),
    ]
    await kafka.collect(lambda _: len(kafka.of({view.id})) >= len(expected))
    await asyncio.sleep(1)  # anything extra would arrive now
    events = sorted(kafka.of({view.id}), key=lambda s: s.envelope["seq"])
    assert [(e.envelope["type"], e.topic) for e in events] == expected
    assert [e.envelope["seq"] for e in events] == list(range(1, len(expected) + 1))
    assert {e.key for e in events} == {view.id}
    for event in events:
        assert event.headers["event_type"] == event.envelope["type"]
        assert event.headers["schema_version"] == "1"
        assert event.headers["event_id"] == event.envelope["event_id"]
    for topic in {t for _, t in expected}:  # within each topic, offsets follow seq
        same = [e for e in events if e.topic == topic]
        assert [e.offset for e in same] == sorted(e.offset for e in same)


@pytest.mark.slow
async def test_relay_killed_mid_batch_loses_nothing(
    kafka: KafkaProbe,
    sessions: async_sessionmaker[AsyncSession],
    relay_processes: Callable[[int], PlatformProcess],
) -> None:
    aggregates, event_ids = await insert_events(sessions, aggregates=40, per_aggregate=50)
    relay = relay_processes(50)
    relay.start()
    deadline = time.monotonic() + 60
    while (done := await published(sessions, aggregates)) < len(event_ids) // 10:
        assert time.monotonic() < deadline, "the relay did not start publishing"
        await asyncio.sleep(0.01)
    relay.kill()
    assert done < len(event_ids), "everything was published before the kill"
    relay.start()

    await kafka.collect(
        lambda seen: {s.envelope["event_id"] for s in seen} >= event_ids, timeout_s=120
    )
    mine = kafka.of(aggregates)
    assert {s.envelope["event_id"] for s in mine} == event_ids  # every one delivered
    assert_ordered_per_aggregate(mine)  # and, de-duplicated, each exactly once in order


@pytest.mark.slow
async def test_two_relays_publish_nothing_twice_and_keep_order(
    kafka: KafkaProbe,
    sessions: async_sessionmaker[AsyncSession],
    relay_processes: Callable[[int], PlatformProcess],
) -> None:
    aggregates, event_ids = await insert_events(sessions, aggregates=40, per_aggregate=40)
    first, second = relay_processes(40), relay_processes(40)
    first.start()
    second.start()
    await kafka.collect(
        lambda seen: {s.envelope["event_id"] for s in seen} >= event_ids, timeout_s=120
    )
    await asyncio.sleep(1)
    mine = kafka.of(aggregates)
    ids = [s.envelope["event_id"] for s in mine]
    assert len(ids) == len(set(ids)) == len(event_ids)  # no duplicates at all
    assert_ordered_per_aggregate(mine)


@pytest.mark.slow
async def test_kafka_down_the_platform_works_and_catches_up(
    relay: None,
    kafka: KafkaProbe,
    settings: Settings,
    commands: Callable[..., RequestCommands],
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    supervisor = Supervisor(Layout.of(settings))
    cmd = commands()
    customer, executor, manager = (
        await person(Role.CUSTOMER),
        await person(Role.EXECUTOR),
        await person(Role.MANAGER),
    )
    await asyncio.to_thread(supervisor.stop, ["kafka"])
    try:
        ids = []
        for _ in range(3):
            view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
            await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
            await cmd.act(view.id, Action.ACCEPT, executor.actor)
            ids.append(view.id)
        async with sessions() as session:
            waiting = (
                await session.execute(
                    select(func.count()).where(
                        OutboxEvent.aggregate_id.in_(ids), OutboxEvent.published_at.is_(None)
                    )
                )
            ).scalar_one()
        assert waiting == 3 * 4  # created, assigned, audit, accepted: all held back
    finally:
        await asyncio.to_thread(supervisor.start, "kafka")
    await _kafka_ready(settings)

    # The probe took its offsets before the outage and reconnects like any client.
    await kafka.collect(lambda _: len(kafka.of(set(ids))) >= 12, timeout_s=120)
    assert_ordered_per_aggregate(kafka.of(set(ids)))


async def _kafka_ready(settings: Settings, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    probe = kafka_probe(settings.kafka.bootstrap_servers)
    while not (await run_probe("kafka", probe, 3)).ok:
        assert time.monotonic() < deadline, "Kafka did not come back"
        await asyncio.sleep(0.5)
