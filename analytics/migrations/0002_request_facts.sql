-- One row per request (after merging): when it reached each state, who held it, how it
-- ended. Fed by a materialized view on every insert into events. Every column is an
-- aggregate that gives the same answer when an event arrives twice (min, max, argMax
-- by seq), so a replayed batch never changes a figure.
CREATE TABLE IF NOT EXISTS {db}.request_facts
(
    request_id          String,
    created_at          SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    category            SimpleAggregateFunction(max, LowCardinality(String)),
    district            SimpleAggregateFunction(max, LowCardinality(String)),
    customer_id         SimpleAggregateFunction(max, String),
    first_assigned_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    first_accepted_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    first_started_at    SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_started_at     SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    first_completed_at  SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_completed_at   SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    confirmed_at        SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    first_disputed_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    closed_at           SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    cancelled_at        SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    cancelled_by        SimpleAggregateFunction(max, LowCardinality(String)),
    cancelled_in        SimpleAggregateFunction(max, LowCardinality(String)),
    sla_breached        SimpleAggregateFunction(max, UInt8),
    -- The executor who held the request last (the assignee of its latest assignment).
    executor_id         AggregateFunction(argMax, String, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY request_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.request_facts_mv TO {db}.request_facts AS
SELECT
    request_id,
    minIfOrNull(occurred_at, type = 'request.created') AS created_at,
    maxIf(category, type = 'request.created') AS category,
    maxIf(district, type = 'request.created') AS district,
    maxIf(actor_id, type = 'request.created') AS customer_id,
    minIfOrNull(occurred_at, type = 'request.assigned') AS first_assigned_at,
    minIfOrNull(occurred_at, type = 'request.accepted') AS first_accepted_at,
    minIfOrNull(occurred_at, type = 'request.started') AS first_started_at,
    maxIfOrNull(occurred_at, type = 'request.started') AS last_started_at,
    minIfOrNull(occurred_at, type = 'request.completed') AS first_completed_at,
    maxIfOrNull(occurred_at, type = 'request.completed') AS last_completed_at,
    maxIfOrNull(occurred_at, type = 'request.confirmed') AS confirmed_at,
    minIfOrNull(occurred_at, type = 'request.disputed') AS first_disputed_at,
    maxIfOrNull(occurred_at, type = 'request.closed') AS closed_at,
    maxIfOrNull(occurred_at, type = 'request.cancelled') AS cancelled_at,
    maxIf(actor_role, type = 'request.cancelled') AS cancelled_by,
    maxIf(from_state, type = 'request.cancelled') AS cancelled_in,
    max(type = 'sla.breached') AS sla_breached,
    argMaxStateIf(executor_id, seq, type = 'request.assigned' AND executor_id != '') AS executor_id
FROM {db}.events
WHERE request_id != '' AND (startsWith(type, 'request.') OR type = 'sla.breached')
GROUP BY request_id;

-- The merged facts, for readers: one row per request whatever the merges have done.
CREATE VIEW IF NOT EXISTS {db}.requests AS
SELECT
    request_id,
    min(created_at) AS created_at,
    max(category) AS category,
    max(district) AS district,
    max(customer_id) AS customer_id,
    min(first_assigned_at) AS first_assigned_at,
    min(first_accepted_at) AS first_accepted_at,
    min(first_started_at) AS first_started_at,
    max(last_started_at) AS last_started_at,
    min(first_completed_at) AS first_completed_at,
    max(last_completed_at) AS last_completed_at,
    max(confirmed_at) AS confirmed_at,
    min(first_disputed_at) AS first_disputed_at,
    max(closed_at) AS closed_at,
    max(cancelled_at) AS cancelled_at,
    max(cancelled_by) AS cancelled_by,
    max(cancelled_in) AS cancelled_in,
    max(sla_breached) AS sla_breached,
    argMaxMerge(executor_id) AS executor_id
FROM {db}.request_facts
GROUP BY request_id;
