"""`tailored personalize`, `cache`, `cleanup` and `stats` against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tailored.cli.main import app

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    return db


def _profile(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    return path


class TestPersonalizeCommand:
    def test_json_output(self, tmp_path: Path, textbook_dir: Path) -> None:
        profile = _profile(
            tmp_path, {"software_level": "beginner", "hardware_level": "none", "languages": ["cpp"]}
        )
        result = runner.invoke(
            app,
            [
                "personalize",
                "ros2/nodes-and-topics",
                "--content",
                str(textbook_dir),
                "--profile",
                str(profile),
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        body = json.loads(result.output)
        assert set(body) >= {"content", "applied_transformations", "audience_key", "verified"}
        assert body["verified"] is True
        assert len(body["audience_key"]) == 64

    def test_markdown_output_is_the_content(self, tmp_path: Path, textbook_dir: Path) -> None:
        profile = _profile(tmp_path, {"software_level": "advanced", "hardware_level": "advanced"})
        plain = runner.invoke(
            app, ["personalize", "intro", "--content", str(textbook_dir), "--profile", str(profile)]
        )
        as_json = runner.invoke(
            app,
            [
                "personalize",
                "intro",
                "--content",
                str(textbook_dir),
                "--profile",
                str(profile),
                "--json",
            ],
        )
        assert plain.exit_code == 0
        assert plain.output == json.loads(as_json.output)["content"]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"software_level": "wizard"}, "software_level"),
            ({"shoe_size": 42}, "shoe_size"),
            ({"preferred_language": "xx"}, "preferred_language"),
        ],
    )
    def test_bad_profile_is_exit_2_with_one_line(
        self, tmp_path: Path, textbook_dir: Path, data: object, message: str
    ) -> None:
        result = runner.invoke(
            app,
            [
                "personalize",
                "intro",
                "--content",
                str(textbook_dir),
                "--profile",
                str(_profile(tmp_path, data)),
            ],
        )
        assert result.exit_code == 2
        assert message in result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1

    def test_not_json_and_bad_ids(self, tmp_path: Path, textbook_dir: Path) -> None:
        broken = tmp_path / "broken.json"
        broken.write_text("{nope")
        result = runner.invoke(
            app, ["personalize", "intro", "--content", str(textbook_dir), "--profile", str(broken)]
        )
        assert result.exit_code == 2
        assert "invalid JSON" in result.output
        good = _profile(tmp_path, {"software_level": "beginner", "hardware_level": "none"})
        traversal = runner.invoke(
            app,
            [
                "personalize",
                "../../etc/passwd",
                "--content",
                str(textbook_dir),
                "--profile",
                str(good),
            ],
        )
        assert traversal.exit_code == 2
        missing = runner.invoke(
            app, ["personalize", "nope", "--content", str(textbook_dir), "--profile", str(good)]
        )
        assert missing.exit_code == 2
        assert "no chapter" in missing.output


class TestOperations:
    def test_cleanup_stats_and_cache_commands_run_on_a_fresh_database(
        self, db_env: Path, textbook_dir: Path
    ) -> None:
        assert runner.invoke(app, ["ingest", str(textbook_dir)]).exit_code == 0
        cleanup = runner.invoke(app, ["cleanup"])
        assert cleanup.exit_code == 0, cleanup.output
        assert "0 expired" in cleanup.output
        stats = runner.invoke(app, ["stats", "--json"])
        assert stats.exit_code == 0, stats.output
        assert json.loads(stats.output)["requests"] == 0
        cache_stats = runner.invoke(app, ["cache", "stats"])
        assert "0 entries" in cache_stats.output
        warm = runner.invoke(app, ["cache", "warm", "--audiences", "3"])
        assert warm.exit_code == 0, warm.output
        assert "0 generated" in warm.output
        assert "0 entries removed" in runner.invoke(app, ["cache", "clear"]).output
