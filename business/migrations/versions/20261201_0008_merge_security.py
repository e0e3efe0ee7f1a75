"""Merge the two security branches: inbound message dedupe, skipped events and retention
(0007_robustness) and server-side dashboard sessions (0007_sessions).

Revision ID: 0008_merge_security
Revises: 0007_robustness, 0007_sessions
"""
from __future__ import annotations

revision = "0008_merge_security"
down_revision = ("0007_robustness", "0007_sessions")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
