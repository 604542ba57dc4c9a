"""request action keys; visit windows no driver can read back are cleared

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_action_keys",
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_request_action_keys_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "request_id", "actor_id", "idempotency_key", name=op.f("pk_request_action_keys")
        ),
    )

    # Windows were once taken as sent: year 9999 at -14:00 is stored as year 10000 UTC,
    # which no client library can read back, so one such row broke every list holding
    # it. The API now refuses them; rows already written lose a window that was never
    # a real one. A day of margin covers any session time zone the value is read in.
    op.execute(
        """
        UPDATE service_requests SET window_start = NULL, window_end = NULL
        WHERE window_start NOT BETWEEN '0001-01-02 00:00+00' AND '9999-12-30 00:00+00'
           OR window_end NOT BETWEEN '0001-01-02 00:00+00' AND '9999-12-30 00:00+00'
        """
    )


def downgrade() -> None:
    op.drop_table("request_action_keys")
