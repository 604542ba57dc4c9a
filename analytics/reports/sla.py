"""SLA breaches over the requests created in the period: overall, per stage and tier
(from the sla.breached events), per category, executor and district."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.reports.filters import STANDARD_GROUPING, ReportFilter, grouped_by, percent
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
    groups: dict[str, list[Breakdown]] = {column: [] for column in GROUPS}
    total = breached = 0
    reached = [0] * len(REACHED)
    for which, keys, requests, breaches, stages in _per_group(store, where, params):
        if which is None:
            total, breached, reached = requests, breaches, stages
        else:
            groups[which].append(breakdown(str(keys[which]), requests, breaches))
    for found in groups.values():
        found.sort(key=lambda b: b.key)
    by_stage, by_tier = _breached(store, where, params)
    return SlaReport(
        overall=breakdown("all", total, breached),
        by_stage=[
            breakdown(stage.value, reached[n], by_stage.get(stage.value, 0))
            for n, stage in enumerate(REACHED)
        ],
        by_tier=[breakdown(str(t), total, by_tier.get(str(t), 0)) for t in TIER_NUMBERS],
        by_category=groups["category"],
        by_executor=groups["executor_id"],
        by_district=groups["district"],
    )


def _per_group(
    store: AnalyticsStore, where: str, params: dict[str, object]
) -> list[tuple[str | None, dict[str, object], int, int, list[int]]]:
    """One read of the requests for every group: all of them (which is None), then each
    category, executor and district, with their requests, breaches and stages reached."""
    columns = ", ".join(GROUPS)
    sets = ", ".join(f"({column})" for column in GROUPS)
    reached = ", ".join(f"countIf({c} IS NOT NULL)" for c in REACHED.values())
    rows = store.query(
        f"SELECT grouping({columns}), {columns}, count(), sum(sla_breached), {reached} "  # noqa: S608 - fixed fragments; values are parameters
        f"FROM {{db}}.requests WHERE {where} GROUP BY GROUPING SETS ((), {sets})"
        + STANDARD_GROUPING,
        params,
    ).result_rows
    found = []
    for mask, *values in rows:
        keys = dict(zip(GROUPS, values[: len(GROUPS)], strict=True))
        requests, breaches, *stages = (int(v) for v in values[len(GROUPS) :])
        found.append((grouped_by(mask, GROUPS), keys, requests, breaches, stages))
    return found


def _breached(
    store: AnalyticsStore, where: str, params: dict[str, object]
) -> tuple[dict[str, int], dict[str, int]]:
    """Requests of the period with a breach, per stage and per tier of the breach.
    Counting distinct requests makes a redelivered event harmless, so no FINAL is needed."""
    rows = store.query(
        "SELECT grouping(sla_stage, sla_tier), sla_stage, toString(sla_tier), "  # noqa: S608 - fixed fragments; values are parameters
        "uniqExact(request_id) FROM {db}.events WHERE type = 'sla.breached' "
        f"AND request_id IN (SELECT request_id FROM {{db}}.requests WHERE {where}) "
        "GROUP BY GROUPING SETS ((sla_stage), (sla_tier))" + STANDARD_GROUPING,
        params,
    ).result_rows
    keys = ("sla_stage", "sla_tier")
    by_stage = {str(s): int(n) for mask, s, _, n in rows if grouped_by(mask, keys) == keys[0]}
    by_tier = {str(t): int(n) for mask, _, t, n in rows if grouped_by(mask, keys) == keys[1]}
    return by_stage, by_tier
