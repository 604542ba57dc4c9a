"""Verification submissions are capped per executor per local day: 429 with Retry-After."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from devstack.emulators.tax_service import RunningTaxService
from domain.lifecycle import Role
from store.models import VerificationSubmission
from tests.helpers.api_client import SignedIn
from tests.helpers.verification_data import documents, valid_inn


async def test_submissions_past_the_daily_cap_answer_429_until_local_midnight(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    tax_service: RunningTaxService,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    executor = await signed_in(Role.EXECUTOR, verified=False)
    inn = valid_inn()
    tax_service.emulator.set_status(inn, True)
    cap = settings.verification.submissions_per_day
    for _ in range(cap):
        accepted = await client.post(
            "/executors/me/verification", json=documents(inn), headers=executor.headers
        )
        assert accepted.status_code == 202, accepted.text
    refused = await client.post(
        "/executors/me/verification", json=documents(inn), headers=executor.headers
    )
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert f"at most {cap} verification submissions a day" in refused.json()["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    async with sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(VerificationSubmission)
            .where(VerificationSubmission.executor_id == uuid.UUID(executor.id))
        )
    assert stored == cap
