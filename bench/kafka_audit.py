"""What reached Kafka for a run's requests, and whether any step was recorded twice.

Kafka delivers at least once, so the same event (same event_id) arriving again is a
redelivery, counted but harmless: consumers de-duplicate on event_id (docs/events.md).
After that de-duplication, a *duplicate* is two different events for one step of one
request: the same (request, seq), or the same step — a transition with the same
type and from → to, the same document kind and version, a second payout or paperwork
record. In the benchmark's lifecycle (no declines, no disputes) each step happens once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from bench.kafka_tail import consumer_at_end
from core.settings import Settings
from domain.topics import Topic

TOPICS = (Topic.REQUEST_EVENTS.value, Topic.WORKFLOW_EVENTS.value, Topic.HR_EVENTS.value)
# Steps that happen at most once per request (hr-events: once per document kind).
ONCE_PER_REQUEST = frozenset({"payout.recorded", "hr.paperwork_recorded"})


@dataclass(frozen=True)
class Arrival:
    topic: str
    key: str
    event_id: str
    type: str
    seq: int | None
    from_state: str | None
    to_state: str | None
    occurred_at: str
    data: dict[str, Any]
    arrived: float  # wall clock


def step_of(event: Arrival) -> tuple[Any, ...] | None:
    """What must not happen twice for one request, or None for events that may repeat
    (SLA breaches, audit lines)."""
    if event.type == "document.generated":
        return (event.key, event.type, event.data.get("kind"), event.data.get("version"))
    if event.type in ONCE_PER_REQUEST:
        return (event.key, event.type)
    if event.type.startswith("request.") and event.to_state is not None:
        return (event.key, event.type, event.from_state, event.to_state)
    return None


@dataclass(frozen=True)
class Duplicate:
    step: tuple[Any, ...]
    event_ids: tuple[str, ...]
    at: float  # when the second of them arrived (wall clock)

    def as_json(self) -> dict[str, Any]:
        return {"step": list(self.step), "event_ids": list(self.event_ids), "at": self.at}


def _doubled(groups: dict[Any, list[Arrival]]) -> list[Duplicate]:
    return [
        Duplicate(
            tuple(key) if isinstance(key, tuple) else (key,),
            tuple(e.event_id for e in events),
            sorted(e.arrived for e in events)[1],
        )
        for key, events in groups.items()
        if len(events) > 1
    ]


def audit(arrivals: Iterable[Arrival], requests: set[str]) -> KafkaAudit:
    """Redeliveries, then duplicate steps and seq collisions among distinct events."""
    seen: dict[str, Arrival] = {}
    redelivered = 0
    for event in arrivals:
        if event.key not in requests:
            continue
        if event.event_id in seen:
            redelivered += 1
            continue
        seen[event.event_id] = event
    by_step: dict[tuple[Any, ...], list[Arrival]] = {}
    by_seq: dict[tuple[str, int], list[Arrival]] = {}
    for event in seen.values():
        step = step_of(event)
        if step is not None:
            by_step.setdefault(step, []).append(event)
        if event.seq is not None:
            by_seq.setdefault((event.key, event.seq), []).append(event)
    return KafkaAudit(
        events=len(seen),
        redelivered=redelivered,
        requests_seen=len({e.key for e in seen.values()}),
        duplicate_steps=_doubled(by_step),
        seq_collisions=_doubled(by_seq),
    )


@dataclass(frozen=True)
class KafkaAudit:
    events: int
    redelivered: int
    requests_seen: int
    duplicate_steps: list[Duplicate]
    seq_collisions: list[Duplicate]

    @property
    def duplicates(self) -> list[Duplicate]:
        return self.duplicate_steps + self.seq_collisions

    def as_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "redelivered": self.redelivered,
            "requests_seen": self.requests_seen,
            "duplicate_steps": [d.as_json() for d in self.duplicate_steps],
            "seq_collisions": [d.as_json() for d in self.seq_collisions],
        }


def parse(topic: str, key: bytes | None, value: bytes | None, arrived: float) -> Arrival | None:
    if key is None or value is None:
        return None
    try:
        envelope = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    return Arrival(
        topic=topic,
        key=key.decode(),
        event_id=str(envelope.get("event_id")),
        type=str(envelope.get("type")),
        seq=envelope.get("seq"),
        from_state=envelope.get("from_state"),
        to_state=envelope.get("to_state"),
        occurred_at=str(envelope.get("occurred_at")),
        data=envelope.get("data") or {},
        arrived=arrived,
    )


class Recorder:
    """Reads the topics from their end at start() on, without a consumer group (nothing
    is committed; no other consumer is disturbed); reconnects by itself through a
    broker restart."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.arrivals: list[Arrival] = []
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer = await consumer_at_end(self.settings, TOPICS, fetch_max_wait_ms=100)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=200)
            except Exception:  # the broker is down (a chaos fault): try again shortly
                await asyncio.sleep(0.5)
                continue
            now = time.time()
            for partition, records in batches.items():
                for record in records:
                    event = parse(partition.topic, record.key, record.value, now)
                    if event is not None:
                        self.arrivals.append(event)

    def first_after(self, since: float, requests: set[str]) -> float | None:
        """When the first event of these requests that happened after `since` (wall
        clock) arrived."""
        for event in self.arrivals:
            if event.key not in requests:
                continue
            with contextlib.suppress(ValueError):
                if datetime.fromisoformat(event.occurred_at).timestamp() >= since:
                    return event.arrived
        return None

    def closed_requests(self) -> set[str]:
        return {e.key for e in self.arrivals if e.type == "request.closed"}

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()
