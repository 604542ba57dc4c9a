"""outbox.shard: hash as bigint before abs(), so hashtext's INT_MIN cannot overflow

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 16


def _shard_column(expression: str) -> None:
    op.drop_index(
        "ix_outbox_pending", table_name="outbox", postgresql_where=sa.text("published_at IS NULL")
    )
    op.drop_column("outbox", "shard")
    op.add_column(
        "outbox",
        sa.Column(
            "shard", sa.SmallInteger(), sa.Computed(expression, persisted=True), nullable=False
        ),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["shard", "id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )


def upgrade() -> None:
    _shard_column(f"abs(hashtext(aggregate_id)::bigint) % {SHARDS}")


def downgrade() -> None:
    _shard_column(f"abs(hashtext(aggregate_id)) % {SHARDS}")
