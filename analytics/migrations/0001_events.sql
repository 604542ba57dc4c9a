-- Every event of every topic, one row per event_id. A redelivered event (a crash before
-- the offsets were committed, a relay re-publish) lands again with the same sorting key
-- and the engine folds the copies; readers that must be exact at any moment use FINAL.
CREATE TABLE IF NOT EXISTS {db}.events
(
    event_id      UUID,
    type          LowCardinality(String),
    topic         LowCardinality(String),
    occurred_at   DateTime64(3, 'UTC'),
    aggregate_id  String,
    seq           UInt64,
    actor_id      String,
    actor_role    LowCardinality(String),
    from_state    LowCardinality(String),
    to_state      LowCardinality(String),
    -- Denormalised from the envelope's data so reports need no JSON parsing.
    request_id    String,
    executor_id   String,
    category      LowCardinality(String),
    district      LowCardinality(String),
    channel       LowCardinality(String),
    reason        String,
    sla_stage     LowCardinality(String),
    sla_tier      UInt8,
    amount_gross  Decimal(14, 2),
    amount_net    Decimal(14, 2),
    amount_commission Decimal(14, 2),
    notification_id String,
    data          String,
    trace_id      String,
    inserted_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (type, occurred_at, event_id);
