"""calendar: linked Google account, busy-time cache, owner blocks, push retries

Revision ID: 0003_calendar
Revises: 0001
Create Date: 2026-11-21 09:30:00
"""
from alembic import op
import sqlalchemy as sa
import business.models


revision = '0003_calendar'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('account_email', sa.String(length=254), nullable=True),
    sa.Column('token_ciphertext', sa.Text(), nullable=False),
    sa.Column('booking_calendar_id', sa.String(length=300), nullable=False),
    sa.Column('busy_calendar_ids', sa.JSON(), nullable=False),
    sa.Column('calendar_choices', sa.JSON(), nullable=False),
    sa.Column('sync_token', sa.Text(), nullable=True),
    sa.Column('busy_fetched_at', business.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('busy_from', business.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('busy_to', business.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_pull_at', business.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('channel_id', sa.String(length=64), nullable=True),
    sa.Column('channel_token', sa.String(length=128), nullable=True),
    sa.Column('channel_resource_id', sa.String(length=200), nullable=True),
    sa.Column('channel_expires_at', business.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('linked_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_accounts')),
    sa.UniqueConstraint('provider', name=op.f('uq_calendar_accounts_provider'))
    )
    op.create_table('calendar_busy_times',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.String(length=300), nullable=False),
    sa.Column('start_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_busy_times'))
    )
    op.create_index(op.f('ix_calendar_busy_times_start_at'), 'calendar_busy_times', ['start_at'], unique=False)
    op.create_table('calendar_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('start_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_blocks'))
    )
    op.create_index(op.f('ix_calendar_blocks_start_at'), 'calendar_blocks', ['start_at'], unique=False)
    op.create_table('calendar_retries',
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_calendar_retries_appointment_id_appointments')),
    sa.PrimaryKeyConstraint('appointment_id', name=op.f('pk_calendar_retries'))
    )
    op.create_index(op.f('ix_calendar_retries_next_attempt_at'), 'calendar_retries', ['next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_calendar_retries_next_attempt_at'), table_name='calendar_retries')
    op.drop_table('calendar_retries')
    op.drop_index(op.f('ix_calendar_blocks_start_at'), table_name='calendar_blocks')
    op.drop_table('calendar_blocks')
    op.drop_index(op.f('ix_calendar_busy_times_start_at'), table_name='calendar_busy_times')
    op.drop_table('calendar_busy_times')
    op.drop_table('calendar_accounts')
