"""An operator's first hour: every operational error is one line and a documented exit code.

Real backends only: a closed loopback port for an unreachable database or cache, SQLite files,
and a fresh PostgreSQL database for the unmigrated case.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from tailored.cli.common import ExitCode, describe
from tailored.cli.main import app
from tailored.kit.migrate import DatabaseUnreachable
from tests.fixtures.databases import fresh_database_sync
from tests.services import postgres_url

runner = CliRunner()
FIRST_REVISION = "5e0fbc440641"

# Every command that opens the database, with what it needs besides.
DB_COMMANDS = [
    ["stats"],
    ["cleanup"],
    ["cache", "stats"],
    ["cache", "clear"],
    ["users", "create-admin", "ops@example.org"],
]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def _cheap_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILORED_ARGON2_MEMORY_COST_KIB", "1024")
    monkeypatch.setenv("TAILORED_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("TAILORED_ADMIN_PASSWORD", "admin passphrase 123")
    monkeypatch.delenv("TAILORED_DEBUG", raising=False)


@pytest.fixture
def unreachable_pg(monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/tailored"
    monkeypatch.setenv("TAILORED_DATABASE_URL", url)
    return url


@pytest.fixture
def unmigrated_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite file that exists and holds data, but no Tailored schema."""
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table notes (body text)")
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    return db


@pytest.fixture
def migrated_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "ok.db"
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return db


@pytest.fixture
def fresh_pg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """An empty PostgreSQL database of its own (no schema), dropped afterwards."""
    with fresh_database_sync("postgres", tmp_path) as url:
        monkeypatch.setenv("TAILORED_DATABASE_URL", url)
        yield url


def one_line(result: Result) -> str:
    """The single stderr line of a failed command; nothing on stdout, no traceback."""
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tailored: ")
    return lines[0]


class TestUnreachableDatabase:
    @pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
    def test_exit_3_and_one_line(self, unreachable_pg: str, command: list[str]) -> None:
        result = runner.invoke(app, command)
        assert result.exit_code == int(ExitCode.UNREACHABLE) == 3
        line = one_line(result)
        assert "database unreachable" in line
        assert "TAILORED_DATABASE_URL" in line

    def test_ingest_serve_and_upgrade_too(self, unreachable_pg: str, textbook_dir: Path) -> None:
        for command in (["ingest", str(textbook_dir)], ["serve"], ["db", "upgrade"]):
            result = runner.invoke(app, command)
            assert result.exit_code == 3, (command, result.output)
            assert "database unreachable" in one_line(result)

    def test_sqlite_in_a_missing_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        missing = tmp_path / "nowhere" / "t.db"
        monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{missing}")
        result = runner.invoke(app, ["stats"])
        assert result.exit_code == 3
        assert f"no folder {missing.parent}" in one_line(result)
        assert not missing.parent.exists()

    def test_postgres_database_that_does_not_exist(self, monkeypatch: pytest.MonkeyPatch) -> None:
        url = make_url(postgres_url()).set(database=f"absent_{uuid.uuid4().hex[:8]}")
        monkeypatch.setenv("TAILORED_DATABASE_URL", url.render_as_string(hide_password=False))
        result = runner.invoke(app, ["cleanup"])
        assert result.exit_code == 3
        assert "does not exist" in one_line(result)

    def test_bad_scheme_is_a_configuration_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TAILORED_DATABASE_URL", "mysql://localhost/tailored")
        result = runner.invoke(app, ["stats"])
        assert result.exit_code == 2
        assert "unsupported database URL scheme" in one_line(result)

    def test_debug_shows_the_exception(self, unreachable_pg: str) -> None:
        result = runner.invoke(app, ["--debug", "stats"])
        assert isinstance(result.exception, DatabaseUnreachable)


class TestUnmigratedDatabase:
    @pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
    def test_exit_4_says_what_to_run(self, unmigrated_sqlite: Path, command: list[str]) -> None:
        result = runner.invoke(app, command)
        assert result.exit_code == int(ExitCode.NOT_MIGRATED) == 4
        line = one_line(result)
        assert "not migrated" in line
        assert "tailored db upgrade" in line

    def test_a_missing_sqlite_file_is_unmigrated_and_not_created(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db = tmp_path / "typo.db"
        monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
        result = runner.invoke(app, ["stats"])
        assert result.exit_code == 4
        assert "tailored db upgrade" in one_line(result)
        assert not db.exists()

    def test_an_older_revision_names_both(
        self, unmigrated_sqlite: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert runner.invoke(app, ["db", "upgrade", FIRST_REVISION]).exit_code == 0
        result = runner.invoke(app, ["cleanup"])
        assert result.exit_code == 4
        line = one_line(result)
        assert f"at revision {FIRST_REVISION}, not the newest" in line
        assert "tailored db upgrade" in line
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["cleanup"]).exit_code == 0

    def test_a_revision_from_a_newer_version(self, migrated_sqlite: Path) -> None:
        with sqlite3.connect(migrated_sqlite) as conn:
            conn.execute("update alembic_version set version_num = 'f00dfeedbeef'")
        for command in (["stats"], ["db", "upgrade"]):
            result = runner.invoke(app, command)
            assert result.exit_code == 4, command
            assert "f00dfeedbeef" in one_line(result)
            assert "does not know" in result.stderr

    def test_ingest_and_serve_without_auto_migrate(
        self, unmigrated_sqlite: Path, textbook_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TAILORED_AUTO_MIGRATE", "false")
        for command in (["ingest", str(textbook_dir)], ["serve"]):
            result = runner.invoke(app, command)
            assert result.exit_code == 4, command
            assert "tailored db upgrade" in one_line(result)

    def test_unmigrated_postgres(self, fresh_pg: str, textbook_dir: Path) -> None:
        for command in (["stats"], ["ingest", str(textbook_dir)], ["serve"]):
            result = runner.invoke(app, command)
            assert result.exit_code == 4, (command, result.output)
            assert "tailored db upgrade" in one_line(result)
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["ingest", str(textbook_dir)]).exit_code == 0
        assert runner.invoke(app, ["stats", "--json"]).exit_code == 0


class TestMigratedDatabase:
    @pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
    def test_commands_work(self, migrated_sqlite: Path, command: list[str]) -> None:
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""


class TestAsAProcess:
    """The installed entry point, as an operator's shell sees it."""

    def _run(self, *args: str, url: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "TAILORED_DATABASE_URL": url}
        env.pop("TAILORED_DEBUG", None)
        code = "from tailored.cli.main import app; app()"
        return subprocess.run(
            [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=60
        )

    def test_one_line_on_stderr_and_the_traceback_only_with_debug(self) -> None:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/tailored"
        plain = self._run("stats", url=url)
        assert plain.returncode == 3
        assert plain.stdout == ""
        (line,) = plain.stderr.strip().splitlines()
        assert line.startswith("tailored: database unreachable: postgresql+asyncpg://")
        debug = self._run("--debug", "stats", url=url)
        assert debug.returncode == 1
        assert "Traceback" in debug.stderr
        assert "DatabaseUnreachable" in debug.stderr


class TestHelpAndMapping:
    def test_help_documents_every_exit_code(self) -> None:
        result = runner.invoke(app, ["--help"])
        assert result.exit_code == 0
        text = " ".join(result.output.split())
        for code in ExitCode:
            assert f"{code.value} " in text
        assert "tailored db upgrade" in text
        assert "--debug" in text

    def test_an_unexpected_error_is_one_line_with_its_type(self) -> None:
        code, line = describe(RuntimeError("boom\n  deep detail"))
        assert code == ExitCode.FAILED
        assert line == "RuntimeError: boom (run with --debug for the traceback)"


class TestBadInput:
    """Item 2: unknown chapters and incomplete profiles are bad input (exit 2)."""

    def test_translate_unknown_chapter_is_2(self, textbook_dir: Path) -> None:
        result = runner.invoke(
            app, ["translate", "no/such-chapter", "--content", str(textbook_dir), "--lang", "ur"]
        )
        assert result.exit_code == 2
        assert "no chapter 'no/such-chapter'" in one_line(result)

    @pytest.mark.parametrize(
        ("profile", "missing", "present"),
        [
            ({}, "software_level and hardware_level", None),
            ({"software_level": "beginner"}, "hardware_level", "software_level"),
            ({"hardware_level": "none", "languages": ["python"]}, "software_level", None),
        ],
    )
    def test_personalize_needs_a_completed_profile(
        self,
        tmp_path: Path,
        textbook_dir: Path,
        profile: dict[str, object],
        missing: str,
        present: str | None,
    ) -> None:
        path = tmp_path / "p.json"
        path.write_text(json.dumps(profile))
        result = runner.invoke(
            app, ["personalize", "intro", "--content", str(textbook_dir), "--profile", str(path)]
        )
        assert result.exit_code == 2
        line = one_line(result)
        assert f"incomplete profile: set {missing} " in line
        if present is not None:
            assert f"set {present}" not in line
