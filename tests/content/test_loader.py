from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from tailored.content.loader import (
    ChapterParseError,
    LoadResult,
    ParsedChapter,
    load_docs,
    parse_chapter,
    split_number_prefix,
)

EXAMPLE_TEXTBOOK = Path(__file__).resolve().parents[2] / "examples" / "textbook"


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def ids(result: LoadResult) -> list[str]:
    return [chapter.id for chapter in result.chapters]


def by_id(result: LoadResult, chapter_id: str) -> ParsedChapter:
    return next(chapter for chapter in result.chapters if chapter.id == chapter_id)


def errors(result: LoadResult) -> dict[str, str]:
    return {error.path: error.message for error in result.errors}


def anchors(chapter: ParsedChapter) -> list[str | None]:
    return [section.anchor for section in chapter.sections]


# --- ids, prefixes, order -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("01-intro", ("intro", 1)),
        ("1_intro", ("intro", 1)),
        ("1.intro", ("intro", 1)),
        ("003 - myDoc", ("myDoc", 3)),
        ("0-x", ("x", 0)),
        ("10--x", ("x", 10)),
        ("01 intro", ("01 intro", None)),  # a separator character is required
        ("2021-01-31-post", ("2021-01-31-post", None)),  # date-like
        ("1.2-release", ("1.2-release", None)),  # version-like
        ("01-", ("01-", None)),
        ("intro", ("intro", None)),
    ],
)
def test_split_number_prefix(name: str, expected: tuple[str, int | None]) -> None:
    assert split_number_prefix(name) == expected


def test_number_prefixes_are_stripped_from_every_segment(tmp_path: Path) -> None:
    write(tmp_path, "01-ros2/01_nodes.md", "# Nodes\n")
    write(tmp_path, "01-ros2/02.topics.mdx", "# Topics\n")
    write(tmp_path, "01-ros2/03 - services.md", "# Services\n")
    write(tmp_path, "01-ros2/10-deep/2021-01-31-log.md", "# Log\n")
    result = load_docs(tmp_path)
    assert result.errors == ()
    assert ids(result) == [
        "ros2/nodes",
        "ros2/topics",
        "ros2/services",
        "ros2/deep/2021-01-31-log",
    ]
    assert by_id(result, "ros2/topics").path == "01-ros2/02.topics.mdx"


def test_parse_number_prefixes_false_keeps_names(tmp_path: Path) -> None:
    write(tmp_path, "01-part/02-doc.md", "---\nparse_number_prefixes: false\n---\n# Doc\n")
    assert ids(load_docs(tmp_path)) == ["01-part/02-doc"]


def test_explicit_id_and_slug(tmp_path: Path) -> None:
    write(
        tmp_path,
        "01-ros2/01-nodes.md",
        "---\nid: custom\nslug: /nodes-url\ntitle: Nodes\n---\nBody\n",
    )
    write(tmp_path, "plain.md", "Body\n")
    result = load_docs(tmp_path)
    assert result.errors == ()
    chapter = by_id(result, "ros2/custom")
    assert chapter.slug == "/nodes-url"
    assert chapter.title == "Nodes"
    assert chapter.front_matter == {"id": "custom", "slug": "/nodes-url", "title": "Nodes"}
    assert by_id(result, "plain").slug is None


def test_sidebar_order_with_categories_and_unpositioned_items(tmp_path: Path) -> None:
    write(tmp_path, "intro.md", "---\nsidebar_position: 1\n---\n# Intro\n")
    write(tmp_path, "b/_category_.json", json.dumps({"label": "B", "position": 2}))
    write(tmp_path, "b/second.md", "---\nsidebar_position: 2\n---\n")
    write(tmp_path, "b/first.md", "---\nsidebar_position: 1\n---\n")
    write(tmp_path, "b/loose.md", "")
    write(tmp_path, "c/_category_.yml", "label: C\nposition: 2.5\n")
    write(tmp_path, "c/x.md", "")
    write(tmp_path, "03-later.md", "")
    write(tmp_path, "a/y.md", "")  # unpositioned folder
    write(tmp_path, "zeta.md", "")
    write(tmp_path, "alpha.md", "")
    write(tmp_path, "tie-b.md", "---\nsidebar_position: 7\n---\n")
    write(tmp_path, "tie-a.md", "---\nsidebar_position: 7\n---\n")
    result = load_docs(tmp_path)
    assert result.errors == ()
    assert ids(result) == [
        "intro",
        "b/first",
        "b/second",
        "b/loose",
        "c/x",
        "later",
        "tie-a",
        "tie-b",
        "a/y",
        "alpha",
        "zeta",
    ]
    assert [chapter.position for chapter in result.chapters] == list(range(11))


def test_front_matter_position_beats_number_prefix(tmp_path: Path) -> None:
    write(tmp_path, "01-first.md", "---\nsidebar_position: 5\n---\n")
    write(tmp_path, "02-second.md", "")
    write(tmp_path, "03-part/x.md", "")
    write(tmp_path, "04-part/_category_.json", '{"position": 0}')
    write(tmp_path, "04-part/y.md", "")
    assert ids(load_docs(tmp_path)) == ["part/y", "second", "part/x", "first"]


def test_nested_folders(tmp_path: Path) -> None:
    write(tmp_path, "01-part/02-chapter/02-b.md", "")
    write(tmp_path, "01-part/02-chapter/01-a.md", "")
    write(tmp_path, "01-part/01-overview.md", "")
    write(tmp_path, "01-part/03-tail.md", "")
    write(tmp_path, "02-next/01-z.md", "")
    result = load_docs(tmp_path)
    assert ids(result) == [
        "part/overview",
        "part/chapter/a",
        "part/chapter/b",
        "part/tail",
        "next/z",
    ]
    assert by_id(result, "part/chapter/a").path == "01-part/02-chapter/01-a.md"


def test_category_index_doc_comes_first(tmp_path: Path) -> None:
    write(tmp_path, "guide/a.md", "")
    write(tmp_path, "guide/b.md", "---\nsidebar_position: 1\n---\n")
    write(tmp_path, "guide/index.md", "---\nsidebar_position: 9\n---\n")
    write(tmp_path, "02-tools/01-x.md", "")
    write(tmp_path, "02-tools/02-tools.md", "")  # named like its folder
    write(tmp_path, "03-ref/README.md", "")
    write(tmp_path, "03-ref/01-api.md", "")
    result = load_docs(tmp_path)
    assert result.errors == ()
    # "guide" takes its index doc's position (9) as the category position.
    assert ids(result) == [
        "tools/tools",
        "tools/x",
        "ref/README",
        "ref/api",
        "guide/index",
        "guide/b",
        "guide/a",
    ]


def test_category_link_settings(tmp_path: Path) -> None:
    write(tmp_path, "g/_category_.json", '{"link": null}')
    write(tmp_path, "g/index.md", "")
    write(tmp_path, "g/a.md", "---\nsidebar_position: 1\n---\n")
    write(tmp_path, "h/_category_.json", '{"link": {"type": "doc", "id": "z"}}')
    write(tmp_path, "h/a.md", "")
    write(tmp_path, "h/z.md", "")
    write(tmp_path, "i/_category_.json", '{"link": {"type": "generated-index"}}')
    write(tmp_path, "i/index.md", "---\nsidebar_position: 2\n---\n")
    write(tmp_path, "i/a.md", "---\nsidebar_position: 1\n---\n")
    write(tmp_path, "j/_category_.json", '{"link": {"type": "doc", "id": "missing"}}')
    write(tmp_path, "j/a.md", "")
    result = load_docs(tmp_path)
    assert ids(result) == ["g/a", "g/index", "h/z", "h/a", "i/a", "i/index", "j/a"]
    assert "missing" in errors(result)["j/_category_.json"]


def test_skipped_files_and_folders(tmp_path: Path) -> None:
    write(tmp_path, "kept.md", "")
    write(tmp_path, "_partial.mdx", "")
    write(tmp_path, "_drafts/x.md", "")
    write(tmp_path, ".hidden/x.md", "")
    write(tmp_path, ".dot.md", "")
    write(tmp_path, "node_modules/pkg/readme.md", "")
    write(tmp_path, "sub/node_modules/readme.md", "")
    write(tmp_path, "i18n/fr/kept.md", "")
    write(tmp_path, "sub/i18n/kept.md", "")  # only the root i18n is not docs
    write(tmp_path, "notes.txt", "")
    write(tmp_path, "upper.MD", "")
    result = load_docs(tmp_path)
    assert result.errors == ()
    assert ids(result) == ["kept", "sub/i18n/kept"]


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        load_docs(tmp_path / "nope")


# --- titles, front matter, source -----------------------------------------------------------


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


def test_front_matter_is_json_compatible(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.md",
        "---\ndraft: yes\nflag: true\ndate: 2024-01-31\ntags: [a, b]\nn: 3\n---\n",
    )
    chapter = by_id(load_docs(tmp_path), "a")
    assert chapter.front_matter == {
        "draft": "yes",
        "flag": True,
        "date": "2024-01-31",
        "tags": ["a", "b"],
        "n": 3,
    }
    json.dumps(chapter.front_matter)


def test_parse_chapter_on_text() -> None:
    chapter = parse_chapter("# Hello\n\nWorld\n", rel_path="02-part/01-hello.md", position=4)
    assert chapter.id == "part/hello"
    assert chapter.path == "02-part/01-hello.md"
    assert chapter.position == 4
    assert chapter.source_hash == hashlib.sha256(b"# Hello\n\nWorld\n").hexdigest()
    assert anchors(chapter) == ["hello"]
    with pytest.raises(ChapterParseError, match="front matter must be a mapping"):
        parse_chapter("---\n- a\n---\n", rel_path="x.md")


# --- errors ---------------------------------------------------------------------------------


def test_every_error_names_its_file_and_the_rest_still_loads(tmp_path: Path) -> None:
    write(tmp_path, "good.md", "# Good\n")
    write(tmp_path, "bad-yaml.md", "---\ntitle: Ok\nkey: value: other\n---\n# X\n")
    write(tmp_path, "list-fm.md", "---\n- a\n- b\n---\n")
    write(tmp_path, "scalar-fm.md", "---\njust text\n---\n")
    write(tmp_path, "latin1.md", b"# Caf\xe9\n")
    write(tmp_path, "dup-key.md", "---\ntitle: a\ntitle: b\n---\n")
    write(tmp_path, "bad-pos.md", "---\nsidebar_position: first\n---\n")
    write(tmp_path, "bad-id.md", "---\nid: 12\n---\n")
    write(tmp_path, "slash-id.md", "---\nid: a/b\n---\n")
    write(tmp_path, "My Doc.md", "# Spaces in the name\n")
    write(tmp_path, "good-dup.md", "")
    write(tmp_path, "other-dup.md", "---\nid: good-dup\n---\n")
    write(tmp_path, "cat1/_category_.json", '{"label": "x",\n "position": }')
    write(tmp_path, "cat1/ok.md", "")
    write(tmp_path, "cat2/_category_.json", "[1, 2]")
    write(tmp_path, "cat2/ok.md", "")
    write(tmp_path, "cat3/_category_.json", '{"position": "soon"}')
    write(tmp_path, "cat3/ok.md", "")
    write(tmp_path, "cat4/_category_.yml", "label: [x\n")
    write(tmp_path, "cat4/ok.md", "")
    result = load_docs(tmp_path)
    found = errors(result)
    assert found.keys() == {
        "bad-yaml.md",
        "list-fm.md",
        "scalar-fm.md",
        "latin1.md",
        "dup-key.md",
        "bad-pos.md",
        "bad-id.md",
        "slash-id.md",
        "My Doc.md",
        "other-dup.md",
        "cat1/_category_.json",
        "cat2/_category_.json",
        "cat3/_category_.json",
        "cat4/_category_.yml",
    }
    assert re.fullmatch(r"invalid YAML front matter: line 3: .*not allowed.*", found["bad-yaml.md"])
    assert found["list-fm.md"] == "front matter must be a mapping, not a list"
    assert found["scalar-fm.md"] == "front matter must be a mapping, not a string"
    assert found["latin1.md"] == "not valid UTF-8 at byte 5"
    assert found["dup-key.md"] == "invalid YAML front matter: line 3: duplicate key 'title'"
    assert "sidebar_position" in found["bad-pos.md"]
    assert "'id' must be a string" in found["bad-id.md"]
    assert "must not contain '/'" in found["slash-id.md"]
    assert "'My Doc'" in found["My Doc.md"]
    assert found["other-dup.md"] == "duplicate doc id 'good-dup': already used by good-dup.md"
    assert found["cat1/_category_.json"].startswith("invalid _category_.json: line 2: ")
    assert found["cat2/_category_.json"].startswith("invalid _category_.json: expected a mapping")
    assert "'position' must be a number" in found["cat3/_category_.json"]
    assert found["cat4/_category_.yml"].startswith("invalid _category_.yml: line ")
    assert all("\n" not in message for message in found.values())
    # Every other file still loads; folders with a broken _category_ fall back to defaults.
    assert ids(result) == ["cat1/ok", "cat2/ok", "cat3/ok", "cat4/ok", "good-dup", "good"]
    assert [chapter.position for chapter in result.chapters] == list(range(6))


@pytest.mark.parametrize(
    ("text", "front_matter", "first_line"),
    [
        ("---\n---\n# H\n", {}, 2),
        ("---\n# only a comment\n---\n# H\n", {}, 3),
        ("---\ntitle: T\n...\n# H\n", {"title": "T"}, 3),
        ("---\nparse_number_prefixes:\n---\n# H\n", {"parse_number_prefixes": None}, 3),
    ],
)
def test_front_matter_edge_forms(
    text: str, front_matter: dict[str, object], first_line: int
) -> None:
    chapter = parse_chapter(text, rel_path="01-a.md")
    assert chapter.front_matter == front_matter
    assert chapter.id == "a"
    assert [s.start_line for s in chapter.sections] == [first_line]


def test_unclosed_front_matter_is_plain_markdown(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ntitle: x\n\n# Heading\n")
    result = load_docs(tmp_path)
    assert result.errors == ()
    assert by_id(result, "a").front_matter == {}


def test_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    outside = tmp_path / "outside"
    write(outside, "secret.md", "# Secret\n")
    write(root, "real/a.md", "# A\n")
    os.symlink(outside / "secret.md", root / "leak.md")
    os.symlink(outside, root / "leakdir")
    os.symlink(root / "real" / "a.md", root / "alias.md")
    os.symlink(root, root / "real" / "loop")
    result = load_docs(root)
    found = errors(result)
    assert found["leak.md"] == "symbolic link points outside the docs folder"
    assert found["leakdir"] == "symbolic link points outside the docs folder"
    assert found["real/loop"] == "symbolic link loop"
    assert ids(result) == ["alias", "real/a"]


# --- sections -------------------------------------------------------------------------------


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


# --- the example textbook -------------------------------------------------------------------


@pytest.mark.skipif(not EXAMPLE_TEXTBOOK.is_dir(), reason="examples/textbook is not present")
def test_example_textbook_loads_cleanly() -> None:
    result = load_docs(EXAMPLE_TEXTBOOK)
    assert result.errors == ()
    found = ids(result)
    assert found[0] == "intro"
    assert {"intro", "ros2/nodes-and-topics", "ros2/urdf"} <= set(found)
    assert found.index("ros2/nodes-and-topics") < found.index("ros2/urdf")
    assert [chapter.position for chapter in result.chapters] == list(range(len(found)))
    for chapter in result.chapters:
        assert chapter.title
        assert chapter.sections
        assert len({s.anchor for s in chapter.sections}) == len(chapter.sections)
