"""follow-up: calls marked as called back, lead statuses new/called/booked/lost with who
handled them, the record of customer erasures, and the indexes the dashboard's lists need

Revision ID: 0010_dash1_follow_up
Revises: 0009_dash1_roles
Create Date: 2026-12-06 12:30:00
"""
from alembic import op
import sqlalchemy as sa
import business.models


revision = "0010_dash1_follow_up"
down_revision = "0009_dash1_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("called_back_at", business.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("called_back_by", sa.String(length=80), nullable=True))
        batch_op.create_index("ix_conversations_customer_id", ["customer_id"], unique=False)
        batch_op.create_index("ix_conversations_caller", ["caller"], unique=False)
        batch_op.create_index("ix_conversations_outcome_started_at", ["outcome", "started_at"], unique=False)
        # Live calls: in progress, or ended in the last minutes.
        batch_op.create_index("ix_conversations_status", ["status"], unique=False)
        batch_op.create_index("ix_conversations_ended_at", ["ended_at"], unique=False)
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("handled_at", business.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_leads_status"), ["status"], unique=False)
    # The statuses the owner uses: called (was contacted), lost (was closed).
    op.execute("UPDATE leads SET status = 'called' WHERE status = 'contacted'")
    op.execute("UPDATE leads SET status = 'lost' WHERE status = 'closed'")
    if op.get_bind().dialect.name == "postgresql":
        # The calls page's keyword search is LIKE '%word%' on the lowered text, which only a
        # trigram index serves (pg_trgm is a trusted extension: the database owner may add it).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_transcript_turns_text_trgm ON transcript_turns USING gin (lower(text) gin_trgm_ops)")
        op.execute("CREATE INDEX ix_conversations_summary_trgm ON conversations USING gin (lower(summary) gin_trgm_ops)")
    op.create_table(
        "customer_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("done_by", sa.String(length=80), nullable=False),
        sa.Column("done_at", business.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_erasures")),
    )
    with op.batch_alter_table("customer_erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_erasures_customer_id"), ["customer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_erasures_customer_id"))
    op.drop_table("customer_erasures")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_conversations_summary_trgm")
        op.execute("DROP INDEX IF EXISTS ix_transcript_turns_text_trgm")
    op.execute("UPDATE leads SET status = 'contacted' WHERE status = 'called'")
    op.execute("UPDATE leads SET status = 'closed' WHERE status IN ('lost', 'booked')")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_status"))
        batch_op.drop_column("handled_at")
        batch_op.drop_column("handled_by")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_ended_at")
        batch_op.drop_index("ix_conversations_status")
        batch_op.drop_index("ix_conversations_outcome_started_at")
        batch_op.drop_index("ix_conversations_caller")
        batch_op.drop_index("ix_conversations_customer_id")
        batch_op.drop_column("called_back_by")
        batch_op.drop_column("called_back_at")
