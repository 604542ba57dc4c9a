"""HR documents and payouts: each party downloads what is theirs (the customer the act,
the executor all three of their own, HR and managers everything); HR lists payouts by
period and exports them as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor, ResourcesDep
from api.routes.request_params import REFUSALS, RequestId
from api.schemas import DocumentPublic, PayoutPage, PayoutPublic
from domain.access import MANAGES_PAYOUTS, visible_documents
from domain.lifecycle import Actor
from services.audit import record_denial, record_read
from services.errors import Forbidden, NotFound, Unprocessable
from services.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from services.payout_list import PayoutList
from services.request_access import visible_request
from store import documents
from store.documents import PayoutLine

router = APIRouter(tags=["documents"])
DocumentId = Annotated[uuid.UUID, Path(description="the document's id (a UUID)")]


@router.get(
    "/requests/{request_id}/documents",
    response_model=list[DocumentPublic],
    responses={404: REFUSALS[404]},
    summary="The request's documents the caller may download",
)
async def list_documents(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> list[DocumentPublic]:
    await visible_request(resources.requests, actor, str(request_id), "request.documents")
    allowed = visible_documents(actor.role)
    async with resources.sessions() as session:
        rows = await documents.for_request(session, str(request_id))
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
    request_id: RequestId, document_id: DocumentId, actor: CurrentActor, resources: ResourcesDep
) -> Response:
    await visible_request(resources.requests, actor, str(request_id), "request.document")
    async with resources.sessions() as session:
        doc = await documents.get(session, str(request_id), str(document_id))
    if doc is None:
        raise NotFound(f"request {request_id} has no document {document_id}")
    if doc.kind not in visible_documents(actor.role):
        await record_denial(
            resources.sessions,
            actor,
            action="document.download",
            target_type="document",
            target_id=str(document_id),
            detail=f"a {actor.role} may not download the {doc.kind}",
            personal_data=True,
        )
        raise NotFound(f"request {request_id} has no document {document_id}")
    # Contracts and payout notes carry names, INNs and amounts: every download is recorded.
    await record_read(
        resources.sessions,
        actor,
        action="document.download",
        target_type="document",
        target_id=str(document_id),
    )
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


def _public(line: PayoutLine) -> PayoutPublic:
    payout = line.payout
    return PayoutPublic(
        request_id=str(payout.request_id),
        executor_id=str(payout.executor_id),
        executor_name=line.executor_name,
        executor_inn=line.executor_inn,
        gross=payout.gross,
        commission_rate=payout.commission_rate,
        commission=payout.commission,
        net=payout.net,
        currency=payout.currency,
        recorded_on=payout.recorded_on,
    )


def _span(start: date, end: date) -> str:
    return f"{start}..{end}"


async def _may_see_payouts(
    resources: ResourcesDep, actor: Actor, action: str, start: date, end: date
) -> None:
    if actor.role not in MANAGES_PAYOUTS:
        await record_denial(
            resources.sessions,
            actor,
            action=action,
            target_type="payouts",
            target_id=_span(start, end),
            detail="not HR",
            personal_data=True,
        )
        raise Forbidden("payouts are for HR")


async def _record_read(resources: ResourcesDep, actor: Actor, action: str, period: Period) -> None:
    """Executors' names, INNs and earnings: every list page and export is recorded."""
    await record_read(
        resources.sessions, actor, action=action, target_type="payouts", target_id=_span(*period)
    )


@router.get(
    "/payouts",
    response_model=PayoutPage,
    summary="Payouts recorded in a period, oldest first, a page at a time (HR)",
    responses={
        403: {"description": "HR only"},
        422: {"description": "a bad period, limit or cursor"},
    },
)
async def list_payouts(
    actor: CurrentActor,
    resources: ResourcesDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, description="next_cursor of the previous page"),
    ] = None,
) -> PayoutPage:
    await _may_see_payouts(resources, actor, "payout.list", start, end)
    period = _period(start, end)
    page = await PayoutList(resources.sessions).page(*period, limit, cursor)
    await _record_read(resources, actor, "payout.list", period)
    return PayoutPage(items=[_public(line) for line in page.items], next_cursor=page.next_cursor)


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


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


async def _csv_chunks(payouts: PayoutList, period: Period) -> AsyncIterator[bytes]:
    # A byte-order mark so spreadsheet programs read the Cyrillic names as UTF-8.
    yield "\ufeff".encode() + _csv([list(CSV_COLUMNS)])
    async for chunk in payouts.every(*period):
        dumped = [_public(line).model_dump() for line in chunk]
        yield _csv([[_cell(row[c]) for c in CSV_COLUMNS] for row in dumped])


@router.get(
    "/payouts.csv",
    response_class=StreamingResponse,
    summary="The same payouts as CSV, for accounting, streamed whole (HR)",
    responses={
        200: {"content": {"text/csv": {}}},
        403: {"description": "HR only"},
        422: {"description": "a bad period"},
    },
)
async def export_payouts(
    actor: CurrentActor,
    resources: ResourcesDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> StreamingResponse:
    await _may_see_payouts(resources, actor, "payout.export", start, end)
    period = _period(start, end)
    # Recorded before the first byte leaves: an export cut short still counts as read.
    await _record_read(resources, actor, "payout.export", period)
    return StreamingResponse(
        _csv_chunks(PayoutList(resources.sessions), period),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="payouts-{period[0]}-{period[1]}.csv"'
        },
    )
