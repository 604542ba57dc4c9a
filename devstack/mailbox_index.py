"""The local mailbox's index: what its list shows, so listing and counting never open mail.

One SQLite file beside the messages (`<maildir>/.index.sqlite3`) holds a row per message
with the few headers the list shows, ordered newest first by an index. A counter kept
by triggers makes the total a one-row read, so the readiness probe and the first page
cost the same at ten messages or a hundred thousand. The Maildir stays the truth: the
index can be deleted at any time and is rebuilt from the files on the next start.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

INDEX_FILE = ".index.sqlite3"
# Bump when the schema changes: an index of another version is dropped and rebuilt.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE messages (
    key TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    received_at REAL NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_tos TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT
) WITHOUT ROWID;
CREATE INDEX messages_newest_first ON messages (received_at DESC, key DESC);
CREATE TABLE tally (id INTEGER PRIMARY KEY CHECK (id = 1), messages INTEGER NOT NULL);
INSERT INTO tally VALUES (1, 0);
CREATE TRIGGER counted_in AFTER INSERT ON messages
    BEGIN UPDATE tally SET messages = messages + 1; END;
CREATE TRIGGER counted_out AFTER DELETE ON messages
    BEGIN UPDATE tally SET messages = messages - 1; END;
"""
_SELECT = (
    "SELECT key, file, received_at, mail_from, rcpt_tos, sender, recipient, subject, "
    "message_id FROM messages "
)
_INSERT = (
    "INSERT OR IGNORE INTO messages (key, file, received_at, mail_from, rcpt_tos, sender, "
    "recipient, subject, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class Summary:
    """One message as the list shows it, and where its file is."""

    key: str
    file: str  # relative to the Maildir: "new/<key>", or "cur/<key>:2,S" once read
    received_at: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    sender: str
    to: str
    subject: str
    message_id: str | None


@dataclass(frozen=True)
class Retention:
    """How much mail the mailbox keeps: at most `max_messages` (0: no cap) and nothing
    older than `max_age` (None: no age limit); the oldest go first."""

    max_messages: int = 0
    max_age: timedelta | None = None


class MailIndex:
    """The SQLite index of one Maildir. Safe to share between threads; several
    processes may open the same file (SQLite locks it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError:
            # A damaged index is only a cache of the Maildir: start it afresh.
            for suffix in ("", "-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE")
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version != SCHEMA_VERSION:
                for table in ("messages", "tally"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in _SCHEMA.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- reading

    def count(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT messages FROM tally").fetchone()
        return int(count)

    def page(self, offset: int, limit: int) -> list[Summary]:
        """`limit` messages, newest first, after skipping the `offset` newest."""
        with self._lock:
            rows = self._db.execute(
                _SELECT + "ORDER BY received_at DESC, key DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [_summary(row) for row in rows]

    def get(self, key: str) -> Summary | None:
        with self._lock:
            row = self._db.execute(_SELECT + "WHERE key = ?", (key,)).fetchone()
        return _summary(row) if row is not None else None

    def keys(self) -> set[str]:
        with self._lock:
            return {key for (key,) in self._db.execute("SELECT key FROM messages")}

    def beyond(self, retention: Retention, now: datetime, limit: int = 1000) -> list[str]:
        """Up to `limit` keys the retention no longer keeps, oldest first."""
        keys: list[str] = []
        with self._lock:
            (count,) = self._db.execute("SELECT messages FROM tally").fetchone()
            excess = max(0, count - retention.max_messages) if retention.max_messages else 0
            cutoff = (now - retention.max_age).timestamp() if retention.max_age else None
            if not excess and cutoff is None:
                return keys
            # The cursor steps lazily through the oldest rows: it stops at the first one
            # the retention keeps, so a mailbox within its limits costs one row.
            oldest = self._db.execute(
                "SELECT key, received_at FROM messages ORDER BY received_at, key"
            )
            for position, (key, received_at) in enumerate(oldest):
                too_many = position < excess
                too_old = cutoff is not None and received_at < cutoff
                if len(keys) >= limit or not (too_many or too_old):
                    break
                keys.append(key)
            oldest.close()
        return keys

    # -- writing

    def add(self, summaries: Iterable[Summary]) -> None:
        """Index messages; one already indexed is left as it is."""
        rows = [_row(s) for s in summaries]
        with self._transaction() as db:
            db.executemany(
                _INSERT,
                rows,
            )

    def remove(self, keys: Iterable[str]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM messages WHERE key = ?", ((k,) for k in keys))

    def clear(self) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM messages")


_Row = tuple[str, str, float, str, str, str, str, str, str | None]


def _row(s: Summary) -> _Row:
    return (
        s.key,
        s.file,
        s.received_at.timestamp(),
        s.mail_from,
        json.dumps(list(s.rcpt_tos), ensure_ascii=False),
        s.sender,
        s.to,
        s.subject,
        s.message_id,
    )


def _summary(row: _Row) -> Summary:
    key, file, received_at, mail_from, rcpt_tos, sender, to, subject, message_id = row
    return Summary(
        key=key,
        file=file,
        received_at=datetime.fromtimestamp(received_at, UTC),
        mail_from=mail_from,
        rcpt_tos=tuple(json.loads(rcpt_tos)),
        sender=sender,
        to=to,
        subject=subject,
        message_id=message_id,
    )
