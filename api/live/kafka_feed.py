"""Feeds the hub from Kafka: the request and workflow topics, from the latest offsets
(history is the REST API's job), without a consumer group, since every API process
needs every event. Kafka being away only pauses live updates; the API keeps serving.

Each (re)connection starts from the latest offsets, so whatever was published while the
feed was away is lost to it: the hub then starts a new epoch, and every open stream is
told to refetch rather than left with a silent gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import KafkaError
from prometheus_client import Counter

from api.live.hub import LiveHub
from core.settings import Settings
from domain.lifecycle import Role
from domain.topics import Topic
from services.queries import RequestQueries

log = logging.getLogger(__name__)

TOPICS = (Topic.REQUEST_EVENTS.value, Topic.WORKFLOW_EVENTS.value)
RETRY_S = 2.0

SKIPPED = Counter("api_live_records_skipped_total", "Kafka records the live feed could not read")


class BadRecord(ValueError):
    """A record that is not an event envelope the feed can use."""


def request_event(envelope: object) -> tuple[str, str, str] | None:
    """(type, request id, occurred_at) of an event that changes a request, else None."""
    if not isinstance(envelope, dict):
        raise BadRecord("not a JSON object")
    event_type = envelope.get("type")
    if not isinstance(event_type, str):
        raise BadRecord("no event type")
    if not (event_type.startswith("request.") or event_type == "sla.breached"):
        return None
    request_id, occurred_at = envelope.get("aggregate_id"), envelope.get("occurred_at")
    if not isinstance(occurred_at, str) or not isinstance(request_id, str):
        raise BadRecord(f"{event_type} without aggregate_id or occurred_at")
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise BadRecord(f"{event_type} of {request_id!r}, not a request id") from None
    return event_type, request_id, occurred_at


def previous_assignee(envelope: dict[str, object]) -> str | None:
    """The executor the event took the request from, from the event alone: a record of
    who held it, kept beside the feed, misses whatever happened before this process
    started or while it was away."""
    data = envelope.get("data")
    if isinstance(data, dict):
        # previous_assignee_id: any transition that changes the assignee;
        # released_executor_id: a cancellation, which tells the executor it released.
        for key in ("previous_assignee_id", "released_executor_id"):
            if isinstance(found := data.get(key), str):
                return found
    actor = envelope.get("actor")
    if (
        envelope.get("type") == "request.declined"
        and isinstance(actor, dict)
        and actor.get("role") == Role.EXECUTOR.value
        and isinstance(actor.get("id"), str)
    ):
        return str(actor["id"])  # they declined it themselves
    return None


class KafkaFeed:
    def __init__(self, settings: Settings, hub: LiveHub, queries: RequestQueries) -> None:
        self.settings = settings
        self.hub = hub
        self.queries = queries
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="live-kafka-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except (KafkaError, OSError) as error:
                log.warning("live updates paused: Kafka unreachable (%s)", error)
            except Exception:
                log.exception("live updates feed failed; restarting it")
            self.ready.clear()
            await asyncio.sleep(RETRY_S)

    async def _consume(self) -> None:
        consumer = AIOKafkaConsumer(
            *TOPICS,
            bootstrap_servers=self.settings.kafka.bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            isolation_level="read_committed",
        )
        try:
            # Inside the try: a start that fails half-way still closes the client.
            await consumer.start()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                if consumer.assignment() and not self.ready.is_set():
                    # Positions are fixed once assigned: nothing after this point is missed.
                    for partition in consumer.assignment():
                        await consumer.position(partition)
                    # ... but what came before it (since the last connection) may be.
                    self.hub.new_epoch()
                    self.ready.set()
                for records in batches.values():
                    for record in records:
                        await self._deliver_one(record)
        finally:
            await consumer.stop()

    async def _deliver_one(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """One bad record is skipped, not the rest of its batch. Failing to read the
        store is not the record's fault: it restarts the feed (and so resets clients)."""
        try:
            await self._deliver(record.value)
        except BadRecord as error:
            SKIPPED.inc()
            log.warning(
                "live updates: skipped record %s/%s@%s: %s",
                record.topic,
                record.partition,
                record.offset,
                error,
            )

    async def _deliver(self, raw: bytes | None) -> None:
        if raw is None:
            raise BadRecord("no value")
        try:
            envelope = json.loads(raw)
        except ValueError:  # UnicodeDecodeError included
            raise BadRecord("not JSON") from None
        found = request_event(envelope)
        if found is None:
            return
        event_type, request_id, occurred_at = found
        # From the store, not the cache: the relay may publish before the cache is written.
        view = await self.queries.get_stored(request_id)
        if view is not None:
            self.hub.publish(event_type, occurred_at, view, previous_assignee(envelope))
