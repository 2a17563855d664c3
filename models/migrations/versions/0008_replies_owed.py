"""replies owed: the replies of a handled update kept until they are sent

Revision ID: 0005_replies_owed
Revises: 0005_outbox_follows
Create Date: 2026-11-30 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_replies_owed"
down_revision: str | None = "0005_outbox_follows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replies", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("replies_sent", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_column("replies_sent")
        batch_op.drop_column("replies")
