from __future__ import annotations

from tests.personalization.rules.helpers import adapt, profile

PATHS = """# Install

<div data-hardware="rtx_workstation">

Workstation steps.

</div>

<div data-hardware="cloud">

Cloud steps.

```bash
cloud-init
```

</div>

<div data-hardware="jetson_kit" data-summary="Using a Jetson instead?">

Jetson steps.

</div>

After the paths.
"""


def position(content: str, text: str) -> int:
    return content.index(text)


class TestHardwarePath:
    def test_the_learners_path_comes_first_and_open(self) -> None:
        result = adapt(PATHS, profile(hardware_available=["cloud"]))
        content = result.content
        assert position(content, "Cloud steps.") < position(content, "Workstation steps.")
        assert position(content, "Workstation steps.") < position(content, "Jetson steps.")
        cloud = content[: position(content, "Cloud steps.")]
        assert "<details>" not in cloud  # the learner's block is not collapsed
        assert content.count("<details>") == 2
        assert "<summary>Other setup: RTX workstation</summary>" in content
        assert "<summary>Using a Jetson instead?</summary>" in content
        assert result.detail("hardware_path") == (
            "Put the cloud GPU path first; collapsed 2 other setup(s)"
        )
        assert content.endswith("\nAfter the paths.\n")

    def test_already_first_only_collapses_the_others(self) -> None:
        content = adapt(PATHS, profile(hardware_available=["rtx_workstation"])).content
        assert content.index("Workstation steps.") < content.index("<details>")
        assert content.count("<details>") == 2

    def test_several_owned_targets_stay_open_in_document_order(self) -> None:
        content = adapt(
            PATHS, profile(hardware_available=["jetson_kit", "rtx_workstation"])
        ).content
        assert content.count("<details>") == 1
        assert content.index("Workstation steps.") < content.index("Jetson steps.")
        assert content.index("Jetson steps.") < content.index("<details>")

    def test_nothing_for_the_learner_leaves_the_group(self) -> None:
        assert adapt(PATHS, profile(hardware_available=["none"])).content == PATHS
        assert adapt(PATHS, profile()).content == PATHS

    def test_the_audience_holds_only_relevant_hardware(self) -> None:
        result = adapt(PATHS, profile(hardware_available=["cloud", "jetson_kit"]))
        assert result.audience["hardware"] == ["cloud", "jetson_kit"]
        other = adapt(PATHS, profile(hardware_available=["none"]))
        assert other.audience["hardware"] == []

    def test_groups_are_separate_when_prose_comes_between(self) -> None:
        source = PATHS.replace(
            '<div data-hardware="cloud">', 'Between.\n\n<div data-hardware="cloud">'
        )
        content = adapt(source, profile(hardware_available=["cloud"])).content
        # The workstation block is a group of its own with nothing for this learner.
        assert content.index("Workstation steps.") < content.index("Between.")
        assert content.count("<details>") == 1

    def test_unknown_targets_are_left_as_written(self) -> None:
        source = PATHS.replace('"jetson_kit"', '"raspberry_pi"')
        content = adapt(source, profile(hardware_available=["cloud"])).content
        assert (
            '<div data-hardware="raspberry_pi" data-summary="Using a Jetson instead?">\n\nJetson'
            in content
        )
        assert content.count("<details>") == 1

    def test_blocks_with_headings_are_collapsed_in_place(self) -> None:
        source = PATHS.replace("Workstation steps.", "## On a workstation\n\nWorkstation steps.")
        content = adapt(source, profile(hardware_available=["cloud"])).content
        assert content.index("Workstation steps.") < content.index("Cloud steps.")
        assert content.count("<details>") == 2

    def test_a_variant_removed_inside_a_group(self) -> None:
        source = PATHS.replace(
            '<div data-hardware="cloud">',
            '<div data-audience="role:instructor">\n\nTeacher.\n\n</div>\n\n'
            '<div data-hardware="cloud">',
        )
        content = adapt(source, profile(hardware_available=["cloud"], role="student")).content
        assert "Teacher." not in content
        assert content.index("Cloud steps.") < content.index("Workstation steps.")

    def test_nested_moves_keep_inner_edits(self) -> None:
        source = """<div data-hardware="rtx_workstation">

Workstation.

</div>

<div data-hardware="cloud">

<Tabs groupId="language">
<TabItem value="python" label="Python" default>

Python on a URDF.

</TabItem>
<TabItem value="cpp" label="C++">

C++ on the cloud.

</TabItem>
</Tabs>

</div>
"""
        learner = profile(
            hardware_available=["cloud"], software_level="beginner", languages=["cpp"]
        )
        content = adapt(source, learner).content
        assert content.index("C++ on the cloud.") < content.index("Python on a URDF.")
        assert content.index("C++ on the cloud.") < content.index("Workstation.")
