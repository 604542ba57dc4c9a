"""Executor verification rounds submitted in the period: how many were checked, decided,
how long a decision took, why rounds were rejected.

A round is one set of documents of one executor (data.submission_id and data.round of
the verification events), from verification.started to approved or rejected. Each of
its figures is a first time, a "there is one" or the latest reason, which a redelivered
copy of an event cannot change: the events are read without FINAL.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.reports.filters import ReportFilter, p50_p90, quantiles_if, seconds_between
from analytics.store import AnalyticsStore

_ROUNDS = """
SELECT executor_id,
       JSONExtractString(data, 'submission_id') AS submission,
       JSONExtractUInt(data, 'round') AS round,
       minIfOrNull(occurred_at, type = 'verification.started') AS started_at,
       countIf(type = 'verification.awaiting_decision') > 0 AS awaited,
       minIfOrNull(occurred_at, type IN ('verification.approved', 'verification.rejected'))
           AS decided_at,
       countIf(type = 'verification.approved') > 0 AS approved,
       countIf(type = 'verification.rejected') > 0 AS rejected,
       argMaxIf(reason, seq, type = 'verification.rejected') AS rejection
FROM {db}.events
WHERE type IN ('verification.started', 'verification.awaiting_decision',
               'verification.approved', 'verification.rejected')
  AND <executor>
GROUP BY executor_id, submission, round
"""


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class VerificationReport:
    submitted: int
    checked: int
    awaiting_decision: int
    approved: int
    rejected: int
    p50_decision_s: float | None
    p90_decision_s: float | None
    rejection_reasons: list[ReasonCount]


def report(store: AnalyticsStore, filters: ReportFilter) -> VerificationReport:
    executor = "1" if filters.executor_id is None else "executor_id = {executor_id:String}"
    # A round still waits only while it is the executor's latest: newer documents end it.
    rounds = (
        "SELECT * FROM (SELECT *, "  # noqa: S608 - fixed fragments; values are parameters
        "started_at = max(started_at) OVER (PARTITION BY executor_id) AS latest "
        f"FROM ({_ROUNDS.replace('<executor>', executor)}) WHERE started_at IS NOT NULL) "
        f"WHERE {filters.in_period('started_at')}"
    )
    decided = "decided_at IS NOT NULL"
    params = filters.params()
    submitted, checked, waiting, approved, rejected, decisions, quantiles = store.query(
        "SELECT count(), countIf(awaited OR approved OR rejected), "  # noqa: S608
        "countIf(awaited AND latest AND NOT approved AND NOT rejected), countIf(approved), "
        f"countIf(rejected), countIf({decided}), "
        f"{quantiles_if(seconds_between('started_at', 'decided_at'), decided)} "
        f"FROM ({rounds})",
        params,
    ).result_rows[0]
    reasons = store.query(
        f"SELECT rejection, count() FROM ({rounds}) WHERE rejected "  # noqa: S608
        "GROUP BY rejection ORDER BY count() DESC, rejection",
        params,
    ).result_rows
    p50, p90 = p50_p90(int(decisions), quantiles)
    return VerificationReport(
        submitted=int(submitted),
        checked=int(checked),
        awaiting_decision=int(waiting),
        approved=int(approved),
        rejected=int(rejected),
        p50_decision_s=p50,
        p90_decision_s=p90,
        rejection_reasons=[ReasonCount(str(r), int(n)) for r, n in reasons],
    )
