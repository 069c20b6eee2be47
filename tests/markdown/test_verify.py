from __future__ import annotations

from collections.abc import Collection

import pytest

from tailored.markdown import (
    Block,
    Document,
    IssueCode,
    parse_document,
    removed_code,
    removed_headings,
    removed_targets,
    verify_structure,
)


@pytest.fixture(scope="module")
def doc(kitchen_sink: str) -> Document:
    return parse_document(kitchen_sink)


def _block(doc: Document, kind: str, startswith: str = "") -> tuple[int, Block]:
    return next(
        (i, b) for i, b in enumerate(doc.blocks) if b.kind == kind and b.text.startswith(startswith)
    )


def _codes(original: str | Document, output: str, **allowed: Collection[str]) -> set[IssueCode]:
    result = verify_structure(original, output, **allowed)
    assert result.ok == (not result.issues)
    assert all(issue.message for issue in result.issues)
    return set(result.codes)


class TestAccepts:
    def test_identical(self, kitchen_sink: str) -> None:
        assert verify_structure(kitchen_sink, kitchen_sink).ok

    def test_identical_crlf(self, kitchen_sink: str) -> None:
        crlf = kitchen_sink.replace("\n", "\r\n")
        assert verify_structure(crlf, crlf).ok
        assert verify_structure(kitchen_sink, crlf).ok

    def test_rewritten_paragraph(self, doc: Document) -> None:
        index, _ = _block(doc, "paragraph", "This chapter")
        rewritten = (
            "In short: `inline code`, [relative](./intro.md), [absolute](https://docs.ros.org/en/humble/),\n"
            "[reference][ros], <https://example.com/auto> and "
            '<Highlight color="#25c2a0">JSX</Highlight>.\n'
        )
        assert verify_structure(doc, doc.render({index: rewritten})).ok

    def test_added_content_between_blocks(self, doc: Document) -> None:
        index, _ = _block(doc, "heading", "## Lists")
        out = doc.render(insert_after={index: "\n:::info\nA beginner note.\n:::\n"})
        assert verify_structure(doc, out).ok

    def test_block_removed_on_purpose(self, doc: Document) -> None:
        index, tip = _block(doc, "admonition", ":::tip")
        out = doc.render({index: None})
        assert _codes(doc, out) == {"code_block_missing"}
        assert verify_structure(doc, out, allowed_removed_code=removed_code([tip])).ok

    def test_section_removed_on_purpose(self, doc: Document) -> None:
        start, _ = _block(doc, "heading", "## Media")
        end, _ = _block(doc, "heading", "## Tabs")
        dropped = doc.blocks[start:end]
        out = doc.render(dict.fromkeys(range(start, end)))
        assert _codes(doc, out) == {"code_block_missing", "heading_missing", "link_target_missing"}
        result = verify_structure(
            doc,
            out,
            allowed_removed_code=removed_code(dropped),
            allowed_removed_headings=removed_headings(dropped),
            allowed_removed_targets=removed_targets(doc, dropped),
        )
        assert result.ok, result.issues

    def test_allowed_added_target(self, doc: Document) -> None:
        index, _ = _block(doc, "heading", "## Lists")
        out = doc.render(insert_after={index: "\nSee [basics](../basics.md).\n"})
        assert _codes(doc, out) == {"link_target_added"}
        assert verify_structure(doc, out, allowed_added_targets={"../basics.md"}).ok

    def test_allowed_front_matter_change(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("title: Kitchen Sink", "title: Fregadero")
        assert _codes(kitchen_sink, out) == {"front_matter_changed"}
        assert verify_structure(kitchen_sink, out, allowed_changed_front_matter_keys={"title"}).ok

    def test_reformatted_front_matter_with_same_values(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("tags: [ros2, basics]", "tags:\n  - ros2\n  - basics")
        assert verify_structure(kitchen_sink, out).ok


class TestRejects:
    def test_changed_code_block(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("    pass\n", "    pass  # changed\n")
        assert _codes(kitchen_sink, out) == {"code_block_changed"}

    def test_changed_info_string(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace('```python title="talker.py"', '```python title="x.py"')
        assert _codes(kitchen_sink, out) == {"code_block_changed"}

    def test_changed_code_inside_tabs(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace('std::cout << "hello";', 'std::cout << "bye";')
        assert _codes(kitchen_sink, out) == {"code_block_changed"}

    def test_invented_code_block(self, doc: Document) -> None:
        index, _ = _block(doc, "heading", "## Code")
        out = doc.render(insert_after={index: "\n```bash\nrm -rf /\n```\n"})
        assert _codes(doc, out) == {"unknown_code_block"}

    def test_dropped_heading(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("## Tables and quotes\n\n", "")
        assert _codes(kitchen_sink, out) == {"heading_missing"}

    def test_changed_anchor(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("{#kitchen-sink}", "{#sink}")
        result = verify_structure(kitchen_sink, out)
        assert result.codes == {"anchor_changed"}
        assert "#kitchen-sink" in result.issues[0].message

    def test_translated_heading_without_explicit_id(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("## Lists\n", "## Listas\n")
        assert _codes(kitchen_sink, out) == {"anchor_changed"}

    def test_heading_level_changed(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("## Code\n", "### Code\n")
        assert _codes(kitchen_sink, out) == {"heading_changed"}

    def test_headings_reordered(self, kitchen_sink: str) -> None:
        out = (
            kitchen_sink.replace("## Code\n", "## @@\n")
            .replace("## Media\n", "## Code\n")
            .replace("## @@\n", "## Media\n")
        )
        result = verify_structure(kitchen_sink, out)
        assert result.codes == {"heading_changed"}
        assert "out of order" in result.issues[0].message

    def test_altered_link_target(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("(./intro.md)", "(./introduction.md)")
        assert _codes(kitchen_sink, out) == {"link_target_added", "link_target_missing"}

    def test_altered_reference_definition(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("[ros]: https://www.ros.org", "[ros]: https://evil.example")
        assert _codes(kitchen_sink, out) == {"link_target_added", "link_target_missing"}

    def test_removed_front_matter_key(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("sidebar_position: 3\n", "")
        assert _codes(kitchen_sink, out) == {"front_matter_key_missing"}

    def test_removed_front_matter(self, doc: Document) -> None:
        assert _codes(doc, doc.render({0: None})) == {"front_matter_key_missing"}

    def test_changed_front_matter_value(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("sidebar_position: 3", "sidebar_position: 4")
        assert _codes(kitchen_sink, out) == {"front_matter_changed"}

    def test_unbalanced_jsx_block(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("</Tabs>\n", "")
        # The tabs' inner Markdown is parsed differently too, which the verifier also reports.
        assert "jsx_unbalanced" in _codes(kitchen_sink, out)

    def test_unbalanced_tab_item(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("  </TabItem>\n", "", 1)
        assert "jsx_unbalanced" in _codes(kitchen_sink, out)

    def test_unbalanced_inline_jsx(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("inline JSX</Highlight>", "inline JSX")
        assert _codes(kitchen_sink, out) == {"jsx_unbalanced"}

    def test_issue_lines_point_at_the_problem(self, kitchen_sink: str) -> None:
        out = kitchen_sink.replace("## Code\n", "### Code\n")
        (issue,) = verify_structure(kitchen_sink, out).issues
        assert issue.line is not None
        assert out.splitlines()[issue.line - 1] == "### Code"
