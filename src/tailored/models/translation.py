from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tailored.models.base import Base, UTCDateTime, utcnow


class MachineTranslation(Base):
    """One machine-translated chapter, shared by every reader who asks for the same thing.

    `key` hashes chapter, languages, the text translated (the chapter, or a learner's
    personalized version of it), the translator's label and version, and the kept terms.
    Human translations are not stored here: they are files in the docs folder.
    """

    __tablename__ = "machine_translations"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    chapter_id: Mapped[str] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str] = mapped_column(String(16))
    # The English chapter's hash when this was made (cleanup drops rows whose chapter moved on).
    source_hash: Mapped[str] = mapped_column(String(64))
    # sha256 of the text that was translated (differs from source_hash when personalized).
    text_hash: Mapped[str] = mapped_column(String(64))
    personalized: Mapped[bool] = mapped_column(Boolean, default=False)
    translator: Mapped[str] = mapped_column(String(300))
    # success, or rejected: some sections could not be translated safely and stayed as they were.
    status: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    # Anchors of the sections left untranslated ("(preamble)" for text before the first heading).
    # (Named `unfinished` in code, as on every derived result; the column keeps its name.)
    unfinished: Mapped[list[str]] = mapped_column("untranslated", JSON, default=list)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
