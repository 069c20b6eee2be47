"""One doc → a chapter: title, source, and the sections ingest stores."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tailored.content.loader import ChapterParseError, load_docs, parse_chapter
from tests.content.docs import anchors, by_id, write


def test_title_fallbacks(tmp_path: Path) -> None:
    write(tmp_path, "fm.md", "---\ntitle: From Front Matter\n---\n# Heading\n")
    write(tmp_path, "h1.md", "Intro text\n\n## Not this\n\n# The `rclpy` *API*\n")
    write(tmp_path, "01-from-id.md", "## Only h2\n")
    write(tmp_path, "blank.md", "---\ntitle: ''\n---\n# From H1\n")
    write(tmp_path, "explicit.md", "# Heading {#custom}\n")
    result = load_docs(tmp_path)
    assert by_id(result, "fm").title == "From Front Matter"
    assert by_id(result, "h1").title == "The rclpy API"
    assert by_id(result, "from-id").title == "from-id"
    assert by_id(result, "blank").title == "From H1"
    assert by_id(result, "explicit").title == "Heading"


def test_empty_file(tmp_path: Path) -> None:
    write(tmp_path, "01-empty.md", b"")
    result = load_docs(tmp_path)
    assert result.errors == ()
    chapter = by_id(result, "empty")
    assert chapter.sections == ()
    assert chapter.title == "empty"
    assert chapter.source == ""
    assert chapter.front_matter == {}
    assert chapter.source_hash == hashlib.sha256(b"").hexdigest()


def test_no_front_matter_and_thematic_break(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "# A\n\ntext\n\n---\n\nmore\n")
    chapter = by_id(load_docs(tmp_path), "a")
    assert chapter.front_matter == {}
    assert len(chapter.sections) == 1
    assert chapter.sections[0].end_line == 7


def test_source_is_byte_identical_and_hashed(tmp_path: Path) -> None:
    raw = "---\r\ntitle: Crlf\r\n---\r\n# Héading\r\n\r\nBody with ✓\r\nno final newline".encode()
    write(tmp_path, "crlf.md", raw)
    chapter = by_id(load_docs(tmp_path), "crlf")
    assert chapter.source.encode("utf-8") == raw
    assert chapter.source_hash == hashlib.sha256(raw).hexdigest()
    assert chapter.title == "Crlf"
    assert chapter.sections[0].start_line == 3
    assert chapter.sections[0].text == "# Héading\r\n\r\nBody with ✓\r\nno final newline"


def test_bom_is_kept_in_source_but_does_not_hide_front_matter(tmp_path: Path) -> None:
    raw = "\ufeff---\ntitle: Bom\n---\n# H\n".encode()
    write(tmp_path, "bom.md", raw)
    chapter = by_id(load_docs(tmp_path), "bom")
    assert chapter.title == "Bom"
    assert chapter.source.encode("utf-8") == raw
    assert anchors(chapter) == ["h"]


def test_parse_chapter_on_text() -> None:
    chapter = parse_chapter("# Hello\n\nWorld\n", rel_path="02-part/01-hello.md", position=4)
    assert chapter.id == "part/hello"
    assert chapter.path == "02-part/01-hello.md"
    assert chapter.position == 4
    assert chapter.source_hash == hashlib.sha256(b"# Hello\n\nWorld\n").hexdigest()
    assert anchors(chapter) == ["hello"]
    with pytest.raises(ChapterParseError, match="front matter must be a mapping"):
        parse_chapter("---\n- a\n---\n", rel_path="x.md")


MDX_DOC = """\
---
title: MDX chapter
---
import Tabs from '@theme/Tabs';
import TabItem from '@theme/TabItem';

<Tabs>
# not a heading in JSX
</Tabs>

<div>
## not a heading in HTML
</div>

## Real heading

```bash
# a shell comment
```

~~~python
# a python comment
~~~

<TabItem value="py">
### still not a heading
</TabItem>

## Second {#second-explicit}
"""


def test_mdx_jsx_imports_and_code_do_not_make_headings(tmp_path: Path) -> None:
    write(tmp_path, "01-mdx.mdx", MDX_DOC)
    result = load_docs(tmp_path)
    assert result.errors == ()
    chapter = by_id(result, "mdx")
    assert anchors(chapter) == [None, "real-heading", "second-explicit"]
    preamble = chapter.sections[0]
    assert (preamble.level, preamble.heading) == (0, "")
    assert preamble.start_line == 3
    assert preamble.text.startswith("import Tabs from '@theme/Tabs';\n")
    assert "# not a heading in JSX" in preamble.text
    assert chapter.sections[1].heading == "Real heading"
    assert "# a python comment" in chapter.sections[1].text
    assert chapter.sections[2].heading == "Second"


def test_setext_headings(tmp_path: Path) -> None:
    text = "Title\n=====\n\nIntro.\n\nSub part\n--------\n\ntext\n"
    chapter = parse_chapter(text, rel_path="s.md")
    assert [(s.anchor, s.level, s.start_line, s.end_line) for s in chapter.sections] == [
        ("title", 1, 0, 5),
        ("sub-part", 2, 5, 9),
    ]
    assert chapter.title == "Title"


def test_duplicate_anchors_and_explicit_ids() -> None:
    text = (
        "## Setup\n\n## Setup\n\n## Setup 1\n\n## Setup\n\n"
        "## Install {#install-steps}\n\n## Install steps\n\n## Custom {#Setup}\n"
    )
    chapter = parse_chapter(text, rel_path="d.md")
    assert anchors(chapter) == [
        "setup",
        "setup-1",
        "setup-1-1",
        "setup-2",
        "install-steps",
        "install-steps-1",
        "Setup",
    ]
    assert [s.heading for s in chapter.sections][4] == "Install"


def test_unicode_headings() -> None:
    text = "# اردو میں خوش آمدید\n\n## Café Déjà Vu\n\n## 日本語の見出し\n\n## Привет, мир!\n"
    chapter = parse_chapter(text, rel_path="u.md")
    assert anchors(chapter) == [
        "اردو-میں-خوش-آمدید",
        "café-déjà-vu",
        "日本語の見出し",
        "привет-мир",
    ]
    assert chapter.title == "اردو میں خوش آمدید"


def test_heading_markup_is_removed_from_titles_and_anchors() -> None:
    text = (
        "## The `rclpy` API\n\n## **Bold** and _em_ and [link](http://x)\n\n"
        "## Image ![alt text](i.png) here\n\n## A &amp; B \\*\n\n## ~~Old~~ New\n"
    )
    chapter = parse_chapter(text, rel_path="m.md")
    assert [s.heading for s in chapter.sections] == [
        "The rclpy API",
        "Bold and em and link",
        "Image alt text here",
        "A & B *",
        "Old New",
    ]
    assert anchors(chapter) == [
        "the-rclpy-api",
        "bold-and-em-and-link",
        "image-alt-text-here",
        "a--b-",
        "old-new",
    ]


def test_nested_headings_take_anchors_without_splitting() -> None:
    text = (
        "## Top\n\n"
        ":::note Heads up\n\n## Inside note\n\nSetext inside\n---\n\n:::\n\n"
        "> ## Quoted\n\n"
        "- ## In a list\n\n"
        "## Inside note\n"
    )
    chapter = parse_chapter(text, rel_path="n.md")
    assert anchors(chapter) == ["top", "inside-note-1"]
    assert chapter.sections[0].end_line == 15


DOC_FOR_RANGES = (
    "---\ntitle: Ranges\n---\n\nPreamble line\n\n# One\ntext\n\n## Two\r\n"
    "```\n# code\n```\nTwo\n===\n\n### Three\nlast line without newline"
)


@pytest.mark.parametrize(
    "text",
    [
        DOC_FOR_RANGES,
        "\n\n\n# Only heading\n",
        "# A\n\n# B\n\n",
        "no headings at all\n",
        "---\nid: x\n---\n\n\n",
        "   \n\t\n",
        "line\rwith\rCR only\r# H\rtext",
    ],
)
def test_section_ranges_reassemble_the_body(text: str) -> None:
    chapter = parse_chapter(text, rel_path="r.md")
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)
    front_end = 3 if text.startswith("---\n") else 0
    body = lines[front_end:]
    sections = chapter.sections
    for index, section in enumerate(sections):
        assert section.text == "".join(lines[section.start_line : section.end_line])
        if index:
            assert section.start_line == sections[index - 1].end_line
    if sections:
        assert sections[-1].end_line == len(lines)
        skipped = lines[front_end : sections[0].start_line]
        assert all(not line.strip() for line in skipped)  # only blank lines are left out
        assert "".join(s.text for s in sections) == "".join(body)[len("".join(skipped)) :]
    else:
        assert not "".join(body).strip()


def test_ranges_of_the_mixed_document() -> None:
    chapter = parse_chapter(DOC_FOR_RANGES, rel_path="r.md")
    assert [(s.anchor, s.level, s.start_line, s.end_line) for s in chapter.sections] == [
        (None, 0, 3, 6),
        ("one", 1, 6, 9),
        ("two", 2, 9, 13),
        ("two-1", 1, 13, 16),
        ("three", 3, 16, 18),
    ]
