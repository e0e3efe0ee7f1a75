"""roles: each dashboard user is an owner, office staff or a technician (linked to a
technicians row); existing users become owners

Revision ID: 0009_dash1_roles
Revises: 0008_merge_security
Create Date: 2026-12-06 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0009_dash1_roles"
down_revision = "0008_merge_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), server_default="owner", nullable=False))
        batch_op.add_column(sa.Column("technician_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_users_technician_id_technicians"), "technicians",
                                    ["technician_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_technician_id_technicians"), type_="foreignkey")
        batch_op.drop_column("technician_id")
        batch_op.drop_column("role")
