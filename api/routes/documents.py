"""HR documents and payouts: each party downloads what is theirs (the customer the act,
the executor all three of their own, HR and managers everything); HR lists payouts by
period and exports them as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from api.deps import CurrentActor, ResourcesDep
from api.routes.requests import REFUSALS, visible_request
from api.schemas import DocumentPublic, PayoutPublic
from domain.access import MANAGES_PAYOUTS, visible_documents
from services.audit import record_denial
from services.errors import Forbidden, NotFound, Unprocessable
from store import documents
from store.models import ExecutorProfile, User

router = APIRouter(tags=["documents"])


@router.get(
    "/requests/{request_id}/documents",
    response_model=list[DocumentPublic],
    responses={404: REFUSALS[404]},
    summary="The request's documents the caller may download",
)
async def list_documents(
    request_id: str, actor: CurrentActor, resources: ResourcesDep
) -> list[DocumentPublic]:
    await visible_request(resources, actor, request_id, "request.documents")
    allowed = visible_documents(actor.role)
    async with resources.sessions() as session:
        rows = await documents.for_request(session, request_id)
    return [
        DocumentPublic(
            id=str(d.id),
            kind=d.kind,
            number=d.number,
            version=d.version,
            file_name=d.file_name,
            sha256=d.sha256,
            size=d.size,
            created_at=d.created_at,
            download_url=f"/requests/{request_id}/documents/{d.id}",
        )
        for d in rows
        if d.kind in allowed
    ]


@router.get(
    "/requests/{request_id}/documents/{document_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 404: REFUSALS[404]},
    summary="Download one document (PDF)",
)
async def download_document(
    request_id: str, document_id: str, actor: CurrentActor, resources: ResourcesDep
) -> Response:
    await visible_request(resources, actor, request_id, "request.document")
    async with resources.sessions() as session:
        doc = await documents.get(session, request_id, document_id)
    if doc is None:
        raise NotFound(f"request {request_id} has no document {document_id}")
    if doc.kind not in visible_documents(actor.role):
        await record_denial(
            resources.sessions,
            actor,
            action="document.download",
            target_type="document",
            target_id=document_id,
            detail=f"a {actor.role} may not download the {doc.kind}",
        )
        raise NotFound(f"request {request_id} has no document {document_id}")
    return Response(
        doc.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": attachment(doc.file_name, f"{doc.kind}.pdf"),
            "ETag": f'"{doc.sha256}"',
            "Cache-Control": "private, max-age=3600",
        },
    )


def attachment(name: str, ascii_fallback: str) -> str:
    """RFC 6266: a plain name for old clients and the UTF-8 one (document numbers are
    Cyrillic, e.g. «А-1F2E3D4C») for everyone else; headers themselves must be Latin-1."""
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(name)}"


Period = tuple[date, date]


def _period(start: date, end: date) -> Period:
    if end < start:
        raise Unprocessable("the period ends before it starts")
    if (end - start).days > 366:
        raise Unprocessable("a period can be at most a year long")
    return start, end


async def _payouts(resources: ResourcesDep, period: Period) -> list[PayoutPublic]:
    async with resources.sessions() as session:
        rows = await documents.payouts_between(session, *period)
        people = {
            user.id: (user, profile)
            for user, profile in (
                await session.execute(
                    select(User, ExecutorProfile)
                    .join(ExecutorProfile, ExecutorProfile.user_id == User.id)
                    .where(User.id.in_({row.executor_id for row in rows} or {uuid.uuid4()}))
                )
            ).all()
        }
    return [
        PayoutPublic(
            request_id=str(row.request_id),
            executor_id=str(row.executor_id),
            executor_name=people[row.executor_id][0].full_name,
            executor_inn=people[row.executor_id][1].inn,
            gross=row.gross,
            commission_rate=row.commission_rate,
            commission=row.commission,
            net=row.net,
            currency=row.currency,
            recorded_on=row.recorded_on,
        )
        for row in rows
    ]


def _may_see_payouts(role: object) -> None:
    if role not in MANAGES_PAYOUTS:
        raise Forbidden("payouts are for HR")


@router.get(
    "/payouts",
    response_model=list[PayoutPublic],
    summary="Payouts recorded in a period, oldest first (HR)",
    responses={403: {"description": "HR only"}, 422: {"description": "a bad period"}},
)
async def list_payouts(
    actor: CurrentActor,
    resources: ResourcesDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> list[PayoutPublic]:
    _may_see_payouts(actor.role)
    return await _payouts(resources, _period(start, end))


def _cell(value: object) -> str:
    """A spreadsheet runs a cell starting with = + - @ as a formula: such text (a name)
    is quoted. Numbers are written as they are (a negative amount cannot occur)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


CSV_COLUMNS = (
    "recorded_on",
    "request_id",
    "executor_id",
    "executor_name",
    "executor_inn",
    "gross",
    "commission_rate",
    "commission",
    "net",
    "currency",
)


@router.get(
    "/payouts.csv",
    response_class=Response,
    summary="The same payouts as CSV, for accounting (HR)",
    responses={200: {"content": {"text/csv": {}}}, 403: {"description": "HR only"}},
)
async def export_payouts(
    actor: CurrentActor,
    resources: ResourcesDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Response:
    _may_see_payouts(actor.role)
    period = _period(start, end)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for payout in await _payouts(resources, period):
        row = payout.model_dump()
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return Response(
        # A byte-order mark so spreadsheet programs read the Cyrillic names as UTF-8.
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="payouts-{period[0]}-{period[1]}.csv"'
        },
    )
