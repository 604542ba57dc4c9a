"""Outbox → Kafka: transition-to-Kafka latency and relay throughput (docs/performance.md).

    make up-detached   # or any running local stack
    .venv/bin/python -m bench.relay [--rate 200] [--seconds 10] [--rounds 3] [--backlog 20000]

Latency: transitions are committed one per transaction at a steady rate (through the
same outbox code the activities use) while a real `python -m bridges run` relays them;
a consumer stamps each arrival. Latency = arrival - commit. Throughput: a backlog is
written with the relay stopped, then timed from relay start to the last arrival.
Runs in a scratch database; prints medians over rounds (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import orjson
from aiokafka import AIOKafkaConsumer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bench.kafka_tail import consumer_at_end
from core.settings import REPO_ROOT, Settings, get_settings
from devstack.provision import drop_database, ensure_database
from store import outbox
from store.migrate import upgrade_to_head
from store.outbox import EventDraft

TOPIC = "request-events"


class Arrivals:
    """Consumes the topic from its current end and stamps every event of this run."""

    def __init__(self, settings: Settings, run: str) -> None:
        self.settings = settings
        self.run = run
        self.at: dict[str, float] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer = await consumer_at_end(self.settings, [TOPIC], fetch_max_wait_ms=10)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=50)
            now = time.time()
            for records in batches.values():
                for record in records:
                    if record.key and record.key.startswith(self.run.encode()) and record.value:
                        self.at.setdefault(orjson.loads(record.value)["event_id"], now)

    async def wait_for(self, ids: set[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not ids <= self.at.keys():
            if time.monotonic() > deadline:
                raise SystemExit(f"only {len(ids & self.at.keys())} of {len(ids)} arrived")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        if self._consumer:
            await self._consumer.stop()


def relay_process(settings: Settings, database: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        SRA_POSTGRES__DATABASE=database,
        SRA_LOG_LEVEL="WARNING",
        SRA_RELAY__METRICS_PORT=str(settings.relay.metrics_port + 100),
    )
    return subprocess.Popen([sys.executable, "-m", "bridges", "run"], env=env, cwd=REPO_ROOT)


async def commit_at_rate(
    sessions: async_sessionmaker[AsyncSession], run: str, rate: float, seconds: float
) -> dict[str, float]:
    committed: dict[str, float] = {}
    interval = 1 / rate
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        event_id = str(uuid.uuid4())
        async with sessions.begin() as session:
            await outbox.append(
                session,
                EventDraft(
                    event_id=event_id,
                    type="request.updated",
                    aggregate_id=f"{run}-{n % 200}",
                    occurred_at=datetime.now(UTC),
                    data={"n": n},
                ),
            )
        committed[event_id] = time.time()
        n += 1
        await asyncio.sleep(max(0.0, start + n * interval - time.monotonic()))
    return committed


async def write_backlog(
    sessions: async_sessionmaker[AsyncSession], run: str, count: int
) -> set[str]:
    ids: set[str] = set()
    for chunk in range(0, count, 1000):
        async with sessions.begin() as session:
            for n in range(chunk, min(chunk + 1000, count)):
                event_id = str(uuid.uuid4())
                ids.add(event_id)
                await outbox.append(
                    session,
                    EventDraft(
                        event_id=event_id,
                        type="request.updated",
                        aggregate_id=f"{run}-{n % 500}",
                        occurred_at=datetime.now(UTC),
                    ),
                )
    return ids


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    settings = get_settings()
    database = f"bench_{uuid.uuid4().hex[:8]}"
    await ensure_database(settings, database)
    await asyncio.to_thread(upgrade_to_head, settings, database)
    engine = create_async_engine(settings.postgres.url(database), pool_size=5)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    relay = relay_process(settings, database)
    try:
        await asyncio.sleep(2)  # the relay connects
        p50s, p99s = [], []
        for round_no in range(1, args.rounds + 1):
            run = f"lat{round_no}-{uuid.uuid4().hex[:6]}"
            arrivals = Arrivals(settings, run)
            await arrivals.start()
            committed = await commit_at_rate(sessions, run, args.rate, args.seconds)
            await arrivals.wait_for(set(committed), 60)
            await arrivals.stop()
            latencies = [(arrivals.at[e] - t) * 1000 for e, t in committed.items()]
            p50s.append(percentile(latencies, 0.50))
            p99s.append(percentile(latencies, 0.99))
            print(
                f"round {round_no}: {len(latencies)} transitions at {args.rate:.0f}/s  "
                f"p50 {p50s[-1]:.1f} ms  p99 {p99s[-1]:.1f} ms  "
                f"max {max(latencies):.1f} ms",
                flush=True,
            )

        relay.terminate()
        relay.wait(20)
        run = f"thr-{uuid.uuid4().hex[:6]}"
        ids = await write_backlog(sessions, run, args.backlog)
        arrivals = Arrivals(settings, run)
        await arrivals.start()
        started = time.monotonic()
        relay = relay_process(settings, database)
        await arrivals.wait_for(ids, 300)
        elapsed = time.monotonic() - started
        await arrivals.stop()

        print()
        print(
            f"transition → Kafka latency, median over {args.rounds} rounds: "
            f"p50 {statistics.median(p50s):.1f} ms, p99 {statistics.median(p99s):.1f} ms "
            f"(target p99 ≤ 500 ms)"
        )
        print(
            f"relay throughput: {args.backlog} events in {elapsed:.2f} s "
            f"= {args.backlog / elapsed:,.0f} events/s (includes relay start-up)"
        )
    finally:
        relay.terminate()
        relay.wait(20)
        await engine.dispose()
        await drop_database(settings, database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0, help="transitions per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="per latency round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backlog", type=int, default=20000)
    asyncio.run(main(parser.parse_args()))
