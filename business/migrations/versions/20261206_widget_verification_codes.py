"""verification_codes: one-time codes a website visitor types to prove an existing
appointment is theirs (keyed hash only, expiry, attempts)

Revision ID: 0009_widget
Revises: 0008_merge_security
Create Date: 2026-12-06 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import business.models


revision = "0009_widget"
down_revision = "0008_merge_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("conversation_key", sa.String(length=120), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", business.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", business.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", business.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_verification_codes_customer_id_customers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_codes")),
    )
    with op.batch_alter_table("verification_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_codes_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_codes_conversation_key"), ["conversation_key"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verification_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_codes_conversation_key"))
        batch_op.drop_index(batch_op.f("ix_verification_codes_customer_id"))
    op.drop_table("verification_codes")
