"""Payouts recorded in the period (payout.recorded), per local day, week or month."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from analytics.reports.filters import ReportFilter, local_date
from analytics.store import AnalyticsStore

Grain = Literal["day", "week", "month"]
CENTS = Decimal("0.01")
# A period is named by its first day; weeks start on Monday.
PERIOD_START: dict[Grain, str] = {
    "day": "{}",
    "week": "toMonday({})",
    "month": "toStartOfMonth({})",
}


@dataclass(frozen=True)
class PayoutFigures:
    count: int
    gross: Decimal
    commission: Decimal
    net: Decimal


@dataclass(frozen=True)
class PeriodPayouts:
    period: date
    count: int
    gross: Decimal
    commission: Decimal
    net: Decimal


@dataclass(frozen=True)
class PayoutsReport:
    grain: Grain
    by_period: list[PeriodPayouts]
    total: PayoutFigures


def report(store: AnalyticsStore, filters: ReportFilter, grain: Grain) -> PayoutsReport:
    conditions = [
        "type = 'payout.recorded'",
        filters.in_period("occurred_at"),
        filters.request_scope(),
    ]
    if filters.executor_id is not None:
        conditions.append("executor_id = {executor_id:String}")
    period = PERIOD_START[grain].format(local_date("occurred_at"))
    rows = store.query(
        f"SELECT {period} AS period, count(), sum(amount_gross), sum(amount_commission), "  # noqa: S608 - fixed fragments; values are parameters
        f"sum(amount_net) FROM {{db}}.events FINAL WHERE {' AND '.join(conditions)} "
        "GROUP BY period",
        filters.params(),
    ).result_rows
    found = {start: _figures(count, *money) for start, count, *money in rows}
    empty = _figures(0, 0, 0, 0)
    by_period = [
        PeriodPayouts(start, **asdict(found.get(start, empty)))
        for start in periods(filters.date_from, filters.date_to, grain)
    ]
    total = _figures(
        sum(p.count for p in by_period),
        sum(p.gross for p in by_period),
        sum(p.commission for p in by_period),
        sum(p.net for p in by_period),
    )
    return PayoutsReport(grain, by_period, total)


def periods(first: date, last: date, grain: Grain) -> list[date]:
    """The first day of every period that overlaps [first, last]."""
    found = []
    current = period_start(first, grain)
    while current <= last:
        found.append(current)
        if grain == "day":
            current += timedelta(days=1)
        elif grain == "week":
            current += timedelta(days=7)
        else:
            current = (current + timedelta(days=32)).replace(day=1)
    return found


def period_start(day: date, grain: Grain) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _figures(count: int, gross: object, commission: object, net: object) -> PayoutFigures:
    def money(value: object) -> Decimal:
        return Decimal(str(value)).quantize(CENTS)

    return PayoutFigures(int(count), money(gross), money(commission), money(net))
