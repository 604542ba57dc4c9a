"""The KPI reports: read from the analytics store (ClickHouse) only, as JSON or CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from clickhouse_connect.driver.exceptions import OperationalError
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from analytics.reports import (
    executors,
    notifications,
    payouts,
    quality,
    sla,
    timings,
    verification,
    volume,
)
from analytics.reports.access import READERS, Report, may_read
from analytics.reports.filters import MAX_PERIOD_DAYS, BadPeriod, ReportFilter
from analytics.reports.tables import csv_text
from analytics.store import AnalyticsStore
from api.deps import CurrentActor, ResourcesDep
from api.report_schemas import (
    ExecutorsReport,
    NotificationsReport,
    PayoutsReport,
    QualityReport,
    SlaReport,
    TimingsReport,
    VerificationReport,
    VolumeReport,
)
from core.logging import get_logger
from domain.lifecycle import Actor
from services.audit import record_denial
from services.errors import Forbidden, Unavailable, Unprocessable

router = APIRouter(prefix="/reports", tags=["reports"])

log = get_logger("api.reports")

CSV = "text/csv; charset=utf-8"
STORE_RETRY_S = 5
Filter = Annotated[str | None, Query(min_length=1, max_length=100)]


@dataclass(frozen=True)
class ReportQuery:
    date_from: date | None
    date_to: date | None
    category: str | None
    district: str | None
    executor_id: str | None
    format: Literal["json", "csv"] | None


def report_query(
    date_from: Annotated[
        date | None,
        Query(alias="from", description="first local date (default: 30 days before `to`)"),
    ] = None,
    date_to: Annotated[
        date | None, Query(alias="to", description="last local date, inclusive (default: today)")
    ] = None,
    category: Filter = None,
    district: Filter = None,
    executor_id: Filter = None,
    answer_format: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="csv also when the Accept header asks for text/csv"),
    ] = None,
) -> ReportQuery:
    return ReportQuery(date_from, date_to, category, district, executor_id, answer_format)


Asked = Annotated[ReportQuery, Depends(report_query)]


def _responses(report: Report) -> dict[int | str, dict[str, Any]]:
    readers = ", ".join(sorted(READERS[report]))
    return {
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        403: {"description": f"only {readers} may read this report"},
        422: {"description": f"a bad filter, `from` after `to`, or over {MAX_PERIOD_DAYS} days"},
        503: {"description": "the analytics store cannot be reached now (see Retry-After)"},
    }


async def _answer(
    http: Request,
    actor: Actor,
    resources: ResourcesDep,
    asked: ReportQuery,
    report: Report,
    compute: Callable[[AnalyticsStore, ReportFilter], Any],
    model: type[BaseModel],
) -> BaseModel | Response:
    if not may_read(actor.role, report):
        await record_denial(
            resources.sessions,
            actor,
            action="report.read",
            target_type="report",
            target_id=report.value,
            detail="not a reader of this report",
        )
        raise Forbidden(f"a {actor.role} may not read the {report} report")
    zone = resources.settings.time_zone
    try:
        filters = ReportFilter.of(
            datetime.now(ZoneInfo(zone)).date(),
            zone,
            asked.date_from,
            asked.date_to,
            category=asked.category,
            district=asked.district,
            executor_id=asked.executor_id,
        )
    except BadPeriod as error:
        raise Unprocessable(str(error)) from None
    try:
        store = await resources.analytics()
        figures = await store.run(compute, store, filters)
    except (OperationalError, OSError) as error:
        # The ClickHouse server is down or unreachable: a client may ask again shortly.
        log.warning("reports.store_unavailable", report=report.value, error=str(error))
        raise Unavailable("the analytics store cannot be reached now", STORE_RETRY_S) from None
    body = model.model_validate(asdict(figures))
    wants_csv = asked.format == "csv" or (
        asked.format is None and "text/csv" in http.headers.get("accept", "")
    )
    if not wants_csv:
        return body
    name = f"{report}-{filters.date_from}-{filters.date_to}.csv"
    return Response(
        csv_text(body.model_dump(mode="json")),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/timings",
    response_model=TimingsReport,
    summary="Time spent at each stage (p50, p90) by the requests created in the period",
    responses=_responses(Report.TIMINGS),
)
async def timings_report(
    http: Request, actor: CurrentActor, resources: ResourcesDep, asked: Asked
) -> BaseModel | Response:
    return await _answer(
        http, actor, resources, asked, Report.TIMINGS, timings.report, TimingsReport
    )


@router.get(
    "/sla",
    response_model=SlaReport,
    summary="SLA breaches of the requests created in the period",
    responses=_responses(Report.SLA),
)
async def sla_report(
    http: Request, actor: CurrentActor, resources: ResourcesDep, asked: Asked
) -> BaseModel | Response:
    return await _answer(http, actor, resources, asked, Report.SLA, sla.report, SlaReport)


@router.get(
    "/quality",
    response_model=QualityReport,
    summary="First-time fixes, disputes and cancellations of the period's requests",
    responses=_responses(Report.QUALITY),
)
async def quality_report(
    http: Request, actor: CurrentActor, resources: ResourcesDep, asked: Asked
) -> BaseModel | Response:
    return await _answer(
        http, actor, resources, asked, Report.QUALITY, quality.report, QualityReport
    )


@router.get(
    "/executors",
    response_model=ExecutorsReport,
    summary="Each executor's offers, completions and load on the period's requests",
    responses=_responses(Report.EXECUTORS),
)
async def executors_report(
    http: Request, actor: CurrentActor, resources: ResourcesDep, asked: Asked
) -> BaseModel | Response:
    compute = partial(executors.report, workday_hours=resources.settings.analytics.workday_hours)
    return await _answer(http, actor, resources, asked, Report.EXECUTORS, compute, ExecutorsReport)


@router.get(
    "/notifications",
    response_model=NotificationsReport,
    summary="Delivery of the notifications requested in the period, per channel",
    responses=_responses(Report.NOTIFICATIONS),
)
async def notifications_report(
    http: Request, actor: CurrentActor, resources: ResourcesDep, asked: Asked
) -> BaseModel | Response:
    return await _answer(
        http,
        actor,
        resources,
        asked,
        Report.NOTIFICATIONS,
        notifications.report,
        NotificationsReport,
    )


@router.get(
    "/verification",
    response_model=VerificationReport,
    summary="Executor verification rounds submitted in the period",
    responses=_responses(Report.VERIFICATION),
)
async def verification_report(
    http: Request, actor: CurrentActor, resources: ResourcesDep, asked: Asked
) -> BaseModel | Response:
    return await _answer(
        http,
        actor,
        resources,
        asked,
        Report.VERIFICATION,
        verification.report,
        VerificationReport,
    )


@router.get(
    "/volume",
    response_model=VolumeReport,
    summary="Requests created, closed and cancelled per day; created per local hour",
    responses=_responses(Report.VOLUME),
)
async def volume_report(
    http: Request, actor: CurrentActor, resources: ResourcesDep, asked: Asked
) -> BaseModel | Response:
    return await _answer(http, actor, resources, asked, Report.VOLUME, volume.report, VolumeReport)


@router.get(
    "/payouts",
    response_model=PayoutsReport,
    summary="Payouts recorded in the period, per day, week or month",
    responses=_responses(Report.PAYOUTS),
)
async def payouts_report(
    http: Request,
    actor: CurrentActor,
    resources: ResourcesDep,
    asked: Asked,
    grain: payouts.Grain = "day",
) -> BaseModel | Response:
    compute = partial(payouts.report, grain=grain)
    return await _answer(http, actor, resources, asked, Report.PAYOUTS, compute, PayoutsReport)
