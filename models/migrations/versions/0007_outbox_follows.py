"""outbox: a notification may wait for another to be delivered first

Revision ID: 0005_outbox_follows
Revises: meeting_texts_ar
Create Date: 2026-11-30 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005_outbox_follows'
down_revision: str | None = 'meeting_texts_ar'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_outbox_follows_outbox', 'outbox', ['follows'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_follows_outbox', type_='foreignkey')
        batch_op.drop_column('follows')
