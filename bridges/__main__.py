"""The bridges process and its tools.

python -m bridges run                       serve: outbox relay (+ metrics)
python -m bridges sink                      serve: Kafka → ClickHouse analytics sink
python -m bridges analytics-rebuild --from kafka|postgres   rebuild the analytics
python -m bridges analytics-counts          events and requests in the analytics store
python -m bridges ready                     exit 0 when the relay is cycling
python -m bridges bot [--mode polling|webhook]  the executors' Telegram bot
python -m bridges status                    outbox backlog, oldest age, per topic
python -m bridges tail TOPIC... [--type T] [--aggregate ID] [--from-beginning]
python -m bridges republish (--ids A-B | --aggregate ID | --since ISO)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from datetime import datetime
from typing import Any

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer
from prometheus_client import start_http_server

from analytics.rebuild import RebuildResult, rebuild
from analytics.sink import AnalyticsSink
from analytics.store import AnalyticsStore
from bridges import analytics_sources
from bridges.consumer import parse
from bridges.outbox_relay import OutboxRelay, relay_status
from bridges.telegram_bot import runner as bot_runner
from core.logging import configure_logging, get_logger
from core.secret_policy import InsecureSecrets, refuse_insecure_secrets
from core.settings import Settings, get_settings
from domain.topics import ALL_TOPICS
from store import outbox_relay

log = get_logger("bridges")
READY_AFTER_S = 15.0  # a relay that has not cycled for this long is not ready


async def serve(settings: Settings) -> None:
    start_http_server(settings.relay.metrics_port, addr=settings.relay.metrics_host)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("bridges.start", relay_metrics=settings.relay.metrics_port)
    await OutboxRelay(settings).run(stop)
    log.info("bridges.stop")


async def serve_sink(settings: Settings) -> None:
    stop = _stop_on_signals()
    start_http_server(settings.analytics.metrics_port, addr=settings.analytics.metrics_host)
    store = await asyncio.to_thread(AnalyticsStore.open, settings)
    log.info("analytics_sink.start", group=settings.analytics.consumer_group)
    await AnalyticsSink(settings, store).run(stop)
    log.info("analytics_sink.stop")


def open_store(settings: Settings) -> AnalyticsStore:
    """The analytics store for a command; with the embedded store, a clear word when
    another process (the API, while the platform runs) holds its directory."""
    try:
        return AnalyticsStore.open(settings)
    except Exception as error:
        if not settings.clickhouse_embedded:
            raise
        raise SystemExit(
            f"cannot open the embedded analytics store at {settings.clickhouse_dsn}: {error}\n"
            "Only one process may open it, and the API holds it while the platform runs: "
            "stop the platform (`make down`), run this again, then `make up`."
        ) from error


async def rebuild_analytics(settings: Settings, source: str) -> RebuildResult:
    store = await asyncio.to_thread(open_store, settings)
    if source == "kafka":
        total, ends = await analytics_sources.kafka_count(settings)
        print(f"rebuilding the analytics from Kafka ({total} records)", file=sys.stderr)
        return await rebuild(store, analytics_sources.from_kafka(settings, ends), total=total)
    total = await analytics_sources.postgres_count(settings)
    print(f"rebuilding the analytics from PostgreSQL ({total} events)", file=sys.stderr)
    return await rebuild(store, analytics_sources.from_postgres(settings), total=total)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def serve_bot(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await bot_runner.serve(settings, stop)


async def check_ready(settings: Settings) -> str:
    url = f"http://{settings.relay.metrics_host}:{settings.relay.metrics_port}/metrics"
    async with httpx.AsyncClient(timeout=3) as client:
        text = (await client.get(url)).text
    last = _metric(text, "outbox_relay_last_cycle_timestamp_seconds")
    if not last or time.time() - last > READY_AFTER_S:
        raise RuntimeError("the relay has not completed a cycle recently")
    backlog = _metric(text, "outbox_backlog") or 0
    return f"relay cycling; outbox backlog {backlog:.0f}"


def _metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


async def status(settings: Settings) -> dict[str, Any]:
    url = settings.postgres.url(driver="postgresql")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        current = await relay_status(conn)
    return {
        "backlog": current.backlog,
        "oldest_unpublished_age_s": round(current.oldest_unpublished_age_s, 3),
        "published_last_hour": current.published_last_hour,
        "unpublished_by_topic": current.by_topic,
    }


async def tail(
    settings: Settings,
    topics: list[str],
    event_type: str | None,
    aggregate: str | None,
    from_beginning: bool,
    limit: int | None,
) -> None:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka.bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    await consumer.start()
    shown = 0
    try:
        async for record in consumer:
            event = parse(record)
            if event_type and event.type != event_type:
                continue
            if aggregate and event.key != aggregate:
                continue
            envelope = event.envelope
            actor = envelope.get("actor") or {}
            print(
                f"{envelope['occurred_at']}  {event.topic}[{event.partition}]@{event.offset}"
                f"  {event.type}  {event.key} #{envelope['seq']}  "
                f"{envelope.get('from_state') or '-'} → {envelope.get('to_state') or '-'}  "
                f"by {actor.get('role', '-')}:{actor.get('id', '-')}"
            )
            if envelope.get("data"):
                print("    " + json.dumps(envelope["data"], ensure_ascii=False))
            shown += 1
            if limit and shown >= limit:
                return
    finally:
        await consumer.stop()


async def republish(
    settings: Settings, ids: str | None, aggregate: str | None, since: datetime | None
) -> int:
    """Mark a range of outbox rows unpublished; the relay sends them again (same
    event_id, so consumers that saw them skip them)."""
    id_range = _id_range(ids) if ids else None
    if not (id_range or aggregate or since):
        raise SystemExit("say which events: --ids A-B, --aggregate ID or --since ISO-TIME")
    url = settings.postgres.url(driver="postgresql")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        count = await outbox_relay.mark_unpublished(
            conn, ids=id_range, aggregate=aggregate, since=since
        )
        await outbox_relay.wake_relays(conn)
        return count


def _id_range(ids: str) -> tuple[int, int]:
    first, _, last = ids.partition("-")
    return int(first), int(last or first)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="bridges", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve the outbox relay")
    commands.add_parser("ready", help="exit 0 when the relay is cycling")
    commands.add_parser("sink", help="serve the Kafka → ClickHouse analytics sink")
    rebuild_cmd = commands.add_parser("analytics-rebuild", help="rebuild the analytics")
    rebuild_cmd.add_argument("--from", dest="source", choices=["kafka", "postgres"], required=True)
    commands.add_parser("analytics-counts", help="events and requests in the analytics store")
    bot_cmd = commands.add_parser("bot", help="serve the executors' Telegram bot")
    bot_cmd.add_argument("--mode", choices=["polling", "webhook"], help="default: settings")
    commands.add_parser("status", help="outbox backlog and age")
    tail_cmd = commands.add_parser("tail", help="pretty-print events of topics")
    tail_cmd.add_argument("topics", nargs="*", default=list(ALL_TOPICS))
    tail_cmd.add_argument("--type", dest="event_type")
    tail_cmd.add_argument("--aggregate")
    tail_cmd.add_argument("--from-beginning", action="store_true")
    tail_cmd.add_argument("--limit", type=int)
    again = commands.add_parser("republish", help="send a range of outbox events again")
    again.add_argument("--ids", help="outbox row ids, e.g. 100-250")
    again.add_argument("--aggregate", help="every event of one aggregate (request id)")
    again.add_argument("--since", type=datetime.fromisoformat, help="created at or after")
    args = parser.parse_args(argv[1:])
    settings = get_settings()
    configure_logging(settings.log_level)
    if args.command == "bot" and args.mode:
        settings = settings.model_copy(
            update={"telegram": settings.telegram.model_copy(update={"mode": args.mode})}
        )
    if args.command in ("run", "bot", "sink"):
        try:
            refuse_insecure_secrets(settings, f"bridges {args.command}")
        except InsecureSecrets as error:
            print(error, file=sys.stderr)
            return 2
    if args.command == "run":
        asyncio.run(serve(settings))
    elif args.command == "bot":
        asyncio.run(serve_bot(settings))
    elif args.command == "sink":
        asyncio.run(serve_sink(settings))
    elif args.command == "analytics-rebuild":
        result = asyncio.run(rebuild_analytics(settings, args.source))
        print(
            f"\n{result.written} events written, {result.bad} not valid, in {result.seconds:.1f} s",
            file=sys.stderr,
        )
    elif args.command == "analytics-counts":
        print(json.dumps(open_store(settings).counts()))
    elif args.command == "ready":
        try:
            print(asyncio.run(check_ready(settings)))
        except Exception as error:  # readiness reports, it does not crash
            print(f"not ready: {error}")
            return 1
    elif args.command == "status":
        print(json.dumps(asyncio.run(status(settings)), indent=2))
    elif args.command == "tail":
        unknown = set(args.topics) - set(ALL_TOPICS)
        if unknown:
            parser.error(f"unknown topics: {', '.join(sorted(unknown))}")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                tail(
                    settings,
                    args.topics,
                    args.event_type,
                    args.aggregate,
                    args.from_beginning,
                    args.limit,
                )
            )
    elif args.command == "republish":
        count = asyncio.run(republish(settings, args.ids, args.aggregate, args.since))
        print(f"{count} events marked for re-publishing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
