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
# The time covered by an executor's intervals: two jobs in progress at once are one busy
# hour, not two. Folded in start order: (covered so far, current start, current end).
_COVERED_MS = """
tupleElement(
    arrayFold((acc, interval) -> if(interval.1 > acc.3,
                                    (acc.1 + acc.3 - acc.2, interval.1, interval.2),
                                    (acc.1, acc.2, greatest(acc.3, interval.2))),
              arraySort(groupArrayArray(<intervals>)),
              (toInt64(0), toInt64(0), toInt64(0))) AS covered,
    1) + covered.3 - covered.2
"""
FIGURES = """
SELECT executor_id, sum(length(assigned)), sum(length(accepted)), countIf(completed = 1),
       sum(length(declined)), <covered_ms>,
       uniqExactArray(arrayMap(at -> toDate(at, {tz:String}), acted_at))
FROM {db}.executor_facts FINAL
WHERE request_id IN (SELECT request_id FROM {db}.requests WHERE <requests>)
GROUP BY executor_id
""".replace("<covered_ms>", _COVERED_MS.replace("<intervals>", _INTERVALS))


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
