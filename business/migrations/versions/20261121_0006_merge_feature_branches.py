"""Join the schema branches built side by side (scheduling, calendar, notifications,
voice) into one head, so `alembic upgrade head` works again.

Revision ID: 0006_merge
Revises: 0002_scheduling, 0003_calendar, 0004_notifications, 0005_voice
"""
from __future__ import annotations

revision = "0006_merge"
down_revision = ("0002_scheduling", "0003_calendar", "0004_notifications", "0005_voice")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
