"""Feeds the hub from Kafka: the request and workflow topics, from the latest offsets
(history is the REST API's job), without a consumer group, since every API process
needs every event. Kafka being away only pauses live updates; the API keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from api.live.hub import LiveHub
from core.settings import Settings
from domain.topics import Topic
from services.queries import RequestQueries

log = logging.getLogger(__name__)

TOPICS = (Topic.REQUEST_EVENTS.value, Topic.WORKFLOW_EVENTS.value)
RETRY_S = 2.0


def request_event(envelope: dict[str, Any]) -> tuple[str, str, str] | None:
    """(type, request id, occurred_at) of an event that changes a request, else None."""
    event_type = envelope.get("type")
    if not isinstance(event_type, str):
        return None
    if not (event_type.startswith("request.") or event_type == "sla.breached"):
        return None
    return event_type, str(envelope["aggregate_id"]), str(envelope["occurred_at"])


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
        await consumer.start()
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                if consumer.assignment() and not self.ready.is_set():
                    # Positions are fixed once assigned: nothing after this point is missed.
                    for partition in consumer.assignment():
                        await consumer.position(partition)
                    self.ready.set()
                for records in batches.values():
                    for record in records:
                        await self._deliver(record.value)
        finally:
            await consumer.stop()

    async def _deliver(self, raw: bytes | None) -> None:
        if raw is None:
            return
        try:
            envelope = json.loads(raw)
        except ValueError:
            log.warning("live updates: skipped an event that is not JSON")
            return
        found = request_event(envelope)
        if found is None:
            return
        event_type, request_id, occurred_at = found
        # From the store, not the cache: the relay may publish before the cache is written.
        view = await self.queries.get_stored(request_id)
        if view is not None:
            self.hub.publish(event_type, occurred_at, view)
