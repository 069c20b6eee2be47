"""The whole book: order, prerequisites from terms, author overrides, the coverage report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailored.inference import InferenceConfigError, infer_book, read_config
from tailored.inference.book import parse_config
from tailored.inference.model import from_json, to_json
from tailored.inference.report import coverage, report_lines
from tests.inference.book import load_book


class TestBook:
    def test_terms_prerequisites_and_hints(self, tmp_path: Path) -> None:
        docs, loaded = load_book(tmp_path)
        book = infer_book(loaded.chapters, docs_root=docs)
        terms = {t.term: t for t in book.glossary}
        assert {"Node", "ROS", "Middleware", "publisher"} <= set(terms)
        assert "Week 1" not in terms
        assert "Install ROS" not in terms
        assert terms["Node"].chapter_id == "basics"
        assert terms["Node"].anchor == "core-terms"
        sensors = book.chapters["sensors"]
        # Sensors uses node and topic, which Basics defines: linked where they are defined.
        links = {(t.term, t.chapter_id, t.anchor) for t in sensors.prerequisites}
        assert ("Node", "basics", "core-terms") in links
        assert ("publisher", "basics", "what-is-a-publisher") in links
        assert {(h.heading, h.value) for h in sensors.depth} == {
            ("Introduction", "beginner"),
            ("Under the hood", "advanced"),
        }
        assert {h.value for h in sensors.hardware} == {"jetson_kit", "cloud"}
        # The first chapter relies on nothing earlier, and defines its own terms.
        assert book.chapters["basics"].prerequisites == ()
        assert "Node" in book.chapters["basics"].defines
        assert from_json(to_json(book)) == book

    def test_sidebars_order_drives_prerequisites(self, tmp_path: Path) -> None:
        docs, loaded = load_book(tmp_path)
        (tmp_path / "sidebars.js").write_text(
            "module.exports = {book: ['sensors', 'basics']};", encoding="utf-8"
        )
        book = infer_book(loaded.chapters, docs_root=docs)
        assert book.order == ("sensors", "basics")
        assert book.order_source == "sidebars"
        # Sensors now comes first: nothing earlier defines its terms.
        assert book.chapters["sensors"].prerequisites == ()

    def test_author_glossary_wins_over_mined_terms(self, tmp_path: Path) -> None:
        docs, loaded = load_book(tmp_path)
        book = infer_book(loaded.chapters, docs_root=docs, author_terms=["node"])
        assert "Node" not in {t.term for t in book.glossary}


class TestOverrides:
    def test_book_chapter_and_item_switches(self, tmp_path: Path) -> None:
        docs, loaded = load_book(tmp_path)
        (docs / "tailored.yml").write_text(
            "inference:\n  hardware: false\nglossary_ignore: [Middleware]\n"
            "chapters:\n  sensors: {depth: false}\n",
            encoding="utf-8",
        )
        book = infer_book(loaded.chapters, docs_root=docs, config=read_config(docs))
        assert "Middleware" not in {t.term for t in book.glossary}
        assert book.chapters["sensors"].depth == ()
        assert book.chapters["sensors"].hardware == ()
        assert book.chapters["sensors"].key_points != ()

    def test_front_matter_switches_a_chapter_off(self, tmp_path: Path) -> None:
        docs, _ = load_book(tmp_path)
        path = docs / "02-sensors.md"
        path.write_text(
            path.read_text().replace("title: Sensors", "title: Sensors\ntailored: {infer: false}")
        )
        from tailored.content.loader import load_docs

        book = infer_book(load_docs(docs).chapters, docs_root=docs)
        hints = book.chapters["sensors"]
        assert (hints.depth, hints.hardware, hints.prerequisites, hints.key_points) == (
            (),
            (),
            (),
            (),
        )

    def test_bad_config_is_refused_with_a_reason(self) -> None:
        with pytest.raises(InferenceConfigError, match="inference"):
            parse_config({"inference": {"glosary": False}})
        with pytest.raises(InferenceConfigError, match="min_confidence"):
            parse_config({"inference": {"min_confidence": 3}})


class TestCoverage:
    def test_report_counts_and_warns_on_a_bare_book(self, tmp_path: Path) -> None:
        docs, loaded = load_book(tmp_path)
        cov = coverage(infer_book(loaded.chapters, docs_root=docs), len(loaded.chapters))
        lines = "\n".join(report_lines(cov))
        assert "glossary: 1/2 chapters" in lines
        assert "key points: 2/2 chapters" in lines
        assert cov.warnings() == []

        bare = tmp_path / "bare"
        bare.mkdir()
        for n in range(3):
            (bare / f"c{n}.md").write_text(f"# Chapter {n}\n\nShort.\n", encoding="utf-8")
        from tailored.content.loader import load_docs

        loaded = load_docs(bare)
        cov = coverage(infer_book(loaded.chapters, docs_root=bare), 3)
        warnings = cov.warnings()
        assert len(warnings) == 2
        assert "little to adapt for beginners (0/3 chapters)" in warnings[0]
        assert "glossary.yml" in warnings[0]
