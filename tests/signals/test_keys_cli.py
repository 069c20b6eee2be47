"""`tailored keys create|list|revoke` and `tailored rollups refresh` on a real SQLite file."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tailored.cli.main import app

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys.db"
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return path


class TestKeys:
    def test_create_prints_a_key_stored_only_as_its_hash(self, db: Path) -> None:
        result = runner.invoke(app, ["keys", "create", "docs.example.org"])
        assert result.exit_code == 0, result.output
        key = result.output.strip()
        assert key.startswith("tk_")
        with sqlite3.connect(db) as conn:
            rows = conn.execute("select name, key_hash from site_keys").fetchall()
        assert rows == [("docs.example.org", hashlib.sha256(key.encode()).hexdigest())]
        listed = runner.invoke(app, ["keys", "list"])
        assert "docs.example.org" in listed.output
        assert key not in listed.output

    def test_a_second_key_of_the_same_name_fails_in_one_line(self, db: Path) -> None:
        assert runner.invoke(app, ["keys", "create", "site"]).exit_code == 0
        result = runner.invoke(app, ["keys", "create", "site"])
        assert result.exit_code == 1
        assert result.output.strip().startswith("tailored: a site key with this name exists")

    def test_revoke_marks_it_and_an_unknown_name_fails(self, db: Path) -> None:
        runner.invoke(app, ["keys", "create", "site"])
        assert runner.invoke(app, ["keys", "revoke", "site"]).exit_code == 0
        with sqlite3.connect(db) as conn:
            (revoked,) = conn.execute("select revoked_at from site_keys").fetchone()
        assert revoked is not None
        result = runner.invoke(app, ["keys", "revoke", "nope"])
        assert result.exit_code == 1
        assert "no site key with this name" in result.output


def test_rollups_refresh_is_quiet_and_succeeds(db: Path) -> None:
    result = runner.invoke(app, ["rollups", "refresh"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
