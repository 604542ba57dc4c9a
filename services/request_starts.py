"""Starting the workflows of requests the API stored itself.

A create is answered once the request, its history line, its `request.created` event
and its start intent are committed; its workflow is started after that, off the path of
the answer. Three callers start it, all the same way, and a second start is harmless
(the workflow id is the request's, a running workflow is kept, a finished one is never
run again): the API right after its commit, an action that finds no workflow yet, and
the sweeper, which starts whatever a crash between a commit and its start left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from core.logging import get_logger
from domain.workflow_ids import request_workflow_id
from services.workflow_options import WORKFLOW_TASK_TIMEOUT
from store import requests as repo
from store.requests import PendingStart
from workflows.service_request import ServiceRequestWorkflow

log = get_logger("services.request_starts")

START_TIMEOUT = timedelta(seconds=5)
SWEEP_EVERY = timedelta(seconds=1)
# Younger rows are normally being started by the API process that stored them.
SWEEP_AGE = timedelta(seconds=1)
SWEEP_BATCH = 100

# Background starts of this process. The loop keeps only weak references to tasks: a
# start nobody holds could vanish half-way (the sweeper would mend it, a second late).
_background: set[asyncio.Task[None]] = set()


async def start_workflow(temporal: Client, pending: PendingStart) -> None:
    """Start the request's workflow as its intent says; done when it already runs or ran."""
    # Refused only when it ran and finished already: done too.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await temporal.start_workflow(
            ServiceRequestWorkflow.run,
            pending.input,
            id=request_workflow_id(pending.request_id),
            task_queue=pending.task_queue,
            task_timeout=WORKFLOW_TASK_TIMEOUT,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A finished request must never be started again by a late start.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            rpc_timeout=START_TIMEOUT,
        )


class RequestStarts:
    """Starts made by the process that stored the request, or by one of its actions."""

    def __init__(self, temporal: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.temporal = temporal
        self.sessions = sessions

    def start_soon(self, pending: PendingStart) -> None:
        """Start in the background: the caller's answer does not wait for Temporal."""
        task = asyncio.get_running_loop().create_task(self._start_or_leave(pending))
        _background.add(task)
        task.add_done_callback(_background.discard)

    async def start_now(self, pending: PendingStart) -> None:
        await start_workflow(self.temporal, pending)
        async with self.sessions.begin() as session:
            await repo.mark_started(session, [pending.request_id])

    async def start_if_pending(self, request_id: str) -> bool:
        """Start the request's workflow if the store says it is not started yet; False
        when the store has no such request."""
        async with self.sessions() as session:
            row = await repo.get(session, request_id)
        if row is None:
            return False
        pending = repo.pending_start(row)
        if pending is not None:
            await self.start_now(pending)
        return True

    async def _start_or_leave(self, pending: PendingStart) -> None:
        try:
            await self.start_now(pending)
        except Exception as error:  # the sweeper starts it later; nothing is lost
            log.warning("request_start.deferred", request_id=pending.request_id, error=repr(error))


async def finish_background_starts(within: timedelta) -> None:
    """Give this process's background starts a moment to finish before it exits (what
    is still running then is left to the sweeper)."""
    if _background:
        await asyncio.wait(set(_background), timeout=within.total_seconds())


async def start_pending(
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    *,
    older_than: timedelta = SWEEP_AGE,
    limit: int = SWEEP_BATCH,
) -> list[str]:
    """One sweep: start the workflows of requests stored more than `older_than` ago and
    still not started; the ids of those it started. Rows stay locked until their starts
    are recorded, and locked rows are skipped, so several sweepers never start one
    request at the same time and together get through a backlog faster."""
    async with sessions.begin() as session:
        locked = await repo.lock_pending_starts(session, older_than=older_than, limit=limit)
        pending = locked.pending
        for request_id in locked.unreadable:
            log.error("request_start.intent_unreadable", request_id=request_id)
        outcomes = await asyncio.gather(
            *(start_workflow(temporal, p) for p in pending), return_exceptions=True
        )
        started: list[str] = []
        failed = list(locked.unreadable)
        for each, outcome in zip(pending, outcomes, strict=True):
            if outcome is None:
                started.append(each.request_id)
            else:  # tried again, after the others (a cancelled start too: the sweep
                # itself being cancelled raises out of gather instead)
                failed.append(each.request_id)
                log.warning(
                    "request_start.sweep_failed", request_id=each.request_id, error=repr(outcome)
                )
        await repo.mark_started(session, started)
        await repo.count_failed_starts(session, failed)
        if not pending and not failed:
            return []
    log.info("request_start.swept", started=len(started), found=len(pending))
    return started


async def run_start_sweeper(
    stop: asyncio.Event,
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
    *,
    every: timedelta = SWEEP_EVERY,
    older_than: timedelta = SWEEP_AGE,
) -> None:
    """Sweep every `every` until `stop` is set. A full batch is followed by the next one
    at once (a backlog after an outage); a failed sweep (the database or Temporal away)
    is logged and tried again at the next tick."""
    while not stop.is_set():
        found = 0
        try:
            found = len(await start_pending(temporal, sessions, older_than=older_than))
        except Exception as error:
            log.warning("request_start.sweep_error", error=repr(error))
        if found >= SWEEP_BATCH:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every.total_seconds())
