"""The outbox as the relay reads it: on a psycopg connection in autocommit mode, where
the relay opens every transaction these statements run in (store/outbox.py writes the
rows, in the writer's transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import psycopg

Connection = psycopg.AsyncConnection[Any]
# Advisory locks are (namespace, key) pairs; this namespace is the relay's.
LOCK_NAMESPACE = 0x0B0C
# Each committed insert notifies this channel (migration 0002).
CHANNEL = "outbox"
PRUNE_BATCH = 5000


class PendingRow(NamedTuple):
    id: int
    topic: str
    key: str
    type: str
    envelope: dict[str, Any]
    created_at: datetime


async def pending_shards(conn: Connection) -> list[int]:
    """The shards with unpublished rows; the partial index makes this a quick scan."""
    found = await (
        await conn.execute("SELECT DISTINCT shard FROM outbox WHERE published_at IS NULL")
    ).fetchall()
    return [row[0] for row in found]


async def lock_shard(conn: Connection, shard: int) -> bool:
    """Whether this transaction now holds the shard (False: another relay does)."""
    locked = await (
        await conn.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, shard))
    ).fetchone()
    return bool(locked and locked[0])


async def claim(conn: Connection, shard: int, limit: int) -> list[PendingRow]:
    """The shard's oldest unpublished rows, in id order, locked for this transaction."""
    rows = await (
        await conn.execute(
            """
SELECT id, topic, key, type, envelope, created_at FROM outbox
WHERE shard = %s AND published_at IS NULL
ORDER BY id
LIMIT %s
FOR UPDATE SKIP LOCKED
""",
            (shard, limit),
        )
    ).fetchall()
    return [PendingRow(*row) for row in rows]


async def mark_published(conn: Connection, ids: list[int], at: datetime) -> None:
    await conn.execute("UPDATE outbox SET published_at = %s WHERE id = ANY(%s)", (at, ids))


async def listen(conn: Connection) -> None:
    """Have the connection's notifications say when rows are committed."""
    await conn.execute(f"LISTEN {CHANNEL}")


async def wake_relays(conn: Connection) -> None:
    await conn.execute(f"NOTIFY {CHANNEL}")


async def delete_published(conn: Connection, retention_hours: float) -> int:
    """Delete up to PRUNE_BATCH rows published longer than the retention ago; how many."""
    cur = await conn.execute(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
        "WHERE published_at < now() - make_interval(secs => %s) LIMIT %s)",
        (retention_hours * 3600, PRUNE_BATCH),
    )
    return cur.rowcount


async def backlog(conn: Connection) -> tuple[int, float]:
    """The unpublished rows: how many, and the age of the oldest in seconds."""
    count, oldest = await (
        await conn.execute(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
            "FROM outbox WHERE published_at IS NULL"
        )
    ).fetchone() or (0, 0)
    return int(count), float(oldest)


async def published_last_hour(conn: Connection) -> int:
    recent = await (
        await conn.execute(
            "SELECT count(*) FROM outbox WHERE published_at > now() - interval '1 hour'"
        )
    ).fetchone()
    return int(recent[0] if recent else 0)


async def unpublished_by_topic(conn: Connection) -> dict[str, int]:
    rows = await (
        await conn.execute(
            "SELECT topic, count(*) FROM outbox WHERE published_at IS NULL GROUP BY topic"
        )
    ).fetchall()
    return {topic: count for topic, count in rows}


async def mark_unpublished(
    conn: Connection,
    *,
    ids: tuple[int, int] | None = None,
    aggregate: str | None = None,
    since: datetime | None = None,
) -> int:
    """Mark published rows unpublished again, the first of these that is given: ids
    from..to, every row of an aggregate, rows created from `since` on. How many."""
    where, params = _range(ids, aggregate, since)
    cur = await conn.execute(
        # `where` is one of three fixed clauses from _range; values are parameters.
        f"UPDATE outbox SET published_at = NULL WHERE published_at IS NOT NULL AND {where}",  # noqa: S608
        params,
    )
    return cur.rowcount


def _range(
    ids: tuple[int, int] | None, aggregate: str | None, since: datetime | None
) -> tuple[str, tuple[Any, ...]]:
    if ids:
        return "id BETWEEN %s AND %s", ids
    if aggregate:
        return "aggregate_id = %s", (aggregate,)
    if since:
        return "created_at >= %s", (since,)
    raise ValueError("no range of rows given")


async def events_after(
    conn: Connection, after_id: int, limit: int
) -> list[tuple[int, str, dict[str, object]]]:
    """(id, topic, envelope) of the outbox rows after `after_id`, published or not, in
    id order: the analytics rebuild reads the whole retained history this way."""
    cursor = await conn.execute(
        "SELECT id, topic, envelope FROM outbox WHERE id > %s ORDER BY id LIMIT %s",
        (after_id, limit),
    )
    return [(int(row[0]), str(row[1]), dict(row[2])) for row in await cursor.fetchall()]


async def event_count(conn: Connection) -> int:
    cursor = await conn.execute("SELECT count(*) FROM outbox")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0
