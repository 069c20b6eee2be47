"""Front matter read as Docusaurus reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tailored.content.loader import load_docs, parse_chapter
from tests.content.docs import by_id, write


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
