"""Session fixtures: the real local stack, and a run isolated inside it.

The stack is started with the same launcher as `make up` when it is not already up.
Each run gets its own PostgreSQL database (migrated to head), its own embedded
ClickHouse directory, its own Temporal task queue and its own Kafka consumer groups.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from temporalio.client import Client

from bridges.telegram_bot.runner import BotRuntime, bot_runtime
from core.health import kafka_probe, postgres_probe, redis_probe, run_probes, temporal_probe
from core.settings import LOCAL_ENVIRONMENT, REPO_ROOT, Settings, get_settings
from devstack.emulators.tax_service import RunningTaxService, serve_tax_service
from devstack.emulators.telegram import RunningEmulator, serve_emulator
from devstack.mailbox import SmtpSink, serve_smtp_sink
from devstack.provision import drop_database, ensure_database
from domain.cascade import CascadePolicy
from domain.lifecycle import Role
from domain.sla import SlaPolicy
from domain.topics import ALL_TOPICS
from services.requests import RequestCommands
from store.migrate import upgrade_to_head
from tests.helpers.dispatch import AUTO_DISPATCHED
from tests.helpers.people import Person, PersonFactory, make_person
from tests.helpers.processes import free_port
from worker import running_worker

RUN_ID = uuid.uuid4().hex[:8]
# The suite is a local run, and says so: the processes it starts (worker, relay) read this
# too, so they share the suite's local signing secret instead of refusing it.
os.environ["SRA_ENVIRONMENT"] = LOCAL_ENVIRONMENT


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-histories",
        action="store_true",
        help="save workflow histories of the lifecycle tests into "
        "tests/workflows/histories (the replay test replays them)",
    )


def _stack_ready(settings: Settings) -> bool:
    statuses = asyncio.run(
        run_probes(
            {
                "postgres": postgres_probe(settings.postgres.url("postgres", driver="postgresql")),
                "redis": redis_probe(settings.redis.url),
                "kafka": kafka_probe(settings.kafka.bootstrap_servers, ALL_TOPICS),
                "temporal": temporal_probe(settings.temporal.address, settings.temporal.namespace),
            }
        )
    )
    return all(s.ok for s in statuses)


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def local_stack(base_settings: Settings) -> Settings:
    """The real services, started by the launcher if they are not up yet."""
    if not _stack_ready(base_settings):
        result = subprocess.run(
            [sys.executable, "-m", "devstack", "up", "--detach", "--infra-only", "--test-tools"],
            cwd=REPO_ROOT,
            check=False,
        )
        if result.returncode != 0:
            pytest.exit(
                "the local stack did not come up; see the launcher's message above", returncode=3
            )
    return base_settings


@pytest.fixture(scope="session")
def settings(local_stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of this test run: same services, isolated names."""
    database = f"test_{RUN_ID}"
    # Every worker queue of the run is its own (test-<run>, test-<run>-paperwork, ...).
    queued = local_stack.with_task_queues(f"test-{RUN_ID}")
    isolated = queued.model_copy(
        update={
            "environment": LOCAL_ENVIRONMENT,
            "postgres": local_stack.postgres.model_copy(update={"database": database}),
            "clickhouse": local_stack.clickhouse.model_copy(
                update={"dsn": f"chdb://{tmp_path_factory.mktemp('clickhouse')}"}
            ),
            # The run's own sink group: it reads the topics from the start, into the
            # run's own store, without moving the platform's offsets.
            "analytics": local_stack.analytics.model_copy(
                update={"consumer_group": f"test-{RUN_ID}-analytics"}
            ),
            # The run's own mail server and Telegram emulator (started by fixtures below).
            "smtp": local_stack.smtp.model_copy(update={"port": free_port()}),
            "telegram": local_stack.telegram.model_copy(
                update={"bot_token": SecretStr(""), "emulator_port": free_port()}
            ),
            # The run's tax service emulator; its real limit is tested on its own.
            "tax_service": local_stack.tax_service.model_copy(
                update={
                    "base_url": f"http://127.0.0.1:{free_port()}",
                    "requests_per_minute": 6000.0,
                }
            ),
            # Many tests' managers hear about one queue's events: a relaxed email pace
            # keeps the suite quick (the Telegram pace stays real; a test checks it).
            "notifications": queued.notifications.model_copy(update={"email_per_s": 500.0}),
            # One category the API files with an offer cascade (tests/api/test_dispatch.py);
            # the workflow tests give their own cascades to RequestCommands.
            # The run's database holds every test's executors, hundreds with the same
            # skill and score: the candidates list them all, so a test finds its own.
            "dispatch": local_stack.dispatch.model_copy(
                update={
                    "auto_categories": [AUTO_DISPATCHED],
                    "offer_timeout_s": 120.0,
                    "max_candidates": 1000,
                }
            ),
        }
    )
    asyncio.run(ensure_database(isolated, database))
    upgrade_to_head(isolated, database)
    yield isolated
    asyncio.run(drop_database(isolated, database))


@pytest.fixture(scope="session")
def run_id() -> str:
    return RUN_ID


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A name unique to this test in this run (consumer groups, workflow ids, keys)."""
    return f"{RUN_ID}-{request.node.name}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="session")
async def temporal(settings: Settings) -> Client:
    return await Client.connect(settings.temporal.address, namespace=settings.temporal.namespace)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.postgres.url())
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture(scope="session")
async def mailbox(settings: Settings) -> AsyncIterator[SmtpSink]:
    """A real SMTP server capturing every email of the run."""
    async with serve_smtp_sink(host=settings.smtp.host, port=settings.smtp.port) as sink:
        yield sink


@pytest.fixture(scope="session")
async def telegram_api(settings: Settings) -> AsyncIterator[RunningEmulator]:
    """The local Telegram Bot API emulator the worker and the bot talk to."""
    async with serve_emulator(
        settings.telegram.token,
        host=settings.telegram.emulator_host,
        port=settings.telegram.emulator_port,
    ) as emulator:
        yield emulator


@pytest.fixture(scope="session")
async def tax_service(settings: Settings) -> AsyncIterator[RunningTaxService]:
    """The local emulator of the tax service's self-employed status check."""
    port = int(settings.tax_service.base_url.rsplit(":", 1)[1])
    async with serve_tax_service(port=port) as running:
        yield running


@pytest.fixture(scope="session")
async def worker(
    temporal: Client,
    settings: Settings,
    mailbox: SmtpSink,
    telegram_api: RunningEmulator,
    tax_service: RunningTaxService,
) -> AsyncIterator[None]:
    async with running_worker(temporal, settings):
        yield


@pytest.fixture
async def bot(
    settings: Settings, worker: None, telegram_api: RunningEmulator
) -> AsyncIterator[BotRuntime]:
    """The executor bot polling the emulator, as `python -m bridges bot` runs it."""
    stop = asyncio.Event()
    async with bot_runtime(settings) as runtime:
        polling = asyncio.create_task(runtime.poll(stop))
        try:
            yield runtime
        finally:
            stop.set()
            await polling


@pytest.fixture
def person(sessions: async_sessionmaker[AsyncSession]) -> PersonFactory:
    async def make(role: Role, **kwargs: object) -> Person:
        return await make_person(sessions, role, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def commands(
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    worker: None,
) -> Callable[..., RequestCommands]:
    def build(
        sla: SlaPolicy | None = None, cascade: CascadePolicy | None = None
    ) -> RequestCommands:
        """Commands whose new requests run `cascade` (every category), or none."""
        return RequestCommands(
            temporal,
            sessions,
            settings.temporal.task_queue,
            sla or SlaPolicy(),
            settings.notifications.task_queue,
            settings.paperwork.task_queue,
            cascade_for=lambda category: cascade,
        )

    return build
