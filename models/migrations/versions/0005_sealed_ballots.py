"""sealed secret ballots: choices sealed under a key kept out of the database

Revision ID: 0005_sealed_ballots
Revises: 0004
Create Date: 2026-11-30 06:10:00.000000

``secret_choices`` held each secret choice in clear, written next to its voter's
participation; ``sealed_ballots`` holds it sealed (``workflows.seals``). Choices
of closed motions are already counted into ``motions``: they are dropped with
the table. A choice of a vote still open cannot be sealed here (the key is not the
database's), so the upgrade stops and asks to close those votes first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005_sealed_ballots'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    open_ = op.get_bind().execute(sa.text(
        "SELECT DISTINCT c.motion_id FROM secret_choices c JOIN motions m ON m.id = c.motion_id "
        "WHERE m.state = 'open'"
    )).scalars().all()
    if open_:
        raise RuntimeError(
            "secret votes are open on motions "
            + ", ".join(str(m) for m in open_)
            + ": close them with the previous version before upgrading"
        )
    with op.batch_alter_table('secret_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secret_choices_motion_id'))
    op.drop_table('secret_choices')
    op.create_table('sealed_ballots',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('seal', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], name='fk_sealed_ballots_motion_id'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('sealed_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_ballots_motion_id'), ['motion_id'], unique=False)
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ballot_key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    sealed = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM sealed_ballots")).scalar()
    if sealed:
        raise RuntimeError("sealed ballots of open votes cannot be unsealed by a migration")
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_column('ballot_key_id')
    with op.batch_alter_table('sealed_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_ballots_motion_id'))
    op.drop_table('sealed_ballots')
    op.create_table('secret_choices',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], name='fk_secret_choices_motion_id'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('secret_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secret_choices_motion_id'), ['motion_id'], unique=False)
