"""Temporal is the real server: a workflow with an activity runs on it, is visible through
its API, and a workflow in flight survives a restart of the server."""

import asyncio
import time
from datetime import timedelta

import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Worker

from core.health import run_probe, temporal_probe
from core.settings import Settings
from devstack.supervisor import Layout, Supervisor
from tests.helpers.approval_workflow import ApprovalWorkflow, record_step
from worker import check_worker_ready, readiness_queue, running_worker
from workflows.diagnostics import DependencyCheckInput, DependencyCheckWorkflow


async def test_workflow_with_activity_runs_and_is_visible(
    temporal: Client, settings: Settings, unique: str
) -> None:
    async with running_worker(temporal, settings.with_task_queues(unique), ["requests"]):
        result = await temporal.execute_workflow(
            DependencyCheckWorkflow.run,
            DependencyCheckInput("smoke"),
            id=unique,
            task_queue=readiness_queue(unique),
            execution_timeout=timedelta(seconds=30),
        )
    assert [r.name for r in result.reports] == ["postgres", "redis", "kafka"]
    assert all(r.ok for r in result.reports), result.reports

    description = await temporal.get_workflow_handle(unique).describe()
    assert description.status == WorkflowExecutionStatus.COMPLETED
    history = await temporal.get_workflow_handle(unique).fetch_history()
    scheduled = [
        e for e in history.events if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert [e.activity_task_scheduled_event_attributes.activity_type.name for e in scheduled] == [
        "check_dependencies"
    ]
    listed = await _eventually_listed(temporal, f"WorkflowId = '{unique}'")
    assert [w.id for w in listed] == [unique]


async def test_worker_readiness_needs_a_polling_worker(
    temporal: Client, settings: Settings, unique: str
) -> None:
    own = settings.with_task_queues(unique)
    with pytest.raises(RuntimeError, match="no worker polls"):
        await check_worker_ready(own)
    async with running_worker(temporal, own, ["requests"]):
        summary = await _eventually_ready(own)
    # The check runs on a queue of its own: on the request queue it waited behind every
    # queued workflow task, and a busy platform looked down.
    assert summary.startswith(f"1 poller(s), checked on {readiness_queue(unique)}; postgres")


@pytest.mark.slow
async def test_workflow_survives_a_temporal_server_restart(
    temporal: Client, settings: Settings, unique: str
) -> None:
    supervisor = Supervisor(Layout.of(settings))
    assert "temporal" in supervisor.info(), "the Temporal server is not run by the launcher"
    async with Worker(
        temporal, task_queue=unique, workflows=[ApprovalWorkflow], activities=[record_step]
    ):
        handle = await temporal.start_workflow(
            ApprovalWorkflow.run, "invoice", id=unique, task_queue=unique
        )
        await _until(lambda: handle.query(ApprovalWorkflow.progress), ["invoice prepared done"])
        run_id = (await handle.describe()).run_id

        await asyncio.to_thread(supervisor.restart, "temporal")
        await _wait_temporal_ready(settings)

        fresh = await Client.connect(
            settings.temporal.address, namespace=settings.temporal.namespace
        )
        after = fresh.get_workflow_handle(unique)
        await after.signal(ApprovalWorkflow.approve, "manager")
        assert await after.result() == ["invoice prepared done", "approved by manager done"]
        assert (await after.describe()).run_id == run_id


async def _eventually_ready(settings: Settings, timeout_s: float = 15) -> str:
    # Pollers register a moment after a worker starts; readiness is polled, like the launcher.
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return await check_worker_ready(settings)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def _wait_temporal_ready(settings: Settings, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    probe = temporal_probe(settings.temporal.address, settings.temporal.namespace)
    while time.monotonic() < deadline:
        if (await run_probe("temporal", probe, 3)).ok:
            return
        await asyncio.sleep(0.5)
    raise AssertionError("Temporal did not come back after the restart")


async def _until(read, expected, timeout_s: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while (value := await read()) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r}, expected {expected!r}")
        await asyncio.sleep(0.1)


async def _eventually_listed(client: Client, query: str, timeout_s: float = 10):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        found = [w async for w in client.list_workflows(query)]
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)
