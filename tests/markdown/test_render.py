"""Markdown/MDX → sanitized HTML for the reader (`tailored.markdown.render.render_html`)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from tailored.markdown import parse_document
from tailored.markdown.render import (
    _RenderCache,
    render_cache_info,
    render_html,
    render_html_async,
)
from tests.web.html_facts import assert_inert, read_html

# Each one tries to get code to run in the reader; `marker` must not survive as markup.
HOSTILE = {
    "script block": "<script>alert('x')</script>\n\nafter",
    "script inline": "text <script>alert('x')</script> more",
    "script in JSX": (
        "<Tabs>\n<TabItem value='a'>\n\n<script>alert('x')</script>\n\n</TabItem>\n</Tabs>"
    ),
    "script in admonition": ":::note\n<script>alert('x')</script>\n:::",
    "img onerror": '<img src="x.png" onerror="alert(\'x\')">',
    "onclick on a link": '<a href="https://example.org" onclick="alert(\'x\')">go</a>',
    "handler on a div block": "<div onmouseover=\"alert('x')\">\n\n**hover**\n\n</div>",
    "svg onload": "<svg onload=\"alert('x')\"><circle r='1'/></svg>",
    "javascript: in Markdown link": "[go](javascript:alert('x'))",
    "javascript: in Markdown image": "![pic](javascript:alert('x'))",
    "javascript: in HTML link": "<a href=\"JaVaScRiPt:alert('x')\">go</a>",
    "javascript: entity-encoded": "<a href=\"jav&#x61;script:alert('x')\">go</a>",
    "javascript: in reference link": "[go][x]\n\n[x]: javascript:alert('x')",
    "data: URL": '<a href="data:text/html,<script>alert(1)</script>">go</a>',
    "iframe": '<iframe src="https://example.org/x"></iframe>',
    "iframe srcdoc": "<iframe srcdoc=\"<script>alert('x')</script>\"></iframe>",
    "object and embed": '<object data="x.swf"></object><embed src="x.swf">',
    "style attribute": '<p style="background:url(javascript:alert(1))">styled</p>',
    "style element": "<style>body{background:red}</style>",
    "form": '<form action="https://evil.example"><input name="password"></form>',
    "heading id breakout": '## Title {#x" onmouseover="alert(1)}',
    "admonition title": ":::tip[<img src=x onerror=alert('x')>]\nbody\n:::",
    "tab label": (
        "<Tabs>\n<TabItem label=\"<img src=x onerror=alert('x')>\">\n\nbody\n\n</TabItem>\n</Tabs>"
    ),
}


class TestSanitization:
    @pytest.mark.parametrize("markdown", HOSTILE.values(), ids=HOSTILE.keys())
    def test_nothing_can_run(self, markdown: str) -> None:
        assert_inert(render_html(markdown))

    def test_script_content_is_dropped_not_shown(self) -> None:
        facts = assert_inert(render_html("before\n\n<script>alert('x')</script>\n\nafter"))
        assert "alert" not in facts.text
        assert "before" in facts.text
        assert "after" in facts.text

    def test_harmless_markup_survives_sanitizing(self) -> None:
        facts = read_html(
            render_html("<details>\n<summary>More</summary>\n\nHidden **bold**\n\n</details>")
        )
        assert [e.text for e in facts.all("summary")] == ["More"]
        assert [e.text for e in facts.all("strong")] == ["bold"]

    def test_links_keep_safe_urls_and_get_noopener(self) -> None:
        facts = read_html(render_html("[docs](https://example.org/x) [next](./02-next.md#part)"))
        links = {e.attrs["href"]: e.attrs.get("rel") for e in facts.all("a")}
        assert links == {
            "https://example.org/x": "noopener noreferrer",
            "./02-next.md#part": "noopener noreferrer",
        }

    def test_table_alignment_uses_attributes_not_styles(self) -> None:
        facts = assert_inert(render_html("| a | b |\n|--:|:-:|\n| 1 | 2 |"))
        assert [e.attrs.get("align") for e in facts.all("td")] == ["right", "center"]


class TestAdmonitions:
    def test_title_in_brackets(self) -> None:
        facts = read_html(render_html(":::tip[Set up once]\nInstall **ROS 2**.\n:::"))
        (box,) = facts.with_class("admonition")
        assert box.attrs["class"] == "admonition admonition-tip"
        assert [e.text for e in facts.with_class("title")] == ["Set up once"]
        assert "Install ROS 2." in box.text
        assert [e.text for e in facts.all("strong")] == ["ROS 2"]

    def test_without_title_the_kind_is_the_title(self) -> None:
        facts = read_html(render_html(":::warning\nHot.\n:::"))
        assert facts.with_class("admonition-warning")
        assert [e.text for e in facts.with_class("title")] == ["Warning"]

    def test_legacy_title_after_the_kind(self) -> None:
        facts = read_html(render_html(":::note Read this first\nBody.\n:::"))
        assert [e.text for e in facts.with_class("title")] == ["Read this first"]

    def test_title_markup_is_text(self) -> None:
        facts = read_html(render_html(":::tip[<b>bold</b> & more]\nBody.\n:::"))
        assert [e.text for e in facts.with_class("title")] == ["<b>bold</b> & more"]
        assert "b" not in facts.tags()


class TestCode:
    SOURCE = (
        '<script>alert("x")</script>\n'
        "</code></pre><img src=x onerror=alert(1)>\n"
        "if a < b && c > d: pass\n"
    )

    def test_fenced_code_is_escaped_and_byte_identical(self) -> None:
        html = render_html(f"```html\n{self.SOURCE}```\n")
        facts = assert_inert(html)
        (code,) = facts.all("code")
        assert code.attrs["class"] == "language-html"
        assert code.text == self.SOURCE
        assert "<script" not in html  # escaped, highlighted or not

    def test_indented_code_and_inline_code_are_escaped(self) -> None:
        facts = assert_inert(render_html("    <b onclick=x>hi</b>\n\nUse `<script>` here."))
        assert [e.text for e in facts.all("code")] == ["<b onclick=x>hi</b>\n", "<script>"]
        assert "b" not in facts.tags()

    def test_heading_id_syntax_inside_code_is_left_alone(self) -> None:
        facts = read_html(render_html("```css\n.a {#b}\n```\n"))
        assert [e.text for e in facts.all("code")] == [".a {#b}\n"]


class TestMdx:
    SOURCE = (
        "---\ntitle: T\nsidebar_position: 3\n---\n\n"
        "import Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n"
        "export const meta = {draft: true};\n\n"
        "# T\n\n{/* an MDX comment */}\n\n"
        '<Tabs groupId="lang">\n<TabItem value="py" label="Python" default>\n'
        "```python\nprint('hi')\n```\n</TabItem>\n<TabItem value=\"cpp\">\n\n"
        "Compile **first**.\n\n</TabItem>\n</Tabs>\n"
    )

    def test_import_export_front_matter_and_comments_are_dropped(self) -> None:
        facts = read_html(render_html(self.SOURCE))
        for gone in ("import", "export", "@theme", "sidebar_position", "an MDX comment"):
            assert gone not in facts.text

    def test_tabs_content_stays_visible_with_labels(self) -> None:
        facts = read_html(render_html(self.SOURCE))
        assert not facts.tags() & {"tabs", "tabitem"}
        (tabs,) = facts.with_class("mdx-tabs")
        items = facts.with_class("mdx-tabitem")
        assert [e.text for e in facts.with_class("tab-label")] == ["Python", "cpp"]
        assert "print('hi')" in items[0].text
        assert "Compile first." in items[1].text
        assert [e.text for e in facts.all("code")] == ["print('hi')\n"]
        assert [e.text for e in facts.all("strong")] == ["first"]
        assert items[0].text in tabs.text

    def test_sample_mdx_chapter(self, textbook_dir: Path) -> None:
        source = (textbook_dir / "deployment" / "jetson-edge.mdx").read_text()
        facts = assert_inert(render_html(source))
        assert "import Tabs" not in facts.text
        assert [e.text for e in facts.with_class("tab-label")] == ["Python", "C++"]
        assert any("execute_async_v3" in e.text for e in facts.all("code"))


class TestHeadingIds:
    """`## Title {#id}` becomes `<h2 id="id">Title</h2>`; other headings get Docusaurus slugs."""

    def test_explicit_id_becomes_the_id_and_leaves_the_text(self) -> None:
        facts = read_html(render_html("## Quality of Service {#qos-profiles}\n"))
        (h2,) = facts.all("h2")
        assert h2.attrs["id"] == "qos-profiles"
        assert h2.text == "Quality of Service"
        assert "{#" not in facts.text

    def test_other_headings_get_unique_slugs(self) -> None:
        facts = read_html(render_html("# The `ros2` CLI!\n\n## Setup\n\n## Setup\n"))
        ids = [e.attrs["id"] for e in facts.elements if e.tag in ("h1", "h2")]
        assert ids == ["the-ros2-cli", "setup", "setup-1"]

    @pytest.mark.parametrize(
        "chapter",
        [
            "intro.md",
            "ros2/01-nodes-and-topics.md",
            "ros2/02-urdf.md",
            "perception/cameras-and-depth.md",
            "deployment/jetson-edge.mdx",
            "i18n/ur/docusaurus-plugin-content-docs/current/intro.md",
        ],
    )
    def test_ids_are_the_document_model_anchors(self, textbook_dir: Path, chapter: str) -> None:
        # The anchors the content library and the verifier know are the ones links land on.
        source = (textbook_dir / chapter).read_text()
        facts = read_html(render_html(source))
        ids = [e.attrs.get("id") for e in facts.elements if e.tag in {f"h{n}" for n in range(7)}]
        assert ids == [h.anchor for h in parse_document(source).headings]
        assert "{#" not in facts.text

    def test_heading_in_jsx_and_strikethrough_as_docusaurus_shows_them(self) -> None:
        source = "# Title\n<div>\n## Deep dive\n</div>\n## Next ~~old~~\n"
        facts = read_html(render_html(source))
        ids = [e.attrs.get("id") for e in facts.elements if e.tag in ("h1", "h2")]
        assert ids == ["title", "deep-dive", "next-old"]
        assert [e.text for e in facts.all("s")] == ["old"]


class TestRenderOffTheLoop:
    """Callers on the event loop render in a worker thread, through a bounded cache."""

    async def test_the_same_input_renders_once(self) -> None:
        text = f"# Cached\n\nBody {uuid.uuid4()}\n"
        before = render_cache_info()
        first = await render_html_async(text)
        middle = render_cache_info()
        second = await render_html_async(text)
        after = render_cache_info()
        assert first == second == render_html(text)
        assert (middle.misses - before.misses, middle.hits - before.hits) == (1, 0)
        assert (after.misses - middle.misses, after.hits - middle.hits) == (0, 1)

    async def test_a_big_render_does_not_block_the_loop(self, textbook_dir: Path) -> None:
        chapter = (textbook_dir / "ros2" / "01-nodes-and-topics.md").read_text()
        big = f"<!-- {uuid.uuid4()} -->\n\n" + chapter * (100_000 // len(chapter) + 1)
        order: list[str] = []

        async def render() -> None:
            await render_html_async(big)
            order.append("render")

        async def tick() -> None:
            await asyncio.sleep(0)
            order.append("tick")

        # Rendered on the loop, `render` would finish within its first step, before `tick`
        # resumes; in a worker thread, `tick` runs while the render is still going.
        await asyncio.gather(render(), tick())
        assert order == ["tick", "render"]

    def test_the_cache_is_bounded_by_entries_and_size(self) -> None:
        cache = _RenderCache(max_entries=2, max_chars=10)
        cache.put(b"a", "1234")
        cache.put(b"b", "1234")
        assert cache.get(b"a") == "1234"  # now the most recently used
        cache.put(b"c", "1234")
        assert cache.get(b"b") is None
        assert cache.get(b"a") == "1234"
        cache.put(b"d", "123456")  # 4 + 4 + 6 > 10: the least recently used goes
        assert cache.info().chars <= 10
        assert cache.get(b"d") == "123456"
        cache.put(b"huge", "x" * 11)  # larger than the whole cache: not kept
        assert cache.get(b"huge") is None
