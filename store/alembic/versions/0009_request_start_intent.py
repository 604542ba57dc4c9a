"""requests stored by the API carry the intent to start their workflow

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every request stored so far was stored by its running workflow: started. A
    # default of now() is evaluated once and kept as the value of the existing rows
    # (no table rewrite); dropping it leaves new rows NULL until their start.
    op.add_column(
        "service_requests",
        sa.Column(
            "workflow_started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=True,
        ),
    )
    op.alter_column("service_requests", "workflow_started_at", server_default=None)
    op.add_column(
        "service_requests",
        sa.Column("start_intent", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        "service_requests",
        sa.Column("start_attempts", sa.Integer(), server_default="0", nullable=False),
    )
    op.create_index(
        "ix_service_requests_unstarted",
        "service_requests",
        ["start_attempts", "created_at"],
        postgresql_where=sa.text("workflow_started_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_service_requests_unstarted",
        table_name="service_requests",
        postgresql_where=sa.text("workflow_started_at IS NULL"),
    )
    op.drop_column("service_requests", "start_attempts")
    op.drop_column("service_requests", "start_intent")
    op.drop_column("service_requests", "workflow_started_at")
