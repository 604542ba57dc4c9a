"""Response bodies of the KPI reports (GET /reports/...); docs/analytics.md defines
every figure. Money is a decimal string with two places, like the rest of the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

Percent = float  # 0-100, two decimals; 0 when there is nothing to divide by


class StageTiming(BaseModel):
    stage: Literal["assign", "accept", "start", "complete", "close"]
    count: int = Field(description="requests of the period that went through the stage")
    p50_s: float | None = Field(description="median seconds; null when count is 0")
    p90_s: float | None = Field(description="90th percentile in seconds; null when count is 0")


class TimingsReport(BaseModel):
    stages: list[StageTiming]


class SlaBreakdown(BaseModel):
    key: str = Field(description="the group: a stage, tier, category, executor id or district")
    requests: int
    breached: int
    breach_pct: Percent


class SlaReport(BaseModel):
    overall: SlaBreakdown
    by_stage: list[SlaBreakdown]
    by_tier: list[SlaBreakdown]
    by_category: list[SlaBreakdown]
    by_executor: list[SlaBreakdown] = Field(description='key "": never assigned')
    by_district: list[SlaBreakdown] = Field(description='key "": district not known')


class KeyCount(BaseModel):
    key: str
    count: int


class CancellationCount(BaseModel):
    by_role: str = Field(description="the role of who cancelled")
    stage: str = Field(description="the state the request was cancelled in")
    count: int


class QualityReport(BaseModel):
    confirmed: int
    first_time_fix: int
    first_time_fix_pct: Percent = Field(description="of the confirmed")
    completed: int
    disputed: int
    dispute_pct: Percent = Field(description="of the completed")
    disputes_by_category: list[KeyCount]
    disputes_by_district: list[KeyCount]
    disputes_by_executor: list[KeyCount]
    cancelled: int
    cancellations: list[CancellationCount]


class ExecutorFigures(BaseModel):
    executor_id: str
    assigned: int
    accepted: int
    declined: int
    acceptance_pct: Percent
    decline_pct: Percent
    completed: int
    active_days: int
    jobs_per_day: float
    busy_s: float = Field(description="seconds in progress on the period's requests")
    busy_share: float = Field(description="busy time over active days × workday hours (0-1)")
    rating: float | None = Field(description="always null: there are no ratings yet")


class ExecutorsReport(BaseModel):
    executors: list[ExecutorFigures]


class ChannelFigures(BaseModel):
    channel: str
    requested: int
    sent: int
    failed: int = Field(description="failed for good")
    unconfirmed: int = Field(description="neither sent nor failed for good (yet)")
    p50_latency_s: float | None = Field(description="requested → sent; null when none sent")
    p90_latency_s: float | None


class NotificationsReport(BaseModel):
    channels: list[ChannelFigures]


class ReasonCount(BaseModel):
    reason: str
    count: int


class VerificationReport(BaseModel):
    submitted: int = Field(description="rounds of documents submitted in the period")
    checked: int
    awaiting_decision: int = Field(description="rounds waiting for an officer now")
    approved: int
    rejected: int
    p50_decision_s: float | None = Field(description="submitted → approved or rejected")
    p90_decision_s: float | None
    rejection_reasons: list[ReasonCount]


class DayVolume(BaseModel):
    day: date
    created: int
    closed: int
    cancelled: int


class HourVolume(BaseModel):
    hour: int = Field(ge=0, le=23, description="local hour")
    created: int


class VolumeReport(BaseModel):
    by_day: list[DayVolume]
    by_hour: list[HourVolume]


class PayoutTotal(BaseModel):
    count: int
    gross: Decimal
    commission: Decimal
    net: Decimal


class PeriodPayouts(PayoutTotal):
    period: date = Field(description="the first day of the day, week (Monday) or month")


class PayoutsReport(BaseModel):
    grain: Literal["day", "week", "month"]
    by_period: list[PeriodPayouts]
    total: PayoutTotal
