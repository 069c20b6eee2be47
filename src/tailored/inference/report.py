"""The coverage report `tailored ingest` prints, and what `tailored inspect` shows per chapter."""

from __future__ import annotations

from dataclasses import dataclass

from tailored.inference.model import BookInference, ChapterHints

BEGINNERS = "beginners"
ADVANCED = "advanced readers"
# Below this share of chapters adapting for an audience, ingest warns the author.
LOW_SHARE = 0.5


@dataclass(frozen=True)
class KindCoverage:
    kind: str
    chapters: int
    audiences: str
    detail: str = ""


@dataclass(frozen=True)
class Coverage:
    total: int
    kinds: tuple[KindCoverage, ...]
    beginner_chapters: int
    advanced_chapters: int
    order_source: str

    def warnings(self) -> list[str]:
        found: list[str] = []
        if not self.total:
            return found
        if self.beginner_chapters < LOW_SHARE * self.total:
            found.append(
                f"little to adapt for beginners ({self.beginner_chapters}/{self.total} chapters): "
                "define terms where they first appear (**Term** is …, an acronym with its "
                "expansion, or a glossary.yml), mark advanced sections with headings such as "
                "'Advanced: …' or front matter advanced_sections, or list prerequisites"
            )
        if self.advanced_chapters < LOW_SHARE * self.total:
            found.append(
                f"little to adapt for advanced readers ({self.advanced_chapters}/{self.total} "
                "chapters): open chapters with an 'Introduction' or 'Overview' section, or mark "
                "beginner_sections in front matter, and write plain opening sentences per section"
            )
        return found


def _beginner(hints: ChapterHints) -> bool:
    advanced_sections = any(h.value == "advanced" for h in hints.depth)
    return bool(hints.uses or hints.prerequisites or advanced_sections)


def _advanced(hints: ChapterHints) -> bool:
    intro = any(h.value == "beginner" for h in hints.depth)
    return bool(hints.key_points or intro)


def coverage(book: BookInference, total: int) -> Coverage:
    chapters = list(book.chapters.values())

    def count(test: object) -> int:
        return sum(1 for h in chapters if callable(test) and test(h))

    evidence: dict[str, int] = {}
    for term in book.glossary:
        evidence[term.evidence] = evidence.get(term.evidence, 0) + 1
    how = ", ".join(f"{n} {kind}" for kind, n in sorted(evidence.items()))
    kinds = (
        KindCoverage(
            "glossary",
            count(lambda h: bool(h.uses)),
            f"{BEGINNERS} and newcomers to robotics",
            f"{len(book.glossary)} terms mined" + (f" ({how})" if how else ""),
        ),
        KindCoverage(
            "prerequisites",
            count(lambda h: bool(h.prerequisites)),
            f"{BEGINNERS}, newcomers and gentle readers",
            f"order from {book.order_source}",
        ),
        KindCoverage(
            "depth (advanced sections)",
            count(lambda h: any(s.value == "advanced" for s in h.depth)),
            f"{BEGINNERS} and gentle readers",
        ),
        KindCoverage(
            "depth (introductory sections)",
            count(lambda h: any(s.value == "beginner" for s in h.depth)),
            f"{ADVANCED} and challenging readers",
        ),
        KindCoverage("key points", count(lambda h: bool(h.key_points)), ADVANCED),
        KindCoverage(
            "hardware paths",
            count(lambda h: bool(h.hardware)),
            "learners who own one of the setups",
        ),
    )
    return Coverage(
        total,
        kinds,
        count(_beginner),
        count(_advanced),
        book.order_source,
    )


def report_lines(cov: Coverage) -> list[str]:
    lines = [f"inferred (order from {cov.order_source}):"]
    for kind in cov.kinds:
        extra = f"; {kind.detail}" if kind.detail else ""
        lines.append(
            f"  {kind.kind}: {kind.chapters}/{cov.total} chapters, for {kind.audiences}{extra}"
        )
    lines.append(
        f"  adapts for beginners in {cov.beginner_chapters}/{cov.total} chapters, "
        f"for advanced readers in {cov.advanced_chapters}/{cov.total}"
    )
    return lines


def inspect_lines(book: BookInference, chapter_id: str) -> list[str]:
    hints = book.chapters.get(chapter_id, ChapterHints())
    lines = [f"{chapter_id}: inferred (each kind applies only where the author marked none)"]
    defined = [t for t in book.glossary if t.chapter_id == chapter_id]
    lines.append(f"  defines {len(defined)} term(s):")
    lines += [
        f"    {t.term}: {t.definition} [{t.evidence}, confidence {t.confidence:.2f}, "
        f"#{t.anchor or ''}]"
        for t in defined
    ]
    lines.append(
        f"  uses terms defined elsewhere (beginners get them defined): {_list(hints.uses)}"
    )
    lines.append("  before you start (terms from earlier chapters):")
    lines += [f"    {t.term} -> {t.chapter_id}#{t.anchor or ''}" for t in hints.prerequisites]
    lines.append("  depth:")
    lines += [
        f"    '{h.heading}' (#{h.anchor}): "
        + ("advanced, collapses for beginners" if h.value == "advanced" else "introductory, ")
        + ("" if h.value == "advanced" else "collapses for advanced readers")
        for h in hints.depth
    ]
    lines.append("  hardware sections:")
    lines += [f"    '{h.heading}' (#{h.anchor}): {h.value}" for h in hints.hardware]
    lines.append("  key points (advanced readers):")
    lines += [f"    {k.sentence} ({k.heading or 'opening'})" for k in hints.key_points]
    return lines


def _list(items: tuple[str, ...]) -> str:
    return ", ".join(items) if items else "none"
