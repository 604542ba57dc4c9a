"""Relay housekeeping and the operator's tools: pruning, metrics, status, tail."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bridges.outbox_relay import prune
from core.settings import REPO_ROOT, Settings
from store import outbox
from store.models import OutboxEvent
from store.outbox import EventDraft
from tests.helpers.kafka_probe import KafkaProbe
from tests.helpers.outbox_rows import append_events


async def test_prune_deletes_only_published_rows_past_retention(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    old, recent, pending = (f"prune-{k}-{uuid.uuid4().hex[:6]}" for k in ("old", "new", "wait"))
    for aggregate in (old, recent, pending):
        await append_events(sessions, [aggregate], 3)
    async with sessions.begin() as session:
        now = datetime.now(UTC)
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.aggregate_id == old)
            .values(published_at=now - timedelta(hours=100))
        )
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.aggregate_id == recent)
            .values(published_at=now - timedelta(hours=1))
        )
    url = settings.postgres.url(driver="postgresql")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        assert await prune(conn, retention_hours=72) >= 3
    async with sessions() as session:
        left = dict(
            (
                await session.execute(
                    select(OutboxEvent.aggregate_id, func.count())
                    .where(OutboxEvent.aggregate_id.in_([old, recent, pending]))
                    .group_by(OutboxEvent.aggregate_id)
                )
            ).all()
        )
    assert left == {recent: 3, pending: 3}


def _sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


async def test_relay_metrics_count_publishes_and_latency(
    relay: None, kafka: KafkaProbe, sessions: async_sessionmaker[AsyncSession]
) -> None:
    before = _sample("outbox_published_total", {"topic": "request-events"})
    latency_before = _sample("outbox_publish_latency_seconds_count")
    aggregate = f"metrics-{uuid.uuid4().hex[:8]}"
    await append_events(sessions, [aggregate], 5)
    await kafka.collect(lambda _: len(kafka.of({aggregate})) >= 5)
    await asyncio.sleep(0.2)
    assert _sample("outbox_published_total", {"topic": "request-events"}) >= before + 5
    assert _sample("outbox_publish_latency_seconds_count") >= latency_before + 5
    assert _sample("outbox_relay_last_cycle_timestamp_seconds") > 0


def _bridges(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SRA_POSTGRES__DATABASE=settings.postgres.database)
    return subprocess.run(
        [sys.executable, "-m", "bridges", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_status_reports_the_backlog(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await append_events(sessions, [f"status-{uuid.uuid4().hex[:8]}"], 4)  # no relay runs here
    result = await asyncio.to_thread(_bridges, settings, "status")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["backlog"] >= 4
    assert status["unpublished_by_topic"]["request-events"] >= 4
    assert status["oldest_unpublished_age_s"] >= 0


async def test_tail_prints_one_aggregates_events(
    relay: None,
    kafka: KafkaProbe,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    aggregate = f"tail-{uuid.uuid4().hex[:8]}"
    await append_events(sessions, [aggregate], 3)
    await kafka.collect(lambda _: len(kafka.of({aggregate})) >= 3)
    result = await asyncio.to_thread(
        _bridges,
        settings,
        "tail",
        "request-events",
        "--aggregate",
        aggregate,
        "--from-beginning",
        "--limit",
        "3",
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "request.updated" in line]
    assert [f"{aggregate} #{n}" in line for n, line in enumerate(lines, 1)] == [True] * 3


async def test_kafka_headers_carry_the_trace_context(
    relay: None, kafka: KafkaProbe, sessions: async_sessionmaker[AsyncSession]
) -> None:
    aggregate = f"trace-{uuid.uuid4().hex[:8]}"
    trace_id = uuid.uuid4().hex
    async with sessions.begin() as session:
        await outbox.append(
            session,
            EventDraft(
                event_id=str(uuid.uuid4()),
                type="request.updated",
                aggregate_id=aggregate,
                occurred_at=datetime.now(UTC),
                trace_id=trace_id,
            ),
        )
    await kafka.collect(lambda _: len(kafka.of({aggregate})) >= 1)
    (event,) = kafka.of({aggregate})
    assert event.headers["traceparent"].startswith(f"00-{trace_id}-")
    assert event.headers["event_type"] == "request.updated"
    assert event.headers["schema_version"] == "1"
