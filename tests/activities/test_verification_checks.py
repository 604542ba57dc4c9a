"""The document checks count the age on the business's local date, not UTC's."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.verification import VerificationActivities
from domain.executor_verification import CheckRequest
from domain.lifecycle import Role
from integrations.tax_service import TaxStatusClient
from store.models import VerificationSubmission
from tests.helpers.people import PersonFactory
from tests.helpers.verification_data import valid_inn

# 22:30 UTC on 11 April is already 01:30 on 12 April in Moscow (UTC+3).
LATE_EVENING_UTC = datetime(2026, 4, 11, 22, 30, tzinfo=UTC)
EIGHTEEN_IN_MOSCOW = date(2008, 4, 12)


async def test_the_age_check_uses_the_configured_local_date(
    sessions: async_sessionmaker[AsyncSession], person: PersonFactory
) -> None:
    executor = await person(Role.EXECUTOR, verified=False)
    submission_id = uuid.uuid4()
    async with sessions.begin() as session:
        session.add(
            VerificationSubmission(
                id=submission_id,
                executor_id=uuid.UUID(executor.id),
                full_name="Иванов Иван Иванович",
                inn=valid_inn(),
                passport_series="4506",
                passport_number="123456",
                date_of_birth=EIGHTEEN_IN_MOSCOW,
            )
        )
    # The document checks never ask the tax service.
    unused_tax = cast(TaxStatusClient, None)

    def check_request() -> CheckRequest:
        return CheckRequest(str(uuid.uuid4()), str(submission_id), executor.id, LATE_EVENING_UTC)

    moscow = VerificationActivities(sessions, unused_tax, "Europe/Moscow")
    [*_, age] = await moscow.run_document_checks(check_request())
    assert (age.name, age.passed, age.detail) == ("age", True, "age 18")
    # The same moment in UTC is still the day before the birthday: 17, refused.
    utc = VerificationActivities(sessions, unused_tax, "UTC")
    [*_, age] = await utc.run_document_checks(check_request())
    assert (age.name, age.passed) == ("age", False)
