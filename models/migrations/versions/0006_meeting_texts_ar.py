"""meetings: the title and agenda in Arabic beside the English (Art. 3)

Revision ID: meeting_texts_ar
Revises: 0005_sealed_ballots
Create Date: 2026-11-30 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'meeting_texts_ar'
down_revision: str | None = '0005_sealed_ballots'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.add_column(sa.Column('title_ar', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('agenda_ar', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.drop_column('agenda_ar')
        batch_op.drop_column('title_ar')
