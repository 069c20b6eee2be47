"""What producing a derived result gives back, whatever produced it."""

from __future__ import annotations

from dataclasses import dataclass, field

from tailored.markdown import Document
from tailored.models import RequestStatus


@dataclass(frozen=True)
class Transformation:
    """One change made for the learner, e.g. ("glossary", "defined 5 terms on first use")."""

    name: str
    detail: str


@dataclass(frozen=True)
class Outcome:
    """A derived chapter (personalized, translated): verified output, or why it was not used.

    `verified` False means `content` is the input served as it was. `complete` False means part
    of it is a stand-in (time budget spent, provider down): served, never stored. `unfinished`
    names the sections left as they were (rejected, timed out, failed), by anchor.
    """

    content: str
    applied: tuple[Transformation, ...] = ()
    verified: bool = True
    issues: tuple[str, ...] = ()
    status: RequestStatus = RequestStatus.success
    error: str | None = None
    complete: bool = True
    unfinished: tuple[str, ...] = ()
    # Language-model tokens this outcome cost when it was made (None: no model was called).
    tokens: tuple[int, int] | None = None
    # The parsed `content`, when a stage already parsed it (reused by the next stage).
    document: Document | None = field(default=None, compare=False, repr=False)

    @property
    def storable(self) -> bool:
        """Worth keeping for the next learner: verified and nothing left as a stand-in."""
        return self.verified and self.complete

    @property
    def partial(self) -> bool:
        """Stored, but only until a retry might do better (some sections were rejected)."""
        return self.status is RequestStatus.rejected and bool(self.unfinished)
