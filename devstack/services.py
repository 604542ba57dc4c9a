"""What runs in the local stack: each part's command, data directory, ports, readiness
probe and URL. Infrastructure starts first (in parallel), our own processes after it.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.health import Probe, kafka_probe, postgres_probe, redis_probe, temporal_probe
from core.settings import REPO_ROOT, WORKER_KINDS, Settings, WorkerKind
from devstack.errors import StackError
from devstack.install import PG_BIN, Toolset
from devstack.local_secrets import child_environment

INFRA = "infra"
APP = "app"


@dataclass(frozen=True)
class Service:
    name: str
    tier: str
    command: list[str]
    # Each port with the setting that moves it, so a clash names its fix.
    ports: tuple[tuple[int, str], ...]
    probe: Probe
    url: str = ""
    run_as: str | None = None
    stop_signal: str = "TERM"
    stop_wait_s: int = 20
    ready_timeout_s: float = 120.0
    environment: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[], None] = lambda: None


def state_path(settings: Settings, *parts: str) -> Path:
    return settings.state_dir.resolve().joinpath(*parts)


def python_environment(settings: Settings) -> dict[str, str]:
    """Our Python processes keep their bytecode in the state dir. With
    PYTHONDONTWRITEBYTECODE inherited, every start compiled the whole dependency tree
    again (~9 s of CPU for a worker against ~3 s): a dozen at once on two cores missed
    their readiness deadline. The prefix keeps the .pyc files out of the checkout."""
    return {
        "PYTHONPATH": str(REPO_ROOT),
        # Empty is "unset" to Python; supervisord can only override, not remove.
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(state_path(settings, "pycache")),
    }


def _run_as_postgres() -> str | None:
    # initdb and postgres refuse to run as root; the Debian package creates this user.
    return "postgres" if os.geteuid() == 0 else None


def postgres_service(settings: Settings) -> Service:
    data = state_path(settings, "postgres")
    sockets = state_path(settings, "run")
    user = _run_as_postgres()

    def prepare() -> None:
        sockets.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(sockets, user)
        if (data / "PG_VERSION").exists():
            return
        data.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(data, user)
        cmd = [
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            settings.postgres.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
        ]
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            shutil.rmtree(data, ignore_errors=True)
            raise StackError(
                "postgres",
                f"initdb failed: {result.stderr.strip()}",
                f"check that {data.parent} is writable by the postgres user",
            )

    return Service(
        name="postgres",
        tier=INFRA,
        command=[
            str(PG_BIN / "postgres"),
            "-D",
            str(data),
            "-p",
            str(settings.postgres.port),
            "-k",
            str(sockets),
            "-c",
            f"listen_addresses={settings.postgres.host}",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=256MB",
            "-c",
            "fsync=on",
            "-c",
            "synchronous_commit=on",
        ],
        ports=((settings.postgres.port, "SRA_POSTGRES__PORT"),),
        probe=postgres_probe(settings.postgres.url("postgres", driver="postgresql")),
        url=settings.postgres.url(driver="postgresql"),
        run_as=user,
        stop_signal="INT",  # PostgreSQL's "fast" shutdown
        stop_wait_s=30,
        prepare=prepare,
    )


def redis_service(settings: Settings) -> Service:
    data = state_path(settings, "redis")
    return Service(
        name="redis",
        tier=INFRA,
        command=[
            "/usr/bin/redis-server",
            "--port",
            str(settings.redis.port),
            "--bind",
            settings.redis.host,
            "--dir",
            str(data),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--protected-mode",
            "no",
        ],
        ports=((settings.redis.port, "SRA_REDIS__PORT"),),
        probe=redis_probe(settings.redis.url),
        url=settings.redis.url,
        prepare=lambda: data.mkdir(parents=True, exist_ok=True),
    )


def kafka_service(settings: Settings, tools: Toolset) -> Service:
    home = state_path(settings, "kafka")
    config = home / "server.properties"
    log4j = home / "log4j2.properties"
    k = settings.kafka
    java = shutil.which("java") or "java"
    classpath = f"{tools.kafka_libs}/*"

    def prepare() -> None:
        home.mkdir(parents=True, exist_ok=True)
        config.write_text(_kafka_properties(settings, home / "data"))
        log4j.write_text(_KAFKA_LOG4J)
        if (home / "data" / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        result = subprocess.run(
            [
                java,
                "-Xmx256m",
                "-cp",
                classpath,
                f"-Dlog4j2.configurationFile={log4j}",
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(config),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(
                "kafka",
                f"formatting the KRaft log failed: {result.stdout}{result.stderr}",
                f"remove {home} and rerun `make up`",
            )

    return Service(
        name="kafka",
        tier=INFRA,
        command=[
            java,
            f"-Xms{k.heap}",
            f"-Xmx{k.heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            classpath,
            "kafka.Kafka",
            str(config),
        ],
        ports=((k.port, "SRA_KAFKA__PORT"), (k.controller_port, "SRA_KAFKA__CONTROLLER_PORT")),
        probe=kafka_probe(k.bootstrap_servers),
        url=f"kafka://{k.bootstrap_servers}",
        stop_wait_s=40,
        prepare=prepare,
    )


def _kafka_properties(settings: Settings, data: Path) -> str:
    k = settings.kafka
    rf = k.replication_factor
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{k.host}:{k.controller_port}",
            f"listeners=PLAINTEXT://{k.host}:{k.port},CONTROLLER://{k.host}:{k.controller_port}",
            f"advertised.listeners=PLAINTEXT://{k.host}:{k.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={data}",
            f"num.partitions={k.topic_partitions}",
            f"default.replication.factor={rf}",
            f"offsets.topic.replication.factor={rf}",
            f"transaction.state.log.replication.factor={rf}",
            "transaction.state.log.min.isr=1",
            f"share.coordinator.state.topic.replication.factor={rf}",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            # Topics are part of the contract: created by the launcher, never by a typo.
            "auto.create.topics.enable=false",
            "log.retention.hours=168",
            "",
        ]
    )


_KAFKA_LOG4J = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = INFO
"""


def temporal_service(settings: Settings, tools: Toolset) -> Service:
    t = settings.temporal
    data = state_path(settings, "temporal")
    return Service(
        name="temporal",
        tier=INFRA,
        command=[
            str(tools.temporal_bin),
            "server",
            "start-dev",
            "--ip",
            t.host,
            "--port",
            str(t.port),
            "--ui-port",
            str(t.ui_port),
            "--http-port",
            str(t.http_port),
            "--metrics-port",
            str(t.metrics_port),
            "--db-filename",
            str(data / "temporal.db"),
            "--namespace",
            t.namespace,
            "--log-level",
            "warn",
            *(arg for pragma in t.sqlite_pragmas for arg in ("--sqlite-pragma", pragma)),
        ],
        ports=(
            (t.port, "SRA_TEMPORAL__PORT"),
            (t.ui_port, "SRA_TEMPORAL__UI_PORT"),
            (t.http_port, "SRA_TEMPORAL__HTTP_PORT"),
            (t.metrics_port, "SRA_TEMPORAL__METRICS_PORT"),
        ),
        probe=temporal_probe(t.address, t.namespace),
        url=t.ui_url,
        stop_wait_s=20,
        prepare=lambda: data.mkdir(parents=True, exist_ok=True),
    )


def api_service(settings: Settings) -> Service:
    async def probe() -> str:
        import httpx

        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"{settings.api.base_url}/health/ready")
        if response.status_code != 200:
            raise RuntimeError(
                f"/health/ready answered {response.status_code}: {response.text[:300]}"
            )
        return "all dependencies ready"

    return Service(
        name="api",
        tier=APP,
        command=[
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.main:app_factory",
            "--host",
            settings.api.host,
            "--port",
            str(settings.api.port),
            "--no-access-log",
        ],
        ports=((settings.api.port, "SRA_API__PORT"),),
        probe=probe,
        url=f"{settings.api.base_url}/docs",
        environment={**python_environment(settings), **child_environment(settings)},
        ready_timeout_s=60,
    )


def worker_services(settings: Settings) -> list[Service]:
    """Each worker kind as its own service, in as many processes as its setting asks."""
    return [
        _worker_service(settings, kind, replica)
        for kind in WORKER_KINDS
        for replica in range(1, settings.worker.processes(kind) + 1)
    ]


def _worker_service(settings: Settings, kind: WorkerKind, replica: int) -> Service:
    from worker import metrics_port, process_name

    name = process_name([kind], replica)
    port = metrics_port(settings, [kind], replica)

    async def probe() -> str:
        from worker import check_worker_ready

        return await check_worker_ready(settings, kind, name)

    return Service(
        name=name,
        tier=APP,
        command=[sys.executable, str(REPO_ROOT / "worker.py"), kind, "--replica", str(replica)],
        ports=((port, "SRA_WORKER__METRICS_PORT"),),
        probe=probe,
        url=f"http://{settings.worker.metrics_host}:{port}/metrics",
        environment={**python_environment(settings), **child_environment(settings)},
        ready_timeout_s=60,
    )


def bridges_service(settings: Settings) -> Service:
    async def probe() -> str:
        from bridges.__main__ import check_ready

        return await check_ready(settings)

    r = settings.relay
    return Service(
        name="bridges",
        tier=APP,
        command=[sys.executable, "-m", "bridges", "run"],
        ports=((r.metrics_port, "SRA_RELAY__METRICS_PORT"),),
        probe=probe,
        url=f"http://{r.metrics_host}:{r.metrics_port}/metrics",
        environment={**python_environment(settings), **child_environment(settings)},
        ready_timeout_s=60,
    )


def _json_probe(url: str, describe: Callable[[Any], str]) -> Probe:
    """Ready when `url` answers 2xx with JSON; `describe` turns the answer into a line
    (and raises when the answer says "not yet")."""

    async def probe() -> str:
        import httpx

        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(url)
        response.raise_for_status()
        return describe(response.json())

    return probe


def mailbox_service(settings: Settings) -> Service:
    """The local mailbox: every email the platform sends lands here (and in a web view)."""
    m = settings.smtp
    # /api/health reads one row of the mailbox's index: its cost does not grow with the mail.
    probe = _json_probe(
        f"http://{m.host}:{m.mailbox_web_port}/api/health",
        lambda health: f"{health['messages']} message(s) in the mailbox",
    )

    return Service(
        name="mailbox",
        tier=APP,
        command=[
            sys.executable,
            "-m",
            "devstack.mailbox",
            "--host",
            m.host,
            "--smtp-port",
            str(m.port),
            "--web-port",
            str(m.mailbox_web_port),
            "--maildir",
            str(state_path(settings, "mailbox")),
        ],
        ports=((m.port, "SRA_SMTP__PORT"), (m.mailbox_web_port, "SRA_SMTP__MAILBOX_WEB_PORT")),
        probe=probe,
        url=f"http://{m.host}:{m.mailbox_web_port}/",
        environment=python_environment(settings),
        ready_timeout_s=30,
    )


def telegram_emulator_service(settings: Settings) -> Service:
    """Stands in for api.telegram.org while no real bot token is configured."""
    t = settings.telegram
    probe = _json_probe(
        f"{t.base_url}/bot{t.token}/getMe", lambda me: f"bot @{me['result']['username']}"
    )

    return Service(
        name="telegram",
        tier=APP,
        command=[
            sys.executable,
            "-m",
            "devstack.emulators.telegram",
            "--host",
            t.emulator_host,
            "--port",
            str(t.emulator_port),
            "--token",
            t.token,
            "--log-level",
            "warning",
        ],
        ports=((t.emulator_port, "SRA_TELEGRAM__EMULATOR_PORT"),),
        probe=probe,
        url=f"{t.base_url}/",
        environment=python_environment(settings),
        ready_timeout_s=30,
    )


def tax_service_emulator(settings: Settings) -> Service:
    """Stands in for the tax service's public self-employed status check."""
    t = settings.tax_service
    probe = _json_probe(
        f"{t.url}/__emulator/taxpayers",
        lambda taxpayers: f"{len(taxpayers)} registered taxpayer(s)",
    )

    return Service(
        name="tax-service",
        tier=APP,
        command=[
            sys.executable,
            "-m",
            "devstack.emulators.tax_service",
            "--host",
            t.emulator_host,
            "--port",
            str(t.emulator_port),
            "--seed-demo",
            "--log-level",
            "warning",
        ],
        ports=((t.emulator_port, "SRA_TAX_SERVICE__EMULATOR_PORT"),),
        probe=probe,
        url=f"{t.url}/__emulator/taxpayers",
        environment=python_environment(settings),
        ready_timeout_s=30,
    )


def bot_service(settings: Settings) -> Service:
    t = settings.telegram

    def describe(info: Any) -> str:
        if t.mode == "webhook" and not info["result"].get("url"):
            raise RuntimeError("the bot has not registered its webhook yet")
        return f"{t.mode} against {'the emulator' if t.uses_emulator else 'Telegram'}"

    probe = _json_probe(f"{t.base_url}/bot{t.token}/getWebhookInfo", describe)

    ports = ((t.webhook_port, "SRA_TELEGRAM__WEBHOOK_PORT"),) if t.mode == "webhook" else ()
    return Service(
        name="bot",
        tier=APP,
        command=[sys.executable, "-m", "bridges", "bot"],
        ports=ports,
        probe=probe,
        url=f"{t.base_url}/" if t.uses_emulator else "https://t.me",
        environment={**python_environment(settings), **child_environment(settings)},
        ready_timeout_s=60,
    )


def all_services(settings: Settings, tools: Toolset) -> list[Service]:
    services = [
        postgres_service(settings),
        redis_service(settings),
        kafka_service(settings, tools),
        temporal_service(settings, tools),
        api_service(settings),
        *worker_services(settings),
        bridges_service(settings),
    ]
    if _uses_local_mailbox(settings):
        services.append(mailbox_service(settings))
    if settings.telegram.uses_emulator:
        services.append(telegram_emulator_service(settings))
    if settings.tax_service.uses_emulator:
        services.append(tax_service_emulator(settings))
    services.append(bot_service(settings))
    return services


def _uses_local_mailbox(settings: Settings) -> bool:
    """A configured relay (another host, or credentials) means real mail: no mailbox."""
    smtp = settings.smtp
    return smtp.host in ("127.0.0.1", "localhost") and not smtp.username
