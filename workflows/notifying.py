"""Notifications started from inside a workflow, in the background of what caused them.

The action that triggered a notification never waits for it (docs/notifications.md): a local
activity plans who hears what (and records it), then one delivery activity per message
runs on the rate-limited notifications task queue. The owning workflow waits for
`idle()` before it ends, so no message is abandoned."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from domain.notifications import NotificationTrigger, PlannedNotification

PLAN_TIMEOUT = timedelta(seconds=15)
PLAN_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    non_retryable_error_types=["LookupError"],
)
DELIVERY_ATTEMPT_TIMEOUT = timedelta(seconds=60)
# A delivery whose worker died is retried after this long without a heartbeat (the
# activity heartbeats all along its attempt, activities/notifications.py).
DELIVERY_HEARTBEAT = timedelta(seconds=3)
# After this long of transient failures (mail relay down all day) the message is given
# up and recorded as failed; a notification is not worth keeping a workflow open forever.
DELIVERY_DEADLINE = timedelta(hours=6)
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
)


class Notifier:
    def __init__(self) -> None:
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, trigger: NotificationTrigger, queue: str) -> None:
        self._in_flight += 1
        task = asyncio.create_task(self._send(trigger, queue))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def idle(self) -> bool:
        return self._in_flight == 0

    async def _send(self, trigger: NotificationTrigger, queue: str) -> None:
        try:
            planned = await workflow.execute_local_activity_method(
                NotificationActivities.plan_notifications,
                trigger,
                start_to_close_timeout=PLAN_TIMEOUT,
                retry_policy=PLAN_RETRY,
            )
            await asyncio.gather(*(self._deliver(item, queue) for item in planned))
        finally:
            self._in_flight -= 1

    async def _deliver(self, item: PlannedNotification, queue: str) -> None:
        try:
            await workflow.execute_activity_method(
                NotificationActivities.deliver,
                item,
                task_queue=queue,
                start_to_close_timeout=DELIVERY_ATTEMPT_TIMEOUT,
                heartbeat_timeout=DELIVERY_HEARTBEAT,
                schedule_to_close_timeout=DELIVERY_DEADLINE,
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError:
            await workflow.execute_local_activity_method(
                NotificationActivities.give_up,
                item,
                start_to_close_timeout=PLAN_TIMEOUT,
                retry_policy=PLAN_RETRY,
            )
