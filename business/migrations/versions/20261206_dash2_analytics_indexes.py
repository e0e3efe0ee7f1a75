"""analytics indexes: conversations by channel and start, jobs by customer and start
(the repeat-customer check), appointments by service (top services, revenue)

Revision ID: 0009_dash2
Revises: 0008_merge_security
Create Date: 2026-12-06 12:00:00
"""
from alembic import op

revision = "0009_dash2"
down_revision = "0008_merge_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_channel_started_at", "conversations", ["channel", "started_at"])
    op.create_index("ix_appointments_customer_id_start_at", "appointments", ["customer_id", "start_at"])
    op.create_index("ix_appointments_service_id", "appointments", ["service_id"])


def downgrade() -> None:
    op.drop_index("ix_appointments_service_id", table_name="appointments")
    op.drop_index("ix_appointments_customer_id_start_at", table_name="appointments")
    op.drop_index("ix_conversations_channel_started_at", table_name="conversations")
