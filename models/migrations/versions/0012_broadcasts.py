"""broadcasts: the Secretariat's messages to segments, each copy an outbox row

Revision ID: 0012_broadcasts
Revises: 0006_cldr_currency_digits
Create Date: 2026-11-30 07:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = '0012_broadcasts'
down_revision: str | None = '0006_cldr_currency_digits'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'broadcasts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.BigInteger(), nullable=False),
        sa.Column('segments', sa.JSON(), nullable=False),
        sa.Column('text_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('text_ar', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('other_language', sa.Boolean(), nullable=False),
        sa.Column('file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('due_at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('started_at', models.columns.UTCDateTime(), nullable=True),
        sa.Column('finished_at', models.columns.UTCDateTime(), nullable=True),
        sa.Column('cancelled_at', models.columns.UTCDateTime(), nullable=True),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('progress_id', sa.Integer(), nullable=True),
        sa.Column('shown', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name='fk_broadcasts_sender_id'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcasts_state'), ['state'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broadcast_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_broadcast_id'), ['broadcast_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_outbox_broadcast_id', 'broadcasts', ['broadcast_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_broadcast_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_broadcast_id'))
        batch_op.drop_column('broadcast_id')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcasts_state'))
    op.drop_table('broadcasts')
