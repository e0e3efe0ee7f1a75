"""voice bridge: call status, duration and slots on conversations; STT confidence and
interrupted flag on transcript turns

Revision ID: 0005_voice
Revises: 0001
Create Date: 2026-11-21 09:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_voice"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("duration_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("slots", sa.JSON(), nullable=True))
    with op.batch_alter_table("transcript_turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stt_confidence", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("interrupted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("transcript_turns", schema=None) as batch_op:
        batch_op.drop_column("interrupted")
        batch_op.drop_column("stt_confidence")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("slots")
        batch_op.drop_column("duration_seconds")
        batch_op.drop_column("status")
