"""`tailored ask` keeps its index beside the docs folder, reused while the book is unchanged."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tailored.cli.ask import INDEX_NAME
from tailored.cli.main import app
from tailored.tutor.index import SectionIndex, SyncReport
from tailored.tutor.library import index_folder
from tests.tutor.conftest import ARMS, POWER, write_book

runner = CliRunner()
QUESTION = "what is MAXN mode"
NOBODY = 65534


def _book(root: Path) -> Path:
    """The book, written an hour ago (a file changed in the last seconds is never trusted to
    its size and time)."""
    docs = write_book(root / "docs", {"robots/arms.md": ARMS, "power.md": POWER})
    _age(docs)
    return docs


def _age(docs: Path) -> None:
    hour_ago = time.time() - 3600
    for path in docs.rglob("*"):
        os.utime(path, (hour_ago, hour_ago))


def _ask(docs: Path, question: str = QUESTION, *extra: str) -> dict[str, Any]:
    result = runner.invoke(app, ["ask", question, "--content", str(docs), "--json", *extra])
    assert result.exit_code == 0, result.output
    body: dict[str, Any] = json.loads(result.stdout)
    return body


def _stored(path: Path) -> tuple[int, dict[str, int]]:
    """The index file's sync generation and, per chapter, the sync that indexed it."""
    with sqlite3.connect(path) as db:
        generation = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        chapters = dict(db.execute("SELECT id, generation FROM chapters").fetchall())
    db.close()
    return int(generation), chapters


class TestKeptIndex:
    def test_second_run_reuses_the_index_beside_the_folder(self, tmp_path: Path) -> None:
        docs = _book(tmp_path)
        first = _ask(docs)
        kept = tmp_path / INDEX_NAME
        assert _stored(kept) == (1, {"robots/arms": 1, "power": 1})
        assert not (docs / INDEX_NAME).exists()  # beside the folder, never in it
        second = _ask(docs)
        assert second == first
        assert _stored(kept) == (1, {"robots/arms": 1, "power": 1})  # nothing indexed again
        index, _glossary = index_folder(docs, kept)
        try:
            # Nothing in the folder changed: not even read.
            assert index.last_sync == SyncReport(1, (), (), 2, read=False)
        finally:
            index.close()
        # Touched but not changed: read again, nothing indexed again.
        _age(docs)
        index, _glossary = index_folder(docs, kept)
        try:
            assert index.last_sync == SyncReport(1, (), (), 2, read=True)
        finally:
            index.close()
        index, _glossary = index_folder(docs, kept)
        index.close()
        assert index.last_sync == SyncReport(1, (), (), 2, read=False)

    def test_a_file_changed_just_now_is_always_read(self, tmp_path: Path) -> None:
        docs = _book(tmp_path)
        kept = tmp_path / INDEX_NAME
        _ask(docs)
        (docs / "notes.txt").write_text("not a chapter", encoding="utf-8")
        for _ in range(2):  # its size and time may not change again within the clock's step
            index, _glossary = index_folder(docs, kept)
            index.close()
            assert index.last_sync == SyncReport(1, (), (), 2, read=True)

    def test_an_edited_chapter_is_reindexed_and_a_removed_one_dropped(self, tmp_path: Path) -> None:
        docs = _book(tmp_path)
        kept = tmp_path / "cache" / "book.sqlite"
        kept.parent.mkdir()
        assert (
            "MAXN mode removes the power cap"
            in _ask(docs, QUESTION, "--index", str(kept))["answer"]
        )
        edited = POWER.replace(
            "The MAXN mode removes the power cap and\nruns every core at full clock.",
            "The MAXN mode lifts every limit and lets the fan run at full speed.",
        )
        assert edited != POWER
        (docs / "power.md").write_text(edited, encoding="utf-8")
        answer = _ask(docs, QUESTION, "--index", str(kept))["answer"]
        assert "MAXN mode lifts every limit" in answer
        assert "removes the power cap" not in answer
        assert _stored(kept) == (2, {"robots/arms": 1, "power": 2})
        (docs / "robots" / "arms.md").unlink()
        body = _ask(docs, "How do I pick up a box with a vacuum?", "--index", str(kept))
        assert "Suction grippers" not in body["answer"]
        assert {c["chapter_id"] for c in body["citations"]} <= {"power"}
        assert _stored(kept) == (3, {"power": 2})
        with sqlite3.connect(kept) as db:
            assert db.execute("SELECT DISTINCT chapter_id FROM sections").fetchall() == [("power",)]
        db.close()

    def test_some_other_database_is_left_alone(self, tmp_path: Path) -> None:
        docs = _book(tmp_path)
        other = tmp_path / "notes.sqlite"
        with sqlite3.connect(other) as db:
            db.execute("CREATE TABLE notes (text TEXT)")
            db.execute("INSERT INTO notes VALUES ('mine')")
        db.close()
        body = _ask(docs, QUESTION, "--index", str(other))
        assert "MAXN mode removes the power cap" in body["answer"]
        with sqlite3.connect(other) as db:
            assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]
        db.close()

    def test_an_index_of_another_layout_is_rebuilt(self, tmp_path: Path) -> None:
        docs = _book(tmp_path)
        kept = tmp_path / INDEX_NAME
        _ask(docs)
        with sqlite3.connect(kept) as db:
            db.execute("PRAGMA user_version = 99")
        db.close()
        assert "removes the power cap" in _ask(docs)["answer"]
        assert _stored(kept) == (1, {"robots/arms": 1, "power": 1})
        SectionIndex.open(kept).close()


@pytest.fixture
def shelf() -> Iterator[Path]:
    """A folder another user can read (tmp_path's parents are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="tailored-ro-"))
    root.chmod(0o755)
    yield root
    for path in [root, *root.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(root)


def _ask_without_write_access(docs: Path, question: str) -> dict[str, Any]:
    """`ask` in a child process that cannot write to the shelf (as nobody when run as root,
    since mode bits do not bind root)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        report: dict[str, Any]
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            try:
                (docs.parent / "probe").touch()
                writable = True
            except PermissionError:
                writable = False
            result = runner.invoke(app, ["ask", question, "--content", str(docs), "--json"])
            report = {"writable": writable, "code": result.exit_code, "out": result.stdout}
        except BaseException as exc:  # reported to the parent
            report = {"error": repr(exc)}
        os.write(write, json.dumps(report).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        raw = pipe.read()
    os.waitpid(pid, 0)
    report = json.loads(raw)
    assert "error" not in report, report
    assert report["writable"] is False  # the folder really is read-only to the child
    assert report["code"] == 0, report["out"]
    body: dict[str, Any] = json.loads(report["out"])
    return body


def test_a_read_only_folder_still_answers(shelf: Path) -> None:
    docs = _book(shelf / "books")
    _ask(docs)  # also loads every module the child needs
    (shelf / "books" / INDEX_NAME).unlink()
    for folder in (docs, docs / "robots", shelf / "books"):
        folder.chmod(0o555)
    # No index and none can be written: built in memory, no error.
    assert "MAXN mode removes the power cap" in _ask_without_write_access(docs, QUESTION)["answer"]
    assert not (shelf / "books" / INDEX_NAME).exists()
    # A stale index the child cannot update: the edited chapter is still what it answers from.
    (shelf / "books").chmod(0o755)
    _ask(docs)
    (shelf / "books").chmod(0o555)
    power = docs / "power.md"
    docs.chmod(0o755)
    power.write_text(POWER.replace("removes the power cap", "lifts the power cap"), "utf-8")
    docs.chmod(0o555)
    answer = _ask_without_write_access(docs, QUESTION)["answer"]
    assert "MAXN mode lifts the power cap" in answer
    assert _stored(shelf / "books" / INDEX_NAME) == (1, {"robots/arms": 1, "power": 1})
