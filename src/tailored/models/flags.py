"""Feature flags: a definition per key, evaluated by tailored.flags.rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tailored.models.base import Base, TimestampMixin


class FeatureFlag(TimestampMixin, Base):
    __tablename__ = "feature_flags"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # "boolean" (variants on/off) or "variant" (any named JSON values).
    kind: Mapped[str] = mapped_column(String(16))
    variants: Mapped[dict[str, Any]] = mapped_column(JSON)
    default_variant: Mapped[str] = mapped_column(String(64))
    # Served to everyone while the kill switch is off (enabled false).
    off_variant: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Ordered targeting rules; the first whose conditions all hold decides.
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The split for everyone no rule matched: variant -> percent (None: default_variant).
    rollout: Mapped[dict[str, float] | None] = mapped_column(JSON, default=None)
    # Part of the bucketing hash: a new salt reshuffles who is in which bucket.
    salt: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
