"""Reads what arrives on the contract's topics after a point in time (end offsets
snapshotted at creation), without a consumer group, for assertions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from domain.topics import ALL_TOPICS


@dataclass(frozen=True)
class Seen:
    topic: str
    partition: int
    offset: int
    key: str
    headers: dict[str, str]
    envelope: dict[str, Any]


class KafkaProbe:
    def __init__(self, bootstrap: str, *, from_beginning: bool = False) -> None:
        self.bootstrap = bootstrap
        self.from_beginning = from_beginning
        self.consumer: AIOKafkaConsumer | None = None
        self.seen: list[Seen] = []

    async def __aenter__(self) -> KafkaProbe:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False
        )
        await self.consumer.start()
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics(list(ALL_TOPICS))
        finally:
            await admin.close()
        partitions = [
            TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]
        ]
        assert partitions, "no partitions of the contract topics are known"
        self.consumer.assign(partitions)
        if self.from_beginning:
            await self.consumer.seek_to_beginning(*partitions)
        else:
            ends = await self.consumer.end_offsets(partitions)
            for partition, offset in ends.items():
                self.consumer.seek(partition, offset)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.consumer is not None:
            await self.consumer.stop()

    async def collect(
        self, done: Callable[[list[Seen]], bool], timeout_s: float = 60
    ) -> list[Seen]:
        assert self.consumer is not None
        deadline = time.monotonic() + timeout_s
        while not done(self.seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.seen)} events arrived in {timeout_s} s")
            batches = await self.consumer.getmany(timeout_ms=200)
            for records in batches.values():
                self.seen += [
                    Seen(
                        r.topic,
                        r.partition,
                        r.offset,
                        r.key.decode() if r.key else "",
                        {k: v.decode() for k, v in r.headers or ()},
                        orjson.loads(r.value),
                    )
                    for r in records
                    if r.value
                ]
            await asyncio.sleep(0)
        return self.seen

    def of(self, aggregate_ids: set[str]) -> list[Seen]:
        return [s for s in self.seen if s.envelope["aggregate_id"] in aggregate_ids]
