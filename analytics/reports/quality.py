"""Quality of the work on the requests created in the period: first-time fixes, disputes,
cancellations (who cancelled, in which state)."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.reports.filters import ReportFilter, percent
from analytics.store import AnalyticsStore

FIRST_TIME_FIX = (
    "confirmed_at IS NOT NULL AND first_disputed_at IS NULL AND last_started_at = first_started_at"
)


@dataclass(frozen=True)
class KeyCount:
    key: str
    count: int


@dataclass(frozen=True)
class Cancellations:
    by_role: str
    stage: str
    count: int


@dataclass(frozen=True)
class QualityReport:
    confirmed: int
    first_time_fix: int
    first_time_fix_pct: float
    completed: int
    disputed: int
    dispute_pct: float
    disputes_by_category: list[KeyCount]
    disputes_by_district: list[KeyCount]
    disputes_by_executor: list[KeyCount]
    cancelled: int
    cancellations: list[Cancellations]


def report(store: AnalyticsStore, filters: ReportFilter) -> QualityReport:
    where = filters.request_conditions()
    params = filters.params()
    confirmed, fixed, completed, disputed, cancelled = store.query(
        "SELECT countIf(confirmed_at IS NOT NULL), "  # noqa: S608 - fixed fragments; values are parameters
        f"countIf({FIRST_TIME_FIX}), countIf(first_completed_at IS NOT NULL), "
        "countIf(first_disputed_at IS NOT NULL), countIf(cancelled_at IS NOT NULL) "
        f"FROM {{db}}.requests WHERE {where}",
        params,
    ).result_rows[0]

    def disputes_by(column: str) -> list[KeyCount]:
        rows = store.query(
            f"SELECT {column}, count() FROM {{db}}.requests "  # noqa: S608
            f"WHERE {where} AND first_disputed_at IS NOT NULL "
            f"GROUP BY {column} ORDER BY count() DESC, {column}",
            params,
        ).result_rows
        return [KeyCount(str(key), int(count)) for key, count in rows]

    cancellations = store.query(
        "SELECT cancelled_by, cancelled_in, count() FROM {db}.requests "  # noqa: S608
        f"WHERE {where} AND cancelled_at IS NOT NULL "
        "GROUP BY cancelled_by, cancelled_in ORDER BY count() DESC, cancelled_by, cancelled_in",
        params,
    ).result_rows
    return QualityReport(
        confirmed=int(confirmed),
        first_time_fix=int(fixed),
        first_time_fix_pct=percent(int(fixed), int(confirmed)),
        completed=int(completed),
        disputed=int(disputed),
        dispute_pct=percent(int(disputed), int(completed)),
        disputes_by_category=disputes_by("category"),
        disputes_by_district=disputes_by("district"),
        disputes_by_executor=disputes_by("executor_id"),
        cancelled=int(cancelled),
        cancellations=[Cancellations(str(r), str(s), int(n)) for r, s, n in cancellations],
    )
