"""executors' weekly working hours; two-way ratings of a finished request; the managers'
follow-up tasks after a low rating from a customer

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: any time, as every executor worked until now.
    op.add_column(
        "executor_profiles",
        sa.Column("working_hours", postgresql.JSONB(), nullable=True),
    )
    op.create_table(
        "ratings",
        sa.Column(
            "request_id",
            postgresql.UUID(),
            sa.ForeignKey("service_requests.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        # Who rates whom: the customer the executor, the executor the customer.
        sa.Column("rater_role", sa.String(16), primary_key=True),
        sa.Column("rater_id", postgresql.UUID(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("ratee_id", postgresql.UUID(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_ratings_score"),
        sa.CheckConstraint("rater_role IN ('customer', 'executor')", name="ck_ratings_rater_role"),
    )
    op.create_index("ix_ratings_ratee_id", "ratings", ["ratee_id", "rater_role"])
    op.create_table(
        "follow_ups",
        sa.Column("id", postgresql.UUID(), primary_key=True),
        sa.Column(
            "request_id",
            postgresql.UUID(),
            sa.ForeignKey("service_requests.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("customer_id", postgresql.UUID(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", postgresql.UUID(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
    )
    op.create_index(
        "ix_follow_ups_open",
        "follow_ups",
        ["created_at"],
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_follow_ups_open", table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_index("ix_ratings_ratee_id", table_name="ratings")
    op.drop_table("ratings")
    op.drop_column("executor_profiles", "working_hours")
