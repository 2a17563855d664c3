"""meetings: seats, sessions, invitations, delegates, attendance, motions, support, ballots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:01:25.612102
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('holder_id', sa.BigInteger(), nullable=False),
    sa.Column('assigned_by', sa.BigInteger(), nullable=True),
    sa.Column('assigned_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name='fk_seats_holder_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('seats', schema=None) as batch_op:
        batch_op.create_index('ix_seats_body_ended', ['body', 'ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_seats_holder_id'), ['holder_id'], unique=False)

    op.create_table('meetings',
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('starts_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('agenda', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('group_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('board_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['board_id'], ['outbox.id'], name='fk_meetings_board_id'),
    sa.ForeignKeyConstraint(['group_chat_id'], ['group_chats.id'], name='fk_meetings_group_chat_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_state'), ['state'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('voter', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('recorded_by', sa.BigInteger(), nullable=True),
    sa.Column('at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name='fk_attendance_meeting_id'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_attendance_member_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'voter')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.BigInteger(), nullable=False),
    sa.Column('named_by', sa.BigInteger(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('named_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delegate_id'], ['users.id'], name='fk_delegations_delegate_id'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name='fk_delegations_meeting_id'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_delegations_member_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'member_id')
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegations_delegate_id'), ['delegate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegations_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('voter', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('rsvp', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('answered_by', sa.BigInteger(), nullable=True),
    sa.Column('answered_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name='fk_invitations_meeting_id'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_invitations_member_id'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_invitations_user_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'voter')
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('motions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('ballot', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('closes_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source_motion_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('group_ballot_id', sa.Integer(), nullable=True),
    sa.Column('support_board_id', sa.Integer(), nullable=True),
    sa.Column('abstentions_count_as_cast', sa.Boolean(), nullable=False),
    sa.Column('fee_suspended_in_quorum_base', sa.Boolean(), nullable=False),
    sa.Column('yes', sa.Integer(), nullable=True),
    sa.Column('no', sa.Integer(), nullable=True),
    sa.Column('abstain', sa.Integer(), nullable=True),
    sa.Column('votes_cast', sa.Integer(), nullable=True),
    sa.Column('quorum_met', sa.Boolean(), nullable=True),
    sa.Column('quorum_total', sa.Integer(), nullable=True),
    sa.Column('quorum_attending', sa.Integer(), nullable=True),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['group_ballot_id'], ['outbox.id'], name='fk_motions_group_ballot_id'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name='fk_motions_meeting_id'),
    sa.ForeignKeyConstraint(['source_motion_id'], ['motions.id'], name='fk_motions_source_motion_id'),
    sa.ForeignKeyConstraint(['support_board_id'], ['outbox.id'], name='fk_motions_support_board_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_motions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_motions_state'), ['state'], unique=False)

    op.create_table('amendment_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_amendment_support_member_id'),
    sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], name='fk_amendment_support_motion_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id', 'member_id')
    )
    with op.batch_alter_table('amendment_support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_support_motion_id'), ['motion_id'], unique=False)

    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('voter', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('cast_by', sa.BigInteger(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('cast_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_ballots_member_id'),
    sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], name='fk_ballots_motion_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id', 'voter')
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballots_motion_id'), ['motion_id'], unique=False)

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

    op.create_table('secret_participations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('voter', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('cast_by', sa.BigInteger(), nullable=False),
    sa.Column('cast_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_secret_participations_member_id'),
    sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], name='fk_secret_participations_motion_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id', 'voter')
    )
    with op.batch_alter_table('secret_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secret_participations_motion_id'), ['motion_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('secret_participations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secret_participations_motion_id'))

    op.drop_table('secret_participations')
    with op.batch_alter_table('secret_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secret_choices_motion_id'))

    op.drop_table('secret_choices')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballots_motion_id'))

    op.drop_table('ballots')
    with op.batch_alter_table('amendment_support', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_support_motion_id'))

    op.drop_table('amendment_support')
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_motions_state'))
        batch_op.drop_index(batch_op.f('ix_motions_meeting_id'))

    op.drop_table('motions')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_meeting_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegations_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_delegations_delegate_id'))

    op.drop_table('delegations')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_state'))

    op.drop_table('meetings')
    with op.batch_alter_table('seats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seats_holder_id'))
        batch_op.drop_index('ix_seats_body_ended')

    op.drop_table('seats')