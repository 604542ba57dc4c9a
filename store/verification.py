"""Repository of the documents executors submit for verification. Functions only flush."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import VerificationScan, VerificationSubmission


def digest(content: bytes) -> str:
    """A scan's key: a submission keeps each image once (unique per submission)."""
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class NewSubmission:
    executor_id: uuid.UUID
    full_name: str
    inn: str
    passport_series: str
    passport_number: str
    date_of_birth: date
    # (kind, content type, content), each image once.
    scans: Sequence[tuple[str, str, bytes]]


async def add_submission(session: AsyncSession, new: NewSubmission) -> VerificationSubmission:
    submission = VerificationSubmission(
        id=uuid.uuid4(),
        executor_id=new.executor_id,
        full_name=new.full_name,
        inn=new.inn,
        passport_series=new.passport_series,
        passport_number=new.passport_number,
        date_of_birth=new.date_of_birth,
    )
    session.add(submission)
    await session.flush()
    for kind, content_type, content in new.scans:
        session.add(
            VerificationScan(
                submission_id=submission.id,
                kind=kind,
                content_type=content_type,
                sha256=digest(content),
                size=len(content),
                content=content,
            )
        )
    return submission


async def submission(
    session: AsyncSession, submission_id: uuid.UUID
) -> VerificationSubmission | None:
    return await session.get(VerificationSubmission, submission_id)


async def submitted_since(session: AsyncSession, executor_id: uuid.UUID, since: datetime) -> int:
    """How many submissions the executor made from `since` on."""
    made = await session.scalar(
        select(func.count())
        .select_from(VerificationSubmission)
        .where(
            VerificationSubmission.executor_id == executor_id,
            VerificationSubmission.submitted_at >= since,
        )
    )
    return made or 0
