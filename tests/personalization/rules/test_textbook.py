"""The annotated sample textbook, adapted for contrasting learners."""

from __future__ import annotations

from typing import Any

import pytest

from tailored.personalization.adapter import ChapterInput, Library
from tailored.personalization.rules import RulesAdapter
from tests.personalization.rules.helpers import ADAPTER, chapter, library, profile, verify

PROFILES: dict[str, dict[str, Any]] = {
    "beginner-python-jetson": {
        "software_level": "beginner",
        "hardware_level": "basic",
        "languages": ["python"],
        "hardware_available": ["jetson_kit"],
        "robotics_experience": "none",
        "role": "student",
    },
    "advanced-cpp-rtx": {
        "software_level": "advanced",
        "hardware_level": "advanced",
        "languages": ["c++", "python"],
        "frameworks": ["ros2"],
        "hardware_available": ["rtx_workstation"],
        "difficulty_preference": "challenging",
        "role": "researcher",
    },
    "gentle-cloud-instructor": {
        "software_level": "intermediate",
        "languages": ["cpp"],
        "hardware_available": ["cloud"],
        "difficulty_preference": "gentle",
        "role": "instructor",
    },
    "intermediate-no-hardware": {
        "software_level": "intermediate",
        "hardware_level": "none",
        "languages": ["bash", "python"],
        "frameworks": ["rclpy", "open3d"],
        "hardware_available": ["none"],
        "role": "professional",
    },
    "empty": {},
}
Textbook = tuple[list[ChapterInput], Library]


def run(doc: ChapterInput, lib: Library, name: str) -> tuple[dict[str, Any], list[str], str]:
    audience = ADAPTER.audience(profile(**PROFILES[name]), doc, lib)
    result = ADAPTER.adapt(doc, audience, lib)
    verify(doc.source, result)
    return dict(audience), [t.name for t in result.applied], result.content


def by_id(textbook: Textbook, chapter_id: str) -> ChapterInput:
    return next(doc for doc in textbook[0] if doc.id == chapter_id)


@pytest.mark.parametrize("name", list(PROFILES))
def test_every_chapter_adapts_and_verifies(textbook: Textbook, name: str) -> None:
    chapters, lib = textbook
    assert len(chapters) == 7
    for doc in chapters:
        _, applied, content = run(doc, lib, name)
        assert (content == doc.source) == (not applied), doc.id
        assert len(applied) == len(set(applied))


def test_every_transformation_shows_in_the_demo(textbook: Textbook) -> None:
    chapters, lib = textbook
    seen = {name for doc in chapters for p in PROFILES for name in run(doc, lib, p)[1]}
    assert seen == {
        "audience_variants",
        "glossary",
        "code_language",
        "hardware_path",
        "depth",
        "prerequisites",
        "key_points",
    }


@pytest.mark.parametrize(
    ("chapter_id", "name", "expected"),
    [
        ("intro", "beginner-python-jetson", ["glossary"]),
        # Key points are inferred (the sample book marks none); advanced readers get them.
        ("intro", "advanced-cpp-rtx", ["key_points"]),
        (
            "ros2/nodes-and-topics",
            "beginner-python-jetson",
            ["audience_variants", "prerequisites", "depth", "glossary"],
        ),
        (
            "ros2/nodes-and-topics",
            "advanced-cpp-rtx",
            ["audience_variants", "key_points", "depth"],
        ),
        ("ros2/urdf", "gentle-cloud-instructor", ["prerequisites", "depth"]),
        # rclpy in the frameworks covers the ROS 2 chapter's skills: no callout.
        ("ros2/urdf", "intermediate-no-hardware", ["audience_variants"]),
        ("simulation/gazebo-and-isaac", "advanced-cpp-rtx", ["hardware_path", "key_points"]),
        (
            "perception/cameras-and-depth",
            "beginner-python-jetson",
            ["prerequisites", "depth", "glossary"],
        ),
        ("perception/cameras-and-depth", "intermediate-no-hardware", []),
        (
            "deployment/jetson-edge",
            "beginner-python-jetson",
            ["prerequisites", "code_language", "hardware_path", "glossary"],
        ),
        (
            "deployment/jetson-edge",
            "advanced-cpp-rtx",
            ["audience_variants", "code_language", "hardware_path", "key_points"],
        ),
        ("vla/vla-models", "advanced-cpp-rtx", ["key_points", "depth"]),
        ("vla/vla-models", "gentle-cloud-instructor", ["audience_variants", "prerequisites"]),
    ],
)
def test_applied_transformations_name_what_happened(
    textbook: Textbook, chapter_id: str, name: str, expected: list[str]
) -> None:
    assert run(by_id(textbook, chapter_id), textbook[1], name)[1] == expected


def test_the_unannotated_chapter_still_gets_the_glossary(textbook: Textbook) -> None:
    intro = by_id(textbook, "intro")
    assert "<div data-" not in intro.source
    assert not {"advanced_sections", "beginner_sections", "prerequisites"} & set(intro.front_matter)
    _, _, content = run(intro, textbook[1], "beginner-python-jetson")
    assert "[^glossary-ros-2]" in content


def test_front_matter_depth_on_a_chapter_without_inline_annotations(textbook: Textbook) -> None:
    perception = by_id(textbook, "perception/cameras-and-depth")
    assert "<div data-" not in perception.source
    _, _, content = run(perception, textbook[1], "beginner-python-jetson")
    heading = content.index("### Why stereo gets worse with distance\n")
    assert heading < content.index("<details>") < content.index("For a stereo pair")


def test_the_beginner_sees_a_coherent_jetson_chapter(textbook: Textbook) -> None:
    _, _, content = run(
        by_id(textbook, "deployment/jetson-edge"), textbook[1], "beginner-python-jetson"
    )
    assert content.index("**You have a Jetson kit:**") < content.index("<summary>Other setup")
    assert content.index('<TabItem value="python"') < content.index("Show this in another language")
    assert "First time powering a developer board?" in content
    assert ":::info[Before you start]" in content


class TestDeterminism:
    @pytest.mark.parametrize("name", list(PROFILES))
    def test_same_audience_same_bytes(self, textbook: Textbook, name: str) -> None:
        chapters, lib = textbook
        fresh = RulesAdapter()
        for doc in chapters:
            audience = ADAPTER.audience(profile(**PROFILES[name]), doc, lib)
            first = ADAPTER.adapt(doc, audience, lib)
            assert fresh.adapt(doc, dict(audience), lib) == first

    def test_learners_with_the_same_audience_get_the_same_output(self, textbook: Textbook) -> None:
        doc = by_id(textbook, "deployment/jetson-edge")
        lib = textbook[1]
        one = profile(software_level="advanced", languages=["cpp", "rust"], interests=["a"])
        two = profile(software_level="advanced", languages=["c++"], role="researcher")
        assert ADAPTER.audience(one, doc, lib) == ADAPTER.audience(two, doc, lib)


class TestKitchenSink:
    @pytest.mark.parametrize(
        "fields",
        [{}, {"software_level": "advanced", "languages": ["python"], "role": "researcher"}],
    )
    def test_nothing_applies_so_every_byte_survives(
        self, kitchen_sink: str, textbook: Textbook, fields: dict[str, Any]
    ) -> None:
        doc = chapter(kitchen_sink, chapter_id="kitchen-sink")
        for lib in (library(), textbook[1]):
            audience = ADAPTER.audience(profile(**fields), doc, lib)
            result = ADAPTER.adapt(doc, audience, lib)
            assert result.content == kitchen_sink
            assert result.applied == ()

    @pytest.mark.parametrize("eol", ["\n", "\r\n"])
    def test_a_beginner_adaptation_verifies(self, kitchen_sink: str, eol: str) -> None:
        from tailored.personalization.adapter import GlossaryTerm

        source = kitchen_sink.replace("\n", eol)
        lib = library(
            (
                GlossaryTerm("Markdown", "A markup language."),
                GlossaryTerm("footnote", "A note."),
                GlossaryTerm("prose", "Ordinary text."),
                GlossaryTerm("answer", "A reply."),
            )
        )
        doc = chapter(source, chapter_id="kitchen-sink")
        learner = profile(software_level="beginner", languages=["cpp"])
        result = ADAPTER.adapt(doc, ADAPTER.audience(learner, doc, lib), lib)
        verify(source, result)
        assert [t.name for t in result.applied] == ["code_language", "glossary"]
        if eol == "\r\n":
            assert "\n" not in result.content.replace("\r\n", "")
