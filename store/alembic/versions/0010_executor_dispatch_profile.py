"""executors name the districts they serve and how many jobs they hold at once; their
record (accepts, declines, completions) is read by actor and action

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No districts: the whole city, as every executor served until now.
    op.add_column(
        "executor_profiles",
        sa.Column(
            "districts", postgresql.ARRAY(sa.String(64)), server_default="{}", nullable=False
        ),
    )
    op.add_column(
        "executor_profiles",
        sa.Column("capacity", sa.SmallInteger(), server_default="3", nullable=False),
    )
    op.create_check_constraint(
        "ck_executor_profiles_capacity", "executor_profiles", "capacity BETWEEN 1 AND 50"
    )
    op.create_index(
        "ix_request_transitions_actor_action", "request_transitions", ["actor_id", "action"]
    )


def downgrade() -> None:
    op.drop_index("ix_request_transitions_actor_action", table_name="request_transitions")
    op.drop_constraint("ck_executor_profiles_capacity", "executor_profiles", type_="check")
    op.drop_column("executor_profiles", "capacity")
    op.drop_column("executor_profiles", "districts")
