"""feature flags

Flags with variants, targeting rules, a percentage rollout and a kill switch (tailored.flags).

Revision ID: 7f1a9c2b4d10
Revises: 13d6cb1e4765
Create Date: 2026-11-30 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tailored.models.base

revision: str = "7f1a9c2b4d10"
down_revision: str | None = "13d6cb1e4765"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feature_flags",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("default_variant", sa.String(length=64), nullable=False),
        sa.Column("off_variant", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("rollout", sa.JSON(), nullable=True),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", tailored.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", tailored.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_feature_flags")),
    )


def downgrade() -> None:
    op.drop_table("feature_flags")
