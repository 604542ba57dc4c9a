"""The Temporal worker's composition root: builds the clients and activities, registers
workflows, and serves the task queue until SIGTERM/SIGINT.

    python worker.py          serve
    python worker.py ready    exit 0 when a worker serves the queue end to end
"""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.diagnostics import DiagnosticsActivities
from activities.notifications import NotificationActivities, notification_activities
from activities.paperwork import PaperworkActivities
from activities.requests import RequestActivities
from activities.verification import VerificationActivities
from core.logging import configure_logging, get_logger
from core.secret_policy import InsecureSecrets, refuse_insecure_secrets
from core.settings import Settings, get_settings
from integrations.tax_service import TaxStatusClient
from workflows.diagnostics import DependencyCheckInput, DependencyCheckWorkflow
from workflows.service_request import ServiceRequestWorkflow
from workflows.verification import ExecutorVerificationWorkflow

log = get_logger("worker")


@asynccontextmanager
async def running_worker(
    client: Client, settings: Settings, task_queue: str | None = None
) -> AsyncIterator[Worker]:
    """Build the activities with their clients and serve both queues until the block ends:
    the request queue (workflows, store writes) and the rate-limited notifications queue."""
    engine = create_async_engine(
        settings.postgres.url(), pool_size=10, max_overflow=10, pool_pre_ping=True
    )
    redis = Redis.from_url(settings.redis.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    t = settings.tax_service
    tax = TaxStatusClient(
        t.url,
        redis,
        requests_per_minute=t.requests_per_minute,
        cache_ttl_s=t.cache_ttl_s,
        max_wait_s=t.max_wait_s,
    )
    try:
        async with notification_activities(sessions, redis, settings) as notifications:
            workers = _workers(
                client,
                settings,
                task_queue,
                sessions,
                redis,
                notifications,
                VerificationActivities(sessions, tax, settings.time_zone),
                PaperworkActivities(
                    sessions, settings.paperwork, time_zone=settings.time_zone, redis=redis
                ),
            )
            async with workers[0], workers[1], workers[2]:
                yield workers[0]
    finally:
        await tax.aclose()
        await redis.aclose()
        await engine.dispose()


# Libraries the activities use are shared with the sandbox, not re-imported per workflow
# run: they are never called from workflow code (which would be non-deterministic), and
# loading them lazily inside the sandbox only produced warnings.
SANDBOX = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(
        "redis",
        "sqlalchemy",
        "psycopg",
        "telegram",
        "httpx",
        "jinja2",
        "aiosmtplib",
        "structlog",
        "fpdf",
    )
)


def _workers(
    client: Client,
    settings: Settings,
    task_queue: str | None,
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    notifications: NotificationActivities,
    verification: VerificationActivities,
    paperwork: PaperworkActivities,
) -> tuple[Worker, Worker, Worker]:
    requests = RequestActivities(sessions, redis)
    queue = task_queue or settings.temporal.task_queue
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[ServiceRequestWorkflow, ExecutorVerificationWorkflow],
        workflow_runner=SANDBOX,
        activities=[
            requests.create_request,
            requests.apply_transition,
            requests.record_sla_breach,
            requests.check_executor,
            requests.record_paperwork,
            # Local activities of the request workflow run where the workflow runs.
            notifications.plan_notifications,
            notifications.give_up,
            verification.run_document_checks,
            verification.check_self_employed,
            verification.record_status,
            verification.waiting_requests,
            paperwork.generate_paperwork,
            paperwork.record_paperwork_failure,
        ],
        graceful_shutdown_timeout=timedelta(seconds=10),
    )
    notifier = Worker(
        client,
        # A worker on another request queue (tests, tools) gets its own notifications
        # queue too: one client may not poll a queue twice.
        task_queue=f"{task_queue}-notifications"
        if task_queue
        else settings.notifications.task_queue,
        activities=[notifications.deliver],
        # Enforced by the server across every worker of the queue; the per-channel
        # pace (Redis) keeps Telegram's 30 messages/s inside it.
        max_task_queue_activities_per_second=settings.notifications.queue_per_s,
        max_concurrent_activities=settings.notifications.max_concurrent,
        graceful_shutdown_timeout=timedelta(seconds=10),
    )
    # The readiness check has a queue and slots of its own: on the request queue it
    # waited behind every queued workflow task, so a busy platform looked down.
    health = Worker(
        client,
        task_queue=readiness_queue(queue),
        workflows=[DependencyCheckWorkflow],
        activities=[DiagnosticsActivities(settings).check_dependencies],
        max_concurrent_workflow_tasks=2,
        max_concurrent_activities=2,
        graceful_shutdown_timeout=timedelta(seconds=2),
    )
    return worker, notifier, health


def readiness_queue(task_queue: str) -> str:
    """The queue where every worker of `task_queue` answers readiness checks."""
    return f"{task_queue}-readiness"


def metrics_runtime(settings: Settings) -> Runtime:
    address = f"{settings.worker.metrics_host}:{settings.worker.metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


async def serve(settings: Settings) -> None:
    client = await Client.connect(
        settings.temporal.address,
        namespace=settings.temporal.namespace,
        runtime=metrics_runtime(settings),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker.start", task_queue=settings.temporal.task_queue)
    async with running_worker(client, settings):
        await stop.wait()
        log.info("worker.stop")


async def check_worker_ready(settings: Settings, task_queue: str | None = None) -> str:
    """A worker polls the request queue, and one runs a workflow with an activity to
    completion on the readiness queue (so the answer does not wait behind a backlog)."""
    queue = task_queue or settings.temporal.task_queue
    client = await Client.connect(settings.temporal.address, namespace=settings.temporal.namespace)
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=settings.temporal.namespace,
            task_queue=TaskQueue(name=queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    if not described.pollers:
        raise RuntimeError(f"no worker polls task queue {queue!r}")
    result = await client.execute_workflow(
        DependencyCheckWorkflow.run,
        DependencyCheckInput(),
        id=f"readiness-{uuid.uuid4()}",
        task_queue=readiness_queue(queue),
        execution_timeout=timedelta(seconds=15),
    )
    failed = [r for r in result.reports if not r.ok]
    if failed:
        raise RuntimeError("; ".join(f"{r.name}: {r.detail}" for r in failed))
    # worker_identity is the queue the check really ran on, as the workflow saw it.
    return f"{len(described.pollers)} poller(s), checked on {result.worker_identity}; " + ", ".join(
        f"{r.name} {r.latency_ms:.0f} ms" for r in result.reports
    )


def main(argv: list[str]) -> int:
    settings = get_settings()
    configure_logging(settings.log_level)
    if argv[1:] == ["ready"]:
        try:
            print(asyncio.run(check_worker_ready(settings)))
        except Exception as exc:  # readiness reports, it does not crash
            print(f"not ready: {exc}")
            return 1
        return 0
    try:
        refuse_insecure_secrets(settings, "the worker")
    except InsecureSecrets as error:
        print(error, file=sys.stderr)
        return 2
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
