from __future__ import annotations

import difflib

import pytest

from tailored.markdown import Block, Document, Splice, parse_document


def _kinds(blocks: tuple[Block, ...]) -> list[str]:
    return [block.kind for block in blocks if block.kind != "blank"]


def _find(doc: Document, kind: str, startswith: str = "") -> Block:
    return next(b for b in doc.walk() if b.kind == kind and b.text.startswith(startswith))


def _assert_tiles(blocks: tuple[Block, ...], start: int, end: int) -> None:
    cursor = start
    for block in blocks:
        assert block.start == cursor
        assert block.end > block.start
        cursor = block.end
        if block.inner is not None:
            _assert_tiles(block.children, *block.inner)
    assert cursor == end


class TestRoundTrip:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            "\n",
            "\n\n\n",
            "no final newline",
            "# Title\n\nText",
            "# Title\n\nText\n\n\n",
            "---\ntitle: Only front matter\n---\n",
            "---\ntitle: Only front matter\n---",
            "mixed\r\nendings\rhere\nand\r\n",
            "tab\tand nul\0 chars\n",
            "last line is only spaces\n   ",
            "```\nunclosed fence\n\n",
            "<Tabs>\n\nunclosed jsx\n",
            ":::tip\nunclosed admonition\n\n",
            "\ufeff# BOM first\n",
        ],
    )
    def test_render_without_edits_is_identity(self, text: str) -> None:
        doc = parse_document(text)
        assert doc.render() == text
        assert doc.splice([]) == text
        assert "".join(b.text for b in doc.blocks) == text
        _assert_tiles(doc.blocks, 0, len(doc.lines))

    def test_kitchen_sink(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        assert doc.render() == kitchen_sink
        _assert_tiles(doc.blocks, 0, len(doc.lines))

    def test_kitchen_sink_crlf(self, kitchen_sink: str) -> None:
        crlf = kitchen_sink.replace("\n", "\r\n")
        doc = parse_document(crlf)
        assert doc.render() == crlf
        assert doc.newline == "\r\n"
        assert _kinds(doc.blocks) == _kinds(parse_document(kitchen_sink).blocks)

    def test_kitchen_sink_without_final_newline(self, kitchen_sink: str) -> None:
        text = kitchen_sink.rstrip("\n")
        assert parse_document(text).render() == text

    def test_empty_document_has_no_blocks(self) -> None:
        doc = parse_document("")
        assert doc.blocks == ()
        assert doc.front_matter is None


class TestBlocks:
    def test_top_level_kinds(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        assert _kinds(doc.blocks) == [
            "front_matter", "import", "heading", "paragraph", "heading", "heading",
            "heading", "list", "list", "heading", "table", "blockquote", "hr",
            "heading", "admonition", "admonition", "admonition", "heading", "fence", "fence",
            "code_block", "heading", "paragraph", "html", "jsx", "jsx", "heading", "jsx",
            "heading", "math", "jsx", "heading", "heading", "paragraph", "reference", "footnote",
        ]  # fmt: skip

    def test_line_ranges_and_text(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        lines = kitchen_sink.splitlines(keepends=True)
        front = doc.blocks[0]
        assert (front.kind, front.start, front.end) == ("front_matter", 0, 6)
        assert front.text == "".join(lines[0:6])
        imports = doc.blocks[1]
        assert (imports.kind, imports.start, imports.end) == ("import", 6, 11)
        table = _find(doc, "table")
        assert table.text.startswith("| Command |")
        assert table.text.endswith("| Print messages |\n")
        assert table.end - table.start == 4

    def test_headings_and_anchors(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        found = [(h.level, h.text, h.anchor, h.explicit_id) for h in doc.headings]
        assert found[:3] == [
            (1, "Kitchen Sink", "kitchen-sink", True),
            (1, "Setext Heading", "setext-heading", False),
            (2, "Second Setext", "second-setext", False),
        ]
        assert [h.anchor for h in doc.headings][-2:] == ["duplicate", "duplicate-1"]
        assert _find(doc, "heading", "Setext").end - _find(doc, "heading", "Setext").start == 2

    def test_heading_anchor_uses_plain_text(self) -> None:
        doc = parse_document("## Use `rclpy` with [ROS 2](https://ros.org)!\n")
        assert doc.headings[0].text == "Use rclpy with ROS 2!"
        assert doc.headings[0].anchor == "use-rclpy-with-ros-2"

    def test_code_samples(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        infos = [(c.kind, c.info) for c in doc.code]
        assert ("fence", 'python title="talker.py" showLineNumbers') in infos
        assert ("fence", "text") in infos
        assert ("code_block", "") in infos
        tilde = next(c for c in doc.code if c.info == "text")
        assert tilde.content == "A tilde fence with ``` inside.\n"
        assert sum(len(b.code) for b in doc.blocks) == len(doc.code)

    def test_admonitions(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        notes = [b for b in doc.blocks if b.kind == "admonition"]
        assert [(b.admonition.type, b.admonition.title) for b in notes if b.admonition] == [
            ("note", None),
            ("tip", "Pro Tip"),
            ("warning", "Legacy title"),
        ]
        tip = notes[1]
        assert tip.text.startswith(":::tip[Pro Tip]\n")
        assert tip.text.endswith(":::\n")
        assert _kinds(tip.children) == ["paragraph", "fence"]
        assert tip.inner == (tip.start + 1, tip.end - 1)
        assert tip.code[0].info == 'python title="setup.py"'

    def test_nested_admonitions(self) -> None:
        doc = parse_document("::::note\n:::tip\ninner\n:::\n::::\nafter\n")
        outer = doc.blocks[0]
        assert (outer.start, outer.end) == (0, 5)
        assert [(c.kind, c.start, c.end) for c in outer.children] == [("admonition", 1, 4)]
        assert doc.blocks[1].kind == "paragraph"

    def test_tabs_are_one_block_with_nested_tab_items(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        tabs = _find(doc, "jsx", "<Tabs")
        assert tabs.tag == "Tabs"
        assert tabs.text.rstrip().endswith("</Tabs>")
        assert tabs.protected
        items = [c for c in tabs.children if c.kind == "jsx"]
        assert [i.tag for i in items] == ["TabItem", "TabItem"]
        assert all(i.inner is not None for i in items)
        assert [c.content for c in tabs.code] == ['print("hello")\n', 'std::cout << "hello";\n']
        # Indentation inside JSX is not an indented code block in MDX.
        assert _kinds(items[1].children) == ["paragraph", "fence"]

    def test_details_spans_blank_lines(self, kitchen_sink: str) -> None:
        details = _find(parse_document(kitchen_sink), "jsx", "<details>")
        assert details.text.rstrip().endswith("</details>")
        assert _kinds(details.children) == ["jsx", "paragraph", "fence"]

    def test_jsx_without_blank_lines_still_finds_inner_code(self) -> None:
        text = '<TabItem value="a">\n```js\nrun()\n```\n</TabItem>\n'
        block = parse_document(text).blocks[0]
        assert (block.kind, block.start, block.end, block.inner) == ("jsx", 0, 5, (1, 4))
        assert [c.content for c in block.code] == ["run()\n"]

    def test_multiline_and_self_closing_tags(self) -> None:
        text = (
            '<Figure\n  src="a.png"\n  caption="x > y"\n/>\n\n'
            '<Tabs\n  groupId="g">\n\nHi\n\n</Tabs>\n'
        )
        doc = parse_document(text)
        assert [(b.kind, b.tag, b.start, b.end) for b in doc.blocks if b.kind != "blank"] == [
            ("jsx", "Figure", 0, 4),
            ("jsx", "Tabs", 5, 11),
        ]
        assert doc.blocks[-1].inner == (7, 10)

    def test_close_tag_inside_fence_is_ignored(self) -> None:
        text = "<Tabs>\n\n```md\n</Tabs>\n```\n\n</Tabs>\n"
        assert parse_document(text).blocks[0].end == 7

    def test_unbalanced_jsx_falls_back_to_html(self) -> None:
        doc = parse_document("<Tabs>\n\ntext\n")
        assert _kinds(doc.blocks) == ["html", "paragraph"]

    def test_inline_jsx_stays_in_its_paragraph(self) -> None:
        doc = parse_document('<Highlight color="red">Hot</Highlight> stuff.\n')
        assert _kinds(doc.blocks) == ["paragraph"]

    def test_jsx_inside_list_item_belongs_to_the_list(self) -> None:
        doc = parse_document("- step\n\n  <Tabs>\n\n  x\n\n  </Tabs>\n- next\n")
        assert _kinds(doc.blocks) == ["list"]

    def test_mdx_expression_block(self, kitchen_sink: str) -> None:
        block = _find(parse_document(kitchen_sink), "jsx", "{/*")
        assert block.tag is None
        assert block.protected

    def test_esm_needs_statement_syntax(self) -> None:
        doc = parse_document("import the module first.\n\nimport os from 'os'\n")
        assert _kinds(doc.blocks) == ["paragraph", "import"]
        assert _kinds(parse_document("export default Layout;\n").blocks) == ["export"]

    def test_protected_flags(self, kitchen_sink: str) -> None:
        protected = {b.kind for b in parse_document(kitchen_sink).walk() if b.protected}
        assert {"front_matter", "fence", "code_block", "jsx", "import", "math"} <= protected
        unprotected = {b.kind for b in parse_document(kitchen_sink).walk() if not b.protected}
        assert unprotected == {"heading", "paragraph", "list", "table", "blockquote"} | {
            "admonition",
            "footnote",
        }

    def test_front_matter_and_references(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        assert doc.front_matter is not None
        assert "sidebar_position: 3" in doc.front_matter
        assert doc.reference_labels == {"ROS"}


class TestEditing:
    def test_editing_one_paragraph_changes_only_its_bytes(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        index, para = next((i, b) for i, b in enumerate(doc.blocks) if b.kind == "paragraph")
        new = "A rewritten paragraph.\nOn two lines.\n"
        out = doc.render({index: new})
        assert (
            out
            == kitchen_sink[: kitchen_sink.index(para.text)]
            + new
            + kitchen_sink[kitchen_sink.index(para.text) + len(para.text) :]
        )
        changed = [
            line
            for line in difflib.unified_diff(kitchen_sink.splitlines(), out.splitlines(), n=0)
            if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
        ]
        assert changed == [f"-{line}" for line in para.text.splitlines()] + [
            "+A rewritten paragraph.",
            "+On two lines.",
        ]

    def test_delete_and_insert(self) -> None:
        doc = parse_document("# A\n\nOne.\n\nTwo.\n")
        assert doc.render({2: None}) == "# A\n\n\nTwo.\n"
        assert doc.render(insert_before={4: "New.\n\n"}) == "# A\n\nOne.\n\nNew.\n\nTwo.\n"
        assert doc.render(insert_after={0: "\nIntro."}) == "# A\n\nIntro.\n\nOne.\n\nTwo.\n"

    def test_replacement_without_newline_does_not_glue_lines(self) -> None:
        doc = parse_document("One.\nTwo.\n\nThree.\n")
        assert doc.render({0: "Uno. Dos."}) == "Uno. Dos.\n\nThree.\n"

    def test_last_block_without_final_newline(self) -> None:
        doc = parse_document("# A\n\nlast")
        assert doc.render({2: "final"}) == "# A\n\nfinal"

    def test_crlf_edits_use_crlf(self) -> None:
        doc = parse_document("# A\r\n\r\nOne.\r\n\r\nTwo.\r\n")
        assert doc.render({2: "Uno.\nUno bis.\n"}) == "# A\r\n\r\nUno.\r\nUno bis.\r\n\r\nTwo.\r\n"

    def test_splice_nested_block(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        tip = next(b for b in doc.blocks if b.admonition and b.admonition.type == "tip")
        para = next(c for c in tip.children if c.kind == "paragraph")
        out = doc.splice([Splice.replace(para, "Rewritten tip.\n")])
        assert ":::tip[Pro Tip]\n\nRewritten tip.\n\n```python" in out
        assert out.replace("Rewritten tip.\n", para.text) == kitchen_sink

    def test_overlapping_edits_are_rejected(self) -> None:
        doc = parse_document("a\n\nb\n")
        with pytest.raises(ValueError, match="overlapping"):
            doc.splice([Splice(0, 3, "x\n"), Splice(2, 3, "y\n")])


class TestDamagedInput:
    def test_every_truncation_and_deletion_round_trips(self, kitchen_sink: str) -> None:
        # Cutting a file anywhere leaves unclosed fences, tags and admonitions behind.
        lines = kitchen_sink.splitlines(keepends=True)
        for cut in range(len(lines) + 1):
            for text in (
                "".join(lines[:cut]),
                "".join(lines[cut:]),
                "".join(lines[:cut] + lines[cut + 1 :]),
            ):
                doc = parse_document(text)
                assert doc.render() == text
                _assert_tiles(doc.blocks, 0, len(doc.lines))
