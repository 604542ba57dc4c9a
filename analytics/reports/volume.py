"""How many requests were created, closed and cancelled each local day of the period
(each by the day it happened), and at which local hours they were created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics.reports.filters import TZ, ReportFilter, local_date
from analytics.store import AnalyticsStore

HOURS = range(24)


@dataclass(frozen=True)
class DayVolume:
    day: date
    created: int
    closed: int
    cancelled: int


@dataclass(frozen=True)
class HourVolume:
    hour: int
    created: int


@dataclass(frozen=True)
class VolumeReport:
    by_day: list[DayVolume]
    by_hour: list[HourVolume]


def report(store: AnalyticsStore, filters: ReportFilter) -> VolumeReport:
    params = filters.params()
    counted = ("created_at", "closed_at", "cancelled_at")
    parts = [
        f"SELECT {local_date(column)} AS day, "  # noqa: S608 - fixed fragments; values are parameters
        + ", ".join(f"{int(column == other)} AS n{k}" for k, other in enumerate(counted))
        + f" FROM {{db}}.requests WHERE {filters.request_conditions(column)}"
        for column in counted
    ]
    days = {
        day: (int(created), int(closed), int(cancelled))
        for day, created, closed, cancelled in store.query(
            f"SELECT day, sum(n0), sum(n1), sum(n2) FROM ({' UNION ALL '.join(parts)}) "  # noqa: S608
            "GROUP BY day",
            params,
        ).result_rows
    }
    hours = dict(
        store.query(
            f"SELECT toHour(created_at, {TZ}) AS hour, count() FROM {{db}}.requests "  # noqa: S608
            f"WHERE {filters.request_conditions()} GROUP BY hour",
            params,
        ).result_rows
    )
    return VolumeReport(
        by_day=[DayVolume(day, *days.get(day, (0, 0, 0))) for day in filters.dates()],
        by_hour=[HourVolume(hour, int(hours.get(hour, 0))) for hour in HOURS],
    )
