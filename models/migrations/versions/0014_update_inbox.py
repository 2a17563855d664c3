"""update inbox: updates taken in and not yet answered, for handlers in any process

Revision ID: 0014_update_inbox
Revises: 0012_member_import
Create Date: 2026-11-30 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.columns

revision: str = "0014_update_inbox"
down_revision: str | None = "0012_member_import"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "update_inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index(
        "ix_update_inbox_chat_id_update_id", "update_inbox", ["chat_id", "update_id"], unique=False
    )
    op.create_index("ix_update_inbox_enqueued_at", "update_inbox", ["enqueued_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_update_inbox_enqueued_at", table_name="update_inbox")
    op.drop_index("ix_update_inbox_chat_id_update_id", table_name="update_inbox")
    op.drop_table("update_inbox")
