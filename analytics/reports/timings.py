"""How long requests wait at each stage, over the requests created in the period."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.reports.filters import ReportFilter, p50_p90, quantiles_if, seconds_between
from analytics.store import AnalyticsStore

# Stage: from which timestamp of the request to which.
STAGES = (
    ("assign", "created_at", "first_assigned_at"),
    ("accept", "first_assigned_at", "first_accepted_at"),
    ("start", "first_accepted_at", "first_started_at"),
    ("complete", "first_started_at", "last_completed_at"),
    ("close", "created_at", "closed_at"),
)


@dataclass(frozen=True)
class StageTiming:
    stage: str
    count: int
    p50_s: float | None
    p90_s: float | None


@dataclass(frozen=True)
class Timings:
    stages: list[StageTiming]


def report(store: AnalyticsStore, filters: ReportFilter) -> Timings:
    figures = []
    for _, start, end in STAGES:
        both = f"{start} IS NOT NULL AND {end} IS NOT NULL"
        figures += [f"countIf({both})", quantiles_if(seconds_between(start, end), both)]
    row = store.query(
        f"SELECT {', '.join(figures)} FROM {{db}}.requests "  # noqa: S608 - fixed fragments; values are parameters
        f"WHERE {filters.request_conditions()}",
        filters.params(),
    ).result_rows[0]
    stages = []
    for n, (stage, _, _) in enumerate(STAGES):
        count = int(row[2 * n])
        p50, p90 = p50_p90(count, row[2 * n + 1])
        stages.append(StageTiming(stage, count, p50, p90))
    return Timings(stages)
