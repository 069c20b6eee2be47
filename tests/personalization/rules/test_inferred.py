"""The rules adapter on a book nobody annotated: inferred hints, applied and verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailored.content.loader import load_docs
from tailored.personalization.adapter import Library
from tailored.personalization.library import library_from
from tailored.profiles.schemas import ProfileData
from tests.inference.book import CHAPTERS, write_book
from tests.personalization.rules.helpers import adapt, profile

BEGINNER = profile(
    software_level="beginner",
    hardware_level="none",
    hardware_available=["none"],
    difficulty_preference="gentle",
    languages=["python"],
)
ADVANCED = profile(
    software_level="advanced",
    hardware_level="advanced",
    hardware_available=["jetson_kit"],
    difficulty_preference="challenging",
    languages=["c++"],
)
SENSORS = CHAPTERS["02-sensors.md"]
BASICS = CHAPTERS["01-basics.md"]


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    docs = write_book(tmp_path)
    return library_from((), load_docs(docs).chapters, docs_root=docs)


class TestBeginner:
    def test_terms_defined_with_a_link_to_where_the_book_defines_them(self, lib: Library) -> None:
        result = adapt(SENSORS, BEGINNER, lib, chapter_id="sensors")
        out = result.content
        assert "each node[^glossary-node]" in out
        assert (
            "[^glossary-node]: **Node**: A process that performs one job in the robot's "
            "software. ([defined in Basics](./01-basics.md#core-terms))"
        ) in out
        assert result.detail("glossary").startswith("Defined ")
        assert ":::info[Before you start]" in out
        assert "[publisher](./01-basics.md#what-is-a-publisher)" in out
        assert (
            result.detail("depth") == "Collapsed 'Under the hood': marked advanced from its heading"
        )
        assert "key_points" not in result.names

    def test_a_chapter_that_defines_a_term_gets_no_footnote_for_it(self, lib: Library) -> None:
        out = adapt(BASICS, BEGINNER, lib, chapter_id="basics").content
        assert "[^glossary-node]" not in out
        assert "[^glossary-middleware]" not in out


class TestAdvanced:
    def test_key_points_intro_collapsed_and_own_hardware_open(self, lib: Library) -> None:
        result = adapt(SENSORS, ADVANCED, lib, chapter_id="sensors")
        out = result.content
        top = out.index(":::tip[Key points]")
        assert top < out.index("## Introduction")
        assert (
            "- The driver copies each frame once into shared memory so that subscribers read "
            "it in place. (*Under the hood*)"
        ) in out
        assert "Collapsed 'Introduction': marked introductory" in result.detail("depth")
        assert "<summary>Other setup: cloud GPU</summary>" in out
        assert out.index("On the Jetson developer kit") < out.index("Other setup: cloud GPU")
        assert "glossary" not in result.names
        assert ":::info[Before you start]" not in out

    def test_beginner_and_advanced_get_different_chapters_and_keys(self, lib: Library) -> None:
        beginner = adapt(SENSORS, BEGINNER, lib, chapter_id="sensors")
        advanced = adapt(SENSORS, ADVANCED, lib, chapter_id="sensors")
        assert beginner.content != advanced.content
        assert beginner.audience != advanced.audience

    def test_learners_who_get_the_same_output_share_an_audience(self, lib: Library) -> None:
        other = ProfileData.model_validate(
            {**ADVANCED.model_dump(), "role": "student", "interests": ["vslam"]}
        )
        assert (
            adapt(SENSORS, ADVANCED, lib, chapter_id="sensors").audience
            == adapt(SENSORS, other, lib, chapter_id="sensors").audience
        )


class TestExplicitWins:
    def test_author_depth_marks_replace_inferred_ones(self, lib: Library) -> None:
        source = SENSORS.replace(
            "title: Sensors", "title: Sensors\nadvanced_sections: [reading-a-camera]"
        )
        result = adapt(source, BEGINNER, lib, chapter_id="sensors")
        assert result.detail("depth") == (
            "Collapsed 'Reading a camera': marked advanced by the author"
        )

    def test_author_hardware_blocks_replace_inferred_sections(self, lib: Library) -> None:
        source = SENSORS + '\n<div data-hardware="jetson_kit">\n\nJetson only.\n\n</div>\n'
        out = adapt(source, ADVANCED, lib, chapter_id="sensors").content
        assert "Other setup: cloud GPU" not in out


FENCES = """\
# Publishing

Both versions do the same thing.

```python
node.create_publisher(String, "chatter", 10)
```

```cpp
node->create_publisher<std_msgs::msg::String>("chatter", 10);
```

Then run it:

```bash
ros2 run demo talker
```

```python
print("a lone sample")
```
"""


class TestConsecutiveFences:
    def test_the_learners_language_first_and_the_other_collapsed(self) -> None:
        result = adapt(FENCES, ADVANCED)
        out = result.content
        cpp = out.index("```cpp")
        assert cpp < out.index("<summary>Same in Python</summary>") < out.index("```python")
        assert result.detail("code_language") == (
            "Showed the C++ version first in 1 place; other languages collapsed"
        )

    def test_shell_and_lone_samples_are_not_alternatives(self) -> None:
        result = adapt(FENCES, BEGINNER)
        out = result.content
        # Python already comes first: the C++ version collapses, nothing moves.
        assert "<summary>Same in C++</summary>" in out
        assert out.count("<details>") == 1

    def test_a_learner_without_either_language_gets_it_as_written(self) -> None:
        other = profile(software_level="intermediate", hardware_level="none", languages=["rust"])
        assert adapt(FENCES, other).content == FENCES


class TestAudienceKey:
    def test_a_chapter_using_no_mined_term_does_not_split_on_the_glossary(
        self, lib: Library
    ) -> None:
        # Basics defines every term it uses: beginners and others share the glossary value.
        audience = adapt(BASICS, BEGINNER, lib, chapter_id="basics").audience
        assert "glossary.beginner" not in audience
        assert adapt(SENSORS, BEGINNER, lib, chapter_id="sensors").audience["glossary.beginner"]


HARDWARE_TABS = """\
# Deploying

<Tabs>
<TabItem value="cloud" label="Cloud instance">

Start the instance and copy the model to it.

</TabItem>
<TabItem value="jetson" label="Jetson Orin">

Flash the board and copy the model to it.

</TabItem>
</Tabs>
"""


class TestHardwareTabs:
    def test_the_learners_setup_becomes_the_default_tab(self) -> None:
        result = adapt(HARDWARE_TABS, ADVANCED)
        assert '<TabItem value="jetson" label="Jetson Orin" default>' in result.content
        assert result.detail("hardware_path").startswith("Opened the Jetson developer kit tab")

    def test_tabs_that_name_no_setup_or_one_only_are_left_alone(self) -> None:
        one = HARDWARE_TABS.replace('label="Cloud instance"', 'label="Step one"')
        one = one.replace('value="cloud"', 'value="one"')
        assert adapt(one, ADVANCED).content == one
        assert adapt(HARDWARE_TABS, BEGINNER).content == HARDWARE_TABS
