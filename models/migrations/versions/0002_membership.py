"""membership

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:44:33.702136
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_ar', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('institutional', sa.Boolean(), nullable=False),
    sa.Column('standing', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('voting_right', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('admitted_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fee_notice_due_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contribution', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_standing'), ['standing'], unique=False)

    op.create_table('prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.BigInteger(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('escalated_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('prompts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompts_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompts_resolved_at'), ['resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompts_subject_id'), ['subject_id'], unique=False)

    op.create_table('applications',
    sa.Column('letter_file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('letter_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('letter_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('letter_mime', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('letter_size', sa.Integer(), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('name_ar', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('signatory_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('signatory_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('adheres', sa.Boolean(), nullable=False),
    sa.Column('institutional', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('asked_by', sa.BigInteger(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_applicant_state', ['applicant_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_state'), ['state'], unique=False)

    op.create_table('honorary_nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_ar', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('contribution', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('nominated_by', sa.BigInteger(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('chair_by', sa.BigInteger(), nullable=True),
    sa.Column('chair_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sg_by', sa.BigInteger(), nullable=True),
    sa.Column('sg_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('honorary_nominations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honorary_nominations_state'), ['state'], unique=False)

    op.create_table('representations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('since', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('until', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'user_id')
    )
    with op.batch_alter_table('representations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representations_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_representations_user_id'), ['user_id'], unique=False)

    op.create_table('suspension_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by', sa.BigInteger(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('lift_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('suspension_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspension_cases_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspension_cases_state'), ['state'], unique=False)

    op.create_table('withdrawal_requests',
    sa.Column('letter_file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('letter_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('letter_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('letter_mime', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('letter_size', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.BigInteger(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', models.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', models.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('withdrawal_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_withdrawal_requests_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_withdrawal_requests_state'), ['state'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('edit_of', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True))
        batch_op.add_column(sa.Column('file_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_prompt_id'), ['prompt_id'], unique=False)
        batch_op.create_foreign_key('fk_outbox_prompt_id', 'prompts', ['prompt_id'], ['id'])
        batch_op.create_foreign_key('fk_outbox_edit_of', 'outbox', ['edit_of'], ['id'])

    


def downgrade() -> None:
    
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_edit_of', type_='foreignkey')
        batch_op.drop_constraint('fk_outbox_prompt_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_prompt_id'))
        batch_op.drop_column('file_kind')
        batch_op.drop_column('file_id')
        batch_op.drop_column('edit_of')
        batch_op.drop_column('prompt_id')

    with op.batch_alter_table('withdrawal_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_withdrawal_requests_state'))
        batch_op.drop_index(batch_op.f('ix_withdrawal_requests_member_id'))

    op.drop_table('withdrawal_requests')
    with op.batch_alter_table('suspension_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suspension_cases_state'))
        batch_op.drop_index(batch_op.f('ix_suspension_cases_member_id'))

    op.drop_table('suspension_cases')
    with op.batch_alter_table('representations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_representations_user_id'))
        batch_op.drop_index(batch_op.f('ix_representations_member_id'))

    op.drop_table('representations')
    with op.batch_alter_table('honorary_nominations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_honorary_nominations_state'))

    op.drop_table('honorary_nominations')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_state'))
        batch_op.drop_index('ix_applications_applicant_state')

    op.drop_table('applications')
    with op.batch_alter_table('prompts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompts_subject_id'))
        batch_op.drop_index(batch_op.f('ix_prompts_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_prompts_kind'))

    op.drop_table('prompts')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_standing'))
        batch_op.drop_index(batch_op.f('ix_members_country'))
        batch_op.drop_index(batch_op.f('ix_members_category'))

    op.drop_table('members')
    
