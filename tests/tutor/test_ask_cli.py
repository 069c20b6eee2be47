"""`tailored ask`: offline answers from a docs folder, no server or database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tailored.cli.main import app
from tests.tutor.conftest import ARMS, POWER, write_book

runner = CliRunner()


def _book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "docs", {"robots/arms.md": ARMS, "power.md": POWER})


class TestAsk:
    def test_json_answer_and_citations_best_first(self, tmp_path: Path) -> None:
        docs = _book(tmp_path)
        result = runner.invoke(
            app, ["ask", "How do I pick up a box with a vacuum?", "--content", str(docs), "--json"]
        )
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert set(body) == {"answer", "citations"}
        assert "Suction grippers hold flat boxes with a vacuum cup." in body["answer"]
        first = body["citations"][0]
        assert first == {
            "chapter_id": "robots/arms",
            "anchor": "grippers",
            "heading": "Grippers",
            "score": 1.0,
        }
        scores = [c["score"] for c in body["citations"]]
        assert scores[0] == max(scores)

    def test_plain_output_lists_citations(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["ask", "what is MAXN mode", "--content", str(_book(tmp_path))])
        assert result.exit_code == 0, result.output
        assert "MAXN mode removes the power cap" in result.stdout
        assert "[1] Jetson power modes — power#jetson-power-modes" in result.stdout

    def test_not_covered_and_bad_input(self, tmp_path: Path) -> None:
        docs = _book(tmp_path)
        result = runner.invoke(app, ["ask", "how to bake bread", "--content", str(docs)])
        assert result.exit_code == 0
        assert result.stdout.startswith("The textbook does not seem to cover this.")
        empty = runner.invoke(app, ["ask", "  ", "--content", str(docs)])
        assert empty.exit_code == 2
        assert empty.stderr.startswith("tailored: ")
        bad = runner.invoke(app, ["ask", "q", "--content", str(docs), "--chapter", "../x"])
        assert bad.exit_code == 2
        nothing = tmp_path / "empty"
        nothing.mkdir()
        none = runner.invoke(app, ["ask", "q", "--content", str(nothing)])
        assert none.exit_code == 2
        assert "no chapters found" in none.stderr
