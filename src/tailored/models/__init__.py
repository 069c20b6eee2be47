"""All ORM models, in one package so relationships never import each other in cycles."""

from tailored.models.accounts import AuthToken, Role, User
from tailored.models.base import Base
from tailored.models.content import Chapter, Section
from tailored.models.profiles import (
    DifficultyPreference,
    HardwareAvailable,
    HardwareDomain,
    HardwareLevel,
    LearnerRole,
    Profile,
    RoboticsExperience,
    SoftwareLevel,
    Trait,
    TraitSource,
)

__all__ = [
    "AuthToken",
    "Base",
    "Chapter",
    "DifficultyPreference",
    "HardwareAvailable",
    "HardwareDomain",
    "HardwareLevel",
    "LearnerRole",
    "Profile",
    "RoboticsExperience",
    "Role",
    "Section",
    "SoftwareLevel",
    "Trait",
    "TraitSource",
    "User",
]
