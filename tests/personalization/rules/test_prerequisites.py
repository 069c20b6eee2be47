from __future__ import annotations

import posixpath

from tailored.markdown import parse_document
from tailored.personalization.adapter import ChapterRef
from tests.personalization.rules.helpers import adapt, library, profile

LIB = library(
    chapters=(
        ChapterRef("intro", "What Is Physical AI?", "intro.md"),
        ChapterRef("ros2/nodes", "Nodes and Topics", "ros2/01-nodes.md", ("ros2", "rclpy")),
        ChapterRef("ros2/urdf", "URDF [basics]", "ros2/02-urdf.md", ("urdf",)),
        ChapterRef("sim/gazebo", "Gazebo", "simulation/gazebo.md", ("gazebo",)),
    )
)
SIM = """---
title: Gazebo
prerequisites:
  - ros2/nodes
  - ros2/urdf
  - not/in/the/book
---

# Gazebo

Text.
"""


class TestCallout:
    def test_uncovered_prerequisites_are_linked_below_the_title(self) -> None:
        result = adapt(SIM, profile(software_level="beginner"), LIB, chapter_id="sim/gazebo")
        assert result.audience["prerequisites.uncovered"] == ["ros2/nodes", "ros2/urdf"]
        assert result.content.endswith(
            "# Gazebo\n\n"
            ":::info[Before you start]\n\n"
            "This chapter builds on [Nodes and Topics](../ros2/01-nodes.md) and "
            "[URDF \\[basics\\]](../ros2/02-urdf.md). If they are new to you, read them first.\n\n"
            ":::\n\nText.\n"
        )
        assert result.adaptation.added_targets == ("../ros2/01-nodes.md", "../ros2/02-urdf.md")
        assert result.names == ["prerequisites"]

    def test_links_resolve_to_the_prerequisite_files(self) -> None:
        result = adapt(SIM, profile(), LIB, chapter_id="sim/gazebo")
        here = posixpath.dirname(LIB.chapters["sim/gazebo"].path)
        for target in result.adaptation.added_targets:
            resolved = posixpath.normpath(posixpath.join(here, target))
            assert resolved in {ref.path for ref in LIB.chapters.values()}
        assert set(parse_document(result.content).facts.targets) == set(
            result.adaptation.added_targets
        )

    def test_same_folder_links_start_with_dot_slash(self) -> None:
        source = "---\nprerequisites: [ros2/nodes]\n---\n\n# URDF\n"
        result = adapt(source, profile(), LIB, chapter_id="ros2/urdf")
        assert "[Nodes and Topics](./01-nodes.md)" in result.content

    def test_skills_in_the_profile_cover_a_prerequisite(self) -> None:
        learner = profile(software_level="intermediate", frameworks=["ROS2"])
        result = adapt(SIM, learner, LIB, chapter_id="sim/gazebo")
        assert result.audience["prerequisites.uncovered"] == ["ros2/urdf"]
        assert "[Nodes and Topics]" not in result.content
        assert "builds on [URDF \\[basics\\]](../ros2/02-urdf.md). If it is new" in result.content

    def test_languages_and_hardware_domains_count_as_skills(self) -> None:
        lib = library(
            chapters=(
                *LIB.chapters.values(),
                ChapterRef("edge", "Edge", "edge.md", ("jetson_edge",)),
            )
        )
        source = "---\nprerequisites: [ros2/nodes, edge]\n---\n\n# X\n"
        learner = profile(languages=["python"], hardware_domains=["jetson_edge"])
        assert adapt(source, learner, lib).audience["prerequisites.uncovered"] == ["ros2/nodes"]
        rclpy = ChapterRef("ros2/nodes", "Nodes", "ros2/01-nodes.md", ("python",))
        lib = library(chapters=(rclpy,))
        assert adapt(source, learner, lib).audience["prerequisites.uncovered"] == []

    def test_advanced_learners_need_no_callout(self) -> None:
        result = adapt(SIM, profile(software_level="advanced"), LIB, chapter_id="sim/gazebo")
        assert result.audience["prerequisites.uncovered"] == []
        assert result.content == SIM

    def test_without_a_title_the_callout_opens_the_chapter(self) -> None:
        source = "---\nprerequisites: [intro]\n---\nimport X from './x';\n\nText.\n"
        content = adapt(source, profile(), LIB).content
        assert content.startswith(
            "---\nprerequisites: [intro]\n---\nimport X from './x';\n\n:::info[Before you start]"
        )
        assert content.endswith(":::\n\nText.\n")

    def test_unknown_or_malformed_prerequisites(self) -> None:
        for value in ("[nope]", "42", "{a: b}"):
            source = f"---\nprerequisites: {value}\n---\n\n# X\n"
            result = adapt(source, profile(), LIB)
            assert result.content == source
            assert "prerequisites.uncovered" not in result.audience
