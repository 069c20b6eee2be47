"""Depth, hardware and key points from headings and prose, and where they must not fire."""

from __future__ import annotations

from tailored.inference.sections import depth_hints, hardware_hints, key_points
from tailored.markdown import parse_document

BODY = "Some text that explains the idea in a few plain words for the reader.\n"


def depth(text: str) -> dict[str, str]:
    return {h.heading: h.value for h in depth_hints(parse_document(text))}


class TestDepth:
    def test_advanced_and_introductory_headings(self) -> None:
        text = (
            f"# Chapter\n\n## Introduction\n\n{BODY}\n## Using it\n\n{BODY}\n"
            f"## Under the hood\n\n{BODY}\n## Going further\n\n{BODY}\n## Wrap\n\n{BODY}"
        )
        assert depth(text) == {
            "Introduction": "beginner",
            "Under the hood": "advanced",
            "Going further": "advanced",
        }

    def test_advanced_in_a_table_of_contents_does_not_fire(self) -> None:
        toc = "# Course\n\n- [Advanced](./advanced.md)\n- [Basics](./basics.md)\n"
        assert depth(toc) == {}
        links = "- [Planning](./a.md)\n- [Control](./b.md)\n"
        linked = f"# Course\n\n## Advanced\n\n{links}\n## B\n\n{BODY}"
        assert depth(linked) == {}

    def test_course_units_and_steps_do_not_fire(self) -> None:
        text = (
            f"# Syllabus\n\n## Module 4: Advanced AI\n\n{BODY}\n## Step 7: Advanced tuning\n\n"
            f"{BODY}\n## Week 1\n\n{BODY}"
        )
        assert depth(text) == {}

    def test_code_comments_and_the_title_do_not_fire(self) -> None:
        text = f"# Advanced planning\n\n```python\n# Advanced: internals\n```\n\n## Setup\n\n{BODY}"
        assert depth(text) == {}


class TestHardware:
    def test_needs_two_targets(self) -> None:
        one = f"# C\n\n## On a Jetson\n\n{BODY}\n## Other\n\n{BODY}"
        assert hardware_hints(parse_document(one)) == ()
        two = f"# C\n\n## On a Jetson\n\n{BODY}\n## In the cloud\n\n{BODY}"
        found = hardware_hints(parse_document(two))
        assert [(h.heading, h.value) for h in found] == [
            ("On a Jetson", "jetson_kit"),
            ("In the cloud", "cloud"),
        ]


class TestKeyPoints:
    def test_verbatim_first_sentences_with_their_sections(self) -> None:
        text = (
            "# C\n\n## One\n\nThe planner computes a path before the robot moves at all. More.\n\n"
            "## Two\n\nThe controller follows that path while it watches for obstacles.\n\n"
            "## Three\n\nSee [the docs](./x.md) for the full list of all the options.\n"
        )
        points = key_points(parse_document(text))
        assert [(p.sentence, p.heading) for p in points] == [
            ("The planner computes a path before the robot moves at all.", "One"),
            ("The controller follows that path while it watches for obstacles.", "Two"),
        ]

    def test_none_for_a_chapter_with_too_little_prose(self) -> None:
        assert key_points(parse_document("# C\n\nShort.\n\n```py\nx = 1\n```\n")) == ()
