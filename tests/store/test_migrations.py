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
