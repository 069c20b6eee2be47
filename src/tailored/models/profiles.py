from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tailored.models.base import Base, TimestampMixin, UTCDateTime, utcnow


class SoftwareLevel(enum.StrEnum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class HardwareLevel(enum.StrEnum):
    none = "none"
    basic = "basic"
    intermediate = "intermediate"
    advanced = "advanced"


class HardwareDomain(enum.StrEnum):
    basic_electronics = "basic_electronics"
    robotics_kits = "robotics_kits"
    gpus_accelerators = "gpus_accelerators"
    jetson_edge = "jetson_edge"
    embedded_systems = "embedded_systems"
    sensors_actuators = "sensors_actuators"
    three_d_printing = "3d_printing"
    pcb_design = "pcb_design"


class LearnerRole(enum.StrEnum):
    student = "student"
    professional = "professional"
    researcher = "researcher"
    instructor = "instructor"


class RoboticsExperience(enum.StrEnum):
    none = "none"
    hobbyist = "hobbyist"
    academic = "academic"
    professional = "professional"


class HardwareAvailable(enum.StrEnum):
    rtx_workstation = "rtx_workstation"
    cloud = "cloud"
    jetson_kit = "jetson_kit"
    none = "none"


class DifficultyPreference(enum.StrEnum):
    gentle = "gentle"
    balanced = "balanced"
    challenging = "challenging"


class TraitSource(enum.StrEnum):
    onboarding = "onboarding"
    inferred = "inferred"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK: portable, and adding a value needs no type migration.
    return Enum(cls, native_enum=False, length=32, name=name, values_callable=_values)


def _values(cls: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in cls]


class Profile(TimestampMixin, Base):
    __tablename__ = "profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    software_level: Mapped[SoftwareLevel | None] = mapped_column(
        _enum(SoftwareLevel, "software_level"), default=None
    )
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    frameworks: Mapped[list[str]] = mapped_column(JSON, default=list)
    hardware_level: Mapped[HardwareLevel | None] = mapped_column(
        _enum(HardwareLevel, "hardware_level"), default=None
    )
    hardware_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    role: Mapped[LearnerRole | None] = mapped_column(
        _enum(LearnerRole, "learner_role"), default=None
    )
    robotics_experience: Mapped[RoboticsExperience | None] = mapped_column(
        _enum(RoboticsExperience, "robotics_experience"), default=None
    )
    hardware_available: Mapped[list[str]] = mapped_column(JSON, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty_preference: Mapped[DifficultyPreference | None] = mapped_column(
        _enum(DifficultyPreference, "difficulty_preference"), default=None
    )
    preferred_language: Mapped[str | None] = mapped_column(String(2), default=None)

    @property
    def profile_completed(self) -> bool:
        return self.software_level is not None and self.hardware_level is not None


class Trait(Base):
    __tablename__ = "traits"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON)
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[TraitSource] = mapped_column(_enum(TraitSource, "trait_source"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
