"""Dependency probes shared by the API's readiness endpoint, the worker's and bridges'
readiness commands, and the local-stack launcher.

Each probe performs a real round trip (a query, a PING, a metadata request, a health
RPC) and reports its latency; a probe never raises, it reports what went wrong.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, GetSystemInfoRequest
from temporalio.client import Client

PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class DependencyStatus:
    name: str
    ok: bool
    latency_ms: float
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Probe = Callable[[], Awaitable[str]]


async def run_probe(
    name: str, probe: Probe, timeout_s: float = PROBE_TIMEOUT_S
) -> DependencyStatus:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(probe(), timeout_s)
        ok = True
    except TimeoutError:
        detail, ok = f"no answer within {timeout_s:.0f} s", False
    except Exception as exc:  # a probe reports any failure instead of raising it
        detail, ok = f"{type(exc).__name__}: {exc}".strip(), False
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return DependencyStatus(
        name=name, ok=ok, latency_ms=latency_ms, detail=" ".join(detail.split())
    )


async def run_probes(probes: dict[str, Probe]) -> list[DependencyStatus]:
    return list(await asyncio.gather(*(run_probe(n, p) for n, p in probes.items())))


def postgres_probe(url: str) -> Probe:
    """`url` is a libpq URL (postgresql://...)."""

    async def probe() -> str:
        async with await psycopg.AsyncConnection.connect(url, connect_timeout=3) as conn:
            cur = await conn.execute("SELECT current_setting('server_version')")
            row = await cur.fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"

    return probe


def redis_probe(url: str) -> Probe:
    async def probe() -> str:
        client = Redis.from_url(url, socket_connect_timeout=3)
        try:
            await client.ping()
            info = await client.info("server")
        finally:
            await client.aclose()
        return f"Redis {info.get('redis_version', '?')}"

    return probe


def kafka_probe(bootstrap_servers: str, expected_topics: tuple[str, ...] = ()) -> Probe:
    async def probe() -> str:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=3000)
        await admin.start()
        try:
            topics = set(await admin.list_topics())
        finally:
            await admin.close()
        missing = [t for t in expected_topics if t not in topics]
        if missing:
            raise RuntimeError(f"topics missing: {', '.join(missing)}")
        return f"{len(topics)} topics"

    return probe


def temporal_probe(address: str, namespace: str) -> Probe:
    async def probe() -> str:
        client = await Client.connect(address, namespace=namespace)
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace)
        )
        info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
        return f"Temporal {info.server_version or '?'}, namespace {namespace}"

    return probe


def clickhouse_probe(query_version: Callable[[], str]) -> Probe:
    """ClickHouse is probed through the caller's own client: with embedded chDB only
    the process that owns the store may open it."""

    async def probe() -> str:
        version = await asyncio.to_thread(query_version)
        return f"ClickHouse {version}"

    return probe
