"""Merge the feature branches of 6 December: the event broker's dedupe keys (0009_event_broker),
roles and follow-ups (0009_dash1_roles, 0010_dash1_follow_up), analytics indexes (0009_dash2),
push subscriptions (0009_pwa_push) and the widget's verification codes (0009_widget).

Revision ID: 0011_merge_features
Revises: 0009_event_broker, 0010_dash1_follow_up, 0009_dash2, 0009_pwa_push, 0009_widget
"""
from __future__ import annotations

revision = "0011_merge_features"
down_revision = ("0009_event_broker", "0010_dash1_follow_up", "0009_dash2", "0009_pwa_push", "0009_widget")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
