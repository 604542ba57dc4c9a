"""Delivery of the notifications requested in the period, per channel.

A notification is followed by its notification_id from notification.requested to
notification.sent, or to a permanent notification.failed (failures that are retried
do not count). Neither yet: unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.reports.filters import (
    ReportFilter,
    p50_p90,
    quantiles_if,
    seconds_between,
)
from analytics.store import AnalyticsStore

_PER_NOTIFICATION = """
SELECT notification_id,
       anyIf(channel, type = 'notification.requested') AS channel,
       minIf(occurred_at, type = 'notification.requested') AS requested_at,
       countIf(type = 'notification.sent') > 0 AS sent,
       minIf(occurred_at, type = 'notification.sent') AS sent_at,
       countIf(type = 'notification.failed' AND JSONExtractBool(data, 'permanent')) > 0
           AS failed
FROM {db}.events FINAL
WHERE type IN ('notification.requested', 'notification.sent', 'notification.failed')
  AND notification_id != '' AND <scope>
GROUP BY notification_id
HAVING countIf(type = 'notification.requested') > 0
"""


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    requested: int
    sent: int
    failed: int
    unconfirmed: int
    p50_latency_s: float | None
    p90_latency_s: float | None


@dataclass(frozen=True)
class NotificationsReport:
    channels: list[ChannelFigures]


def report(store: AnalyticsStore, filters: ReportFilter) -> NotificationsReport:
    scope = filters.request_scope()
    if filters.executor_id is not None:
        # Notifications are keyed by their recipient: the executor's own.
        scope += " AND aggregate_id = {executor_id:String}"
    per_notification = _PER_NOTIFICATION.replace("<scope>", scope)
    rows = store.query(
        "SELECT channel, count(), countIf(sent), countIf(failed), "  # noqa: S608 - fixed fragments; values are parameters
        "countIf(NOT sent AND NOT failed), "
        f"{quantiles_if(seconds_between('requested_at', 'sent_at'), 'sent')} "
        f"FROM ({per_notification}) WHERE {filters.in_period('requested_at')} "
        "GROUP BY channel ORDER BY channel",
        filters.params(),
    ).result_rows
    channels = []
    for channel, requested, sent, failed, unconfirmed, latency in rows:
        p50, p90 = p50_p90(int(sent), latency)
        channels.append(
            ChannelFigures(
                str(channel), int(requested), int(sent), int(failed), int(unconfirmed), p50, p90
            )
        )
    return NotificationsReport(channels)
