"""Small real adapters for engine tests (importable by worker processes)."""

from __future__ import annotations

import time

from tailored.personalization.adapter import (
    Adaptation,
    Audience,
    ChapterInput,
    Library,
    Transformation,
)
from tailored.profiles.schemas import ProfileData


class NoteAdapter:
    """Appends a note naming the learner's level; reads software_level and difficulty."""

    name = "note"
    version = "1"
    profile_fields = frozenset({"software_level", "difficulty_preference"})

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0

    def audience(self, profile: ProfileData, chapter: ChapterInput, library: Library) -> Audience:
        return {
            "software_level": str(profile.software_level or "beginner"),
            "difficulty": str(profile.difficulty_preference or "balanced"),
        }

    def adapt(self, chapter: ChapterInput, audience: Audience, library: Library) -> Adaptation:
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        note = f"\n:::note\n\nWritten for a {audience['software_level']} learner.\n\n:::\n"
        return Adaptation(
            chapter.source.rstrip("\n") + "\n" + note,
            (Transformation("note", f"added a note for {audience['software_level']}"),),
        )


class CodeBreakingAdapter(NoteAdapter):
    """Changes the first code block: the verifier must reject this."""

    name = "code-breaker"

    def adapt(self, chapter: ChapterInput, audience: Audience, library: Library) -> Adaptation:
        self.calls += 1
        return Adaptation(chapter.source.replace("```python\n", "```python\nimport os\n", 1), ())


class FailingAdapter(NoteAdapter):
    name = "failing"

    def adapt(self, chapter: ChapterInput, audience: Audience, library: Library) -> Adaptation:
        self.calls += 1
        raise RuntimeError("model on fire")
