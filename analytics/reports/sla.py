"""SLA breaches over the requests created in the period: overall, per stage and tier
(from the sla.breached events), per category, executor and district."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.reports.filters import ReportFilter, percent
from analytics.store import AnalyticsStore
from domain.sla import TIERS, Sla

# A stage's SLA runs once the request reached it: these timestamps say it did.
REACHED = {
    Sla.ASSIGN: "created_at",
    Sla.ACCEPT: "first_assigned_at",
    Sla.START: "first_accepted_at",
    Sla.COMPLETE: "first_started_at",
}
TIER_NUMBERS = tuple(range(1, max(len(tiers) for tiers in TIERS.values()) + 1))
GROUPS = ("category", "executor_id", "district")


@dataclass(frozen=True)
class Breakdown:
    key: str
    requests: int
    breached: int
    breach_pct: float


@dataclass(frozen=True)
class SlaReport:
    overall: Breakdown
    by_stage: list[Breakdown]
    by_tier: list[Breakdown]
    by_category: list[Breakdown]
    by_executor: list[Breakdown]
    by_district: list[Breakdown]


def breakdown(key: str, requests: int, breached: int) -> Breakdown:
    return Breakdown(key, int(requests), int(breached), percent(int(breached), int(requests)))


def report(store: AnalyticsStore, filters: ReportFilter) -> SlaReport:
    where = filters.request_conditions()
    params = filters.params()
    groups = {
        column: [
            breakdown(str(key), requests, breached)
            for key, requests, breached in store.query(
                f"SELECT {column}, count(), sum(sla_breached) FROM {{db}}.requests "  # noqa: S608 - fixed fragments; values are parameters
                f"WHERE {where} GROUP BY {column} ORDER BY {column}",
                params,
            ).result_rows
        ]
        for column in GROUPS
    }
    reached = store.query(
        f"SELECT {', '.join(f'countIf({c} IS NOT NULL)' for c in REACHED.values())}, "  # noqa: S608
        f"sum(sla_breached) FROM {{db}}.requests WHERE {where}",
        params,
    ).result_rows[0]
    total = int(reached[0])
    by_stage = _breached(store, "sla_stage", where, params)
    by_tier = _breached(store, "toString(sla_tier)", where, params)
    return SlaReport(
        overall=breakdown("all", total, reached[-1]),
        by_stage=[
            breakdown(stage.value, reached[n], by_stage.get(stage.value, 0))
            for n, stage in enumerate(REACHED)
        ],
        by_tier=[breakdown(str(t), total, by_tier.get(str(t), 0)) for t in TIER_NUMBERS],
        by_category=groups["category"],
        by_executor=groups["executor_id"],
        by_district=groups["district"],
    )


def _breached(
    store: AnalyticsStore, key: str, where: str, params: dict[str, object]
) -> dict[str, int]:
    """Requests of the period with a breach, per stage or tier of the breach. Counting
    distinct requests makes a redelivered event harmless, so no FINAL is needed."""
    rows = store.query(
        f"SELECT {key}, uniqExact(request_id) FROM {{db}}.events "  # noqa: S608 - fixed fragments; values are parameters
        "WHERE type = 'sla.breached' "
        f"AND request_id IN (SELECT request_id FROM {{db}}.requests WHERE {where}) GROUP BY 1",
        params,
    ).result_rows
    return {str(k): int(count) for k, count in rows}
