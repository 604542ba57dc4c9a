"""Apply Alembic migrations from code (the launcher and the test fixture use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from core.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "alembic"


def alembic_config(settings: Settings, database: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.postgres.url(database))
    return config


def upgrade_to_head(settings: Settings, database: str | None = None) -> None:
    command.upgrade(alembic_config(settings, database), "head")
