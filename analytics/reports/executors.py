"""Each executor's offers and work, over the requests created in the period.

An offer is an assignment: accepted, or declined (by the executor, or by the accept
timeout; either way it counts against the executor of the latest assignment before it).
Busy time is the time in progress: from a start, or a rework after a dispute, to the next
completion.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from analytics.reports.filters import ReportFilter, local_date, percent
from analytics.store import AnalyticsStore

_EVENTS = """
WITH e AS (
    SELECT event_id, type, request_id, seq, occurred_at, executor_id, actor_id, actor_role,
           to_state
    FROM {db}.events FINAL
    WHERE startsWith(type, 'request.')
      AND request_id IN (SELECT request_id FROM {db}.requests WHERE <requests>)
)
"""
OFFERS = """
SELECT executor_id, countIf(type = 'request.assigned'), countIf(type = 'request.accepted'),
       uniqExactIf(request_id, type = 'request.completed')
FROM e
WHERE type IN ('request.assigned', 'request.accepted', 'request.completed') AND executor_id != ''
GROUP BY executor_id
"""
DECLINES = """
SELECT executor_id, count() FROM (
    SELECT d.event_id, argMax(a.executor_id, a.seq) AS executor_id
    FROM (SELECT event_id, request_id, seq FROM e WHERE type = 'request.declined') AS d
    INNER JOIN (SELECT request_id, seq, executor_id FROM e WHERE type = 'request.assigned') AS a
        ON a.request_id = d.request_id
    WHERE a.seq < d.seq
    GROUP BY d.event_id
)
WHERE executor_id != '' GROUP BY executor_id
"""
BUSY = """
SELECT executor_id, sum(busy_ms) FROM (
    SELECT c.event_id, any(c.executor_id) AS executor_id,
           toUnixTimestamp64Milli(any(c.occurred_at)) - toUnixTimestamp64Milli(max(b.occurred_at))
               AS busy_ms
    FROM (SELECT event_id, request_id, seq, occurred_at, executor_id FROM e
          WHERE type = 'request.completed') AS c
    INNER JOIN (SELECT request_id, seq, occurred_at FROM e
                WHERE type = 'request.started'
                   OR (type = 'request.resolved' AND to_state = 'in_progress')) AS b
        ON b.request_id = c.request_id
    WHERE b.seq < c.seq
    GROUP BY c.event_id
)
WHERE executor_id != '' GROUP BY executor_id
"""
ACTIVE_DAYS = """
SELECT actor_id, uniqExact(<day>) FROM e
WHERE actor_role = 'executor' AND actor_id != '' GROUP BY actor_id
"""


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
    prefix = _EVENTS.replace("<requests>", filters.request_conditions(executor=False))
    params = filters.params()
    figures: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for executor, assigned, accepted, completed in store.query(prefix + OFFERS, params).result_rows:
        figures[executor].update(assigned=assigned, accepted=accepted, completed=completed)
    for name, sql in (
        ("declined", DECLINES),
        ("busy_ms", BUSY),
        ("active_days", ACTIVE_DAYS.replace("<day>", local_date("occurred_at"))),
    ):
        for executor, value in store.query(prefix + sql, params).result_rows:
            figures[executor][name] = value
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
