"""scheduling: arrival windows on appointments, who changed an appointment, dispatch records

Revision ID: 0002_scheduling
Revises: 0001
Create Date: 2026-11-21 09:40:00
"""
from alembic import op
import sqlalchemy as sa
import business.models


revision = '0002_scheduling'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_start', business.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('window_end', business.models.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('appointment_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=40), nullable=True))

    op.create_table('dispatch_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('flagged_for_owner', sa.Boolean(), nullable=False),
    sa.Column('owner_note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', business.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_dispatch_records_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_dispatch_records_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_records'))
    )
    with op.batch_alter_table('dispatch_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_records_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_records_flagged_for_owner'), ['flagged_for_owner'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dispatch_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_records_flagged_for_owner'))
        batch_op.drop_index(batch_op.f('ix_dispatch_records_appointment_id'))
    op.drop_table('dispatch_records')
    with op.batch_alter_table('appointment_events', schema=None) as batch_op:
        batch_op.drop_column('actor')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('window_end')
        batch_op.drop_column('window_start')
