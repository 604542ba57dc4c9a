"""The live feed against a scripted consumer: bad records, failures and reconnects."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from aiokafka.structs import ConsumerRecord, TopicPartition

from api.live import kafka_feed
from api.live.hub import LiveHub, Stream
from api.live.kafka_feed import KafkaFeed
from core.settings import Settings
from domain.lifecycle import Actor, Role
from domain.requests import RequestView
from tests.helpers import polling
from tests.helpers.request_views import request_view

pytestmark = pytest.mark.fast

MANAGER = Actor(id=str(uuid.uuid4()), role=Role.MANAGER)
PARTITION = TopicPartition(kafka_feed.TOPICS[0], 0)

# A batch of record values, an error to raise, or an event to wait for.
Step = list[bytes | None] | Exception | asyncio.Event


def envelope(
    request_id: str,
    event_type: str = "request.updated",
    actor: Actor | None = None,
    **data: Any,
) -> bytes:
    return json.dumps(
        {
            "type": event_type,
            "aggregate_id": request_id,
            "occurred_at": datetime.now(UTC).isoformat(),
            "actor": {"id": actor.id, "role": actor.role.value} if actor else None,
            "data": data,
        }
    ).encode()


class ScriptedConsumer:
    """Plays its steps once started."""

    def __init__(self, steps: list[Step], start_error: Exception | None = None) -> None:
        self.steps = steps
        self.start_error = start_error
        self.stopped = False
        self.offset = 0

    async def start(self) -> None:
        if self.start_error is not None:
            raise self.start_error

    async def stop(self) -> None:
        self.stopped = True

    def assignment(self) -> set[TopicPartition]:
        return {PARTITION}

    async def position(self, partition: TopicPartition) -> int:
        return self.offset

    async def getmany(self, **_: Any) -> dict[TopicPartition, list[ConsumerRecord[Any, Any]]]:
        if not self.steps:
            await asyncio.sleep(0.01)
            return {}
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, asyncio.Event):
            await step.wait()
            return {}
        records = []
        for value in step:
            self.offset += 1
            records.append(
                ConsumerRecord(PARTITION.topic, 0, self.offset, 0, 0, None, value, None, 0, 0, [])
            )
        return {PARTITION: records}


class Store:
    def __init__(self) -> None:
        self.views: dict[str, RequestView] = {}

    def add(self, **changes: Any) -> str:
        view = request_view(**changes)
        self.views[view.id] = view
        return view.id

    async def get_stored(self, request_id: str) -> RequestView | None:
        return self.views.get(request_id)


@pytest.fixture
def consumers(monkeypatch: pytest.MonkeyPatch) -> list[ScriptedConsumer]:
    """Append the consumers the feed will create, in order."""
    made: list[ScriptedConsumer] = []
    queue: list[ScriptedConsumer] = []

    def create(*_: Any, **__: Any) -> ScriptedConsumer:
        consumer = queue.pop(0) if queue else ScriptedConsumer([])
        made.append(consumer)
        return consumer

    monkeypatch.setattr(kafka_feed, "AIOKafkaConsumer", create)
    monkeypatch.setattr(kafka_feed, "RETRY_S", 0.01)
    return queue


@pytest.fixture
async def running(
    consumers: list[ScriptedConsumer],
) -> AsyncIterator[Callable[[LiveHub, Store], KafkaFeed]]:
    feeds: list[KafkaFeed] = []

    def run(hub: LiveHub, store: Store) -> KafkaFeed:
        feed = KafkaFeed(Settings(_env_file=None), hub, store)  # type: ignore[arg-type]
        feed.start()
        feeds.append(feed)
        return feed

    yield run
    for feed in feeds:
        await feed.stop()


async def until(condition: Callable[[], bool]) -> None:
    async def check() -> bool:
        return condition()

    await polling.until(check, timeout_s=5)


async def test_a_bad_record_is_skipped_and_the_rest_of_its_batch_delivered(
    consumers: list[ScriptedConsumer], running: Callable[[LiveHub, Store], KafkaFeed]
) -> None:
    hub, store = LiveHub(), Store()
    first, last = store.add(), store.add()
    bad = [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        json.dumps({"type": "request.created"}).encode(),  # no aggregate_id, no time
        envelope("user:1234"),
        None,
    ]
    consumers.append(ScriptedConsumer([[envelope(first), *bad, envelope(last)]]))
    skipped_before = kafka_feed.SKIPPED._value.get()
    stream = hub.open(MANAGER)
    running(hub, store)
    await until(lambda: len(stream.queue) == 2)
    assert [e.view.id for e in stream.queue] == [first, last]
    assert kafka_feed.SKIPPED._value.get() - skipped_before == len(bad)


def drain(stream: Stream) -> list[str]:
    """What the stream's connection would send now: resets and request ids."""
    sent = []
    if (position := stream.take_reset()) is not None:
        sent.append(f"reset {position}")
    while (event := stream.pop()) is not None:
        sent.append(event.view.id)
    return sent


async def test_after_a_consumer_error_open_streams_are_told_to_refetch(
    consumers: list[ScriptedConsumer], running: Callable[[LiveHub, Store], KafkaFeed]
) -> None:
    hub, store = LiveHub(), Store()
    before, after = store.add(), store.add()
    drained = asyncio.Event()
    consumers.append(ScriptedConsumer([[envelope(before)], drained, KafkaConnectionError()]))
    consumers.append(ScriptedConsumer([[envelope(after)]]))
    stream = hub.open(MANAGER)
    running(hub, store)
    # Opened before the feed was ready, it may have missed events too.
    await until(lambda: bool(stream.queue))
    first_epoch = hub.epoch
    assert drain(stream) == [f"reset {first_epoch}:0", before]
    drained.set()

    # What was published while the feed was away is lost to it: the client refetches.
    await until(lambda: bool(stream.queue))
    assert hub.epoch != first_epoch
    assert drain(stream) == [f"reset {hub.epoch}:0", after]
    assert hub.missed_since(f"{first_epoch}:1", MANAGER) is None


async def test_a_failed_start_is_closed_and_tried_again(
    consumers: list[ScriptedConsumer], running: Callable[[LiveHub, Store], KafkaFeed]
) -> None:
    unreachable = ScriptedConsumer([], start_error=KafkaConnectionError())
    consumers.extend([unreachable, ScriptedConsumer([])])
    feed = running(LiveHub(), Store())
    await asyncio.wait_for(feed.ready.wait(), 5)
    assert unreachable.stopped


async def test_an_executor_hears_a_request_is_gone_from_the_event_alone(
    consumers: list[ScriptedConsumer], running: Callable[[LiveHub, Store], KafkaFeed]
) -> None:
    """This process never saw the assignments: only the events say who lost what."""
    executor, other = (Actor(id=str(uuid.uuid4()), role=Role.EXECUTOR) for _ in range(2))
    hub, store = LiveHub(), Store()
    declined, timed_out, requeued = store.add(), store.add(), store.add()
    system = Actor(id="system", role=Role.SYSTEM)
    consumers.append(
        ScriptedConsumer(
            [
                [
                    envelope(declined, "request.declined", executor, assignee_id=None),
                    envelope(
                        timed_out,
                        "request.declined",
                        system,
                        assignee_id=None,
                        previous_assignee_id=executor.id,
                    ),
                    envelope(
                        requeued,
                        "request.unassigned",
                        system,
                        assignee_id=None,
                        previous_assignee_id=other.id,
                    ),
                ]
            ]
        )
    )
    mine, theirs = hub.open(executor), hub.open(other)
    running(hub, store)
    await until(lambda: len(mine.queue) == 2 and len(theirs.queue) == 1)
    assert [(e.view.id, e.gone_for(executor)) for e in mine.queue] == [
        (declined, True),
        (timed_out, True),
    ]
    assert [e.view.id for e in theirs.queue] == [requeued]
