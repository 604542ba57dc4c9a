"""`python -m bench analytics kpi|visible|throughput`: the analytics store under load.

    .venv/bin/python -m bench analytics kpi [--events 10000000] [--base-lifecycles 10000]
        [--repeats 5] [--store DIR]
    .venv/bin/python -m bench analytics throughput [--runs 3] [--backlog 50000]
    .venv/bin/python -m bench analytics visible [--runs 3] [--duration 60]
        [--lifecycles-concurrency 5]

kpi: an embedded store in this process (temporary, or --store kept for the next run) gets
the demo history of --base-lifecycles requests (analytics.demo_history) and then copies
of it under other request ids (INSERT … SELECT, so the facts' materialized views see
every copy) up to --events; every report of analytics.reports is timed --repeats times
over the last 90 days, unfiltered and for one category, as loaded and again once the
facts are merged with a fresh batch on top; medians printed. Target ≤ 500 ms each.

throughput: --backlog events are written to the outbox of a scratch database with no
relay running; a standalone sink (`python -m bridges sink`, its own store directory and
consumer group) drains the Kafka history first; then a relay (`python -m bridges run` on
the scratch database) starts and drains the backlog while the sink stores it. Events per
second from the sink's first write of the backlog to its last (inserted_at), and the
time from the relay's start to the last stored.

visible: the same standalone sink, once it has drained the history, while the bench's
lifecycle drivers (bench/lifecycle.py) play requests through the running API; then
inserted_at − occurred_at of every event that occurred meanwhile: the commit → outbox
relay → Kafka → sink → ClickHouse path. Target p99 ≤ 5 s. The API's own store is not read:
chDB lets one process open it, and the API holds it.

The stack must be up for throughput and visible (`python -m devstack up --detach`); they
leave it running. The sinks' stores are read in subprocesses, one store per process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from analytics import demo_history
from analytics.reports import (
    executors,
    notifications,
    payouts,
    quality,
    sla,
    timings,
    verification,
    volume,
)
from analytics.reports.filters import ReportFilter
from analytics.store import AnalyticsStore
from bench.api import client
from bench.lifecycle import add_driver_arguments, start_driver
from bench.relay import write_backlog
from bench.results import table, write
from bench.stats import Latency, median
from bridges.analytics_sources import partitions
from core.settings import REPO_ROOT, Settings, get_settings
from devstack.local_secrets import child_environment, local_stack_settings
from devstack.provision import drop_database, ensure_database
from devstack.services import python_environment
from store.migrate import upgrade_to_head

KPI_TARGET_MS = 500.0
VISIBLE_TARGET_S = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("mode", choices=["kpi", "visible", "throughput"])
    parser.add_argument("--events", type=int, default=10_000_000, help="kpi: events to store")
    parser.add_argument("--base-lifecycles", type=int, default=10_000, help="kpi: made up once")
    parser.add_argument("--repeats", type=int, default=5, help="kpi: runs of each report")
    parser.add_argument(
        "--store",
        type=Path,
        help="kpi: keep the generated store in this folder and reuse it when it holds events",
    )
    parser.add_argument("--runs", type=int, default=3, help="visible/throughput: sink runs")
    parser.add_argument(
        "--backlog", type=int, default=50_000, help="throughput: outbox events to drain"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="visible: s of lifecycles")
    parser.add_argument("--drain-timeout-s", type=float, default=900.0)
    add_driver_arguments(parser)
    parser.set_defaults(lifecycles_concurrency=5)


async def run(args: argparse.Namespace) -> int:
    modes: dict[str, Callable[[argparse.Namespace], Any]] = {
        "kpi": _kpi,
        "visible": _visible,
        "throughput": _throughput,
    }
    result: int = await modes[args.mode](args)
    return result


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def _load() -> list[float]:
    return list(os.getloadavg())


# ---- kpi -------------------------------------------------------------------------------


def _reports(settings: Settings, today: date) -> dict[str, Callable[[AnalyticsStore], Any]]:
    zone = settings.time_zone
    every = ReportFilter.of(today, zone, date_from=today - timedelta(days=90))
    plumbing = ReportFilter.of(
        today, zone, date_from=today - timedelta(days=90), category="plumbing"
    )
    hours = settings.analytics.workday_hours
    return {
        "timings": lambda s: timings.report(s, every),
        "timings (plumbing)": lambda s: timings.report(s, plumbing),
        "sla": lambda s: sla.report(s, every),
        "sla (plumbing)": lambda s: sla.report(s, plumbing),
        "quality": lambda s: quality.report(s, every),
        "executors": lambda s: executors.report(s, every, hours),
        "volume": lambda s: volume.report(s, every),
        "volume (plumbing)": lambda s: volume.report(s, plumbing),
        "notifications": lambda s: notifications.report(s, every),
        "verification": lambda s: verification.report(s, every),
        "payouts (week)": lambda s: payouts.report(s, every, "week"),
    }


# Copies of the base history under other request (aggregate, notification) ids; ids of
# people stay, so executors get many more jobs. The materialized view sees each copy as
# new requests.
_COPY = """
INSERT INTO {db}.events (event_id, type, topic, occurred_at, aggregate_id, seq, actor_id,
    actor_role, from_state, to_state, request_id, executor_id, category, district, channel,
    reason, sla_stage, sla_tier, amount_gross, amount_net, amount_commission,
    notification_id, data, trace_id)
SELECT generateUUIDv4(), type, topic, occurred_at,
    if(aggregate_id = request_id, concat(aggregate_id, '#', {copy:String}), aggregate_id),
    seq, actor_id, actor_role, from_state, to_state,
    if(request_id = '', '', concat(request_id, '#', {copy:String})),
    executor_id, category, district, channel, reason, sla_stage, sla_tier, amount_gross,
    amount_net, amount_commission,
    if(notification_id = '', '', concat(notification_id, '#', {copy:String})), data, trace_id
FROM {db}.events
WHERE inserted_at <= toDateTime64({base_until:String}, 3, 'UTC')
"""


def _fill(store: AnalyticsStore, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    demo_history.load(store, lifecycles=args.base_lifecycles, days=90, seed=11)
    base = store.counts()["events"]
    # The copies are made of the base only (their inserted_at is later).
    base_until = str(store.query("SELECT max(inserted_at) FROM {db}.events").result_rows[0][0])
    copies = max(0, math.ceil(args.events / max(base, 1)) - 1)
    print(f"\nbase history: {base} events in {time.perf_counter() - started:.0f} s", flush=True)
    for copy in range(1, copies + 1):
        parameters = {"copy": str(copy), "base_until": base_until}
        store.client.command(_COPY.replace("{db}", store.database), parameters=parameters)
        sys.stderr.write(f"\r  copies {copy}/{copies}")
        sys.stderr.flush()
    counts = store.counts()
    seconds = time.perf_counter() - started
    print(f"\nstored {counts['events']} events of {counts['requests']} requests in {seconds:.0f} s")
    return {**counts, "base_events": base, "copies": copies, "fill_s": seconds}


FACT_TABLES = ("request_facts", "executor_facts", "notification_facts")
LIVE_BATCH = 5_000


def _settle(store: AnalyticsStore) -> float:
    """A store some minutes after a bulk load: the facts merged, as background merges do
    (here at once, with OPTIMIZE), then one more sink-sized batch in fresh parts, as a
    live store always has. Returns the seconds it took."""
    started = time.perf_counter()
    for name in FACT_TABLES:
        store.client.command(f"OPTIMIZE TABLE {store.database}.{name} FINAL")
    latest = str(store.query("SELECT max(inserted_at) FROM {db}.events").result_rows[0][0])
    store.client.command(
        _COPY.replace("{db}", store.database) + f" LIMIT {LIVE_BATCH}",
        parameters={"copy": f"live-{uuid.uuid4().hex[:8]}", "base_until": latest},
    )
    return time.perf_counter() - started


def _time_reports(
    store: AnalyticsStore, settings: Settings, repeats: int
) -> dict[str, dict[str, float]]:
    today = datetime.now(UTC).date()
    figures: dict[str, dict[str, float]] = {}
    for name, report in _reports(settings, today).items():
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            report(store)
            times.append((time.perf_counter() - began) * 1000)
        figures[name] = {"first_ms": times[0], "median_ms": median(times), "max_ms": max(times)}
    return figures


async def _kpi(args: argparse.Namespace) -> int:
    folder = args.store or Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    base = get_settings()
    settings = base.model_copy(
        update={"clickhouse": base.clickhouse.model_copy(update={"dsn": f"chdb://{folder}"})}
    )
    try:
        store = AnalyticsStore.open(settings)
        kept = store.counts()
        stored = _fill(store, args) if kept["events"] == 0 else {**kept, "reused": str(folder)}
        if "reused" in stored:
            print("a kept store: its facts were merged by the last run, so 'as loaded' is not")
        loaded = _time_reports(store, settings, args.repeats)
        settle_s = _settle(store)
        settled = _time_reports(store, settings, args.repeats)
    finally:
        if args.store is None:
            shutil.rmtree(folder, ignore_errors=True)
    rows = [
        [
            name,
            loaded[name]["median_ms"],
            settled[name]["median_ms"],
            settled[name]["max_ms"],
            _met(max(loaded[name]["median_ms"], settled[name]["median_ms"]) <= KPI_TARGET_MS),
        ]
        for name in loaded
    ]
    load = _load()
    print(f"\n{stored['events']} events, {stored['requests']} requests; load {load[0]:.1f}")
    print(f"merging the facts and adding {LIVE_BATCH} events took {settle_s:.1f} s")
    headers = ["report (90 days)", "as loaded, median ms", "merged, median ms", "max ms"]
    print(table([*headers, "≤ 500 ms"], rows))
    path = write(
        "analytics-kpi",
        {
            "stored": stored,
            "as_loaded": loaded,
            "merged_plus_live_batch": settled,
            "settle_s": settle_s,
            "load": load,
        },
    )
    print(f"\nwritten to {path}")
    medians = [f["median_ms"] for state in (loaded, settled) for f in state.values()]
    return 0 if all(m <= KPI_TARGET_MS for m in medians) else 1


# ---- a standalone sink -----------------------------------------------------------------


class Sink:
    """`python -m bridges sink` with its own store directory and consumer group."""

    def __init__(self, settings: Settings, label: str) -> None:
        self.settings = settings
        self.folder = Path(tempfile.mkdtemp(prefix=f"bench-sink-{label}-"))
        self.group = f"bench-{label}-{uuid.uuid4().hex[:8]}"
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            **python_environment(self.settings),
            **child_environment(self.settings),
            "SRA_CLICKHOUSE__DSN": f"chdb://{self.folder}",
            "SRA_ANALYTICS__CONSUMER_GROUP": self.group,
            "SRA_ANALYTICS__SINK_IN_API": "false",
            "SRA_ANALYTICS__METRICS_PORT": str(_free_port()),
        }

    def start(self) -> None:
        self.started = time.time()
        log = (self.folder / "sink.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bridges", "sink"],
            cwd=REPO_ROOT,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def lag(self) -> int:
        """Offsets of the contract topics the group has not committed yet."""
        starts, ends = await _bounds(self.settings)
        admin = AIOKafkaAdminClient(bootstrap_servers=self.settings.kafka.bootstrap_servers)
        await admin.start()
        try:
            committed = await admin.list_consumer_group_offsets(self.group)
        finally:
            await admin.close()
        behind = 0
        for tp, end in ends.items():
            at = committed.get(tp)
            behind += end - max(at.offset if at is not None else 0, starts[tp])
        return behind

    async def drained(self, timeout_s: float, slack: int) -> float:
        """When the lag stopped shrinking at or below `slack` (transaction markers at the
        ends are never committed past)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the sink exited; see {self.folder / 'sink.log'}")
            if await self.lag() <= slack:
                return time.time()
            await asyncio.sleep(0.5)
        raise RuntimeError(f"the sink did not drain in {timeout_s:.0f} s")

    def query(self, script: str) -> Any:
        """Run `script` against the stopped sink's store in a process of its own; it
        prints one JSON line."""
        done = subprocess.run(
            [sys.executable, "-c", _PRELUDE + script],
            cwd=REPO_ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


_PRELUDE = """
import json
from core.settings import get_settings
from analytics.store import AnalyticsStore
store = AnalyticsStore.open(get_settings())
rows = lambda sql: store.query(sql).result_rows
"""

_SPAN = """
(n, first, last), = rows("SELECT count(), toUnixTimestamp64Milli(min(inserted_at)), "
    "toUnixTimestamp64Milli(max(inserted_at)) FROM {db}.events FINAL "
    "WHERE startsWith(aggregate_id, '<label>-')")
(first_batch,), = rows("SELECT count() FROM {db}.events FINAL "
    "WHERE startsWith(aggregate_id, '<label>-') "
    f"AND toUnixTimestamp64Milli(inserted_at) = {first}")
print(json.dumps({"events": n, "first_ms": first, "last_ms": last, "first_batch": first_batch}))
"""

_VISIBLE = """
found = rows("SELECT toUnixTimestamp64Milli(inserted_at) - toUnixTimestamp64Milli(occurred_at) "
    "FROM {db}.events FINAL WHERE toUnixTimestamp64Milli(occurred_at) >= <since>")
print(json.dumps([r[0] for r in found]))
"""


async def _partitions(settings: Settings) -> int:
    return len(await partitions(settings))


async def _bounds(settings: Settings) -> tuple[dict[Any, int], dict[Any, int]]:
    found = await partitions(settings)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, group_id=None)
    await consumer.start()
    try:
        return dict(await consumer.beginning_offsets(found)), dict(
            await consumer.end_offsets(found)
        )
    finally:
        await consumer.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _unpublished(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        found = await session.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    return int(found or 0)


def _relay(settings: Settings, database: str) -> subprocess.Popen[bytes]:
    """`python -m bridges run` on the scratch database, with the local stack's secrets."""
    env = {
        **os.environ,
        **python_environment(settings),
        **child_environment(settings),
        "SRA_POSTGRES__DATABASE": database,
        "SRA_LOG_LEVEL": "WARNING",
        "SRA_RELAY__METRICS_PORT": str(_free_port()),
    }
    return subprocess.Popen([sys.executable, "-m", "bridges", "run"], env=env, cwd=REPO_ROOT)


async def _published(
    sessions: async_sessionmaker[AsyncSession], relay: subprocess.Popen[bytes], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while await _unpublished(sessions):
        if relay.poll() is not None:
            raise RuntimeError(f"the relay exited with {relay.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relay did not publish the backlog in {timeout_s:.0f} s")
        await asyncio.sleep(0.5)


async def _throughput(args: argparse.Namespace) -> int:
    """A backlog is written to the outbox of a scratch database with no relay running;
    a sink that has drained the Kafka history waits; then a relay starts and drains the
    backlog while the sink stores it."""
    settings = local_stack_settings(get_settings())
    slack = await _partitions(settings)
    database = f"bench_{uuid.uuid4().hex[:8]}"
    await ensure_database(settings, database)
    await asyncio.to_thread(upgrade_to_head, settings, database)
    engine = create_async_engine(settings.postgres.url(database), pool_size=5)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    runs = []
    try:
        for number in range(args.runs):
            label = f"sink{number}-{uuid.uuid4().hex[:6]}"
            await write_backlog(sessions, label, args.backlog)
            sink = Sink(settings, "throughput")
            try:
                sink.start()
                await sink.drained(args.drain_timeout_s, slack)
                relay = _relay(settings, database)
                relay_started = time.time()
                try:
                    await _published(sessions, relay, args.drain_timeout_s)
                    published_at = time.time()
                    await sink.drained(args.drain_timeout_s, slack)
                finally:
                    relay.terminate()
                    relay.wait(30)
                sink.stop()
                span = sink.query(_SPAN.replace("<label>", label))
            finally:
                sink.stop()
                sink.remove()
            writing_s = max((span["last_ms"] - span["first_ms"]) / 1000, 1e-3)
            # The first batch's write ends at first_ms: its events took time before it.
            run = {
                "backlog": args.backlog,
                "events": span["events"],
                "writing_s": writing_s,
                "events_per_s": (span["events"] - span["first_batch"]) / writing_s,
                "relay_s": published_at - relay_started,
                "relay_start_to_stored_s": span["last_ms"] / 1000 - relay_started,
                "load": _load(),
            }
            runs.append(run)
            print(
                f"run {number + 1}: {run['events']}/{args.backlog} events stored, "
                f"{run['events_per_s']:.0f} events/s while writing ({writing_s:.1f} s); the "
                f"relay published them in {run['relay_s']:.1f} s, the last was stored "
                f"{run['relay_start_to_stored_s']:.1f} s after the relay started; "
                f"load {run['load'][0]:.1f}",
                flush=True,
            )
    finally:
        await engine.dispose()
        await drop_database(settings, database)
    summary = {
        "median_events_per_s": median(r["events_per_s"] for r in runs),
        "median_relay_start_to_stored_s": median(r["relay_start_to_stored_s"] for r in runs),
    }
    print(
        f"median: {summary['median_events_per_s']:.0f} events/s; backlog stored "
        f"{summary['median_relay_start_to_stored_s']:.1f} s after the relay started"
    )
    path = write("analytics-throughput", {"runs": runs, **summary})
    print(f"written to {path}")
    return 0 if all(r["events"] == args.backlog for r in runs) else 1


async def _visible(args: argparse.Namespace) -> int:
    settings = local_stack_settings(get_settings())
    slack = await _partitions(settings)
    runs = []
    for number in range(args.runs):
        sink = Sink(settings, "visible")
        try:
            sink.start()
            await sink.drained(args.drain_timeout_s, slack)
            since_ms = int(time.time() * 1000)
            async with client(settings.api.base_url, args.timeout) as http:
                driver = await start_driver(args, http)
                running = asyncio.create_task(driver.run())
                await asyncio.sleep(args.duration)
                driver.stop()
                await running
            await asyncio.sleep(5)  # the relay publishes the last commits
            await sink.drained(args.drain_timeout_s, slack)
            await asyncio.sleep(settings.analytics.commit_interval_s + 1)
            sink.stop()
            delays = [d / 1000 for d in sink.query(_VISIBLE.replace("<since>", str(since_ms)))]
        finally:
            sink.stop()
            sink.remove()
        latency = Latency.of(delays)
        summary = driver.summary()
        run = {
            "events": latency.count,
            "visible_s": latency.as_json(),
            "lifecycles_closed": summary["lifecycles_closed"],
            "lifecycles_per_min": summary["lifecycles_per_min"],
            "load": _load(),
        }
        runs.append(run)
        print(
            f"run {number + 1}: {latency.count} events, visible after p50 {latency.p50:.2f} s, "
            f"p99 {latency.p99:.2f} s, max {latency.max:.2f} s; "
            f"{summary['lifecycles_closed']} lifecycles closed; load {run['load'][0]:.1f}",
            flush=True,
        )
    p99 = median(r["visible_s"]["p99"] or math.nan for r in runs)
    p50 = median(r["visible_s"]["p50"] or math.nan for r in runs)
    print(f"median of the runs: p50 {p50:.2f} s, p99 {p99:.2f} s (target ≤ {VISIBLE_TARGET_S} s)")
    path = write("analytics-visible", {"runs": runs, "median_p50_s": p50, "median_p99_s": p99})
    print(f"written to {path}")
    return 0 if p99 <= VISIBLE_TARGET_S else 1
