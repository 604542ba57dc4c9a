"""Each executor's offers and work, over the requests created in the period.

An offer is an assignment: accepted, or declined (by the executor, or by the accept
timeout; either way it counts against the executor of the latest assignment before it).
Busy time is the time in progress: from a start, or a rework after a dispute, to the next
completion; two jobs in progress at once count their common time once.

It reads executor_facts (one row per request and executor, kept by the materialized view)
instead of the events, where joining the events cost about 1.7 s at 10 M events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from analytics.reports.filters import ReportFilter, percent
from analytics.store import AnalyticsStore

# A spell is (seq, time in ms, +1 for a start or rework, -1 for a completion). Each
# completion closes an interval of work begun at the latest start before it.
_INTERVALS = """
arrayFilter(interval -> interval.1 > 0,
    arrayMap((spell, began) -> if(spell.3 = -1, (began, spell.2), (toInt64(0), toInt64(0))),
             arraySort(spells) AS ordered,
             arrayFill(x -> x > 0, arrayMap(spell -> if(spell.3 = 1, spell.2, 0), ordered))))
"""
# One row per request and executor (n = 1, interval (0, 0)), then one per interval of
# work (n > 1). An interval adds the part of it no earlier-starting interval of the same
# executor covered: two jobs in progress at once are one busy hour, not two. The period's
# requests are a set of hundreds of thousands: probing it row by row is twice as fast as
# turning it into ranges of the facts' key (measured at 10 M events), hence
# use_index_for_in_with_subqueries = 0.
FIGURES = """
SELECT executor_id, sumIf(assigned, n = 1), sumIf(accepted, n = 1),
       countIf(n = 1 AND completed = 1), sumIf(declined, n = 1), sum(covered_ms),
       uniqExactArrayIf(days, n = 1)
FROM (
    SELECT executor_id, assigned, accepted, declined, completed, days, n,
           if(n = 1, 0, greatest(0, interval.2 - greatest(interval.1, max(interval.2) OVER (
               PARTITION BY executor_id ORDER BY interval
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)))) AS covered_ms
    FROM (
        SELECT executor_id, length(assigned) AS assigned, length(accepted) AS accepted,
               length(declined) AS declined, completed,
               arrayMap(at -> toDate(at, {tz:String}), acted_at) AS days,
               arrayPushFront(<intervals>, (toInt64(0), toInt64(0))) AS spans
        FROM {db}.executor_facts FINAL
        WHERE request_id IN (SELECT request_id FROM {db}.requests WHERE <requests>)
    )
    ARRAY JOIN spans AS interval, arrayEnumerate(spans) AS n
)
GROUP BY executor_id
SETTINGS use_index_for_in_with_subqueries = 0
""".replace("<intervals>", _INTERVALS)


@dataclass(frozen=True)
class ExecutorFigures:
    executor_id: str
    assigned: int
    accepted: int
    declined: int
    acceptance_pct: float
    decline_pct: float
    completed: int
    active_days: int
    jobs_per_day: float
    busy_s: float
    busy_share: float
    # There are no ratings yet; the field holds their place in the contract.
    rating: float | None = None


@dataclass(frozen=True)
class ExecutorsReport:
    executors: list[ExecutorFigures]


def report(store: AnalyticsStore, filters: ReportFilter, workday_hours: float) -> ExecutorsReport:
    sql = FIGURES.replace("<requests>", filters.request_conditions(executor=False))
    figures: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for executor, *values in store.query(sql, filters.params()).result_rows:
        names = ("assigned", "accepted", "completed", "declined", "busy_ms", "active_days")
        figures[executor].update(zip(names, values, strict=True))
    chosen = sorted(e for e in figures if filters.executor_id in (None, e))
    return ExecutorsReport([_executor(e, figures[e], workday_hours) for e in chosen])


def _executor(executor_id: str, f: dict[str, float], workday_hours: float) -> ExecutorFigures:
    assigned, days, completed = int(f["assigned"]), int(f["active_days"]), int(f["completed"])
    busy_s = f["busy_ms"] / 1000
    return ExecutorFigures(
        executor_id=executor_id,
        assigned=assigned,
        accepted=int(f["accepted"]),
        declined=int(f["declined"]),
        acceptance_pct=percent(int(f["accepted"]), assigned),
        decline_pct=percent(int(f["declined"]), assigned),
        completed=completed,
        active_days=days,
        jobs_per_day=round(completed / days, 2) if days else 0.0,
        busy_s=round(busy_s, 3),
        busy_share=round(busy_s / (days * workday_hours * 3600), 4) if days else 0.0,
    )
