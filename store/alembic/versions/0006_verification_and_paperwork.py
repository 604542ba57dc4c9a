"""verification and paperwork

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # "awaiting_decision" needs more than the 16 characters "unverified"/"verified" did.
    op.alter_column(
        "executor_profiles",
        "verification_status",
        type_=sa.String(length=24),
        existing_type=sa.String(length=16),
    )
    op.create_table(
        "verification_submissions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("executor_id", sa.UUID(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("inn", sa.String(length=12), nullable=False),
        sa.Column("passport_series", sa.String(length=4), nullable=False),
        sa.Column("passport_number", sa.String(length=6), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["executor_id"],
            ["users.id"],
            name=op.f("fk_verification_submissions_executor_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_submissions")),
    )
    op.create_index(
        op.f("ix_verification_submissions_executor_id"),
        "verification_submissions",
        ["executor_id"],
        unique=False,
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("executor_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["users.id"], name=op.f("fk_documents_customer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["executor_id"], ["users.id"], name=op.f("fk_documents_executor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_documents_request_id_service_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("request_id", "kind", "version", name=op.f("uq_documents_request_id")),
    )
    op.create_index(op.f("ix_documents_executor_id"), "documents", ["executor_id"], unique=False)
    op.create_index(op.f("ix_documents_request_id"), "documents", ["request_id"], unique=False)
    op.create_index(
        "uq_documents_one_contract_per_executor",
        "documents",
        ["executor_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'contract'"),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("executor_id", sa.UUID(), nullable=False),
        sa.Column("gross", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("commission_rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("commission", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("net", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="RUB", nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["executor_id"], ["users.id"], name=op.f("fk_payouts_executor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_payouts_request_id_service_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("request_id", name=op.f("uq_payouts_request_id")),
    )
    op.create_index(op.f("ix_payouts_executor_id"), "payouts", ["executor_id"], unique=False)
    op.create_index(op.f("ix_payouts_recorded_on"), "payouts", ["recorded_on"], unique=False)
    op.create_table(
        "verification_scans",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("submission_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["verification_submissions.id"],
            name=op.f("fk_verification_scans_submission_id_verification_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_scans")),
        sa.UniqueConstraint(
            "submission_id", "sha256", name=op.f("uq_verification_scans_submission_id")
        ),
    )
    op.create_index(
        op.f("ix_verification_scans_submission_id"),
        "verification_scans",
        ["submission_id"],
        unique=False,
    )
    op.add_column("executor_profiles", sa.Column("inn", sa.String(length=12), nullable=True))
    op.add_column(
        "executor_profiles",
        sa.Column("verification_reason", sa.Text(), server_default="", nullable=False),
    )


def downgrade() -> None:
    op.alter_column(
        "executor_profiles",
        "verification_status",
        type_=sa.String(length=16),
        existing_type=sa.String(length=24),
    )
    op.drop_column("executor_profiles", "verification_reason")
    op.drop_column("executor_profiles", "inn")
    op.drop_index(op.f("ix_verification_scans_submission_id"), table_name="verification_scans")
    op.drop_table("verification_scans")
    op.drop_index(op.f("ix_payouts_recorded_on"), table_name="payouts")
    op.drop_index(op.f("ix_payouts_executor_id"), table_name="payouts")
    op.drop_table("payouts")
    op.drop_index(
        "uq_documents_one_contract_per_executor",
        table_name="documents",
        postgresql_where=sa.text("kind = 'contract'"),
    )
    op.drop_index(op.f("ix_documents_request_id"), table_name="documents")
    op.drop_index(op.f("ix_documents_executor_id"), table_name="documents")
    op.drop_table("documents")
    op.drop_index(
        op.f("ix_verification_submissions_executor_id"), table_name="verification_submissions"
    )
    op.drop_table("verification_submissions")
