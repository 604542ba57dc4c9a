"""The Temporal workers' composition root: builds the clients and activities of the
worker kinds asked for, and serves their task queues until SIGTERM/SIGINT.

Each kind is a service of its own, with its own queue, scaled by running more processes
of it: `requests` (the request and verification workflows, with the store writes they
run as local activities), `notifications` (deliveries, rate-limited per queue),
`verification` (the executor checks, the tax service) and `paperwork` (the HR documents,
rendered in a pool of separate processes).

    python worker.py [KIND ...] [--replica N]         serve these kinds (default: all)
    python worker.py ready [KIND ...] [--replica N]   exit 0 when they serve end to end
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

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
from activities.dispatch import DispatchActivities
from activities.notification_delivery import NotificationDelivery, notification_delivery
from activities.notification_planning import NotificationPlanning
from activities.paperwork import PaperworkActivities
from activities.requests import RequestActivities
from activities.verification import VerificationActivities
from core.logging import configure_logging, get_logger
from core.secret_policy import InsecureSecrets, refuse_insecure_secrets
from core.settings import WORKER_KINDS, Settings, WorkerKind, get_settings
from integrations.tax_service import TaxStatusClient
from paperwork.render_pool import RenderPool
from services.request_starts import run_start_sweeper
from workflows.diagnostics import DependencyCheckInput, DependencyCheckWorkflow
from workflows.service_request import ServiceRequestWorkflow
from workflows.verification import ExecutorVerificationWorkflow

log = get_logger("worker")

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

# A workflow's next task goes to the worker that has it cached (its sticky queue). When
# that worker dies (kill -9), the server hands the task to any worker of the normal
# queue after this long; the SDK's default of 10 s is what stalled every in-flight
# lifecycle for ~12 s after a crash. A live worker picks its sticky tasks up in
# milliseconds, so 2 s only ever expires for a dead one.
STICKY_TIMEOUT = timedelta(seconds=2)
SHUTDOWN_GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class Deps:
    """What the kinds served by one process share, built once for it. The notification
    and verification activities are wanted by several kinds (the request and verification
    workflows plan notices and give deliveries up; the request worker keeps the
    verification activities for old runs) and cost only clients that connect on first
    use."""

    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    planning: NotificationPlanning
    delivery: NotificationDelivery
    verification: VerificationActivities


@asynccontextmanager
async def running_worker(
    client: Client, settings: Settings, kinds: Sequence[WorkerKind] = WORKER_KINDS
) -> AsyncIterator[list[Worker]]:
    """Serve the queues of `kinds` (each with its readiness queue) until the block ends."""
    engine = create_async_engine(
        settings.postgres.url(), pool_size=10, max_overflow=10, pool_pre_ping=True
    )
    redis = Redis.from_url(settings.redis.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with AsyncExitStack() as stack:
            deps = Deps(
                sessions,
                redis,
                NotificationPlanning(sessions, settings),
                await stack.enter_async_context(notification_delivery(sessions, redis, settings)),
                await stack.enter_async_context(
                    _verification_activities(settings, sessions, redis)
                ),
            )
            workers: list[Worker] = []
            for kind in kinds:
                build = _KIND_WORKERS[kind]
                workers.append(await stack.enter_async_context(build(client, settings, deps)))
                workers.append(health_worker(client, settings, kind))
            for worker in workers:
                await stack.enter_async_context(worker)
            yield workers
    finally:
        await redis.aclose()
        await engine.dispose()


@asynccontextmanager
async def _requests_worker(client: Client, settings: Settings, deps: Deps) -> AsyncIterator[Worker]:
    """The request workflows and the store writes they run as local activities, plus the
    sweeper that starts the workflows of requests stored by an API that died before it
    could start them."""
    verification = deps.verification
    async with _paperwork_activities(settings, deps, render_pool=None) as paperwork:
        requests = RequestActivities(deps.sessions, deps.redis)
        dispatch = DispatchActivities(
            deps.sessions, deps.redis, settings.dispatch.weights(), settings.time_zone
        )
        worker = Worker(
            client,
            task_queue=settings.task_queue_of("requests"),
            # Verification runs started before it had a queue of its own still have
            # their workflow tasks here (see workflows.verification.OWN_QUEUE).
            workflows=[ServiceRequestWorkflow, ExecutorVerificationWorkflow],
            workflow_runner=SANDBOX,
            activities=[
                requests.create_request,
                requests.apply_transition,
                requests.record_sla_breach,
                requests.check_executor,
                requests.record_paperwork,
                dispatch.next_offeree,
                dispatch.record_cascade_event,
                # Local activities of the request workflow run where the workflow runs.
                deps.planning.plan_notifications,
                deps.delivery.give_up,
                # Runs recorded before paperwork and verification had queues of their own
                # schedule these here; new runs never do (the paperwork pool of this
                # process is started only if one of them comes).
                *_verification_activity_list(verification),
                paperwork.generate_paperwork,
                paperwork.record_paperwork_failure,
            ],
            sticky_queue_schedule_to_start_timeout=STICKY_TIMEOUT,
            graceful_shutdown_timeout=SHUTDOWN_GRACE,
        )
        stop = asyncio.Event()
        sweeper = asyncio.create_task(run_start_sweeper(stop, client, deps.sessions))
        try:
            yield worker
        finally:
            stop.set()
            await sweeper


@asynccontextmanager
async def _notifications_worker(
    client: Client, settings: Settings, deps: Deps
) -> AsyncIterator[Worker]:
    yield Worker(
        client,
        task_queue=settings.task_queue_of("notifications"),
        activities=[deps.delivery.deliver],
        # Enforced by the server across every worker of the queue; the per-channel
        # pace (Redis) keeps Telegram's 30 messages/s inside it.
        max_task_queue_activities_per_second=settings.notifications.queue_per_s,
        max_concurrent_activities=settings.notifications.max_concurrent,
        graceful_shutdown_timeout=SHUTDOWN_GRACE,
    )


@asynccontextmanager
async def _verification_worker(
    client: Client, settings: Settings, deps: Deps
) -> AsyncIterator[Worker]:
    yield Worker(
        client,
        task_queue=settings.task_queue_of("verification"),
        workflows=[ExecutorVerificationWorkflow],
        workflow_runner=SANDBOX,
        activities=[
            *_verification_activity_list(deps.verification),
            # The workflow's Notifier plans its notices as local activities.
            deps.planning.plan_notifications,
            deps.delivery.give_up,
        ],
        sticky_queue_schedule_to_start_timeout=STICKY_TIMEOUT,
        graceful_shutdown_timeout=SHUTDOWN_GRACE,
    )


@asynccontextmanager
async def _paperwork_worker(
    client: Client, settings: Settings, deps: Deps
) -> AsyncIterator[Worker]:
    # Started before the worker polls: each render process parses the fonts once, up
    # front, so the first documents do not wait for it.
    async with (
        RenderPool(settings.paperwork.render_processes, settings.paperwork.font_dir) as pool,
        _paperwork_activities(settings, deps, render_pool=pool) as paperwork,
    ):
        yield Worker(
            client,
            task_queue=settings.task_queue_of("paperwork"),
            activities=[paperwork.generate_paperwork, paperwork.record_paperwork_failure],
            # Drawing is CPU work in the pool's processes; this bounds how many
            # documents wait for them.
            max_concurrent_activities=2 * settings.paperwork.render_processes,
            graceful_shutdown_timeout=SHUTDOWN_GRACE,
        )


_KIND_WORKERS: dict[
    WorkerKind, Callable[[Client, Settings, Deps], AbstractAsyncContextManager[Worker]]
] = {
    "requests": _requests_worker,
    "notifications": _notifications_worker,
    "verification": _verification_worker,
    "paperwork": _paperwork_worker,
}


@asynccontextmanager
async def _verification_activities(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], redis: Redis
) -> AsyncIterator[VerificationActivities]:
    t = settings.tax_service
    tax = TaxStatusClient(
        t.url,
        redis,
        requests_per_minute=t.requests_per_minute,
        cache_ttl_s=t.cache_ttl_s,
        max_wait_s=t.max_wait_s,
    )
    try:
        yield VerificationActivities(sessions, tax, settings.time_zone)
    finally:
        await tax.aclose()


def _verification_activity_list(verification: VerificationActivities) -> list[Callable[..., Any]]:
    return [
        verification.run_document_checks,
        verification.check_self_employed,
        verification.record_status,
        verification.waiting_requests,
    ]


@asynccontextmanager
async def _paperwork_activities(
    settings: Settings, deps: Deps, render_pool: RenderPool | None
) -> AsyncIterator[PaperworkActivities]:
    paperwork = PaperworkActivities(
        deps.sessions,
        settings.paperwork,
        time_zone=settings.time_zone,
        redis=deps.redis,
        render_pool=render_pool,
    )
    try:
        yield paperwork
    finally:
        await paperwork.aclose()


def health_worker(client: Client, settings: Settings, kind: WorkerKind) -> Worker:
    """The readiness check of `kind` has a queue and slots of its own: on the kind's own
    queue it waited behind every queued task, so a busy platform looked down."""
    return Worker(
        client,
        task_queue=readiness_queue(settings.task_queue_of(kind)),
        workflows=[DependencyCheckWorkflow],
        activities=[DiagnosticsActivities(settings).check_dependencies],
        max_concurrent_workflow_tasks=2,
        max_concurrent_activities=2,
        graceful_shutdown_timeout=timedelta(seconds=2),
    )


def readiness_queue(task_queue: str) -> str:
    """The queue where every worker of `task_queue` answers readiness checks."""
    return f"{task_queue}-readiness"


def process_name(kinds: Sequence[WorkerKind], replica: int) -> str:
    """The supervisor's name of a worker process (replicas count from 1)."""
    return f"worker-{'+'.join(kinds)}-{replica}"


def metrics_port(settings: Settings, kinds: Sequence[WorkerKind], replica: int) -> int:
    """A single-kind process gets its kind's port for its replica; a process serving
    several kinds (tests, a small install) the base port."""
    if len(kinds) == 1:
        return settings.worker.metrics_port_of(kinds[0], replica - 1)
    return settings.worker.metrics_port


async def serve(settings: Settings, kinds: Sequence[WorkerKind], replica: int) -> None:
    address = f"{settings.worker.metrics_host}:{metrics_port(settings, kinds, replica)}"
    runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    name = process_name(kinds, replica)
    client = await Client.connect(
        settings.temporal.address,
        namespace=settings.temporal.namespace,
        runtime=runtime,
        # The readiness probe of this very process looks for its name among the pollers.
        identity=f"{name}/{os.getpid()}@{socket.gethostname()}",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker.start", kinds=list(kinds), replica=replica, metrics=address)
    async with running_worker(client, settings, kinds):
        await stop.wait()
        log.info("worker.stop")


# Workflow kinds are proven by a workflow-task poller, activity-only kinds by an
# activity-task poller.
_POLLED_AS = {
    "requests": TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    "notifications": TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    "verification": TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    "paperwork": TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
}


async def check_worker_ready(
    settings: Settings, kind: WorkerKind = "requests", process: str | None = None
) -> str:
    """A worker polls the kind's queue (`process`, when given, among the pollers), and
    one runs a workflow with an activity to completion on the kind's readiness queue (so
    the answer does not wait behind a backlog)."""
    queue = settings.task_queue_of(kind)
    client = await Client.connect(settings.temporal.address, namespace=settings.temporal.namespace)
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=settings.temporal.namespace,
            task_queue=TaskQueue(name=queue),
            task_queue_type=_POLLED_AS[kind],
        )
    )
    if not described.pollers:
        raise RuntimeError(f"no worker polls task queue {queue!r}")
    # Identities are `<process>/<pid>@<host>`: in compose every replica is named alike
    # but runs on a host of its own.
    host = socket.gethostname()
    if process and not any(
        p.identity.startswith(f"{process}/") and p.identity.endswith(f"@{host}")
        for p in described.pollers
    ):
        raise RuntimeError(f"{process} does not poll task queue {queue!r} yet")
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


def _arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="worker.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("kinds", nargs="*", metavar="KIND", help="; ".join(WORKER_KINDS))
    parser.add_argument("--replica", type=int, default=1, help="this process's number, from 1")
    args = parser.parse_args(argv)
    args.ready = bool(args.kinds) and args.kinds[0] == "ready"
    if args.ready:
        args.kinds = args.kinds[1:]
    unknown = sorted(set(args.kinds) - set(WORKER_KINDS))
    if unknown:
        parser.error(
            f"unknown worker kind(s) {', '.join(unknown)}; known: {', '.join(WORKER_KINDS)}"
        )
    if args.replica < 1:
        parser.error("--replica counts from 1")
    # Each kind once, in the fixed order (so a process's name is stable).
    args.kinds = [k for k in WORKER_KINDS if k in args.kinds] or list(WORKER_KINDS)
    return args


async def check_kinds_ready(
    settings: Settings, kinds: Sequence[WorkerKind] = WORKER_KINDS, name: str | None = None
) -> str:
    """`check_worker_ready` for each of `kinds`, all served by the process `name`."""
    return "; ".join(
        [f"{kind}: {await check_worker_ready(settings, kind, name)}" for kind in kinds]
    )


def main(argv: list[str]) -> int:
    args = _arguments(argv[1:])
    settings = get_settings()
    configure_logging(settings.log_level)
    if args.ready:
        try:
            name = process_name(args.kinds, args.replica)
            print(asyncio.run(check_kinds_ready(settings, args.kinds, name)))
        except Exception as exc:  # readiness reports, it does not crash
            print(f"not ready: {exc}")
            return 1
        return 0
    try:
        refuse_insecure_secrets(settings, "the worker")
    except InsecureSecrets as error:
        print(error, file=sys.stderr)
        return 2
    asyncio.run(serve(settings, args.kinds, args.replica))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
