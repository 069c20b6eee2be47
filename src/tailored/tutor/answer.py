"""Answers without a model: the sentences that answer, verbatim, each with its section.

Retrieval finds sections; the question counts as covered when the best section holds most of
the question's weight (rare words weigh more). Then the sentences of the best sections that
hold the most of it are quoted in reading order, each followed by its citation number. A
question the book does not cover gets that said, with the closest sections, and no guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tailored.tutor.glossary import Term, defined_in, expand
from tailored.tutor.index import Hit, SectionIndex
from tailored.tutor.text import query_terms

NOT_COVERED = "The textbook does not seem to cover this."
# The best section must hold this share of the question's weight to count as an answer.
COVERED = 0.4
# Sections quoted from: those scoring at least this share of the best one.
NEAR = 0.6
# Items quoted after a sentence that announces them with a colon.
FOLLOWING = 4


@dataclass(frozen=True)
class Citation:
    chapter_id: str
    anchor: str | None
    heading: str
    score: float

    def as_dict(self) -> dict[str, object]:
        return {
            "chapter_id": self.chapter_id,
            "anchor": self.anchor,
            "heading": self.heading,
            "score": self.score,
        }


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    answered: bool
    # The retrieved sections (what a model would be given), best first.
    hits: tuple[Hit, ...] = field(default=(), repr=False)


def cite(hit: Hit) -> Citation:
    return Citation(hit.chapter_id, hit.anchor, hit.heading or hit.chapter_title, hit.score)


def retrieve(
    index: SectionIndex,
    question: str,
    *,
    limit: int,
    chapter_id: str | None = None,
    earlier: Sequence[str] = (),
    glossary: Sequence[Term] = (),
) -> tuple[list[str], list[Hit]]:
    """The question's terms and the sections found for it, best first.

    A short follow-up ("what about on a Jetson?") borrows the terms of the learner's earlier
    questions, at half weight."""
    terms = query_terms(question)
    extra: list[str] = []
    if len(terms) <= 3:
        for previous in reversed(earlier):
            extra += [t for t in query_terms(previous) if t not in terms]
            if extra:
                break
    extra += [t for t in expand(question, glossary) if t not in terms and t not in extra]
    hits = index.search(terms, limit=limit, chapter_id=chapter_id, extra=extra)
    return terms, hits


def extractive(
    index: SectionIndex,
    question: str,
    *,
    sections: int = 4,
    sentences: int = 3,
    chapter_id: str | None = None,
    earlier: Sequence[str] = (),
    glossary: Sequence[Term] = (),
    define: bool = False,
) -> Answer:
    """Answer from the book alone. `define` adds the book's definitions of the glossary terms
    the answer uses (for beginners)."""
    terms, hits = retrieve(
        index,
        question,
        limit=sections,
        chapter_id=chapter_id,
        earlier=earlier,
        glossary=glossary,
    )
    if not hits or hits[0].coverage < COVERED:
        return _not_covered(hits)
    near = [h for h in hits if h.score >= NEAR and h.coverage >= COVERED / 2][:3]
    weights = index.term_weights([*terms, *{t for h in near for t in h.matched}])
    found, holds = index.sentences([h.section_id for h in near], list(weights))
    rank = {h.section_id: i for i, h in enumerate(near)}
    scored: list[tuple[float, int]] = []
    for i, sentence in enumerate(found):
        hit = near[rank[sentence.section_id]]
        held = holds[i]
        if not held & set(terms):
            continue
        value = sum(weights[t] * (1.0 if t in terms else 0.5) for t in held)
        # Books define a thing where they introduce it: a section's opening sentences first.
        value *= hit.score * (1.15 if sentence.position < 2 else 1.0)
        scored.append((value, i))
    if not scored:
        return _not_covered(hits)
    picked = {i for _v, i in sorted(scored, reverse=True)[:sentences]}
    # A sentence ending in a colon announces what follows (a list, a table): quote that too.
    for i in sorted(picked):
        if found[i].text.rstrip().endswith(":"):
            for j in range(i + 1, min(i + 1 + FOLLOWING, len(found))):
                if found[j].section_id != found[i].section_id:
                    break
                picked.add(j)
    chosen = sorted(picked, key=lambda i: (rank[found[i].section_id], found[i].position))
    used: list[Hit] = []
    lines: list[str] = []
    current: int | None = None
    for i in chosen:
        hit = near[rank[found[i].section_id]]
        if hit.section_id != current:
            if current is not None:
                lines[-1] += f" [{len(used)}]"
            used.append(hit)
            current = hit.section_id
            lines.append(found[i].text)
        else:
            lines[-1] += " " + found[i].text
    lines[-1] += f" [{len(used)}]"
    text = "\n\n".join(lines)
    if define:
        definitions = defined_in(text, glossary)
        if definitions:
            text += "\n\n" + "\n".join(f"*{t.term}*: {t.definition}" for t in definitions)
    rest = [h for h in hits if h not in used]
    return Answer(text, tuple(cite(h) for h in [*used, *rest]), True, tuple(hits))


def _not_covered(hits: Sequence[Hit]) -> Answer:
    if not hits:
        return Answer(NOT_COVERED, (), False, ())
    closest = "; ".join(f"{h.chapter_title} › {h.heading or h.chapter_title}" for h in hits[:3])
    text = f"{NOT_COVERED} The closest sections are: {closest}."
    return Answer(text, tuple(cite(h) for h in hits[:3]), False, tuple(hits))
