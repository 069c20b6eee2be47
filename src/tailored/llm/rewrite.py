"""Rewrite a Markdown document section by section through a text model, safely.

Used by the LLM adapter (prose rewritten for a learner) and by machine translation. For each
section (`tailored.markdown.split_sections`: a top-level heading and what follows it, up to the
next one; the same sections ingest stores and streaming sends):

1. Protected regions become placeholders (`⟦P3⟧`): whole protected blocks (code, front matter,
   HTML, MDX imports), the opening and closing lines of JSX elements, admonition fences, and
   inside prose the inline code, URLs, link targets, tags, math and `{#id}`s. Headings are
   masked whole when personalizing; when translating their text is translated and an explicit
   `{#id}` keeps the anchor. `keep_terms` (a glossary kept in English) are masked too.
2. The model rewrites the masked text. Its answer must hand back every placeholder exactly
   once, unchanged; the restored section must pass the structure verifier and stay within a
   plausible length of the original. Otherwise the section is tried once more and then left as
   it was (status `rejected`).
3. Sections run concurrently (the provider's own concurrency limit queues them) and come back
   in document order, so a caller can stream them. When `deadline` passes, what is not ready
   is returned unchanged with status `timeout`.

Nothing here knows about profiles or languages: a `TextModel` turns one masked section into
its rewrite, and the caller decides what the prompt says.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from tailored.llm.base import ProviderError, Truncated
from tailored.markdown import (
    Block,
    Document,
    Masked,
    PlaceholderError,
    Section,
    mask,
    parse_document,
    split_sections,
    unmask,
    verify_structure,
)

__all__ = [
    "Generated",
    "MaskedSection",
    "SectionRejected",
    "SectionResult",
    "TextModel",
    "accept",
    "assemble",
    "mask_sections",
    "overall_status",
    "rewrite_document",
    "split_sections",
    "tokens",
]

Mode = Literal["personalize", "translate"]
SectionStatus = Literal["success", "unchanged", "rejected", "timeout", "failure"]
RequestStatusName = Literal["success", "rejected", "timeout", "failure"]

_PLACEHOLDER_RE = re.compile(r"⟦P(\d+)⟧")
_FENCED_ANSWER_RE = re.compile(r"\A```[\w-]*[ \t]*\n(.*)\n```[ \t]*\Z", re.DOTALL)
_CLOSING_HASHES_RE = re.compile(r"[ \t]+#+[ \t]*$")
# How much a rewrite may shrink or grow before it is suspect (a model that answered with
# something else entirely, or obeyed an instruction hidden in the chapter).
MIN_RATIO = 0.35
MAX_RATIO = 3.5
# Sections this short are not worth a model call (a lone link, a caption).
MIN_PROSE_CHARS = 2


class TextModel(Protocol):
    """Turns one masked section into its rewrite. `label` goes into cache keys."""

    @property
    def label(self) -> str: ...

    async def generate(self, masked: str, *, attempt: int) -> Generated:
        """Rewrite `masked` (placeholders included); `attempt` is 1, or 2 on the retry."""
        ...


@dataclass(frozen=True)
class Generated:
    """A model's answer for one section, and the tokens it cost (0 for engines without any)."""

    text: str
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class MaskedSection:
    """A section as the model sees it."""

    section: Section
    # Whether there is prose to rewrite (False: front matter, or only code and markup).
    rewritable: bool
    masked: Masked

    @property
    def index(self) -> int:
        return self.section.index

    @property
    def anchor(self) -> str | None:
        return self.section.anchor

    @property
    def text(self) -> str:
        return self.section.text


@dataclass(frozen=True)
class SectionResult:
    index: int
    anchor: str | None
    # The rewrite, or the original section when it was not rewritten.
    text: str
    status: SectionStatus
    error: str | None = None
    attempts: int = 0
    model_seconds: float = 0.0
    # Every attempt's tokens, the rejected and truncated ones included: they were paid for.
    input_tokens: int = 0
    output_tokens: int = 0


class SectionRejected(ValueError):
    """A model's answer that cannot be used for this section."""


# -- masking --------------------------------------------------------------------------------


class _Masker:
    """Builds one section's masked text, numbering placeholders across its blocks."""

    def __init__(
        self,
        document: Document,
        mode: Mode,
        keep_terms: Mapping[str, str],
        term_re: re.Pattern[str] | None,
    ) -> None:
        self.document = document
        self.mode = mode
        self.keep_terms = keep_terms
        self.term_re = term_re
        self.parts: list[str] = []
        self.originals: list[str] = []
        self.prose = 0
        self.terms_seen: set[str] = set()

    def protect(self, text: str) -> None:
        """Mask `text` whole, keeping its final line break outside the placeholder."""
        body = text.rstrip("\r\n")
        if body:
            self.parts.append(Masked.placeholder(len(self.originals)))
            self.originals.append(body)
        self.parts.append(text[len(body) :])

    def prose_text(self, text: str) -> None:
        masked = mask(text, reference_labels=self.document.reference_labels)
        offset = len(self.originals)
        out = _PLACEHOLDER_RE.sub(
            lambda m: Masked.placeholder(int(m.group(1)) + offset), masked.text
        )
        self.originals.extend(masked.originals)
        if self.term_re is not None:
            out = self._mask_terms(out)
        self.prose += len(_PLACEHOLDER_RE.sub("", out).strip())
        self.parts.append(out)

    def _mask_terms(self, text: str) -> str:
        assert self.term_re is not None

        def swap(match: re.Match[str]) -> str:
            term = match.group(0)
            # The first use in a section carries the transliteration, later ones the term.
            seen = term in self.terms_seen
            self.terms_seen.add(term)
            self.originals.append(term if seen else self.keep_terms.get(term, term) or term)
            return Masked.placeholder(len(self.originals) - 1)

        # Split on placeholders so a term inside one (a URL, inline code) is left alone.
        pieces = re.split(r"(⟦P\d+⟧)", text)
        return "".join(
            p if _PLACEHOLDER_RE.fullmatch(p) else self.term_re.sub(swap, p) for p in pieces
        )

    def block(self, block: Block) -> None:
        lines = self.document.lines
        if block.kind == "blank":
            self.parts.append(block.text)
        elif block.kind == "heading":
            if self.mode == "personalize" or block.heading is None:
                self.protect(block.text)
            else:
                self.prose_text(_with_explicit_id(block))
        elif block.children and block.inner is not None:
            head = "".join(lines[block.start : block.inner[0]])
            tail = "".join(lines[block.inner[1] : block.end])
            if block.kind == "admonition":
                self.prose_text(head)  # the `:::tip` is masked, a `[Title]` is prose
            else:
                self.protect(head)
            for child in block.children:
                self.block(child)
            self.protect(tail)
        elif block.protected or block.kind in ("jsx", "table"):
            # Tables stay as they are: a rewrite that moves a pipe breaks the whole table.
            self.protect(block.text)
        else:
            self.prose_text(block.text)

    def result(self) -> Masked:
        return Masked("".join(self.parts), tuple(self.originals))


def _with_explicit_id(block: Block) -> str:
    """The heading's source with `{#anchor}` added when it had none (translations keep ids)."""
    assert block.heading is not None
    if block.heading.explicit_id:
        return block.text
    first, newline, rest = block.text.partition("\n")
    if block.text.lstrip().startswith("#"):
        stripped = _CLOSING_HASHES_RE.sub("", first.rstrip())
        return f"{stripped} {{#{block.heading.anchor}}}{newline}{rest}"
    # Setext: the id goes at the end of the text line.
    return f"{first.rstrip()} {{#{block.heading.anchor}}}{newline}{rest}"


def _term_pattern(terms: Mapping[str, str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    alternatives = sorted(terms, key=len, reverse=True)  # longest first: "ROS 2" before "ROS"
    joined = "|".join(re.escape(t) for t in alternatives)
    return re.compile(rf"(?<![\w-])(?:{joined})(?![\w-])")


def mask_sections(
    text: str | Document,
    *,
    mode: Mode = "personalize",
    keep_terms: Mapping[str, str] | None = None,
) -> list[MaskedSection]:
    """The document's sections in order, each with its masked form (pass a parsed Document
    to reuse it)."""
    document = text if isinstance(text, Document) else parse_document(text)
    terms = dict(keep_terms or {})
    term_re = _term_pattern(terms)
    masked: list[MaskedSection] = []
    for section in split_sections(document):
        masker = _Masker(document, mode, terms, term_re)
        for block in section.blocks:
            masker.block(block)
        rewritable = section.is_content and masker.prose >= MIN_PROSE_CHARS
        masked.append(MaskedSection(section, rewritable, masker.result()))
    return masked


# -- checking one answer ---------------------------------------------------------------------


def _clean_answer(answer: str) -> str:
    """Drop wrappers models add: surrounding blank lines, one ```markdown fence around it all."""
    text = answer.strip("\n")
    fenced = _FENCED_ANSWER_RE.match(text.strip())
    if fenced is not None:
        text = fenced.group(1)
    return text.strip("\n")


def _edges(text: str) -> tuple[str, str]:
    """Leading and trailing line breaks of a section, kept around its rewrite."""
    body = text.strip("\r\n")
    if not body:
        return text, ""
    start = text.index(body)
    return text[:start], text[start + len(body) :]


def accept(section: MaskedSection, answer: str) -> str:
    """The restored section text, or SectionRejected saying why the answer cannot be used."""
    cleaned = _clean_answer(answer)
    if not cleaned.strip():
        raise SectionRejected("empty answer")
    try:
        restored = unmask(cleaned, section.masked)
    except PlaceholderError as exc:
        raise SectionRejected(str(exc)) from exc
    lead, trail = _edges(section.text)
    restored = lead + restored + trail
    ratio = len(restored) / max(len(section.text), 1)
    if not MIN_RATIO <= ratio <= MAX_RATIO:
        raise SectionRejected(f"length ratio {ratio:.2f} outside [{MIN_RATIO}, {MAX_RATIO}]")
    check = verify_structure(section.text, restored)
    if not check.ok:
        raise SectionRejected("; ".join(f"{i.code}: {i.message}" for i in check.issues))
    return restored


# -- the pipeline ----------------------------------------------------------------------------


async def _rewrite_section(section: MaskedSection, model: TextModel) -> SectionResult:
    spent = 0.0
    tokens_in = tokens_out = 0

    def result(text: str, status: SectionStatus, error: str | None, attempts: int) -> SectionResult:
        return SectionResult(
            section.index,
            section.anchor,
            text,
            status,
            error,
            attempts,
            spent,
            tokens_in,
            tokens_out,
        )

    error = ""
    for attempt in (1, 2):
        started = time.perf_counter()
        try:
            answer = await model.generate(section.masked.text, attempt=attempt)
        except Truncated as exc:
            spent += time.perf_counter() - started
            tokens_in += exc.partial.input_tokens
            tokens_out += exc.partial.output_tokens
            error = f"truncated: {exc}"
            continue
        except ProviderError as exc:
            spent += time.perf_counter() - started
            return result(section.text, "failure", str(exc)[:500], attempt)
        spent += time.perf_counter() - started
        tokens_in += answer.input_tokens
        tokens_out += answer.output_tokens
        try:
            text = accept(section, answer.text)
        except SectionRejected as exc:
            error = str(exc)[:500]
            continue
        return result(text, "success", None, attempt)
    return result(section.text, "rejected", error, 2)


async def rewrite_document(
    text: str | Document,
    model: TextModel,
    *,
    mode: Mode,
    deadline: float | None = None,
    keep_terms: Mapping[str, str] | None = None,
    kept: Mapping[int, str] | None = None,
) -> AsyncGenerator[SectionResult, None]:
    """Every section of `text`, rewritten where possible, in document order.

    `kept` holds rewrites an earlier attempt got right, by section index: they come back as
    they are (status `success`) without a model call.
    `deadline` is a `time.monotonic()` instant; sections not ready by then come back as they
    were, with status `timeout`. Closing the iterator early cancels the work still running.
    """
    sections = mask_sections(text, mode=mode, keep_terms=keep_terms)
    kept = kept or {}
    tasks: dict[int, asyncio.Task[SectionResult]] = {
        s.index: asyncio.create_task(_rewrite_section(s, model))
        for s in sections
        if s.rewritable and s.index not in kept
    }
    try:
        for section in sections:
            if section.index in kept:
                yield SectionResult(section.index, section.anchor, kept[section.index], "success")
                continue
            task = tasks.get(section.index)
            if task is None:
                yield SectionResult(section.index, section.anchor, section.text, "unchanged")
                continue
            remaining = None if deadline is None else deadline - time.monotonic()
            done, _ = await asyncio.wait({task}, timeout=remaining)
            if task in done:
                yield task.result()
            else:
                task.cancel()
                yield SectionResult(
                    section.index, section.anchor, section.text, "timeout", "time budget spent"
                )
    finally:
        for task in tasks.values():
            task.cancel()
        for task in tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def assemble(results: Sequence[SectionResult]) -> str:
    """The document from its section results (each holds its own text, rewritten or not)."""
    return "".join(r.text for r in sorted(results, key=lambda r: r.index))


def tokens(results: Sequence[SectionResult]) -> tuple[int, int]:
    """(input, output) tokens the results cost, summed."""
    return sum(r.input_tokens for r in results), sum(r.output_tokens for r in results)


def overall_status(results: Sequence[SectionResult]) -> tuple[RequestStatusName, bool]:
    """The request's log status, and whether the result is complete enough to cache.

    A section the model could not rewrite safely (`rejected`) is a verified, deterministic
    outcome of this input and may be cached; one that ran out of time or hit a provider
    failure is not: the next request deserves another try.
    """
    statuses = {r.status for r in results}
    if "timeout" in statuses:
        return "timeout", False
    if "failure" in statuses:
        return "failure", False
    if "rejected" in statuses:
        return "rejected", True
    return "success", True
