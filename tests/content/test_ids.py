from __future__ import annotations

import os
from pathlib import Path

import pytest

from tailored.content.ids import InvalidChapterId, resolve_inside, validate_chapter_id


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
