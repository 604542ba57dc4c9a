"""Raw StartWorkflow on the platform's Temporal server: the floor under POST /requests.

Starts a workflow type that no worker implements on a scratch task queue nobody polls,
so the figure is the server's start path alone (history write, task queued) with no
worker in it. Each run has an execution timeout past the end of the whole benchmark:
the server closes them by itself afterwards, instead of the timeouts (or a wave of
terminate calls) landing in the middle of the next measured rate."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.client import Client
from temporalio.service import RPCError

from bench.openloop import RateResult, run_at_rate
from core.settings import Settings

SCRATCH_WORKFLOW = "BenchScratchNoop"


class RawStarts:
    def __init__(self, client: Client, run: str, run_timeout: timedelta) -> None:
        self.client = client
        self.run = run
        self.task_queue = f"bench-scratch-{run}"
        self.run_timeout = run_timeout
        self.started = 0

    @classmethod
    async def connect(cls, settings: Settings, run_timeout: timedelta) -> RawStarts:
        client = await Client.connect(
            settings.temporal.address, namespace=settings.temporal.namespace
        )
        return cls(client, uuid.uuid4().hex[:8], run_timeout)

    async def _one(self, label: str, n: int) -> str:
        try:
            await self.client.start_workflow(
                SCRATCH_WORKFLOW,
                id=f"bench-scratch-{self.run}-{label}-{n}",
                task_queue=self.task_queue,
                execution_timeout=self.run_timeout,
            )
        except RPCError as error:
            return f"rpc {error.status.name}"
        self.started += 1
        return "ok"

    async def at_rate(self, label: str, rate: float, seconds: float) -> RateResult:
        return await run_at_rate(rate, seconds, lambda n: self._one(label, n))
