"""notification send owner

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("sending_attempt", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("notifications", "sending_attempt")
