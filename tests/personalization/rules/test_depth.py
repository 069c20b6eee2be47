from __future__ import annotations

import pytest

from tests.personalization.rules.helpers import adapt, profile

PASSAGES = """# Chapter

Intro.

<div data-depth="advanced">

Deep dive.

</div>

<div data-depth="beginner" data-summary="What is a node?">

Basics.

</div>
"""

SECTIONS = """---
title: Sections
advanced_sections: [internals]
beginner_sections: ["#refresher"]
---

# Sections

Intro.

## Refresher

Simple words.

## Internals {#internals}

First part.

```python
x = 1
```

### Deeper still

Second part.

## Wrap-up

Done.
"""


class TestPassages:
    @pytest.mark.parametrize(
        ("fields", "collapsed"),
        [
            ({"software_level": "beginner"}, "Deep dive."),
            ({"difficulty_preference": "gentle", "software_level": "advanced"}, "Deep dive."),
            ({"software_level": "advanced"}, "Basics."),
            ({"difficulty_preference": "challenging", "software_level": "beginner"}, "Basics."),
        ],
    )
    def test_which_passage_collapses(self, fields: dict[str, object], collapsed: str) -> None:
        content = adapt(PASSAGES, profile(**fields)).content
        opened = content.index("<details>")
        assert opened < content.index(collapsed) < content.index("</details>")
        assert content.count("<details>") == 1

    @pytest.mark.parametrize("fields", [{}, {"software_level": "intermediate"}])
    def test_others_see_everything(self, fields: dict[str, object]) -> None:
        result = adapt(PASSAGES, profile(**fields))
        assert result.content == PASSAGES
        assert result.audience["depth"] == "none"

    def test_summaries(self) -> None:
        advanced = adapt(PASSAGES, profile(software_level="beginner"))
        assert "<summary>Going deeper (advanced): open when you are ready</summary>" in (
            advanced.content
        )
        assert advanced.detail("depth") == "Collapsed 1 passage the author marked advanced"
        beginner = adapt(PASSAGES, profile(software_level="advanced")).content
        assert "<summary>What is a node?</summary>" in beginner

    def test_the_wrapped_block_is_untouched_and_blank_lines_separate(self) -> None:
        content = adapt(PASSAGES, profile(software_level="beginner")).content
        assert (
            "<details>\n<summary>Going deeper (advanced): open when you are ready</summary>\n\n"
            '<div data-depth="advanced">\n\nDeep dive.\n\n</div>\n\n</details>\n'
        ) in content

    def test_unknown_depth_is_ignored(self) -> None:
        source = PASSAGES.replace('data-depth="advanced"', 'data-depth="expert"')
        assert "Deep dive." in adapt(source, profile(software_level="beginner")).content
        assert adapt(source, profile(software_level="beginner")).content == source


class TestSections:
    def test_advanced_section_body_collapses_and_headings_stay_out(self) -> None:
        result = adapt(SECTIONS, profile(software_level="beginner"))
        content = result.content
        internals = content.index("## Internals {#internals}\n")
        first = content.index("<details>", internals)
        assert first < content.index("First part.") < content.index("### Deeper still")
        # The sub-heading stays outside; the text under it collapses separately.
        between = content[content.index("</details>", first) : content.index("### Deeper still")]
        assert "<details>" not in between
        second = content.index("<details>", content.index("### Deeper still"))
        assert second < content.index("Second part.") < content.index("## Wrap-up")
        assert content.count("<details>") == 2
        assert "Simple words." in content
        assert content.index("Simple words.") < internals
        assert result.detail("depth") == "Collapsed 'Internals': marked advanced by the author"

    def test_beginner_section_collapses_for_advanced_learners(self) -> None:
        content = adapt(SECTIONS, profile(software_level="advanced")).content
        refresher = content.index("## Refresher\n")
        assert refresher < content.index("<details>") < content.index("Simple words.")
        assert content.count("<details>") == 1

    def test_unknown_anchors_and_bad_values_do_not_crash(self) -> None:
        source = SECTIONS.replace("[internals]", "[no-such-section, 42]").replace(
            '["#refresher"]', "7"
        )
        result = adapt(source, profile(software_level="beginner"))
        assert result.content == source

    def test_front_matter_alone_makes_an_unannotated_chapter_adaptable(self) -> None:
        result = adapt(SECTIONS, profile(difficulty_preference="gentle"))
        assert result.audience["depth"] == "collapse_advanced"
        assert "<details>" in result.content
