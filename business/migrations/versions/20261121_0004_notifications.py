"""notifications: outbox retries and leases, leads, SMS opt-outs

Revision ID: 0004_notifications
Revises: 0001
Create Date: 2026-11-21 09:40:00
"""
from alembic import op
import sqlalchemy as sa
import business.models


revision = '0004_notifications'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html_body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', business.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', business.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_next_attempt_at'), ['next_attempt_at'], unique=False)

    op.create_table('leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_leads_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_phone'), ['phone'], unique=False)

    op.create_table('sms_opt_outs',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('keyword', sa.String(length=20), nullable=False),
    sa.Column('updated_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_sms_opt_outs'))
    )


def downgrade() -> None:
    op.drop_table('sms_opt_outs')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leads_phone'))
        batch_op.drop_index(batch_op.f('ix_leads_created_at'))
    op.drop_table('leads')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_next_attempt_at'))
        batch_op.drop_column('delivery_status')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('html_body')
