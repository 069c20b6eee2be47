from __future__ import annotations

from tailored.markdown import parse_document
from tests.personalization.rules.helpers import adapt, profile

TABS = """import Tabs from '@theme/Tabs';
import TabItem from '@theme/TabItem';

# Talker

<Tabs groupId="language">
<TabItem value="python" label="Python" default>

```python
print("hi")
```

</TabItem>
<TabItem value="cpp" label="C++">

```cpp
std::cout << "hi";
```

</TabItem>
<TabItem value="bash" label="Shell">

```bash
echo hi
```

</TabItem>
</Tabs>

After.
"""


def tab_items(content: str) -> list[tuple[str, bool]]:
    """(value, is default) of every TabItem, in document order, at any depth."""
    out: list[tuple[str, bool]] = []
    for line in content.splitlines():
        stripped = line.strip()
        if stripped.startswith("<TabItem"):
            value = stripped.split('value="', 1)[1].split('"', 1)[0]
            out.append((value, " default" in stripped))
    return out


class TestDefaultTab:
    def test_the_known_language_becomes_the_default(self) -> None:
        result = adapt(TABS, profile(software_level="intermediate", languages=["c++"]))
        assert tab_items(result.content) == [("python", False), ("cpp", True), ("bash", False)]
        assert result.detail("code_language") == "made C++ the default tab in 1 tab group"
        assert result.audience["tabs.language"] == "cpp"
        assert result.audience["tabs.only"] is False

    def test_the_first_listed_language_wins(self) -> None:
        learner = profile(software_level="advanced", languages=["rust", "bash", "cpp"])
        assert adapt(TABS, learner).audience["tabs.language"] == "bash"

    def test_already_the_default_changes_nothing(self) -> None:
        assert adapt(TABS, profile(languages=["py"])).content == TABS

    def test_no_known_language_changes_nothing(self) -> None:
        result = adapt(TABS, profile(software_level="beginner", languages=["haskell"]))
        assert result.content == TABS
        assert result.audience["tabs.language"] is None

    def test_default_value_on_tabs_is_rewritten(self) -> None:
        source = TABS.replace('<Tabs groupId="language">', '<Tabs defaultValue="python">')
        content = adapt(source, profile(languages=["bash"])).content
        assert '<Tabs defaultValue="bash">' in content

    def test_labels_and_aliases_identify_languages(self) -> None:
        source = TABS.replace('groupId="language"', "").replace('value="cpp"', 'value="x1"')
        # The C++ tab is recognised by its label even with an opaque value.
        content = adapt(source, profile(languages=["cpp"])).content
        assert ("x1", True) in tab_items(content)

    def test_non_language_tabs_are_left_alone(self) -> None:
        source = TABS.replace('groupId="language"', 'groupId="os"').replace(
            'value="bash" label="Shell"', 'value="macos" label="macOS"'
        )
        assert adapt(source, profile(software_level="beginner", languages=["cpp"])).content == (
            source
        )


class TestOnlyTabForBeginners:
    def test_one_tab_then_the_others_collapsed(self) -> None:
        result = adapt(TABS, profile(software_level="beginner", languages=["cpp"]))
        content = result.content
        assert result.audience["tabs.only"] is True
        assert tab_items(content) == [("cpp", False), ("python", True), ("bash", False)]
        first_group_end = content.index("</Tabs>")
        assert 'value="python"' not in content[:first_group_end]
        details = content.index("<details>")
        assert first_group_end < details < content.index('value="python"')
        assert "<summary>Show this in another language: Python, Shell</summary>" in content
        assert result.detail("code_language").startswith("showed only the C++ tab")

    def test_the_others_are_still_reachable_and_code_is_intact(self) -> None:
        content = adapt(TABS, profile(software_level="beginner", languages=["cpp"])).content
        before = {code.content for code in parse_document(TABS).code}
        assert {code.content for code in parse_document(content).code} == before
        # Two complete Tabs groups, both inside well-formed JSX.
        assert content.count("<Tabs") == 2
        assert content.count("</Tabs>") == 2

    def test_default_value_points_at_a_child_in_both_groups(self) -> None:
        source = TABS.replace('<Tabs groupId="language">', '<Tabs defaultValue="python">')
        content = adapt(source, profile(software_level="beginner", languages=["bash"])).content
        assert content.index('<Tabs defaultValue="bash">') < content.index(
            '<Tabs defaultValue="python">'
        )

    def test_groups_with_a_values_prop_are_not_split(self) -> None:
        source = TABS.replace(
            '<Tabs groupId="language">',
            "<Tabs groupId=\"language\" values={[{label: 'Python', value: 'python'}]}>",
        )
        content = adapt(source, profile(software_level="beginner", languages=["cpp"])).content
        assert "<details>" not in content
        assert ("cpp", True) in tab_items(content)

    def test_indented_tab_items_keep_their_indentation(self) -> None:
        source = """<Tabs groupId="language">
  <TabItem value="py" label="Python" default>

    Indented prose.

    ```python
    print(1)
    ```

  </TabItem>
  <TabItem value="cpp" label="C++">

    ```cpp
    int x;
    ```

  </TabItem>
</Tabs>
"""
        content = adapt(source, profile(software_level="beginner", languages=["cpp"])).content
        assert '  <TabItem value="cpp" label="C++">\n\n    ```cpp\n' in content
