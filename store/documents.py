"""Repository of HR documents and payouts. Functions only flush.

Ids derive from what a document is (request, kind, version), and inserts ignore a row
that exists, so generating a request's paperwork twice leaves one set of documents."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from store.models import Document, ExecutorProfile, Payout, User

DOCUMENT_NAMESPACE = uuid.UUID("3f1c7c7e-4a0b-4f0e-9a3e-2f5d7b1c8a61")


def document_id(request_id: str, kind: str, version: int = 1) -> uuid.UUID:
    return uuid.uuid5(DOCUMENT_NAMESPACE, f"{request_id}/{kind}/{version}")


@dataclass(frozen=True)
class NewDocument:
    request_id: str
    executor_id: str
    customer_id: str
    kind: str
    number: str
    file_name: str
    content: bytes
    version: int = 1


async def save(session: AsyncSession, doc: NewDocument) -> Document:
    """Insert unless it exists (a retry, or an executor's contract made for another job
    at the same moment); returns the stored document either way."""
    key = document_id(doc.request_id, doc.kind, doc.version)
    await session.execute(
        insert(Document)
        .values(
            id=key,
            request_id=uuid.UUID(doc.request_id),
            executor_id=uuid.UUID(doc.executor_id),
            customer_id=uuid.UUID(doc.customer_id),
            kind=doc.kind,
            number=doc.number,
            version=doc.version,
            file_name=doc.file_name,
            sha256=hashlib.sha256(doc.content).hexdigest(),
            size=len(doc.content),
            content=doc.content,
        )
        .on_conflict_do_nothing()
    )
    stored = await session.get(Document, key)
    if stored is None and doc.kind == "contract":
        contract = await contract_of(session, doc.executor_id)
        if contract is not None:
            return contract
    if stored is None:
        raise LookupError(f"document {key} was neither inserted nor found")
    return stored


async def contract_of(session: AsyncSession, executor_id: str) -> Document | None:
    found = await session.execute(
        select(Document)
        .options(defer(Document.content))
        .where(Document.executor_id == uuid.UUID(executor_id), Document.kind == "contract")
    )
    return found.scalar_one_or_none()


async def for_request(session: AsyncSession, request_id: str) -> list[Document]:
    """The request's documents (the contract only on the executor's first job)."""
    found = await session.execute(
        select(Document)
        .options(defer(Document.content))
        .where(Document.request_id == uuid.UUID(request_id))
        .order_by(Document.kind, Document.version)
    )
    return list(found.scalars())


async def get(session: AsyncSession, request_id: str, doc_id: str) -> Document | None:
    try:
        key = uuid.UUID(doc_id)
    except ValueError:
        return None
    row = await session.get(Document, key)
    return row if row is not None and str(row.request_id) == request_id else None


@dataclass(frozen=True)
class NewPayout:
    request_id: str
    executor_id: str
    gross: Decimal
    commission_rate: Decimal
    commission: Decimal
    net: Decimal
    recorded_on: date


async def record_payout(session: AsyncSession, payout: NewPayout) -> Payout:
    key = uuid.uuid5(DOCUMENT_NAMESPACE, f"{payout.request_id}/payout-record")
    await session.execute(
        insert(Payout)
        .values(
            id=key,
            request_id=uuid.UUID(payout.request_id),
            executor_id=uuid.UUID(payout.executor_id),
            gross=payout.gross,
            commission_rate=payout.commission_rate,
            commission=payout.commission,
            net=payout.net,
            recorded_on=payout.recorded_on,
        )
        .on_conflict_do_nothing()
    )
    stored = await session.get(Payout, key)
    assert stored is not None, "the payout exists after an insert-or-ignore"
    return stored


# Payouts in a period sort oldest first; this key makes the order total for paging.
PayoutKey = tuple[date, datetime, uuid.UUID]


@dataclass(frozen=True)
class PayoutLine:
    """A payout with the executor's name and INN, as HR's list and export show it."""

    payout: Payout
    executor_name: str
    executor_inn: str | None

    @property
    def key(self) -> PayoutKey:
        return self.payout.recorded_on, self.payout.created_at, self.payout.id


async def payouts_page(
    session: AsyncSession, start: date, end: date, after: PayoutKey | None, limit: int
) -> list[PayoutLine]:
    """Up to `limit` payouts recorded from `start` to `end` (inclusive) that sort after
    `after`: one page of the list, or one chunk of the CSV export."""
    order = (Payout.recorded_on, Payout.created_at, Payout.id)
    statement = (
        select(Payout, User.full_name, ExecutorProfile.inn)
        .join(User, User.id == Payout.executor_id)
        .outerjoin(ExecutorProfile, ExecutorProfile.user_id == Payout.executor_id)
        .where(Payout.recorded_on >= start, Payout.recorded_on <= end)
        .order_by(*order)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(*order) > tuple_(*after))
    rows = (await session.execute(statement)).all()
    return [PayoutLine(payout, name, inn) for payout, name, inn in rows]
