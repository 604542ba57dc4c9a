"""Quality of the work on the requests created in the period: first-time fixes, disputes,
cancellations (who cancelled, in which state)."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.reports.filters import STANDARD_GROUPING, ReportFilter, grouped_by, percent
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

    disputes = _disputes_by(store, where, params)
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
        disputes_by_category=disputes["category"],
        disputes_by_district=disputes["district"],
        disputes_by_executor=disputes["executor_id"],
        cancelled=int(cancelled),
        cancellations=[Cancellations(str(r), str(s), int(n)) for r, s, n in cancellations],
    )


DISPUTE_GROUPS = ("category", "district", "executor_id")


def _disputes_by(
    store: AnalyticsStore, where: str, params: dict[str, object]
) -> dict[str, list[KeyCount]]:
    """Disputed requests per category, district and executor, in one read."""
    columns = ", ".join(DISPUTE_GROUPS)
    sets = ", ".join(f"({column})" for column in DISPUTE_GROUPS)
    rows = store.query(
        f"SELECT grouping({columns}), {columns}, count() FROM {{db}}.requests "  # noqa: S608 - fixed fragments; values are parameters
        f"WHERE {where} AND first_disputed_at IS NOT NULL GROUP BY GROUPING SETS ({sets})"
        + STANDARD_GROUPING,
        params,
    ).result_rows
    found: dict[str, list[KeyCount]] = {column: [] for column in DISPUTE_GROUPS}
    for mask, *values in rows:
        column = grouped_by(mask, DISPUTE_GROUPS)
        if column is not None:
            key = values[DISPUTE_GROUPS.index(column)]
            found[column].append(KeyCount(str(key), int(values[-1])))
    for counts in found.values():
        counts.sort(key=lambda k: (-k.count, k.key))
    return found
