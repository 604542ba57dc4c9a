"""HR paperwork of a confirmed request (docs/verification-and-paperwork.md): the act of
completed works, the civil-law contract on the executor's first job, and the payout record.

The PDFs are rendered first (deterministically: the same request gives the same bytes),
in render processes (paperwork.render_pool) so that drawing never holds this process's
event loop or GIL; then everything is stored in one transaction keyed by the workflow's
event id, with an hr-event per document and for the payout. A retry after any crash
finds the first attempt's commit, or makes exactly the same documents again.

Data that cannot be put on paper (an invalid INN, an amount too large to spell) fails
the same way on every attempt: it is reported as non-retryable, and the workflow parks
the request for HR (`record_paperwork_failure`) until HR has it corrected and retries."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.heartbeats import heartbeating
from core.settings import PaperworkSettings
from domain.lifecycle import Role
from domain.notifications import Locale
from domain.requests import PaperworkFailure, PaperworkInput, RequestView
from notifications.templates import category_name
from paperwork.models import ActData, Company, ContractData, Party, PayoutData
from paperwork.money import split_payout
from paperwork.naming import KINDS, DocumentKind, document_title, file_name
from paperwork.pdf import DocumentData
from paperwork.render_pool import RenderPool, RenderPoolBroken
from store import cache, documents, outbox, users
from store import requests as repo
from store.documents import NewDocument, NewPayout
from store.models import Document, ExecutorProfile, ServiceRequest, User
from store.outbox import EventDraft

# The ApplicationError type of data that no retry can render.
UNRENDERABLE = "paperwork_unrenderable"
# ... and of a render process that died under the documents: retried.
RENDER_POOL_BROKEN = "paperwork_render_pool_broken"


@dataclass(frozen=True)
class GeneratedDocument:
    id: str
    kind: str
    number: str
    title: str
    sha256: str


@dataclass(frozen=True)
class _Announcement:
    """What the paperwork's events share: the request, when, and the trace."""

    request_id: str
    occurred_at: datetime
    trace_id: str | None


@dataclass(frozen=True)
class _Planned:
    """One document to render: what it is and the data it is drawn from."""

    kind: DocumentKind
    number: str
    data: DocumentData


@dataclass(frozen=True)
class _Facts:
    request: ServiceRequest
    customer: User
    executor: User
    profile: ExecutorProfile
    first_job: bool


class PaperworkActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: PaperworkSettings,
        *,
        time_zone: str,
        redis: Redis,
        render_pool: RenderPool | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        # Document dates are the business's local dates (Settings.time_zone).
        self.local_time = ZoneInfo(time_zone)
        self.redis = redis
        # PDFs are drawn in render processes: the worker's pool when it hands one in
        # (and closes it), else one of these activities' own, started at the first
        # document (`aclose` stops it).
        self._render_pool = render_pool
        self._own_pool: RenderPool | None = None

    @activity.defn
    async def generate_paperwork(self, job: PaperworkInput) -> list[GeneratedDocument]:
        # Drawing and the store's writes take seconds under load; the workflow's short
        # heartbeat timeout must only catch a worker that died.
        async with heartbeating():
            return await self._generate(job)

    async def _generate(self, job: PaperworkInput) -> list[GeneratedDocument]:
        facts = await self._facts(job.request_id)
        day = job.occurred_at.astimezone(self.local_time).date()
        try:
            rendered = await self._render(facts, day)
        except ValueError as error:
            # Rendering is deterministic: the same data fails the same way every time.
            raise ApplicationError(str(error), type=UNRENDERABLE, non_retryable=True) from None
        except RenderPoolBroken as error:
            # Not the data's fault: a render process died, and the pool starts anew for
            # the next attempt, which Temporal makes.
            raise ApplicationError(str(error), type=RENDER_POOL_BROKEN) from error
        async with self.sessions.begin() as session:
            if await outbox.already_recorded(session, job.event_id):
                return _described(await documents.for_request(session, job.request_id))
            saved = [await documents.save(session, doc) for doc in rendered]
            # A contract made meanwhile for the executor's other job (two first jobs
            # closing at once) belongs to that job: not this one's document or event.
            stored = [d for d in saved if str(d.request_id) == job.request_id]
            payout = await self._record_payout(session, facts, day)
            # The events say when the documents came to exist: after rendering (which
            # takes up to seconds) and once they are stored, not when the work began.
            done = _Announcement(job.request_id, datetime.now(UTC), job.trace_id)
            for doc in stored:
                await _event(session, done, doc)
            payout_event = str(
                uuid.uuid5(documents.document_id(job.request_id, "payout-record"), "recorded")
            )
            if not await outbox.already_recorded(session, payout_event):
                await outbox.append(
                    session,
                    EventDraft(
                        event_id=payout_event,
                        type="payout.recorded",
                        aggregate_id=job.request_id,
                        occurred_at=done.occurred_at,
                        actor_id="system",
                        actor_role=Role.SYSTEM,
                        trace_id=done.trace_id,
                        data={
                            "executor_id": str(payout.executor_id),
                            "gross": str(payout.gross),
                            "commission": str(payout.commission),
                            "net": str(payout.net),
                            "commission_rate": str(payout.commission_rate),
                        },
                    ),
                )
            described = _described(stored)
            await outbox.append(
                session,
                EventDraft(
                    event_id=job.event_id,
                    type="hr.paperwork_recorded",
                    aggregate_id=job.request_id,
                    occurred_at=done.occurred_at,
                    actor_id="system",
                    actor_role=Role.SYSTEM,
                    data={"documents": [{"id": d.id, "kind": d.kind} for d in described]},
                    trace_id=done.trace_id,
                ),
            )
            row = await repo.require(session, job.request_id)
            if row.paperwork_failed:
                row.paperwork_failed = False  # a retry that succeeded unparks the request
        return described

    @activity.defn
    async def record_paperwork_failure(self, failure: PaperworkFailure) -> RequestView:
        """Park the confirmed request for HR: the read model says so, and HR hears of it
        (hr.paperwork_failed). Keyed by the failure's event id, like every store write."""
        # The row lock may wait behind an action on the request.
        async with heartbeating():
            return await self._record_failure(failure)

    async def _record_failure(self, failure: PaperworkFailure) -> RequestView:
        async with self.sessions.begin() as session:
            row = await repo.require(session, failure.request_id, lock=True)
            if not await outbox.already_recorded(session, failure.event_id):
                row.paperwork_failed = True
                row.version += 1  # a change of the read model: the cache takes it
                row.updated_at = failure.occurred_at
                await outbox.append(
                    session,
                    EventDraft(
                        event_id=failure.event_id,
                        type="hr.paperwork_failed",
                        aggregate_id=failure.request_id,
                        occurred_at=failure.occurred_at,
                        actor_id="system",
                        actor_role=Role.SYSTEM,
                        from_state=row.state,
                        to_state=row.state,
                        data={"reason": failure.reason},
                        trace_id=failure.trace_id,
                    ),
                )
            await session.flush()
            view = repo.to_view(row)
        await cache.put_request(self.redis, view)
        return view

    async def _facts(self, request_id: str) -> _Facts:
        async with self.sessions() as session:
            request = await repo.require(session, request_id)
            if request.assignee_id is None:
                raise LookupError(f"request {request_id} has no executor to do paperwork for")
            customer = await users.get(session, request.customer_id)
            executor = await users.get(session, request.assignee_id)
            profile = await users.executor_profile(session, request.assignee_id)
            contract = await documents.contract_of(session, str(request.assignee_id))
        if customer is None or executor is None or profile is None:
            raise LookupError(f"the parties of request {request_id} are not in the store")
        first_job = contract is None or str(contract.request_id) == request_id
        return _Facts(request, customer, executor, profile, first_job)

    async def aclose(self) -> None:
        """Stop the render processes these activities started themselves (none when a
        pool was handed in: its owner closes it)."""
        if self._own_pool is not None:
            await self._own_pool.aclose()
            self._own_pool = None

    def _pool(self) -> RenderPool:
        if self._render_pool is not None:
            return self._render_pool
        if self._own_pool is None:
            self._own_pool = RenderPool(self.settings.render_processes, self.settings.font_dir)
        return self._own_pool

    async def _render(self, facts: _Facts, day: date) -> list[NewDocument]:
        """The documents, each drawn in a render process; the event loop only waits."""
        request, planned = facts.request, self._plan(facts, day)
        pool, font_dir = self._pool(), self.settings.font_dir
        outcomes = await asyncio.gather(
            *(pool.render(doc.data, font_dir) for doc in planned), return_exceptions=True
        )
        made: list[NewDocument] = []
        for doc, outcome in zip(planned, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                raise outcome
            made.append(
                NewDocument(
                    request_id=str(request.id),
                    executor_id=str(request.assignee_id),
                    customer_id=str(request.customer_id),
                    kind=doc.kind,
                    number=doc.number,
                    file_name=file_name(doc.kind, doc.number),
                    content=outcome.content,
                )
            )
        return made

    def _plan(self, facts: _Facts, day: date) -> list[_Planned]:
        """What each document says: plain data, checked here (a ValueError is data that
        no retry can render), drawn elsewhere."""
        request, short = facts.request, str(facts.request.id)[:8].upper()
        executor = Party(facts.executor.full_name, facts.profile.inn, facts.executor.email)
        customer = Party(facts.customer.full_name, None, facts.customer.email)
        gross = request.budget if request.budget is not None else Decimal("0.00")
        commission, net = split_payout(gross, self.settings.commission_rate)
        company = Company(
            self.settings.company_name, self.settings.company_inn, self.settings.company_address
        )
        numbers = {"act": f"А-{short}", "payout": f"В-{short}", "contract": _contract_number(facts)}
        planned = [
            _Planned(
                "act",
                numbers["act"],
                ActData(
                    number=numbers["act"],
                    request_id=str(request.id),
                    signed_on=day,
                    city=self.settings.city,
                    customer=customer,
                    executor=executor,
                    work_description=request.report or request.description,
                    address=request.address,
                    category=category_name(request.category, Locale.RU),
                    started_on=None,
                    completed_on=day,
                    amount=gross,
                ),
            ),
            _Planned(
                "payout",
                numbers["payout"],
                PayoutData(
                    number=numbers["payout"],
                    request_id=str(request.id),
                    issued_on=day,
                    platform=company,
                    executor=executor,
                    gross=gross,
                    commission_rate=self.settings.commission_rate,
                    commission=commission,
                    net=net,
                    act_number=numbers["act"],
                    contract_number=numbers["contract"],
                ),
            ),
        ]
        if facts.first_job:
            planned.append(
                _Planned(
                    "contract",
                    numbers["contract"],
                    ContractData(
                        number=numbers["contract"],
                        concluded_on=day,
                        city=self.settings.city,
                        platform=company,
                        executor=executor,
                        subject="услуги по категории «"
                        f"{category_name(request.category, Locale.RU)}»",
                        commission_rate=self.settings.commission_rate,
                    ),
                )
            )
        return planned

    async def _record_payout(self, session: AsyncSession, facts: _Facts, day: date) -> NewPayout:
        request = facts.request
        gross = request.budget if request.budget is not None else Decimal("0.00")
        commission, net = split_payout(gross, self.settings.commission_rate)
        payout = NewPayout(
            request_id=str(request.id),
            executor_id=str(request.assignee_id),
            gross=gross,
            commission_rate=self.settings.commission_rate,
            commission=commission,
            net=net,
            recorded_on=day,
        )
        await documents.record_payout(session, payout)
        return payout


def _contract_number(facts: _Facts) -> str:
    return f"Д-{str(facts.executor.id)[:8].upper()}"


def _described(stored: list[Document]) -> list[GeneratedDocument]:
    return [GeneratedDocument(str(d.id), d.kind, d.number, _title(d), d.sha256) for d in stored]


def _title(doc: Document) -> str:
    kind = next(k for k in KINDS if k == doc.kind)
    return document_title(kind, doc.number)


async def _event(session: AsyncSession, done: _Announcement, doc: Document) -> None:
    # Keyed by the document, not by this run: a re-run of the paperwork (a reset
    # workflow) finds the documents and announces none of them twice.
    event_id = str(uuid.uuid5(doc.id, "generated"))
    if await outbox.already_recorded(session, event_id):
        return
    await outbox.append(
        session,
        EventDraft(
            event_id=event_id,
            type="document.generated",
            aggregate_id=done.request_id,
            occurred_at=done.occurred_at,
            actor_id="system",
            actor_role=Role.SYSTEM,
            trace_id=done.trace_id,
            data={
                "document_id": str(doc.id),
                "kind": doc.kind,
                "number": doc.number,
                "version": doc.version,
                "sha256": doc.sha256,
                "size": doc.size,
            },
        ),
    )
