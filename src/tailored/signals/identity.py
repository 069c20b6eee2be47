"""Who an event belongs to: learner keys for accounts, a site's users and anonymous visitors,
and the coarse audience popularity is counted per."""

from __future__ import annotations

import uuid

from tailored.models import Profile

ANYONE = "*"


def learner_for_user(user_id: uuid.UUID) -> str:
    """A Tailored account's learner key: its user id."""
    return str(user_id)


def learner_for_site_user(site_prefix: str, user_id: str) -> str:
    """A site's own user (not a Tailored account), scoped to the site's key."""
    return f"s:{site_prefix}:{user_id}"


def learner_for_anonymous(site_prefix: str, anonymous_id: str) -> str:
    """An anonymous visitor of a site (Segment's anonymousId), scoped to the site's key."""
    return f"a:{site_prefix}:{anonymous_id}"


def user_of(learner: str) -> uuid.UUID | None:
    """The account behind a learner key, None for a site's user or an anonymous visitor."""
    if learner.startswith(("s:", "a:")):
        return None
    try:
        return uuid.UUID(learner)
    except ValueError:
        return None


def audience_of(profile: Profile | None) -> str:
    """The audience popularity is counted per: software and hardware level ("?" unknown)."""
    if profile is None:
        return "?/?"
    software = profile.software_level.value if profile.software_level else "?"
    hardware = profile.hardware_level.value if profile.hardware_level else "?"
    return f"{software}/{hardware}"
