"""Transcripts come from Rasa's event broker: keys of events copied from a RabbitMQ queue
(exactly once across redeliveries), and the tracker-table cursor is dropped.

Revision ID: 0009_event_broker
Revises: 0008_merge_security
"""
from __future__ import annotations

import sqlalchemy as sa

import business.models
from alembic import op

revision = "0009_event_broker"
down_revision = "0008_merge_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projected_events",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("projected_at", business.models.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_projected_events_projected_at", "projected_events", ["projected_at"])
    # The old cursor counted rows of Rasa's tracker table, which is no longer read.
    op.execute("DELETE FROM sync_cursors WHERE name = 'rasa_tracker_events'")


def downgrade() -> None:
    op.drop_index("ix_projected_events_projected_at", table_name="projected_events")
    op.drop_table("projected_events")
