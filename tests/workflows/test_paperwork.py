"""HR paperwork when a request is confirmed: the PDFs, their events, one contract per
executor, idempotent generation, and closing only after the paperwork."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdf
from redis.asyncio import Redis
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities.paperwork import PaperworkActivities
from core.settings import Settings
from domain.lifecycle import Role
from domain.requests import PaperworkInput
from services.requests import RequestCommands
from store.models import Document, OutboxEvent, Payout
from tests.helpers.people import PersonFactory
from tests.helpers.workflow_requests import closed_request, documents_of

Commands = Callable[..., RequestCommands]


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


async def test_a_confirmed_request_gets_act_contract_and_payout_before_it_closes(
    commands: Commands,
    temporal: Client,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    customer = await person(Role.CUSTOMER, full_name="Анна Иванова")
    executor = await person(Role.EXECUTOR, full_name="Иван Сантехников")
    manager = await person(Role.MANAGER)
    rid = await closed_request(commands, temporal, customer, executor, manager)

    docs = await documents_of(sessions, rid)
    assert set(docs) == {"act", "contract", "payout"}
    act = text_of(docs["act"].content)
    for expected in (
        "Анна Иванова",
        "Иван Сантехников",
        "Заменил смеситель, проверил на протечки",
        "3 000,00",
        "Три тысячи рублей 00 копеек",
        "Москва, Тверская ул., 1",
    ):
        assert expected in act, expected
    payout = text_of(docs["payout"].content)
    assert "300,00" in payout  # the 10 % commission
    assert "2 700,00" in payout  # net to the executor
    assert "Иван Сантехников" in text_of(docs["contract"].content)
    for doc in docs.values():
        assert doc.version == 1
        assert len(doc.sha256) == 64
        assert doc.size == len(doc.content)

    async with sessions() as session:
        payouts = (
            (await session.execute(select(Payout).where(Payout.request_id == uuid.UUID(rid))))
            .scalars()
            .all()
        )
        events = (
            await session.execute(
                select(OutboxEvent.type, OutboxEvent.seq)
                .where(OutboxEvent.aggregate_id == rid)
                .order_by(OutboxEvent.seq)
            )
        ).all()
    assert [(p.gross, p.commission, p.net) for p in payouts] == [
        (Decimal("3000.00"), Decimal("300.00"), Decimal("2700.00"))
    ]
    types = [t for t, _ in events]
    hr = types[types.index("request.confirmed") + 1 :]
    assert sorted(hr[:4]) == sorted(["document.generated"] * 3 + ["payout.recorded"])
    # the request closes only after its paperwork is on record
    assert hr[4:] == ["hr.paperwork_recorded", "request.closed"]


async def test_the_contract_is_made_on_the_first_job_only(
    commands: Commands,
    temporal: Client,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    customer, executor = await person(Role.CUSTOMER), await person(Role.EXECUTOR)
    manager = await person(Role.MANAGER)
    first = await closed_request(commands, temporal, customer, executor, manager)
    second = await closed_request(commands, temporal, customer, executor, manager)
    assert set(await documents_of(sessions, first)) == {"act", "contract", "payout"}
    assert set(await documents_of(sessions, second)) == {"act", "payout"}


async def test_generating_again_or_concurrently_leaves_one_set_of_documents(
    commands: Commands,
    temporal: Client,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    redis: Redis,
) -> None:
    customer, executor = await person(Role.CUSTOMER), await person(Role.EXECUTOR)
    manager = await person(Role.MANAGER)
    rid = await closed_request(commands, temporal, customer, executor, manager)
    before = {k: d.sha256 for k, d in (await documents_of(sessions, rid)).items()}

    activities = PaperworkActivities(
        sessions, settings.paperwork, time_zone=settings.time_zone, redis=redis
    )
    env = ActivityEnvironment()
    retry = PaperworkInput(str(uuid.uuid4()), rid, datetime.now(UTC))
    results = await asyncio.gather(
        env.run(activities.generate_paperwork, retry),
        env.run(activities.generate_paperwork, retry),
        return_exceptions=True,
    )
    # At most one of two racing transactions commits; the other fails on the event id
    # and Temporal would retry it into "already recorded".
    assert any(not isinstance(r, BaseException) for r in results)
    again = await env.run(activities.generate_paperwork, retry)
    assert {d.kind for d in again} == {"act", "contract", "payout"}
    after = await documents_of(sessions, rid)
    assert {k: d.sha256 for k, d in after.items()} == before
    async with sessions() as session:
        count = len(
            (
                await session.execute(
                    select(Document.id).where(Document.request_id == uuid.UUID(rid))
                )
            ).all()
        )
    assert count == 3
    async with sessions() as session:
        announced = (
            (
                await session.execute(
                    select(OutboxEvent.type).where(
                        OutboxEvent.aggregate_id == rid,
                        OutboxEvent.type.in_(["document.generated", "payout.recorded"]),
                    )
                )
            )
            .scalars()
            .all()
        )
    # a second generation run announces nothing twice
    assert sorted(announced) == ["document.generated"] * 3 + ["payout.recorded"]


async def test_paperwork_events_carry_the_confirm_trace_and_the_time_the_documents_exist(
    commands: Commands,
    temporal: Client,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    customer, executor = await person(Role.CUSTOMER), await person(Role.EXECUTOR)
    manager = await person(Role.MANAGER)
    trace = uuid.uuid4().hex
    rid = await closed_request(commands, temporal, customer, executor, manager, confirm_trace=trace)
    async with sessions() as session:
        envelopes = {
            (row.type, row.event_id): row.envelope
            for row in (
                await session.execute(select(OutboxEvent).where(OutboxEvent.aggregate_id == rid))
            ).scalars()
        }
    by_type: dict[str, list[dict[str, object]]] = {}
    for (kind, _), envelope in envelopes.items():
        by_type.setdefault(kind, []).append(envelope)
    paperwork = ["document.generated", "payout.recorded", "hr.paperwork_recorded"]
    for kind in [*paperwork, "request.confirmed", "request.closed"]:
        assert {e["trace_id"] for e in by_type[kind]} == {trace}, kind
    # Stamped once the documents are stored, not when the step began (before rendering).
    made = max(d.created_at for d in (await documents_of(sessions, rid)).values())
    for kind in paperwork:
        for envelope in by_type[kind]:
            assert datetime.fromisoformat(str(envelope["occurred_at"])) >= made, kind


async def test_document_dates_are_in_the_configured_time_zone(
    commands: Commands,
    temporal: Client,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    redis: Redis,
) -> None:
    customer, executor = await person(Role.CUSTOMER), await person(Role.EXECUTOR)
    manager = await person(Role.MANAGER)
    rid = await closed_request(commands, temporal, customer, executor, manager)
    async with sessions.begin() as session:  # a fresh run of the paperwork, another day
        await session.execute(delete(Document).where(Document.request_id == uuid.UUID(rid)))
        await session.execute(delete(Payout).where(Payout.request_id == uuid.UUID(rid)))
    # 22:30 UTC on 31 Dec is already 1 January in Vladivostok (UTC+10).
    late = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    far_east = PaperworkActivities(
        sessions, settings.paperwork, time_zone="Asia/Vladivostok", redis=redis
    )
    await ActivityEnvironment().run(
        far_east.generate_paperwork, PaperworkInput(str(uuid.uuid4()), rid, late)
    )
    async with sessions() as session:
        payout = (
            await session.execute(select(Payout).where(Payout.request_id == uuid.UUID(rid)))
        ).scalar_one()
    assert payout.recorded_on == date(2027, 1, 1)
    act = text_of((await documents_of(sessions, rid))["act"].content)
    assert "1 января 2027" in act
    assert "31 декабря 2026" not in act
