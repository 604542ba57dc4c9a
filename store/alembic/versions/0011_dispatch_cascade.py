"""the offers of a request's dispatch cascade, and where its cascade stands

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for every request so far: none had a cascade.
    op.add_column("service_requests", sa.Column("dispatch", sa.String(16), nullable=True))
    op.create_table(
        "request_offers",
        sa.Column(
            "request_id",
            postgresql.UUID(),
            sa.ForeignKey("service_requests.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("offer_no", sa.SmallInteger(), primary_key=True),
        sa.Column("executor_id", postgresql.UUID(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_request_offers_executor_id", "request_offers", ["executor_id"])


def downgrade() -> None:
    op.drop_index("ix_request_offers_executor_id", table_name="request_offers")
    op.drop_table("request_offers")
    op.drop_column("service_requests", "dispatch")
