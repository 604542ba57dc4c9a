"""The analytics DDL is applied once, in order, and an edited old migration is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from analytics import schema
from analytics.reports import executors, notifications
from analytics.reports.filters import ReportFilter
from analytics.rows import COLUMNS
from analytics.store import AnalyticsStore
from core.clickhouse import connect_clickhouse
from core.settings import Settings
from tests.helpers.analytics_events import Lifecycle, notification, rows_of


@pytest.fixture
def client(settings: Settings) -> Any:
    # The run's own embedded store: one chDB directory per process.
    return connect_clickhouse(settings)


@pytest.fixture
def database(client: Any, unique: str) -> Iterator[str]:
    name = "schema_" + unique.replace("-", "_")
    yield name
    schema.drop_all(client, name)


def _copy_migrations(target: Path) -> Path:
    target.mkdir()
    for migration in schema.MIGRATIONS_DIR.glob("*.sql"):
        (target / migration.name).write_text(migration.read_text())
    return target


def test_upgrade_applies_every_migration_once(client: Any, database: str) -> None:
    names = [m.name for m in schema.migrations()]
    assert schema.upgrade(client, database) == names
    assert schema.upgrade(client, database) == []  # a second start changes nothing
    recorded = client.query(
        f"SELECT version, name FROM {database}.schema_migrations FINAL ORDER BY version"
    ).result_rows
    assert [name for _, name in recorded] == names
    tables = {row[0] for row in client.query(f"SHOW TABLES FROM {database}").result_rows}
    assert {"events", "request_facts", "request_facts_mv", "requests"} <= tables
    assert {"executor_facts", "notification_facts", "notifications"} <= tables


def test_a_new_migration_is_applied_on_the_next_start(
    client: Any, database: str, tmp_path: Path
) -> None:
    directory = _copy_migrations(tmp_path / "migrations")
    schema.upgrade(client, database, directory)
    (directory / "0999_extra.sql").write_text(
        "CREATE TABLE IF NOT EXISTS {db}.extra (x UInt8) ENGINE = MergeTree ORDER BY x;"
    )
    assert schema.upgrade(client, database, directory) == ["0999_extra"]
    assert client.command(f"EXISTS TABLE {database}.extra") == 1


def test_an_applied_migration_that_changed_is_refused(
    client: Any, database: str, tmp_path: Path
) -> None:
    directory = _copy_migrations(tmp_path / "migrations")
    schema.upgrade(client, database, directory)
    first = sorted(directory.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after deploy\n")
    with pytest.raises(schema.SchemaDrift, match=first.stem):
        schema.upgrade(client, database, directory)


def test_badly_named_migration_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "add_table.sql").write_text("SELECT 1")
    with pytest.raises(ValueError, match="NNNN_name"):
        schema.migrations(tmp_path)


def test_a_request_whose_facts_sit_in_several_parts_is_read_whole(
    client: Any, database: str
) -> None:
    # The requests view filters after FINAL has merged a request's parts: a condition on
    # one part's column (created_at) must not drop the columns another part holds.
    schema.upgrade(client, database)
    store = AnalyticsStore(client, database, embedded=True)
    for table in ("request_facts", "executor_facts"):
        client.command(f"SYSTEM STOP MERGES {database}.{table}")
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    life = Lifecycle("plumbing", "Москва, Тверская ул., 1").created(at)
    life.assigned(at + timedelta(minutes=5), "executor-7")
    for event in life.events:  # one insert, so one part, per event
        store.insert_events(rows_of([event]))
    parts = client.query(
        "SELECT count() FROM system.parts WHERE active AND database = {d:String} "
        "AND table = 'request_facts'",
        parameters={"d": database},
    ).result_rows[0][0]
    assert parts == 2
    created = store.query(
        "SELECT first_assigned_at, executor_id FROM {db}.requests "
        "WHERE created_at >= {at:DateTime64(3, 'UTC')}",
        {"at": "2026-06-01 00:00:00.000"},
    ).result_rows
    assert [(a.replace(tzinfo=None), e) for a, e in created] == [
        (datetime(2026, 6, 1, 9, 5), "executor-7")
    ]
    held = store.query(
        "SELECT category, created_at IS NOT NULL FROM {db}.requests "
        "WHERE executor_id = 'executor-7'"
    ).result_rows
    assert held == [("plumbing", True)]

    # A spell of work whose start and end are in different parts is still one spell.
    life.accepted(at + timedelta(minutes=9)).started(at + timedelta(hours=1))
    life.completed(at + timedelta(hours=3))
    for event in life.events[2:]:
        store.insert_events(rows_of([event]))
    asked = ReportFilter(date(2026, 6, 1), date(2026, 6, 30), "Europe/Moscow")
    (worker,) = executors.report(store, asked, workday_hours=8.0).executors
    assert (worker.assigned, worker.accepted, worker.completed, worker.busy_s) == (1, 1, 1, 7200.0)


def test_the_facts_for_reports_are_filled_from_the_events_stored_before_them(
    client: Any, database: str, tmp_path: Path
) -> None:
    # A store made before 0003 holds events its materialized views never saw: the
    # migration fills executor_facts and notification_facts from them.
    directory = _copy_migrations(tmp_path / "migrations")
    later = sorted(directory.glob("*.sql"))[2:]
    held = {path.name: path.read_text() for path in later}
    for path in later:
        path.unlink()
    schema.upgrade(client, database, directory)
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    life = Lifecycle("plumbing", "Москва, Тверская ул., 1").created(at)
    # Declined once by the accept timeout, once by the executor, then taken.
    life.assigned(at + timedelta(minutes=1), "executor-7").declined(
        at + timedelta(minutes=2), timeout=True
    )
    life.assigned(at + timedelta(minutes=3), "executor-7").declined(at + timedelta(minutes=4))
    life.assigned(at + timedelta(minutes=5), "executor-7").accepted(at + timedelta(minutes=9))
    life.started(at + timedelta(hours=1)).completed(at + timedelta(hours=3))
    sent = at + timedelta(seconds=4)
    note = notification("executor-7", life.request_id, "email", at, sent_at=sent)
    store = AnalyticsStore(client, database, embedded=True)
    rows = rows_of([*life.events, *note])
    # Rows as stored before 0003: a decline's executor was its actor ("system" for a
    # timeout), whatever the event's data said.
    executor_at, actor_at = COLUMNS.index("executor_id"), COLUMNS.index("actor_id")
    for row, event in zip(rows, [*life.events, *note], strict=True):
        if event["type"] == "request.declined":
            row[executor_at] = row[actor_at]
    store.insert_events(rows)

    for name, text in held.items():
        (directory / name).write_text(text)
    assert schema.upgrade(client, database, directory) == [name[:-4] for name in held]
    asked = ReportFilter(date(2026, 6, 1), date(2026, 6, 30), "Europe/Moscow")
    (worker,) = executors.report(store, asked, workday_hours=8.0).executors
    assert (worker.executor_id, worker.assigned, worker.accepted, worker.completed) == (
        "executor-7",
        3,
        1,
        1,
    )
    assert worker.declined == 2  # both charged to the executor who held it, none to "system"
    assert (worker.busy_s, worker.active_days) == (7200.0, 1)
    (email,) = notifications.report(store, asked).channels
    assert (email.channel, email.requested, email.sent, email.p50_latency_s) == (
        "email",
        1,
        1,
        4.0,
    )
