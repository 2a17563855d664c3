"""fees: periods, dues, payments, voting-right suspensions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:01:47.023449
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fee_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('reminder_days_before', sa.JSON(), nullable=False),
    sa.Column('reminder_every_days_after', sa.Integer(), nullable=False),
    sa.Column('opened_by', sa.BigInteger(), nullable=True),
    sa.Column('opened_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fee_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_periods_due_on'), ['due_on'], unique=False)

    op.create_table('fee_dues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('created_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notified_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settled_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_fee_dues_member_id'),
    sa.ForeignKeyConstraint(['period_id'], ['fee_periods.id'], name='fk_fee_dues_period_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period_id', 'member_id', name='uq_fee_dues_period_member')
    )
    with op.batch_alter_table('fee_dues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_dues_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_dues_period_id'), ['period_id'], unique=False)

    op.create_table('voting_suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('suspended_by', sa.BigInteger(), nullable=True),
    sa.Column('suspended_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('restored_by', sa.BigInteger(), nullable=True),
    sa.Column('restored_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('restore_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_voting_suspensions_member_id'),
    sa.ForeignKeyConstraint(['period_id'], ['fee_periods.id'], name='fk_voting_suspensions_period_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('voting_suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_suspensions_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voting_suspensions_restored_at'), ['restored_at'], unique=False)

    op.create_table('fee_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('due_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('receipt_file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('receipt_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('receipt_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('receipt_mime', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('receipt_size', sa.Integer(), nullable=True),
    sa.Column('reported_by', sa.BigInteger(), nullable=True),
    sa.Column('reported_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dispute_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('corrections', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['due_id'], ['fee_dues.id'], name='fk_fee_payments_due_id'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_fee_payments_member_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fee_payments', schema=None) as batch_op:
        batch_op.create_index('ix_fee_payments_due_state', ['due_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_payments_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_payments_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('fee_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_payments_state'))
        batch_op.drop_index(batch_op.f('ix_fee_payments_member_id'))
        batch_op.drop_index('ix_fee_payments_due_state')

    op.drop_table('fee_payments')
    with op.batch_alter_table('voting_suspensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_suspensions_restored_at'))
        batch_op.drop_index(batch_op.f('ix_voting_suspensions_member_id'))

    op.drop_table('voting_suspensions')
    with op.batch_alter_table('fee_dues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_dues_period_id'))
        batch_op.drop_index(batch_op.f('ix_fee_dues_member_id'))

    op.drop_table('fee_dues')
    with op.batch_alter_table('fee_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_periods_due_on'))

    op.drop_table('fee_periods')
