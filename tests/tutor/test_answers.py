"""Retrieval and offline answers on small documents written for each behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tailored.markdown import split_sections
from tailored.tutor.answer import NOT_COVERED, extractive
from tailored.tutor.glossary import load_folder
from tailored.tutor.index import SectionIndex, SourceChapter, SourceSection
from tailored.tutor.library import index_folder
from tests.tutor.conftest import ARMS, POWER, index_of, write_book


@pytest.fixture
def book(tmp_path: Path) -> Iterator[SectionIndex]:
    index, _glossary = index_folder(
        write_book(tmp_path / "book", {"robots/arms.md": ARMS, "power.md": POWER})
    )
    yield index
    index.close()


def _real_sections() -> set[tuple[str, str | None]]:
    found: set[tuple[str, str | None]] = set()
    for cid, text in (("robots/arms", ARMS), ("power", POWER)):
        found |= {(cid, s.anchor) for s in split_sections(text) if s.is_content}
    return found


class TestRetrieval:
    def test_the_section_that_answers_comes_first(self, book: SectionIndex) -> None:
        answer = extractive(book, "How do I pick up a box with a vacuum?")
        assert answer.answered
        first = answer.citations[0]
        assert (first.chapter_id, first.anchor, first.heading) == (
            "robots/arms",
            "grippers",
            "Grippers",
        )
        assert first.score == 1.0

    def test_explicit_anchor_is_cited(self, book: SectionIndex) -> None:
        answer = extractive(book, "which joint angles reach a target pose?")
        assert (answer.citations[0].chapter_id, answer.citations[0].anchor) == (
            "robots/arms",
            "ik",
        )

    def test_citations_always_point_at_real_sections(self, book: SectionIndex) -> None:
        real = _real_sections()
        for question in (
            "how do grippers hold fruit",
            "what does MAXN do on a Jetson",
            "how should lithium batteries be charged",
            "what is a sandwich",
        ):
            for c in extractive(book, question).citations:
                assert (c.chapter_id, c.anchor) in real, (question, c)

    def test_chapter_being_read_is_favoured(self) -> None:
        text = "Calibration aligns the sensor with the robot frame before use."
        index = index_of(
            ("a", "Cameras", [("calibration", "Calibration", text)]),
            ("b", "Lidar", [("calibration", "Calibration", text)]),
        )
        assert (
            extractive(index, "how does calibration work", chapter_id="b").citations[0].chapter_id
            == "b"
        )
        assert (
            extractive(index, "how does calibration work", chapter_id="a").citations[0].chapter_id
            == "a"
        )

    def test_follow_up_borrows_the_earlier_question(self, book: SectionIndex) -> None:
        answer = extractive(book, "and on a Jetson?", earlier=["how do I choose the power mode"])
        assert answer.answered
        assert answer.citations[0].anchor == "jetson-power-modes"


class TestExtractiveAnswer:
    def test_quotes_sentences_verbatim_with_their_citation(self, book: SectionIndex) -> None:
        answer = extractive(book, "How should I charge a lithium battery?")
        assert answer.answered
        assert "Lithium batteries charge at constant current, then at constant voltage." in (
            answer.text
        )
        assert answer.text.endswith("[1]")
        assert answer.citations[0].anchor == "charging-batteries"
        # Only prose is quoted: never code or headings.
        assert "solve_ik" not in answer.text
        assert "##" not in answer.text

    def test_the_unanswerable_question_says_so(self, book: SectionIndex) -> None:
        answer = extractive(book, "How do I bake a chocolate cake?")
        assert not answer.answered
        assert answer.text.startswith(NOT_COVERED)
        assert answer.citations == ()

    def test_partly_related_question_gets_closest_sections_not_a_guess(
        self, book: SectionIndex
    ) -> None:
        answer = extractive(book, "what is the torque rating of a hand in newton metres")
        assert not answer.answered
        assert answer.text.startswith(NOT_COVERED)
        assert "Lithium" not in answer.text
        assert "Inverse kinematics computes" not in answer.text
        assert answer.citations  # the closest sections, to read on

    def test_beginner_gets_the_books_definition(self, tmp_path: Path) -> None:
        root = write_book(tmp_path / "b", {"robots/arms.md": ARMS})
        index, glossary = index_folder(root)
        assert load_folder(root)[0].term == "Jacobian"
        answer = extractive(index, "what does the Jacobian relate", glossary=glossary, define=True)
        assert "*Jacobian*: The matrix of partial derivatives" in answer.text
        plain = extractive(index, "what does the Jacobian relate", glossary=glossary)
        assert "*Jacobian*" not in plain.text


class TestIndexFollowsChanges:
    def test_a_changed_chapter_replaces_its_sections_and_a_removed_one_goes(self) -> None:
        index = index_of(
            ("a", "A", [("x", "Old", "The old flux capacitor text lives here.")]),
            ("b", "B", [("z", "Zed", "Quantum tunnelling of electrons through barriers.")]),
        )
        assert extractive(index, "flux capacitor").answered
        index.replace(
            [
                SourceChapter(
                    "a", "A", "h2", (SourceSection(0, "y", "New", "Warp drives bend space."),)
                )
            ]
        )
        assert not extractive(index, "flux capacitor").answered
        assert extractive(index, "how do warp drives bend space").citations[0].anchor == "y"
        index.drop(["b"])
        assert not extractive(index, "quantum tunnelling of electrons").answered
        assert index.hashes() == {"a": "h2"}
        assert index.section_count() == 1
        index.close()


class TestWhatIsQuoted:
    def test_code_inside_a_list_item_is_not_prose(self) -> None:
        from tailored.tutor.text import sentences

        text = (
            "## Steps\n\n1. Write the detection node in Python:\n\n"
            "   ```python\n   import rclpy\n   node = rclpy.create_node('x')\n   ```\n\n"
            "2. Run the node and watch the topic.\n"
        )
        said = sentences(text)
        assert said == ["Write the detection node in Python:", "Run the node and watch the topic."]

    def test_table_rows_are_quoted_whole(self) -> None:
        from tailored.tutor.text import sentences

        text = "| Module | Memory |\n|---|---|\n| AGX Orin | 64 GB |\n| Orin Nano | 8 GB |\n"
        assert sentences(text) == ["| AGX Orin | 64 GB |", "| Orin Nano | 8 GB |"]
