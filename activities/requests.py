"""Activities of the request workflow: every state change is one PostgreSQL transaction
that writes the read model, the history row and the outbox rows together.

Each write is keyed by the workflow-made event id, so a retried activity (after a
timeout, a worker crash, a lost response) finds its own earlier commit and returns the
same result instead of writing twice."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from domain.executor_verification import assignability
from domain.lifecycle import STAFF_ROLES, Role
from domain.requests import (
    EligibilityQuery,
    ExecutorEligibility,
    PaperworkInput,
    RequestCreation,
    RequestView,
    SlaBreach,
    TransitionRecord,
)
from store import audit, cache, outbox, users
from store import requests as repo
from store.audit import AuditRecord
from store.outbox import EventDraft


class RequestActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], redis: Redis) -> None:
        self.sessions = sessions
        self.redis = redis

    @activity.defn
    async def create_request(self, creation: RequestCreation) -> RequestView:
        # Requests started before the API stored them itself still come here.
        async with self.sessions.begin() as session:
            if await outbox.already_recorded(session, creation.event_id):
                return await self._already_done(session, creation.request.request_id)
            row, _ = await repo.record_creation(session, creation)
            view = repo.to_view(row)
        await cache.put_request(self.redis, view)
        return view

    @activity.defn
    async def apply_transition(self, record: TransitionRecord) -> RequestView:
        async with self.sessions.begin() as session:
            if await outbox.already_recorded(session, record.event_id):
                return await self._already_done(session, record.request_id)
            row = await repo.require(session, record.request_id, lock=True)
            before = {"state": row.state, "assignee_id": _str(row.assignee_id)}
            repo.apply(row, record)
            seq = await outbox.next_seq(session, record.request_id)
            repo.add_history(
                session,
                request_id=record.request_id,
                event_id=record.event_id,
                seq=seq,
                action=record.action,
                from_state=record.from_state,
                to_state=record.to_state,
                actor_id=record.actor_id,
                actor_role=record.actor_role,
                occurred_at=record.occurred_at,
                data=record.data,
            )
            await outbox.append(
                session,
                EventDraft(
                    event_id=record.event_id,
                    type=record.event_type,
                    aggregate_id=record.request_id,
                    occurred_at=record.occurred_at,
                    actor_id=record.actor_id,
                    actor_role=record.actor_role,
                    from_state=record.from_state,
                    to_state=record.to_state,
                    # Who held the request before: consumers tell a released executor
                    # without keeping state of their own (the live stream does).
                    data={
                        **record.data,
                        "assignee_id": record.assignee_id,
                        "previous_assignee_id": before["assignee_id"],
                    },
                    trace_id=record.trace_id,
                ),
                seq,
            )
            if record.actor_role in STAFF_ROLES:
                await self._audit(session, record, before)
            await session.flush()
            view = repo.to_view(row)
        await cache.put_request(self.redis, view)
        return view

    async def _audit(
        self, session: AsyncSession, record: TransitionRecord, before: dict[str, Any]
    ) -> None:
        await audit.add(
            session,
            AuditRecord(
                actor_id=record.actor_id,
                actor_role=record.actor_role,
                action=f"request.{record.action}",
                target_type="request",
                target_id=record.request_id,
                outcome="allowed",
                event_type="audit.action",
                aggregate_id=record.request_id,
                before=before,
                after={"state": record.to_state, "assignee_id": record.assignee_id},
                # Derived from the transition's id: a retry finds the same audit entry.
                event_id=str(uuid.uuid5(uuid.UUID(record.event_id), "audit")),
                occurred_at=record.occurred_at,
                trace_id=record.trace_id,
            ),
        )

    @activity.defn
    async def record_sla_breach(self, breach: SlaBreach) -> None:
        async with self.sessions.begin() as session:
            if await outbox.already_recorded(session, breach.event_id):
                await self._already_done(session, breach.request_id)
                return
            row = await repo.require(session, breach.request_id, lock=True)
            row.sla_breached = True
            await session.flush()
            view = repo.to_view(row)
            await outbox.append(
                session,
                EventDraft(
                    event_id=breach.event_id,
                    type="sla.breached",
                    aggregate_id=breach.request_id,
                    occurred_at=breach.occurred_at,
                    actor_id="system",
                    actor_role=Role.SYSTEM,
                    from_state=breach.state,
                    to_state=breach.state,
                    data={
                        "sla": breach.sla,
                        "tier": breach.tier,
                        "escalation": breach.escalation,
                        "due_at": breach.due_at.isoformat(),
                    },
                    trace_id=breach.trace_id,
                ),
            )
        await cache.put_request(self.redis, view)

    @activity.defn
    async def check_executor(self, query: EligibilityQuery) -> ExecutorEligibility:
        async with self.sessions() as session:
            found = await users.executor_with_profile(session, uuid.UUID(query.executor_id))
        if found is None:
            return ExecutorEligibility(query.executor_id, False, False, "no such executor")
        user, profile = found
        if not user.is_active:
            return ExecutorEligibility(query.executor_id, False, False, "executor is inactive")
        if query.category not in profile.skills:
            return ExecutorEligibility(
                query.executor_id,
                False,
                False,
                f"executor has no '{query.category}' skill (has: {', '.join(profile.skills)})",
            )
        verdict = assignability(profile.verification_status, profile.verified_until, query.as_of)
        return ExecutorEligibility(
            query.executor_id, verdict.eligible, verdict.verified, verdict.reason
        )

    @activity.defn
    async def record_paperwork(self, paperwork: PaperworkInput) -> None:
        # Kept for requests started before paperwork existed (their histories replay this
        # step); new requests generate documents in activities/paperwork.py.
        async with self.sessions.begin() as session:
            if await outbox.already_recorded(session, paperwork.event_id):
                return
            await outbox.append(
                session,
                EventDraft(
                    event_id=paperwork.event_id,
                    type="hr.paperwork_recorded",
                    aggregate_id=paperwork.request_id,
                    occurred_at=paperwork.occurred_at,
                    actor_id="system",
                    actor_role=Role.SYSTEM,
                    data={"documents": []},
                ),
            )

    async def _already_done(self, session: AsyncSession, request_id: str) -> RequestView:
        """A retry whose first attempt committed: answer as it would have, and make sure
        the cache has the view (the first attempt may have died before writing it)."""
        row = await repo.require(session, request_id)
        view = repo.to_view(row)
        await cache.put_request(self.redis, view)
        return view


def _str(value: object) -> str | None:
    return str(value) if value is not None else None
