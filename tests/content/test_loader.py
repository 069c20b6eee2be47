"""Loading a docs folder: which files count, errors by file, the example textbook."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tailored.content.loader import load_docs
from tests.content.docs import EXAMPLE_TEXTBOOK, errors, ids, write


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
