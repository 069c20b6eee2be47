from __future__ import annotations

import os
from pathlib import Path

import pytest

from tailored.content.ids import (
    InvalidChapterId,
    resolve_inside,
    split_number_prefix,
    validate_chapter_id,
)
from tailored.content.loader import load_docs
from tests.content.docs import by_id, ids, write


@pytest.mark.parametrize(
    "raw",
    ["intro", "ros2/nodes-and-topics", "a/b.c_d-e", "0", "Part_1/2.x", "a" * 200],
)
def test_valid_ids_are_returned_unchanged(raw: str) -> None:
    assert validate_chapter_id(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "a" * 201,
        "../etc/passwd",
        "/etc/passwd",
        "a/../../b",
        "%2e%2e%2fetc",
        "a%2Fb",
        "a\x00b",
        "a\nb",
        "a\x7fb",
        "a\\b",
        "..\\..\\windows",
        "..",
        ".",
        "a/./b",
        "a//b",
        "a/",
        "-a",
        ".hidden",
        "a b",
        "café",
        "C:/x",
    ],
)
def test_invalid_ids_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidChapterId):
        validate_chapter_id(raw)


def test_invalid_chapter_id_is_a_value_error() -> None:
    assert issubclass(InvalidChapterId, ValueError)
    with pytest.raises(ValueError, match="'..' segment"):
        validate_chapter_id("a/../b")


def test_non_string_is_rejected() -> None:
    with pytest.raises(InvalidChapterId):
        validate_chapter_id(None)  # type: ignore[arg-type]


def test_resolve_inside_returns_resolved_path(tmp_path: Path) -> None:
    (tmp_path / "docs" / "ros2").mkdir(parents=True)
    root = tmp_path / "docs"
    result = resolve_inside(root, "ros2/nodes.md")
    assert result == root.resolve() / "ros2" / "nodes.md"
    assert not result.exists()  # it need not exist


@pytest.mark.parametrize(
    "relative", ["../outside.md", "/etc/passwd", "a/../../b", "", ".", "a\x00b", "a\\..\\b"]
)
def test_resolve_inside_rejects_escapes(tmp_path: Path, relative: str) -> None:
    with pytest.raises(InvalidChapterId):
        resolve_inside(tmp_path, relative)


def test_resolve_inside_rejects_symlink_pointing_outside(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "passwd").write_text("x")
    os.symlink(outside, root / "link")
    os.symlink(outside / "passwd", root / "file-link.md")
    with pytest.raises(InvalidChapterId, match="outside"):
        resolve_inside(root, "link/passwd")
    with pytest.raises(InvalidChapterId, match="outside"):
        resolve_inside(root, "file-link.md")


def test_resolve_inside_allows_symlink_within_root(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "real").mkdir(parents=True)
    (root / "real" / "a.md").write_text("x")
    os.symlink(root / "real", root / "alias")
    assert resolve_inside(root, "alias/a.md") == (root / "real" / "a.md").resolve()


def test_resolve_inside_works_when_root_is_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "root-link")
    assert resolve_inside(tmp_path / "root-link", "a.md") == real.resolve() / "a.md"


def test_resolve_inside_rejects_symlink_loop(tmp_path: Path) -> None:
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    with pytest.raises(InvalidChapterId):
        resolve_inside(tmp_path, "loop/a.md")


# --- doc ids from paths (Docusaurus number prefixes, explicit ids) ---------------------------


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
