"""Alembic environment: the URL comes from Settings (via store.migrate), never from a file."""

from alembic import context
from sqlalchemy import create_engine, pool

import store.models  # noqa: F401 - registers every table on the metadata
from core.settings import get_settings
from store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().postgres.url()


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
