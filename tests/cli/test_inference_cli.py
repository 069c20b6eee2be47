"""`tailored ingest` prints the coverage report; `tailored inspect` shows a chapter's hints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tailored.cli.main import app
from tests.inference.book import write_book

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    return db


class TestIngestCoverage:
    def test_report_per_kind(self, db_env: Path, tmp_path: Path) -> None:
        docs = write_book(tmp_path)
        result = runner.invoke(app, ["ingest", str(docs)])
        assert result.exit_code == 0, result.output
        assert "inferred (order from folders):" in result.output
        assert "glossary: 1/2 chapters, for beginners and newcomers to robotics" in result.output
        assert "key points: 2/2 chapters, for advanced readers" in result.output
        assert "warning" not in result.output

    def test_a_bare_book_gets_a_warning_saying_what_to_add(
        self, db_env: Path, tmp_path: Path
    ) -> None:
        docs = tmp_path / "bare"
        docs.mkdir()
        for n in range(3):
            (docs / f"c{n}.md").write_text(f"# Chapter {n}\n\nShort.\n", encoding="utf-8")
        result = runner.invoke(app, ["ingest", str(docs)])
        assert result.exit_code == 0, result.output
        assert "warning: little to adapt for beginners (0/3 chapters)" in result.output
        assert "little to adapt for advanced readers (0/3" in result.output


class TestInspect:
    def test_shows_what_was_inferred_and_why(self, tmp_path: Path) -> None:
        docs = write_book(tmp_path)
        result = runner.invoke(app, ["inspect", "sensors", "--content", str(docs)])
        assert result.exit_code == 0, result.output
        assert "'Under the hood' (#under-the-hood): advanced" in result.output
        assert "Node -> basics#core-terms" in result.output
        assert "'Running in the cloud' (#running-in-the-cloud): cloud" in result.output

    def test_json_lists_the_terms_a_chapter_defines(self, tmp_path: Path) -> None:
        docs = write_book(tmp_path)
        result = runner.invoke(app, ["inspect", "basics", "--content", str(docs), "--json"])
        assert result.exit_code == 0, result.output
        body = json.loads(result.output)
        assert "Node" in [term[0] for term in body["defines"]]

    def test_unknown_chapter_and_bad_config_are_usage_errors(self, tmp_path: Path) -> None:
        docs = write_book(tmp_path)
        missing = runner.invoke(app, ["inspect", "nope", "--content", str(docs)])
        assert missing.exit_code == 2
        assert "no chapter 'nope'" in missing.output
        (docs / "tailored.yml").write_text("inference: {glosary: false}\n", encoding="utf-8")
        bad = runner.invoke(app, ["inspect", "basics", "--content", str(docs)])
        assert bad.exit_code == 2
        assert "tailored.yml" in bad.output
