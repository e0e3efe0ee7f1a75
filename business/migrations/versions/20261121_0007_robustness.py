"""robustness: events the transcript projection skipped, inbound SMS already handled

Revision ID: 0007_robustness
Revises: 0006_merge
Create Date: 2026-11-22 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import business.models


revision = "0007_robustness"
down_revision = "0006_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skipped_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=80), nullable=False),
        sa.Column("skipped_at", business.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skipped_events")),
        sa.UniqueConstraint("source", "position", name=op.f("uq_skipped_events_source")),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("message_sid", sa.String(length=34), nullable=False),
        sa.Column("received_at", business.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_sid", name=op.f("pk_inbound_messages")),
    )


def downgrade() -> None:
    op.drop_table("inbound_messages")
    op.drop_table("skipped_events")
