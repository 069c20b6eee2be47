from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tailored.models.base import Base, TimestampMixin


class Chapter(TimestampMixin, Base):
    """One Docusaurus doc. `id` is the doc id (e.g. `ros2/nodes-and-topics`), stable across
    re-ingests; `source` is the file text unchanged, `source_hash` its SHA-256."""

    __tablename__ = "chapters"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str | None] = mapped_column(String(300), default=None)
    path: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, index=True)
    front_matter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))

    sections: Mapped[list[Section]] = relationship(
        back_populates="chapter",
        order_by="Section.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Section(Base):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("chapter_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    chapter_id: Mapped[str] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[str | None] = mapped_column(String(300), default=None)
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[int] = mapped_column(Integer)
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)

    chapter: Mapped[Chapter] = relationship(back_populates="sections")


class GlossaryTerm(Base):
    """A term from the docs folder's glossary.yml, defined for beginners on first use."""

    __tablename__ = "glossary_terms"

    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    definition: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer)
