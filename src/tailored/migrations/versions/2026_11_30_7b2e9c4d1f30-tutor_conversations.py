"""tutor conversations and messages

Revision ID: 7b2e9c4d1f30
Revises: 3c1d2e4f5a6b
Create Date: 2026-11-30 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tailored.models.base

revision: str = "7b2e9c4d1f30"
down_revision: str | None = "7f1a9c2b4d10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tutor_conversations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("anon_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", tailored.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tailored.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tutor_conversations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tutor_conversations")),
    )
    with op.batch_alter_table("tutor_conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tutor_conversations_user_id"), ["user_id"])
        batch_op.create_index(batch_op.f("ix_tutor_conversations_anon_id"), ["anon_id"])
        batch_op.create_index(batch_op.f("ix_tutor_conversations_updated_at"), ["updated_at"])
    op.create_table(
        "tutor_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=True),
        sa.Column("chapter_id", sa.String(length=200), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("created_at", tailored.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["tutor_conversations.id"],
            name=op.f("fk_tutor_messages_conversation_id_tutor_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tutor_messages")),
        sa.UniqueConstraint(
            "conversation_id", "position", name=op.f("uq_tutor_messages_conversation_id")
        ),
    )
    with op.batch_alter_table("tutor_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tutor_messages_conversation_id"), ["conversation_id"])
        batch_op.create_index(batch_op.f("ix_tutor_messages_chapter_id"), ["chapter_id"])
        batch_op.create_index(batch_op.f("ix_tutor_messages_created_at"), ["created_at"])


def downgrade() -> None:
    op.drop_table("tutor_messages")
    op.drop_table("tutor_conversations")
