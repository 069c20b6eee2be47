"""One section model: ingest, streaming/rewriting and human-translation staleness agree."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.content import service as content
from tailored.llm import rewrite
from tailored.llm.rewrite import Generated, rewrite_document
from tailored.markdown import parse_document, split_sections
from tailored.translation import human

# A heading inside a JSX/HTML container: Docusaurus lists it in the table of contents, but it
# must not cut the section (the rewriter would get `<div>` without its `</div>`).
COMPACT = "# Title\n<div>\n## Deep dive\n</div>\n## Next ~~old~~\n"
SPACED = "# Title\n\n<div>\n\n## Deep dive\n\n</div>\n\n## Next ~~old~~\n"
EXPECTED = [("title", "Title", 1), ("next-old", "Next old", 2)]


class _Echo:
    """A text model that hands the masked section back unchanged (a valid rewrite)."""

    label = "echo"

    async def generate(self, masked: str, *, attempt: int) -> Generated:
        return Generated(masked)


@pytest.mark.parametrize("source", [COMPACT, SPACED], ids=["compact", "spaced"])
class TestTheSameSectionsEverywhere:
    def test_split_sections(self, source: str) -> None:
        sections = split_sections(source)
        assert [(s.anchor, s.heading, s.level) for s in sections] == EXPECTED
        # The nested heading keeps its anchor, inside the section that encloses it.
        assert [h.anchor for h in sections[0].headings] == ["title", "deep-dive"]
        assert sections[0].text.rstrip("\n").endswith("</div>")

    async def test_ingest(self, session: AsyncSession, tmp_path: Path, source: str) -> None:
        docs = tmp_path / "docs"
        docs.mkdir()
        (docs / "chapter.md").write_text(source, encoding="utf-8")
        report = await content.ingest(session, docs)
        assert report.ok, report.errors
        chapter = await content.get_chapter(session, "chapter", with_sections=True)
        stored = [(s.anchor, s.title, s.level) for s in chapter.sections]
        assert stored == EXPECTED
        assert [s.content for s in chapter.sections] == [s.text for s in split_sections(source)]

    async def test_streaming_rewriter(self, source: str) -> None:
        # The engine streams a cached result through the same function it imports from here.
        assert rewrite.split_sections is split_sections
        streamed = [r async for r in rewrite_document(source, _Echo(), mode="personalize")]
        assert [r.anchor for r in streamed] == [a for a, _, _ in EXPECTED]
        assert [r.text for r in streamed] == [s.text for s in split_sections(source)]
        assert rewrite.assemble(streamed) == source

    def test_human_translation_staleness(self, source: str) -> None:
        hashes = human.section_hashes(source)
        assert list(hashes) == [a for a, _, _ in EXPECTED]
        edited = source.replace("Deep dive", "Deeper dive")
        entry = human.ManifestEntry(hashlib.sha256(source.encode()).hexdigest(), hashes)
        state = human.staleness(entry, "new-hash", human.section_hashes(edited))
        # An edit under the nested heading is reported for its enclosing section.
        assert state.stale
        assert state.changed_sections == ("title",)


class TestSplitSections:
    def test_sections_tile_the_document(self, kitchen_sink: str) -> None:
        sections = split_sections(kitchen_sink)
        assert "".join(s.text for s in sections) == kitchen_sink
        assert [s.index for s in sections] == list(range(len(sections)))
        for before, after in zip(sections, sections[1:], strict=False):
            assert before.end_line == after.start_line
        document = parse_document(kitchen_sink)
        assert [h for s in sections for h in s.headings] == list(document.headings)

    def test_front_matter_takes_the_blank_lines_when_no_preamble_follows(self) -> None:
        sections = split_sections("---\ntitle: T\n---\n\n\n# One\ntext\n")
        assert [(s.kind, s.start_line, s.end_line) for s in sections] == [
            ("front_matter", 0, 5),
            ("heading", 5, 7),
        ]
        assert not sections[0].is_content

    def test_preamble_keeps_its_leading_blank_lines(self) -> None:
        sections = split_sections("---\nid: x\n---\n\nimport A from 'a';\n\n# One\n")
        assert [(s.kind, s.anchor, s.start_line) for s in sections] == [
            ("front_matter", None, 0),
            ("preamble", None, 3),
            ("heading", "one", 6),
        ]

    def test_leading_blank_lines_are_not_content(self) -> None:
        sections = split_sections("\n\n# Only\n")
        assert [(s.kind, s.start_line) for s in sections] == [
            ("front_matter", 0),
            ("heading", 2),
        ]

    def test_byte_order_mark_does_not_hide_front_matter(self) -> None:
        sections = split_sections("\ufeff---\ntitle: Bom\n---\n# H\n")
        assert [(s.kind, s.anchor) for s in sections] == [("front_matter", None), ("heading", "h")]
        assert sections[0].text.startswith("\ufeff")

    @pytest.mark.parametrize("text", ["", "   \n\t\n"])
    def test_no_content(self, text: str) -> None:
        assert not [s for s in split_sections(text) if s.is_content]

    def test_headings_in_admonitions_lists_and_quotes_stay_inside(self) -> None:
        text = (
            "## Top\n\n:::note\n\n## Inside note\n\n:::\n\n> ## Quoted\n\n- ## Listed\n\n"
            "## Inside note\n"
        )
        sections = split_sections(text)
        assert [s.anchor for s in sections] == ["top", "inside-note-1"]
        assert [h.anchor for h in sections[0].headings] == [
            "top",
            "inside-note",
            "quoted",
            "listed",
        ]

    def test_heading_text_is_one_line_without_markup(self) -> None:
        (section,) = split_sections("## A `b` *c* [d](x) &amp; e\\*\n")
        assert section.heading == "A b c d & e*"
        assert section.anchor == "a-b-c-d--e"
