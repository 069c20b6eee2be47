"""Odd documents and odd annotations: never crash, always verify."""

from __future__ import annotations

import pytest

from tailored.personalization.adapter import ChapterRef, GlossaryTerm
from tests.personalization.rules.helpers import adapt, library, profile

LIB = library(
    (GlossaryTerm("URDF", "A robot description."), GlossaryTerm("node", "A process.")),
    (ChapterRef("intro", "Intro", "intro.md"),),
)
LEARNERS = [
    profile(),
    profile(
        software_level="beginner",
        languages=["cpp"],
        hardware_available=["cloud"],
        role="student",
        difficulty_preference="gentle",
    ),
    profile(software_level="advanced", languages=["python"], hardware_available=["none"]),
]
DOCUMENTS = {
    "empty": "",
    "only front matter": "---\nprerequisites: [intro]\nadvanced_sections: [x]\n---\n",
    "no trailing newline": '# T\n\n<div data-depth="advanced">\n\nA URDF node.\n\n</div>',
    "unclosed div": '<div data-audience="software_level:advanced">\n\nA URDF node.\n',
    "empty variant": '<div data-audience="software_level:advanced"></div>\n\nText.\n',
    "self-closing": '<div data-hardware="cloud" />\n\n<div data-hardware="jetson_kit" />\n',
    "tabs without items": '<Tabs groupId="language">\n\nNothing.\n\n</Tabs>\n',
    "single tab": '<Tabs>\n<TabItem value="cpp">\n\nX.\n\n</TabItem>\n</Tabs>\n',
    "annotations in code": (
        '```mdx\n<div data-audience="software_level:advanced">\n\nX\n\n</div>\n```\n'
    ),
    "annotation in a list": (
        '- item\n\n  <div data-audience="software_level:advanced">\n\n  X\n\n  </div>\n'
    ),
    "hardware in depth": (
        '<div data-depth="advanced">\n\n<div data-hardware="jetson_kit">\n\nJ.\n\n</div>\n\n'
        '<div data-hardware="cloud">\n\nC.\n\n</div>\n\n</div>\n'
    ),
    "depth and hardware on one element": (
        '<div data-hardware="jetson_kit" data-depth="advanced">\n\nJ.\n\n</div>\n\n'
        '<div data-hardware="cloud" data-depth="beginner">\n\nC.\n\n</div>\n'
    ),
    "section of only a variant": (
        "---\nadvanced_sections: [deep]\n---\n\n## Deep\n\n"
        '<div data-audience="software_level:advanced">\n\nX.\n\n</div>\n\n## Next\n'
    ),
    "crlf": '# T\r\n\r\n<div data-depth="advanced">\r\n\r\nA URDF node.\r\n\r\n</div>\r\n',
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
@pytest.mark.parametrize("learner", range(len(LEARNERS)))
def test_adapts_and_verifies(name: str, learner: int) -> None:
    adapt(DOCUMENTS[name], LEARNERS[learner], LIB)


def test_annotations_inside_code_are_not_applied() -> None:
    source = DOCUMENTS["annotations in code"]
    assert adapt(source, LEARNERS[1], LIB).content == source


def test_a_collapsed_section_whose_content_was_removed_gets_no_empty_details() -> None:
    content = adapt(DOCUMENTS["section of only a variant"], LEARNERS[1], LIB).content
    assert "<details>" not in content
