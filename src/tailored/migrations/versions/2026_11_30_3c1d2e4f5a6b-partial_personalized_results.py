"""partial personalized results

A personalized chapter whose model rewrite was rejected in some sections is stored as partial
(`status` rejected, the sections in `unfinished`) for a short time, so a retry can redo just those.

Revision ID: 3c1d2e4f5a6b
Revises: 8dcb7d0fe9cd
Create Date: 2026-11-30 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1d2e4f5a6b"
down_revision: str | None = "8dcb7d0fe9cd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("personalized_results", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="success", nullable=False)
        )
        batch_op.add_column(sa.Column("unfinished", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("personalized_results", schema=None) as batch_op:
        batch_op.drop_column("unfinished")
        batch_op.drop_column("status")
