"""majority base per body, session and motion; the session's frozen reading of Art. 25

Revision ID: 0005_majority_base
Revises: 0005_outbox_claim_holder
Create Date: 2026-11-30 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns


revision: str = '0005_majority_base'
down_revision: str | None = '0005_outbox_claim_holder'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('body_rules',
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('majority_base', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('changed_by', sa.BigInteger(), nullable=True),
    sa.Column('changed_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('body')
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('majority_base', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False, server_default='yes_no'))
        batch_op.add_column(sa.Column('fee_suspended_in_quorum_base', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('majority_base', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
    # Motions already opened counted abstentions or not: say so in the new column.
    op.execute(
        "UPDATE motions SET majority_base = CASE WHEN abstentions_count_as_cast "
        "THEN 'yes_no_abstain' ELSE 'yes_no' END WHERE opened_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_column('majority_base')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('fee_suspended_in_quorum_base')
        batch_op.drop_column('majority_base')
    op.drop_table('body_rules')
