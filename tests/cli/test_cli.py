"""The `tailored` command line, run in-process against a real SQLite file."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from tailored.cli.main import app

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("TAILORED_ARGON2_MEMORY_COST_KIB", "1024")
    monkeypatch.setenv("TAILORED_ARGON2_TIME_COST", "1")
    return db


def _tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}


class TestHelp:
    def test_every_command_has_help(self) -> None:
        root = get_command(app)
        paths: list[list[str]] = [[]]
        commands = getattr(root, "commands", {})
        for name, cmd in commands.items():
            paths.append([name])
            for sub in getattr(cmd, "commands", {}):
                paths.append([name, sub])
        for path in paths:
            result = runner.invoke(app, [*path, "--help"])
            assert result.exit_code == 0, (path, result.output)
            assert "Usage" in result.output
        assert {"serve", "ingest", "db", "users"} <= set(commands)


class TestDb:
    def test_upgrade_creates_the_schema(self, db_env: Path) -> None:
        result = runner.invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert {"users", "chapters", "sections", "profiles", "traits"} <= _tables(db_env)


class TestIngest:
    def test_ingest_then_reingest_reports_differences(
        self, db_env: Path, textbook_dir: Path, tmp_path: Path
    ) -> None:
        docs = tmp_path / "docs"
        shutil.copytree(textbook_dir, docs)
        first = runner.invoke(app, ["ingest", str(docs)])
        assert first.exit_code == 0, first.output
        # Translations under i18n/ are not chapters of their own.
        docs_files = [*docs.rglob("*.md"), *docs.rglob("*.mdx")]
        n = len([p for p in docs_files if "i18n" not in p.relative_to(docs).parts])
        assert f"{n} added, 0 changed, 0 unchanged, 0 removed" in first.output
        (docs / "intro.md").write_text((docs / "intro.md").read_text() + "\nOne more line.\n")
        second = runner.invoke(app, ["ingest", str(docs)])
        assert f"0 added, 1 changed, {n - 1} unchanged, 0 removed" in second.output

    def test_broken_file_gives_one_line_per_error_and_exit_1(
        self, db_env: Path, tmp_path: Path
    ) -> None:
        docs = tmp_path / "docs"
        docs.mkdir()
        (docs / "good.md").write_text("# Good\n")
        (docs / "bad.md").write_text("---\ntitle: [unclosed\n---\n# Bad\n")
        result = runner.invoke(app, ["ingest", str(docs)])
        assert result.exit_code == 1
        assert "bad.md" in result.output
        assert "Traceback" not in result.output
        with sqlite3.connect(db_env) as conn:
            assert conn.execute("select count(*) from chapters").fetchone() == (0,)

    def test_empty_folder_is_refused_until_prune(
        self, db_env: Path, textbook_dir: Path, tmp_path: Path
    ) -> None:
        assert runner.invoke(app, ["ingest", str(textbook_dir)]).exit_code == 0
        with sqlite3.connect(db_env) as conn:
            (n,) = conn.execute("select count(*) from chapters").fetchone()
        empty = tmp_path / "empty"
        empty.mkdir()
        refused = runner.invoke(app, ["ingest", str(empty)])
        assert refused.exit_code == 5
        (line,) = refused.stderr.strip().splitlines()
        assert f"would remove {n} of the {n} chapters" in line
        assert "pass --prune" in line
        with sqlite3.connect(db_env) as conn:
            assert conn.execute("select count(*) from chapters").fetchone() == (n,)
        pruned = runner.invoke(app, ["ingest", "--prune", str(empty)])
        assert pruned.exit_code == 0, pruned.output
        assert f"{n} removed" in pruned.output

    def test_malformed_category_file_gives_one_line_and_exit_1(
        self, db_env: Path, tmp_path: Path
    ) -> None:
        docs = tmp_path / "docs"
        (docs / "part").mkdir(parents=True)
        (docs / "part" / "a.md").write_text("# A\n")
        (docs / "part" / "_category_.json").write_text('{"label": 5}')
        result = runner.invoke(app, ["ingest", str(docs)])
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if "_category_.json" in line]
        assert len(lines) == 1
        assert "part/_category_.json" in lines[0]
        assert "'label' must be a non-empty string" in lines[0]
        assert "Traceback" not in result.output
        with sqlite3.connect(db_env) as conn:
            assert conn.execute("select count(*) from chapters").fetchone() == (0,)

    def test_missing_folder_is_a_usage_error(self, db_env: Path, tmp_path: Path) -> None:
        result = runner.invoke(app, ["ingest", str(tmp_path / "nope")])
        assert result.exit_code == 2
        assert "Traceback" not in result.output


class TestUsers:
    def test_create_admin(self, db_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        runner.invoke(app, ["db", "upgrade"])
        monkeypatch.setenv("TAILORED_ADMIN_PASSWORD", "admin passphrase 123")
        result = runner.invoke(app, ["users", "create-admin", "Boss@Example.org"])
        assert result.exit_code == 0, result.output
        with sqlite3.connect(db_env) as conn:
            rows = conn.execute("select email, role from users").fetchall()
        assert rows == [("boss@example.org", "admin")]
        again = runner.invoke(app, ["users", "create-admin", "boss@example.org"])
        assert again.exit_code == 1
        assert "already exists" in again.output

    def test_create_admin_prompts_for_the_password(self, db_env: Path) -> None:
        runner.invoke(app, ["db", "upgrade"])
        result = runner.invoke(
            app,
            ["users", "create-admin", "prompted@example.org"],
            input="admin passphrase 123\nadmin passphrase 123\n",
        )
        assert result.exit_code == 0, result.output
        assert "admin passphrase" not in result.output

    def test_bad_email_and_weak_password(
        self, db_env: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        runner.invoke(app, ["db", "upgrade"])
        monkeypatch.setenv("TAILORED_ADMIN_PASSWORD", "admin passphrase 123")
        bad = runner.invoke(app, ["users", "create-admin", "not-an-email"])
        assert bad.exit_code == 2
        monkeypatch.setenv("TAILORED_ADMIN_PASSWORD", "short")
        weak = runner.invoke(app, ["users", "create-admin", "weak@example.org"])
        assert weak.exit_code == 1
        assert "at least" in weak.output


class TestConfiguration:
    def test_production_with_default_secret_refuses_to_start(
        self, db_env: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TAILORED_ENVIRONMENT", "production")
        result = runner.invoke(app, ["serve"])
        assert result.exit_code == 2
        assert "TAILORED_SECRET_KEY" in result.output
        assert "Traceback" not in result.output


class TestStats:
    @pytest.fixture
    def logged(self, db_env: Path) -> Path:
        """A migrated database with personalization requests in its log."""
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        rows = [
            ("intro", 1, 3.0, "success"),
            ("intro", 0, 120.0, "success"),
            ("ros2/urdf", 0, 300.0, "rejected"),
        ]
        with sqlite3.connect(db_env) as conn:
            conn.executemany(
                "insert into request_logs (kind, chapter_id, adapter, audience_key, cached,"
                " latency_ms, status, created_at) values ('personalize', ?, 'rules@1', 'k', ?, ?,"
                " ?, ?)",
                [(*row, now) for row in rows],
            )
        return db_env

    def test_a_readable_table(self, logged: Path) -> None:
        result = runner.invoke(app, ["stats"])
        assert result.exit_code == 0, result.output
        out = result.output
        assert "{" not in out  # no Python dicts
        assert "}" not in out
        assert "3 (rejected 1, success 2)" in out
        assert "33.3%" in out
        for header in ("Latency", "p50", "p95", "p99", "Top chapters"):
            assert header in out
        assert re.search(r"intro\s*│\s*2", out)
        assert re.search(r"cached\s*│\s*1\s*│\s*3\.0 ms", out)

    def test_json_parses(self, logged: Path) -> None:
        result = runner.invoke(app, ["stats", "--json", "--days", "7"])
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["requests"] == 3
        assert body["by_status"] == {"rejected": 1, "success": 2}
        assert body["cached"]["requests"] == 1
        assert body["top_chapters"][0] == {"chapter_id": "intro", "requests": 2}
