"""Migrations match the models and go down and up again."""

import asyncio
import uuid

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from core.settings import Settings
from devstack.provision import drop_database, ensure_database
from store.migrate import alembic_config, upgrade_to_head
from store.models import Base


def test_models_and_migrations_agree(settings: Settings) -> None:
    engine = create_engine(settings.postgres.url())
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(settings: Settings) -> None:
    database = f"migrate_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(settings, database))
    try:
        upgrade_to_head(settings, database)
        command.downgrade(alembic_config(settings, database), "base")
        upgrade_to_head(settings, database)
    finally:
        asyncio.run(drop_database(settings, database))
