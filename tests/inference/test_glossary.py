"""Mining the terms a book defines: what counts as a definition and what must not."""

from __future__ import annotations

from tailored.inference.glossary import mine_chapter
from tailored.inference.model import MinedTerm
from tailored.markdown import parse_document


def mined(text: str) -> dict[str, MinedTerm]:
    return {t.term: t for t in mine_chapter("c", parse_document(text))}


class TestDefinitions:
    def test_bold_term_with_a_defining_verb(self) -> None:
        found = mined("# T\n\n**Odometry** is the estimate of a robot's motion from its wheels.\n")
        term = found["Odometry"]
        assert term.definition == "Odometry is the estimate of a robot's motion from its wheels."
        assert term.evidence == "bold-definition"
        assert term.anchor == "t"

    def test_bold_term_with_a_colon_and_a_description(self) -> None:
        found = mined("## Parts\n\n- **Planner**: Computes a path from the start to the goal.\n")
        assert found["Planner"].definition == "Computes a path from the start to the goal."
        assert found["Planner"].anchor == "parts"

    def test_acronym_with_its_expansion(self) -> None:
        found = mined("We describe robots in the Unified Robot Description Format (URDF) here.\n")
        assert found["URDF"].definition == "Unified Robot Description Format"
        assert found["URDF"].evidence == "acronym"

    def test_refers_to_and_what_is(self) -> None:
        text = (
            "## What is SLAM?\n\nSLAM is building a map while locating the robot in it.\n\n"
            "Teleoperation refers to driving a robot remotely through a human operator.\n"
        )
        found = mined(text)
        assert found["SLAM"].evidence == "what-is"
        assert found["Teleoperation"].definition.startswith("Teleoperation refers to driving")

    def test_glossary_table(self) -> None:
        text = "| Term | Definition |\n|---|---|\n| Actuator | A motor that moves a joint |\n"
        assert mined(text)["Actuator"].evidence == "glossary-table"


class TestMustNotFire:
    def test_a_sentence_that_merely_mentions_a_term(self) -> None:
        assert mined("The **planner** then runs again, and we check the output twice.\n") == {}
        assert mined("Start the node and watch the topic for a while.\n") == {}

    def test_schedules_instructions_and_labels(self) -> None:
        text = (
            "- **Week 1**: Introduction to the course and its tools.\n"
            "- **Install ROS**: Run the installer script from the project page.\n"
            "- **Note**: A reminder that all labs are graded.\n"
            "- **Required:** A generic USB camera with a long cable.\n"
        )
        assert mined(text) == {}

    def test_code_comments_and_strings(self) -> None:
        text = (
            "```python\n# URDF (Unified Robot Description Format)\n"
            "x = '**Node** is a process'\n```\n"
        )
        assert mined(text) == {}

    def test_acronym_whose_letters_do_not_match(self) -> None:
        assert mined("We use a fast planner with low latency (ROS) in the lab.\n") == {}

    def test_troubleshooting_lists_are_symptoms_not_definitions(self) -> None:
        text = "## Troubleshooting\n\n- **Slow rendering**: Reduces the frame rate of the viewer.\n"
        assert mined(text) == {}
