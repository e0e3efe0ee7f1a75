"""users: an account can be deactivated (kept, but refused at sign-in and on every request)
and records when it last signed in

Revision ID: 0012_users
Revises: 0011_merge_features
Create Date: 2026-12-06 13:30:00
"""
from alembic import op
import sqlalchemy as sa

import business.models


revision = "0012_users"
down_revision = "0011_merge_features"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("last_sign_in_at", business.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_sign_in_at")
        batch_op.drop_column("active")
