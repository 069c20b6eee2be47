"""request log tokens, longer adapter labels

Language-model tokens per request; adapter labels name every provider and model in the
fallback chain, which outgrew 64 characters.

Revision ID: 8dcb7d0fe9cd
Revises: 0a26c99803db
Create Date: 2026-11-29 08:56:41.227771
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8dcb7d0fe9cd"
down_revision: str | None = "0a26c99803db"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("personalized_results", schema=None) as batch_op:
        batch_op.alter_column(
            "adapter",
            existing_type=sa.VARCHAR(length=64),
            type_=sa.String(length=300),
            existing_nullable=False,
        )

    with op.batch_alter_table("request_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("input_tokens", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("output_tokens", sa.Integer(), nullable=True))
        batch_op.alter_column(
            "adapter",
            existing_type=sa.VARCHAR(length=64),
            type_=sa.String(length=300),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Labels longer than the old width would not fit back: cut them (logs and cache rows only).
    for table in ("request_logs", "personalized_results"):
        op.execute(f"UPDATE {table} SET adapter = substr(adapter, 1, 64)")
    with op.batch_alter_table("request_logs", schema=None) as batch_op:
        batch_op.alter_column(
            "adapter",
            existing_type=sa.String(length=300),
            type_=sa.VARCHAR(length=64),
            existing_nullable=False,
        )
        batch_op.drop_column("output_tokens")
        batch_op.drop_column("input_tokens")

    with op.batch_alter_table("personalized_results", schema=None) as batch_op:
        batch_op.alter_column(
            "adapter",
            existing_type=sa.String(length=300),
            type_=sa.VARCHAR(length=64),
            existing_nullable=False,
        )
