"""Prometheus metrics of the bridges process."""

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet published to Kafka")
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_unpublished_age_seconds", "Age of the oldest unpublished outbox row"
)
PUBLISHED = Counter("outbox_published_total", "Events published to Kafka", ["topic"])
PUBLISH_ERRORS = Counter("outbox_publish_errors_total", "Failed publish attempts (retried)")
PUBLISH_LATENCY = Histogram(
    "outbox_publish_latency_seconds",
    "From the event's commit to the broker's acknowledgement",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
PRUNED = Counter("outbox_pruned_total", "Published rows deleted after the retention period")
LAST_CYCLE = Gauge("outbox_relay_last_cycle_timestamp_seconds", "When the relay last ran")
CONSUMED = Counter("events_consumed_total", "Events handled by a consumer", ["group"])
DUPLICATES = Counter("events_duplicates_skipped_total", "Redeliveries skipped", ["group"])
