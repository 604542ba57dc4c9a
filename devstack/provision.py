"""What the platform needs inside the running services: its database and its topics.
Every step is idempotent, so `make up` can run any number of times."""

from __future__ import annotations

import psycopg
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client

from core.settings import Settings
from domain.search_attributes import SEARCH_ATTRIBUTES
from domain.topics import ALL_TOPICS


async def ensure_database(settings: Settings, name: str | None = None) -> bool:
    """Create the application database if it is missing; True when it was created."""
    database = name or settings.postgres.database
    url = settings.postgres.url("postgres", driver="postgresql")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if await cur.fetchone():
            return False
        await conn.execute(f'CREATE DATABASE "{database}"')  # name is ours, not user input
        return True


async def drop_database(settings: Settings, name: str) -> None:
    url = settings.postgres.url("postgres", driver="postgresql")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def ensure_topics(settings: Settings) -> list[str]:
    """Create the contract's topics; grow partition counts that are below the setting."""
    k = settings.kafka
    admin = AIOKafkaAdminClient(bootstrap_servers=k.bootstrap_servers, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in ALL_TOPICS if t not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        t,
                        num_partitions=k.topic_partitions,
                        replication_factor=k.replication_factor,
                    )
                    for t in missing
                ]
            )
        present = [t for t in ALL_TOPICS if t in existing]
        if present:
            described = await admin.describe_topics(present)
            grow = {
                d["topic"]: NewPartitions(total_count=k.topic_partitions)
                for d in described
                if len(d["partitions"]) < k.topic_partitions
            }
            if grow:
                await admin.create_partitions(grow)
        return missing
    finally:
        await admin.close()


async def ensure_search_attributes(settings: Settings) -> list[str]:
    """Register the platform's custom search attributes; returns the ones added."""
    t = settings.temporal
    client = await Client.connect(t.address, namespace=t.namespace)
    # retry: a busy dev server may cancel a call; the SDK then tries again.
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=t.namespace), retry=True
    )
    missing = {
        name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{kind.upper()}")
        for name, kind in SEARCH_ATTRIBUTES.items()
        if name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=t.namespace, search_attributes=missing)
        )
    return sorted(missing)
