"""Persistence: SQLAlchemy models, Alembic migrations, repositories, the outbox writer."""
