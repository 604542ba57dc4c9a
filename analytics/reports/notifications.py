"""Delivery of the notifications requested in the period, per channel.

A notification is followed by its notification_id from notification.requested to
notification.sent, or to a permanent notification.failed (failures that are retried
do not count). Neither yet: unconfirmed. The materialized view keeps one row of those
times per notification (notification_facts), so the report reads the notifications, not
their events: grouping the events cost about 2 s at 3 M notifications.
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
    conditions = [filters.in_period("requested_at"), filters.request_scope()]
    if filters.executor_id is not None:
        # Notifications are keyed by their recipient: the executor's own.
        conditions.append("recipient_id = {executor_id:String}")
    sent = "sent_at IS NOT NULL"
    rows = store.query(
        f"SELECT channel, count(), countIf({sent}), countIf(failed = 1), "  # noqa: S608 - fixed fragments; values are parameters
        f"countIf(NOT {sent} AND failed = 0), "
        f"{quantiles_if(seconds_between('requested_at', 'sent_at'), sent)} "
        f"FROM {{db}}.notifications WHERE {' AND '.join(conditions)} "
        "GROUP BY channel ORDER BY channel",
        filters.params(),
    ).result_rows
    channels = []
    for channel, requested, sent_count, failed, unconfirmed, latency in rows:
        p50, p90 = p50_p90(int(sent_count), latency)
        channels.append(
            ChannelFigures(
                str(channel),
                int(requested),
                int(sent_count),
                int(failed),
                int(unconfirmed),
                p50,
                p90,
            )
        )
    return NotificationsReport(channels)
