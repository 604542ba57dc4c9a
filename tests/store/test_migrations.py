"""Migrations match the models and go down and up again."""

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from core.settings import Settings
from devstack.provision import drop_database, ensure_database
from store.migrate import alembic_config, upgrade_to_head
from store.models import Base


@pytest.fixture
def scratch_database(settings: Settings) -> Iterator[str]:
    """A database of its own: other tests' scratch tables would read as drift."""
    database = f"migrate_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(settings, database))
    yield database
    asyncio.run(drop_database(settings, database))


def test_models_and_migrations_agree(settings: Settings, scratch_database: str) -> None:
    upgrade_to_head(settings, scratch_database)
    engine = create_engine(settings.postgres.url(scratch_database))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(settings: Settings, scratch_database: str) -> None:
    upgrade_to_head(settings, scratch_database)
    command.downgrade(alembic_config(settings, scratch_database), "base")
    upgrade_to_head(settings, scratch_database)


def test_windows_no_driver_can_read_are_cleared(settings: Settings, scratch_database: str) -> None:
    """A window stored as year 10000 UTC (year 9999 sent at -14:00) broke every list."""
    config = alembic_config(settings, scratch_database)
    command.upgrade(config, "0007")
    engine = create_engine(settings.postgres.url(scratch_database))
    customer, kept, cleared = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO users (id, email, password_hash, full_name, role, locale) "
            "VALUES (%s, 'w@example.com', 'x', 'W', 'customer', 'ru')",
            (customer,),
        )
        for rid, start, end in (
            (kept, "2027-01-10 09:00+03", "2027-01-10 13:00+03"),
            (cleared, "9999-12-31 20:00-14:00", "9999-12-31 23:00-14:00"),
        ):
            connection.exec_driver_sql(
                "INSERT INTO service_requests (id, customer_id, idempotency_key, category, "
                "description, address, state, window_start, window_end) "
                "VALUES (%s, %s, %s, 'plumbing', 'd', 'address', 'new', %s, %s)",
                (rid, customer, str(rid), start, end),
            )
    upgrade_to_head(settings, scratch_database)
    with engine.connect() as connection:
        rows: dict[uuid.UUID, bool] = dict(
            connection.exec_driver_sql(
                "SELECT id, window_start IS NULL AND window_end IS NULL FROM service_requests"
            ).all()
        )
    engine.dispose()
    assert rows == {kept: False, cleared: True}
