"""signal basis: the weights and half-life stored scores were computed with

Revision ID: 5d8e1a7c3b92
Revises: 7b2e9c4d1f30
Create Date: 2026-11-30 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tailored.models.base

revision: str = "5d8e1a7c3b92"
down_revision: str | None = "7b2e9c4d1f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signal_basis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("updated_at", tailored.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_basis")),
    )


def downgrade() -> None:
    op.drop_table("signal_basis")
