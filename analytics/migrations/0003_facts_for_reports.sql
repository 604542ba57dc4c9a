-- Two derived tables the reports read instead of scanning the events, which a 10 M event
-- store made too slow (FINAL over the notifications; joins and an IN over every request
-- event for the executors), and the requests view read with FINAL. Every column is an
-- aggregate a redelivered event leaves alone (min, max, a set), as in request_facts.
--
-- 1. executor_facts: per request and executor, the executor's part in it. The sequence
--    numbers of the assignments, accepts and declines it got (a set, so a copy of an
--    event adds nothing), whether it completed the request, its spells of work (start or
--    rework, +1, and completion, -1, with their times) and when it acted on the request.
--    A decline counts against the executor who held the request then: the event's
--    data.previous_assignee_id, or the executor who declined, in events written before
--    it was carried (read from data here, not from the events' executor_id, which held
--    the actor, "system" for a timeout, in rows stored before 0003). The event's own
--    executor is e.executor_id: the bare name is this table's key.
CREATE TABLE IF NOT EXISTS {db}.executor_facts
(
    request_id   String,
    executor_id  String,
    assigned     SimpleAggregateFunction(groupUniqArrayArray, Array(UInt64)),
    accepted     SimpleAggregateFunction(groupUniqArrayArray, Array(UInt64)),
    declined     SimpleAggregateFunction(groupUniqArrayArray, Array(UInt64)),
    completed    SimpleAggregateFunction(max, UInt8),
    spells       SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(UInt64, Int64, Int8))),
    acted_at     SimpleAggregateFunction(groupUniqArrayArray, Array(DateTime64(3, 'UTC')))
)
ENGINE = AggregatingMergeTree
ORDER BY (request_id, executor_id);

-- Each event counts twice at most: for the executor it is about (executor_id) and for
-- the executor who took it (an executor actor), which are one person most of the time.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.executor_facts_mv TO {db}.executor_facts AS
SELECT
    request_id,
    part.1 AS executor_id,
    groupUniqArrayIf(seq, part.2 = 'about' AND type = 'request.assigned') AS assigned,
    groupUniqArrayIf(seq, part.2 = 'about' AND type = 'request.accepted') AS accepted,
    groupUniqArrayIf(seq, part.2 = 'about' AND type = 'request.declined') AS declined,
    max(part.2 = 'about' AND type = 'request.completed') AS completed,
    groupUniqArrayIf(
        (seq, toUnixTimestamp64Milli(occurred_at), toInt8(if(type = 'request.completed', -1, 1))),
        part.2 = 'about' AND (type IN ('request.started', 'request.completed')
                              OR (type = 'request.resolved' AND to_state = 'in_progress'))
    ) AS spells,
    groupUniqArrayIf(occurred_at, part.2 = 'actor') AS acted_at
FROM {db}.events AS e
ARRAY JOIN [
    (if(type = 'request.declined',
        if(JSONExtractString(data, 'previous_assignee_id') != '',
           JSONExtractString(data, 'previous_assignee_id'),
           if(actor_role = 'executor', actor_id, '')),
        e.executor_id), 'about'),
    (if(actor_role = 'executor', actor_id, ''), 'actor')
] AS part
WHERE startsWith(type, 'request.') AND request_id != '' AND part.1 != ''
GROUP BY request_id, executor_id;

INSERT INTO {db}.executor_facts
SELECT
    request_id,
    part.1 AS executor_id,
    groupUniqArrayIf(seq, part.2 = 'about' AND type = 'request.assigned') AS assigned,
    groupUniqArrayIf(seq, part.2 = 'about' AND type = 'request.accepted') AS accepted,
    groupUniqArrayIf(seq, part.2 = 'about' AND type = 'request.declined') AS declined,
    max(part.2 = 'about' AND type = 'request.completed') AS completed,
    groupUniqArrayIf(
        (seq, toUnixTimestamp64Milli(occurred_at), toInt8(if(type = 'request.completed', -1, 1))),
        part.2 = 'about' AND (type IN ('request.started', 'request.completed')
                              OR (type = 'request.resolved' AND to_state = 'in_progress'))
    ) AS spells,
    groupUniqArrayIf(occurred_at, part.2 = 'actor') AS acted_at
FROM {db}.events AS e
ARRAY JOIN [
    (if(type = 'request.declined',
        if(JSONExtractString(data, 'previous_assignee_id') != '',
           JSONExtractString(data, 'previous_assignee_id'),
           if(actor_role = 'executor', actor_id, '')),
        e.executor_id), 'about'),
    (if(actor_role = 'executor', actor_id, ''), 'actor')
] AS part
WHERE startsWith(type, 'request.') AND request_id != '' AND part.1 != ''
GROUP BY request_id, executor_id;

-- The merged facts are read with FINAL instead of GROUP BY: FINAL merges each request's
-- parts in their sorted order, a few ms on a merged table, where the GROUP BY hashed every
-- request (about 90 ms a read at 370,000 requests, and a report reads it several times).
-- A filter on the view applies after the merge (ClickHouse does not move conditions to
-- PREWHERE under FINAL), so a request whose facts sit in several parts is judged whole;
-- tests/analytics/test_schema.py holds that.
CREATE OR REPLACE VIEW {db}.requests AS
SELECT
    request_id, created_at, category, district, customer_id, first_assigned_at,
    first_accepted_at, first_started_at, last_started_at, first_completed_at,
    last_completed_at, confirmed_at, first_disputed_at, closed_at, cancelled_at,
    cancelled_by, cancelled_in, sla_breached,
    finalizeAggregation(executor_id) AS executor_id
FROM {db}.request_facts FINAL;

-- 2. notification_facts: one row per notification (after merging), from its request to
--    its first send or its permanent failure; retried failures do not count.
CREATE TABLE IF NOT EXISTS {db}.notification_facts
(
    notification_id String,
    channel         SimpleAggregateFunction(max, LowCardinality(String)),
    recipient_id    SimpleAggregateFunction(max, String),
    request_id      SimpleAggregateFunction(max, String),
    requested_at    SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    sent_at         SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    failed          SimpleAggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
ORDER BY notification_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.notification_facts_mv TO {db}.notification_facts AS
SELECT
    notification_id,
    maxIf(channel, type = 'notification.requested') AS channel,
    maxIf(aggregate_id, type = 'notification.requested') AS recipient_id,
    max(request_id) AS request_id,
    minIfOrNull(occurred_at, type = 'notification.requested') AS requested_at,
    minIfOrNull(occurred_at, type = 'notification.sent') AS sent_at,
    max(type = 'notification.failed' AND JSONExtractBool(data, 'permanent')) AS failed
FROM {db}.events
WHERE notification_id != ''
  AND type IN ('notification.requested', 'notification.sent', 'notification.failed')
GROUP BY notification_id;

INSERT INTO {db}.notification_facts
SELECT
    notification_id,
    maxIf(channel, type = 'notification.requested') AS channel,
    maxIf(aggregate_id, type = 'notification.requested') AS recipient_id,
    max(request_id) AS request_id,
    minIfOrNull(occurred_at, type = 'notification.requested') AS requested_at,
    minIfOrNull(occurred_at, type = 'notification.sent') AS sent_at,
    max(type = 'notification.failed' AND JSONExtractBool(data, 'permanent')) AS failed
FROM {db}.events
WHERE notification_id != ''
  AND type IN ('notification.requested', 'notification.sent', 'notification.failed')
GROUP BY notification_id;

CREATE OR REPLACE VIEW {db}.notifications AS
SELECT notification_id, channel, recipient_id, request_id, requested_at, sent_at, failed
FROM {db}.notification_facts FINAL;
