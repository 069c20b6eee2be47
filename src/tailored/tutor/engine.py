"""The tutor one app holds: retrieval, the offline answer, the model answer and its fallback.

`answer` yields the events a streaming client sees, in order: `refs` (the sections found),
`delta`s of text, then the finished `Outcome`. The JSON route collects the same events.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.config.tutor import TutorConfig
from tailored.derived.recorder import Recorder
from tailored.derived.requestlog import log_request
from tailored.llm.base import Provider, ProviderError
from tailored.models import RequestStatus
from tailored.tutor.answer import Answer, Citation, cite, extractive
from tailored.tutor.library import TutorLibrary
from tailored.tutor.model import (
    PROMPT_VERSION,
    Turn,
    build_request,
    cited,
    learner_line,
    stream_answer,
)


@dataclass(frozen=True)
class Outcome:
    text: str
    citations: tuple[Citation, ...]
    answered: bool
    mode: str  # "extractive" | "llm"
    status: RequestStatus
    error: str | None = None


@dataclass(frozen=True)
class Refs:
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Delta:
    text: str


Event = Refs | Delta | Outcome


@dataclass(frozen=True)
class Learner:
    """What the answer may adapt to: the learner's level and background (may be unknown)."""

    level: str | None = None
    background: tuple[str, ...] = ()

    @property
    def beginner(self) -> bool:
        return self.level == "beginner"


class Tutor:
    def __init__(
        self,
        config: TutorConfig,
        *,
        recorder: Recorder,
        sessionmaker: async_sessionmaker[AsyncSession],
        llm: Provider | None,
        label: str = "",
        library: TutorLibrary | None = None,
    ) -> None:
        self.config = config
        self.library = library or TutorLibrary()
        self.recorder = recorder
        self.sessionmaker = sessionmaker
        self.llm = llm if config.mode == "auto" else None
        self.label = label

    async def offline(
        self,
        question: str,
        *,
        chapter_id: str | None = None,
        earlier: Sequence[str] = (),
        learner: Learner | None = None,
    ) -> Answer:
        index = await self.library.follow(self.sessionmaker)
        return extractive(
            index,
            question,
            sections=self.config.sections,
            sentences=self.config.sentences,
            chapter_id=chapter_id,
            earlier=earlier,
            glossary=self.library.glossary,
            define=learner is not None and learner.beginner,
        )

    async def answer(
        self,
        question: str,
        *,
        chapter_id: str | None = None,
        history: Sequence[Turn] = (),
        learner: Learner | None = None,
        user_id: uuid.UUID | None = None,
    ) -> AsyncIterator[Event]:
        started = time.perf_counter()
        learner = learner or Learner()
        earlier = [t.content for t in history if t.role == "user"]
        offline = await self.offline(
            question, chapter_id=chapter_id, earlier=earlier, learner=learner
        )
        outcome: Outcome | None = None
        if self.llm is None or not offline.hits:
            yield Refs(offline.citations)
            if offline.text:
                yield Delta(offline.text)
            outcome = _from(offline, "extractive", RequestStatus.success)
        else:
            given = offline.hits
            yield Refs(tuple(cite(h) for h in given))
            async for event in self._model(question, history, learner, offline):
                if isinstance(event, Outcome):
                    outcome = event
                else:
                    yield event
        assert outcome is not None
        self._log(outcome, chapter_id, user_id, started)
        yield outcome

    async def _model(
        self,
        question: str,
        history: Sequence[Turn],
        learner: Learner,
        offline: Answer,
    ) -> AsyncIterator[Event]:
        assert self.llm is not None
        hits = offline.hits
        system, messages = build_request(
            question,
            hits,
            history[-2 * self.config.history_turns :] if self.config.history_turns else (),
            learner_line(learner.level, learner.background),
        )
        parts: list[str] = []
        status, error = RequestStatus.success, None
        try:
            async with asyncio.timeout(self.config.budget_seconds):
                async for piece in stream_answer(self.llm, system, messages, len(hits)):
                    parts.append(piece)
                    yield Delta(piece)
        except TimeoutError:
            status, error = RequestStatus.timeout, "model answer past the time budget"
        except ProviderError as exc:
            status, error = RequestStatus.failure, f"{type(exc).__name__}: {exc}"
        text = "".join(parts).strip()
        numbers = cited(text, len(hits)) if status is RequestStatus.success else []
        if not numbers:
            if status is RequestStatus.success:
                status, error = RequestStatus.rejected, "the model's answer cited no section"
            # What was streamed is replaced by the offline answer (the `done` event holds it).
            yield Delta(("\n\n" if parts else "") + offline.text)
            yield _from(offline, "extractive", status, error)
            return
        citations = tuple(cite(hits[n - 1]) for n in numbers)
        # The prompt asks for this phrase when the sections do not answer (analytics count it).
        covered = "does not seem to cover" not in text.lower()
        yield Outcome(text, citations, covered, "llm", status)

    def _log(
        self,
        outcome: Outcome,
        chapter_id: str | None,
        user_id: uuid.UUID | None,
        started: float,
    ) -> None:
        mode = outcome.mode if outcome.mode == "extractive" else f"llm:{self.label}"
        log_request(
            self.recorder,
            kind="tutor",
            user_id=user_id,
            chapter_id=chapter_id or (outcome.citations[0].chapter_id if outcome.citations else ""),
            label=f"{mode}@{PROMPT_VERSION}" + ("" if outcome.answered else ":unanswered"),
            key=None,
            cached=False,
            started=started,
            status=outcome.status,
            error=outcome.error,
        )

    def close(self) -> None:
        self.library.index.close()


def _from(answer: Answer, mode: str, status: RequestStatus, error: str | None = None) -> Outcome:
    return Outcome(answer.text, answer.citations, answer.answered, mode, status, error)
