"""A test-only workflow that starts many deliveries at once on the notifications queue,
the way a busy hour of many request workflows would."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.notifications import PlannedNotification


@workflow.defn
class NotificationBurstWorkflow:
    @workflow.run
    async def run(self, queue: str, items: list[PlannedNotification]) -> list[str]:
        outcomes = await asyncio.gather(
            *(
                workflow.execute_activity(
                    "deliver",
                    item,
                    task_queue=queue,
                    start_to_close_timeout=timedelta(seconds=60),
                    heartbeat_timeout=timedelta(seconds=10),
                )
                for item in items
            )
        )
        return [str(o["status"]) for o in outcomes]
