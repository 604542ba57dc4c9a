"""The paperwork activity draws its PDFs in render processes: nothing is drawn in the
process that serves Temporal tasks, a killed render process fails one attempt for a retry
that succeeds, and data that cannot be drawn still fails for good."""

from __future__ import annotations

import io
import os
import shutil
import signal
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.paperwork import RENDER_POOL_BROKEN, UNRENDERABLE, PaperworkActivities
from core.settings import PaperworkSettings, Settings
from domain.lifecycle import Role, State
from domain.requests import PaperworkInput
from paperwork.fonts import FONTS
from paperwork.layout import BOLD_FONT_FILE, DEFAULT_FONT_DIR, REGULAR_FONT_FILE
from paperwork.render_pool import RenderPool
from store.models import Document, ExecutorProfile, ServiceRequest
from tests.helpers.people import PersonFactory

REPORT = "Заменил смеситель, проверил на протечки"


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis.url)
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[RenderPool]:
    async with RenderPool(1) as started:
        yield started


@pytest.fixture
def font_dir(tmp_path: Path) -> Path:
    """The DejaVu files under a path of this test's own: who parsed them, and where, is
    then this test's doing alone."""
    for name in (REGULAR_FONT_FILE, BOLD_FONT_FILE):
        shutil.copy(DEFAULT_FONT_DIR / name, tmp_path / name)
    return tmp_path


async def confirmed_request(
    sessions: async_sessionmaker[AsyncSession], person: PersonFactory
) -> str:
    """A confirmed request with its parties, stored as the workflow would leave it."""
    customer = await person(Role.CUSTOMER, full_name="Анна Иванова")
    executor = await person(Role.EXECUTOR, full_name="Иван Сантехников")
    request_id = uuid.uuid4()
    async with sessions.begin() as session:
        session.add(
            ServiceRequest(
                id=request_id,
                customer_id=uuid.UUID(customer.id),
                idempotency_key=str(uuid.uuid4()),
                category="plumbing",
                description="Заменить смеситель на кухне",
                address="Москва, Тверская ул., 1",
                budget=Decimal("3000.00"),
                state=State.CONFIRMED.value,
                assignee_id=uuid.UUID(executor.id),
                report=REPORT,
                workflow_started_at=datetime.now(UTC),
            )
        )
    return str(request_id)


def job(request_id: str) -> PaperworkInput:
    return PaperworkInput(str(uuid.uuid4()), request_id, datetime.now(UTC))


async def stored(sessions: async_sessionmaker[AsyncSession], request_id: str) -> dict[str, bytes]:
    async with sessions() as session:
        rows = await session.execute(
            select(Document).where(Document.request_id == uuid.UUID(request_id))
        )
        return {d.kind: d.content for d in rows.scalars()}


def text_of(pdf: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


async def test_documents_are_drawn_in_the_render_process_not_in_this_one(
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    settings: Settings,
    redis: Redis,
    pool: RenderPool,
    font_dir: Path,
) -> None:
    paperwork = settings.paperwork.model_copy(update={"font_dir": font_dir})
    activities = PaperworkActivities(
        sessions, paperwork, time_zone=settings.time_zone, redis=redis, render_pool=pool
    )
    rid = await confirmed_request(sessions, person)

    made = await ActivityEnvironment().run(activities.generate_paperwork, job(rid))

    assert {d.kind for d in made} == {"act", "contract", "payout"}
    docs = await stored(sessions, rid)
    assert REPORT in text_of(docs["act"])
    # The fonts were parsed in the render process (once for all three documents) and
    # never in this one, which serves the tasks.
    report = await pool.report(font_dir)
    assert report.pid != os.getpid()
    assert set(report.font_parses.values()) == {1}
    assert FONTS.times_parsed(font_dir / REGULAR_FONT_FILE) == 0
    assert FONTS.times_parsed(font_dir / BOLD_FONT_FILE) == 0


async def test_a_killed_render_process_fails_the_attempt_and_the_retry_renders(
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    settings: Settings,
    redis: Redis,
) -> None:
    rid, attempt = await confirmed_request(sessions, person), None
    async with RenderPool(1) as pool:
        activities = PaperworkActivities(
            sessions,
            settings.paperwork,
            time_zone=settings.time_zone,
            redis=redis,
            render_pool=pool,
        )
        os.kill((await pool.report()).pid, signal.SIGKILL)
        attempt = job(rid)
        with pytest.raises(ApplicationError) as failed:
            await ActivityEnvironment().run(activities.generate_paperwork, attempt)
        assert failed.value.type == RENDER_POOL_BROKEN
        assert not failed.value.non_retryable  # Temporal tries again...
        assert await stored(sessions, rid) == {}

        made = await ActivityEnvironment().run(activities.generate_paperwork, attempt)

    assert {d.kind for d in made} == {"act", "contract", "payout"}  # ...and it renders
    assert set(await stored(sessions, rid)) == {"act", "contract", "payout"}


async def test_data_that_cannot_be_drawn_still_fails_for_good(
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    settings: Settings,
    redis: Redis,
    pool: RenderPool,
) -> None:
    rid = await confirmed_request(sessions, person)
    async with sessions.begin() as session:
        request = await session.get(ServiceRequest, uuid.UUID(rid))
        assert request is not None
        await session.execute(
            update(ExecutorProfile)
            .where(ExecutorProfile.user_id == request.assignee_id)
            .values(inn="12345")
        )
    activities = PaperworkActivities(
        sessions, settings.paperwork, time_zone=settings.time_zone, redis=redis, render_pool=pool
    )

    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(activities.generate_paperwork, job(rid))

    assert failed.value.type == UNRENDERABLE
    assert failed.value.non_retryable
    assert "INN" in str(failed.value)


async def test_without_a_pool_the_activities_render_in_processes_of_their_own(
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
    settings: Settings,
    redis: Redis,
    font_dir: Path,
) -> None:
    paperwork: PaperworkSettings = settings.paperwork.model_copy(update={"font_dir": font_dir})
    activities = PaperworkActivities(sessions, paperwork, time_zone=settings.time_zone, redis=redis)
    rid = await confirmed_request(sessions, person)
    try:
        made = await ActivityEnvironment().run(activities.generate_paperwork, job(rid))
    finally:
        await activities.aclose()

    assert {d.kind for d in made} == {"act", "contract", "payout"}
    assert FONTS.times_parsed(font_dir / REGULAR_FONT_FILE) == 0  # not drawn here
