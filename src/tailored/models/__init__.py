"""All ORM models, in one package so relationships never import each other in cycles."""

from tailored.models.accounts import AuthToken, Role, User
from tailored.models.base import Base
from tailored.models.content import Chapter, GlossaryTerm, Section
from tailored.models.flags import FeatureFlag
from tailored.models.personalization import (
    PersonalizationHistory,
    PersonalizationSession,
    PersonalizedResult,
    RequestLog,
    RequestStatus,
)
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
from tailored.models.signals import (
    ContentPopularity,
    Outbox,
    SignalBasis,
    SignalEvent,
    SignalRollup,
    SignalScore,
    SiteKey,
)
from tailored.models.translation import MachineTranslation
from tailored.models.tutor import TutorConversation, TutorMessage

__all__ = [
    "ContentPopularity",
    "Outbox",
    "SignalBasis",
    "SignalEvent",
    "SignalRollup",
    "SignalScore",
    "SiteKey",
    "AuthToken",
    "Base",
    "Chapter",
    "DifficultyPreference",
    "FeatureFlag",
    "GlossaryTerm",
    "HardwareAvailable",
    "HardwareDomain",
    "HardwareLevel",
    "LearnerRole",
    "MachineTranslation",
    "PersonalizationHistory",
    "PersonalizationSession",
    "PersonalizedResult",
    "Profile",
    "RequestLog",
    "RequestStatus",
    "RoboticsExperience",
    "Role",
    "Section",
    "SoftwareLevel",
    "Trait",
    "TraitSource",
    "TutorConversation",
    "TutorMessage",
    "User",
]
