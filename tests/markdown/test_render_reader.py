"""What the reader needs from chapter HTML: highlighted code with its title, and MDX
components that degrade (children shown, props never shown)."""

from __future__ import annotations

import pytest

from tailored.markdown.highlight import parse_info
from tailored.markdown.render import render_html
from tests.web.html_facts import assert_inert


class TestCodeBlocks:
    def test_title_and_language_and_highlighting(self) -> None:
        html = render_html('```python title="talker.py"\nimport rclpy\nx = 1  # hi\n```\n')
        facts = assert_inert(html)
        (title,) = facts.with_class("code-title")
        assert title.text == "talker.py"
        (code,) = facts.all("code")
        assert code.attrs["class"] == "language-python"
        assert code.text == "import rclpy\nx = 1  # hi\n"  # highlighting keeps every byte
        classes = {s.attrs.get("class") for s in facts.all("span")}
        assert {"tok-kn", "tok-c1"} <= classes

    def test_unknown_language_is_plain_and_escaped(self) -> None:
        facts = assert_inert(render_html("```nosuchlang\n<b>x</b>\n```\n"))
        (code,) = facts.all("code")
        assert code.text == "<b>x</b>\n"
        assert not facts.all("span")

    @pytest.mark.parametrize(
        ("info", "expected"),
        [
            ('python title="a.py"', ("python", "a.py")),
            ("bash {1,3} showLineNumbers", ("bash", None)),
            ("title='b c.txt'", ("", "b c.txt")),
            ("", ("", None)),
            ("py title=x.py", ("py", "x.py")),
        ],
    )
    def test_info_string(self, info: str, expected: tuple[str, str | None]) -> None:
        assert parse_info(info) == expected


class TestComponents:
    @pytest.mark.parametrize(
        ("source", "shown"),
        [
            ('<Card emojiPrefix="🤖" isDefinitive={true}>Hello **there**</Card>\n', "Hello there"),
            ('Text <Highlight color="red">word</Highlight> more\n', "Text word more"),
            ('<Quiz questions={[{q: "a > b", isDefinitive: true}]} />\n', ""),
            ('Para <Foo a={{ emojiPrefix: "x" }} /> inline\n', "Para  inline"),
            (
                '<Callout\n  emojiPrefix="x"\n  isDefinitive={true}\n>\n\nBody\n\n</Callout>\n',
                "Body",
            ),
        ],
    )
    def test_children_render_and_props_never_leak(self, source: str, shown: str) -> None:
        html = render_html(source)
        facts = assert_inert(html)
        text = facts.text.strip()
        assert text == shown
        for prop in ("emojiPrefix", "isDefinitive", "questions", "color="):
            assert prop not in html

    def test_html_and_code_are_left_alone(self) -> None:
        html = render_html("A <kbd>Ctrl</kbd> and `<Foo x />` and a < b > c\n")
        assert "<kbd>Ctrl</kbd>" in html
        assert "&lt;Foo x /&gt;" in html
        assert "a &lt; b &gt; c" in html
