from __future__ import annotations

import pytest

from tests.personalization.rules.helpers import adapt, profile

BEGINNER_ONLY = """# Title

Shared text.

<div data-audience="software_level:beginner">

Beginner text.

```bash
echo beginner
```

</div>

<div data-audience="software_level:intermediate,advanced">

Experienced text.

</div>

Closing text.
"""


class TestConditions:
    def test_a_matching_block_is_kept_and_the_other_removed(self) -> None:
        result = adapt(BEGINNER_ONLY, profile(software_level="beginner"))
        assert "Beginner text." in result.content
        assert "Experienced text." not in result.content
        assert result.names == ["audience_variants"]
        assert result.detail("audience_variants").startswith("Kept 1 and removed 1")

    def test_or_within_a_key(self) -> None:
        result = adapt(BEGINNER_ONLY, profile(software_level="advanced"))
        assert "Experienced text." in result.content
        assert "Beginner text." not in result.content
        # The code sample inside the removed variant is declared, so the verifier accepts it.
        assert result.adaptation.removed_code == ("echo beginner\n",)

    def test_removal_leaves_no_pile_of_blank_lines(self) -> None:
        content = adapt(BEGINNER_ONLY, profile(software_level="advanced")).content
        assert "\n\n\n" not in content
        assert content.startswith(
            '# Title\n\nShared text.\n\n<div data-audience="software_level:int'
        )

    def test_kept_blocks_are_byte_identical(self) -> None:
        content = adapt(BEGINNER_ONLY, profile(software_level="beginner")).content
        start = BEGINNER_ONLY.index('<div data-audience="software_level:beginner">')
        end = BEGINNER_ONLY.index("</div>", start) + len("</div>\n")
        assert BEGINNER_ONLY[start:end] in content

    def test_and_across_keys(self) -> None:
        source = """<div data-audience="software_level:beginner; language:python">

Both.

</div>
"""
        assert (
            "Both." in adapt(source, profile(software_level="beginner", languages=["py"])).content
        )
        assert (
            "Both."
            not in adapt(source, profile(software_level="beginner", languages=["rust"])).content
        )
        assert (
            "Both."
            not in adapt(source, profile(software_level="advanced", languages=["python"])).content
        )

    @pytest.mark.parametrize(
        ("condition", "fields", "shown"),
        [
            ("hardware_level:none,basic", {"hardware_level": "basic"}, True),
            ("hardware_level:none,basic", {"hardware_level": "advanced"}, False),
            (
                "hardware_available:jetson_kit",
                {"hardware_available": ["cloud", "jetson_kit"]},
                True,
            ),
            ("hardware:jetson_kit", {"hardware_available": ["rtx_workstation"]}, False),
            ("language:c++", {"languages": ["cpp"]}, True),
            ("language:python", {"languages": ["javascript"]}, False),
            ("difficulty:challenging", {"difficulty_preference": "challenging"}, True),
            ("difficulty:challenging", {}, False),  # not chosen counts as "balanced"
            ("difficulty:balanced", {}, True),
            ("role:instructor", {"role": "instructor"}, True),
            ("role:instructor", {"role": "student"}, False),
            ("level:beginner", {"software_level": "beginner"}, True),
            ("Software_Level : Beginner , Intermediate", {"software_level": "intermediate"}, True),
        ],
    )
    def test_each_key(self, condition: str, fields: dict[str, object], shown: bool) -> None:
        source = f'<div data-audience="{condition}">\n\nVariant.\n\n</div>\n\nAfter.\n'
        assert ("Variant." in adapt(source, profile(**fields)).content) is shown

    @pytest.mark.parametrize("field", ["software_level", "role", "languages", "hardware_available"])
    def test_a_field_the_learner_left_empty_shows_the_block(self, field: str) -> None:
        condition = {
            "software_level": "software_level:beginner",
            "role": "role:student",
            "languages": "language:python",
            "hardware_available": "hardware_available:cloud",
        }[field]
        source = f'<div data-audience="{condition}">\n\nVariant.\n\n</div>\n'
        result = adapt(source, profile())
        assert result.content == source


class TestUnknownAnnotations:
    @pytest.mark.parametrize(
        "condition",
        [
            "mood:happy",
            "software_level:expert",
            "software_level:beginner; favourite_colour:blue",
            "software_level",
            "",
            "software_level:beginner; software_level:advanced",
        ],
    )
    def test_the_block_is_left_as_written(self, condition: str) -> None:
        source = f'<div data-audience="{condition}">\n\nVariant.\n\n</div>\n'
        result = adapt(source, profile(software_level="advanced", languages=["python"]))
        assert result.content == source
        assert result.adaptation.applied == ()

    def test_expression_values_are_ignored(self) -> None:
        source = '<div data-audience={"software_level:beginner"}>\n\nVariant.\n\n</div>\n'
        assert adapt(source, profile(software_level="advanced")).content == source


class TestPlacement:
    def test_variants_nest_and_a_removed_parent_takes_its_children(self) -> None:
        source = """<div data-audience="software_level:beginner">

Outer.

<div data-audience="language:python">

Inner.

</div>

</div>
"""
        kept = adapt(source, profile(software_level="beginner", languages=["cpp"])).content
        assert "Outer." in kept
        assert "Inner." not in kept
        gone = adapt(source, profile(software_level="advanced", languages=["python"]))
        assert "Outer." not in gone.content
        assert "Inner." not in gone.content
        assert gone.detail("audience_variants").endswith(
            "removed 1 blocks written for other learners"
        )

    def test_inside_an_admonition(self) -> None:
        source = """:::tip

Always.

<div data-audience="role:instructor">

For teachers.

</div>

:::
"""
        result = adapt(source, profile(role="student"))
        assert "For teachers." not in result.content
        assert result.content.startswith(":::tip\n\nAlways.\n")
        assert result.content.endswith(":::\n")

    def test_headings_and_links_in_a_removed_variant_are_declared(self) -> None:
        source = """# Title

<div data-audience="role:instructor">

## Teaching notes

See [the guide](https://example.org/guide).

</div>

## Next
"""
        result = adapt(source, profile(role="student"))
        assert result.adaptation.removed_headings == ("teaching-notes",)
        assert result.adaptation.removed_targets == ("https://example.org/guide",)
