"""A workflow that proves a worker is really serving its task queue: it runs an activity
that makes a round trip to each dependency from inside the worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.diagnostics import DependencyReport, DiagnosticsActivities


@dataclass(frozen=True)
class DependencyCheckInput:
    requested_by: str = "readiness"


@dataclass(frozen=True)
class DependencyCheckResult:
    worker_identity: str
    reports: list[DependencyReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)


@workflow.defn
class DependencyCheckWorkflow:
    @workflow.run
    async def run(self, params: DependencyCheckInput) -> DependencyCheckResult:
        reports = await workflow.execute_activity_method(
            DiagnosticsActivities.check_dependencies,
            start_to_close_timeout=timedelta(seconds=20),
            retry_policy=RetryPolicy(maximum_attempts=2),
        )
        return DependencyCheckResult(worker_identity=workflow.info().task_queue, reports=reports)
