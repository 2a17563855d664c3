"""representatives named by @username in an imported register, until they start the bot

Revision ID: 0012_member_import
Revises: 0012_broadcasts
Create Date: 2026-11-30 06:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = '0012_member_import'
down_revision: str | None = '0012_broadcasts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pending_representatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('added_by', sa.BigInteger(), nullable=True),
    sa.Column('added_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'username')
    )
    with op.batch_alter_table('pending_representatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_representatives_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_representatives_username'), ['username'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_representatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_representatives_username'))
        batch_op.drop_index(batch_op.f('ix_pending_representatives_member_id'))
    op.drop_table('pending_representatives')
