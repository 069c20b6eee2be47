"""`tailored translate` (offline) and `tailored translations mark`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tailored.cli.main import app
from tailored.translation import human
from tests.translation.conftest import URDU_INTRO

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_machine_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILORED_TRANSLATION", '{"machine": []}')


def _translate(docs: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["translate", *args, "--content", str(docs)])
    return result.exit_code, result.stdout, result.stderr


def _translate_json(docs: Path, *args: str) -> dict[str, Any]:
    code, out, _ = _translate(docs, *args, "--json")
    assert code == 0, out
    body: dict[str, Any] = json.loads(out)
    return body


class TestTranslate:
    def test_human_translation_as_json(self, docs: Path) -> None:
        body = _translate_json(docs, "intro", "--lang", "ur")
        assert body["source"] == "human"
        assert body["direction"] == "rtl"
        assert body["stale"] is False
        assert body["verification"] == {"ok": True, "issues": []}
        assert body["content"] == (docs / URDU_INTRO).read_text(encoding="utf-8")

    def test_plain_output_is_the_content(self, docs: Path) -> None:
        code, out, _ = _translate(docs, "intro", "--lang", "ur")
        assert code == 0
        assert out == (docs / URDU_INTRO).read_text(encoding="utf-8")

    def test_bad_language_exits_2_with_one_line(self, docs: Path) -> None:
        code, out, err = _translate(docs, "intro", "--lang", "xx")
        assert code == 2
        assert out == ""
        assert err.strip().splitlines() == [
            "tailored: --lang: 'xx' is not an ISO 639-1 language code"
        ]

    def test_no_translation_exits_1_with_one_line(self, docs: Path) -> None:
        code, out, err = _translate(docs, "intro", "--lang", "fr")
        assert code == 1
        assert out == ""
        (line,) = err.strip().splitlines()
        assert line.startswith("tailored: no French (fr) translation of 'intro'")
        assert "machine = []" in line

    def test_traversal_in_chapter_id_exits_2(self, docs: Path) -> None:
        code, _, err = _translate(docs, "../../etc/passwd", "--lang", "ur")
        assert code == 2
        assert "invalid chapter id" in err

    @pytest.mark.usefixtures("apertium")
    def test_apertium_translation(self, docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TAILORED_TRANSLATION", '{"machine": ["apertium"]}')
        body = _translate_json(docs, "sample", "--lang", "es")
        assert body["source"] == "machine"
        assert body["translator"].startswith("apertium:eng-spa@")
        assert body["status"] == "success"
        assert "`rclpy.spin(node)`" in body["content"]
        assert "ROS 2 (Ros Dos)" in body["content"]


class TestMark:
    def test_marking_after_an_english_edit_makes_it_current(self, docs: Path) -> None:
        english = docs / "intro.md"
        english.write_text(english.read_text().replace("decades old", "older than that"))
        stale = _translate_json(docs, "intro", "--lang", "ur")
        assert stale["stale"] is True
        assert stale["changed_sections"] == ["why-humanoids-and-why-now"]
        result = runner.invoke(app, ["translations", "mark", str(docs), "--lang", "ur", "intro"])
        assert result.exit_code == 0, result.output
        assert "marked intro (intro.md)" in result.stdout
        fresh = _translate_json(docs, "intro", "--lang", "ur")
        assert fresh["stale"] is False
        assert fresh["made_from"] == fresh["source_hash"]

    def test_without_ids_marks_every_translated_chapter(self, docs: Path) -> None:
        (docs / human.manifest_path("ur")).unlink()
        result = runner.invoke(app, ["translations", "mark", str(docs), "--lang", "ur"])
        assert result.exit_code == 0, result.output
        manifest = json.loads((docs / human.manifest_path("ur")).read_text())
        assert list(manifest["docs"]) == ["intro.md"]

    def test_chapter_without_a_translation_is_refused(self, docs: Path) -> None:
        result = runner.invoke(app, ["translations", "mark", str(docs), "--lang", "ur", "sample"])
        assert result.exit_code == 1
        assert "no ur translation of sample" in result.stderr
        assert "sample" not in (docs / human.manifest_path("ur")).read_text()

    def test_bad_language(self, docs: Path) -> None:
        result = runner.invoke(app, ["translations", "mark", str(docs), "--lang", "urdu"])
        assert result.exit_code == 2
