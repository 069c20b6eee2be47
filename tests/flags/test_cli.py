"""`tailored flags ...` in-process against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tailored.cli.main import app

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("TAILORED_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return db


def _flags() -> dict[str, dict[str, Any]]:
    result = runner.invoke(app, ["flags", "list", "--json"])
    assert result.exit_code == 0, result.output
    return {f["key"]: f for f in json.loads(result.output)}


class TestFlagsCli:
    def test_create_set_kill_and_delete(self, db_env: Path) -> None:
        made = runner.invoke(
            app, ["flags", "create", "llm-adapter", "--rollout", "on=10", "--rollout", "off=90"]
        )
        assert made.exit_code == 0, made.output
        assert _flags()["llm-adapter"]["rollout"] == {"on": 10.0, "off": 90.0}
        killed = runner.invoke(app, ["flags", "set", "llm-adapter", "--kill"])
        assert killed.exit_code == 0, killed.output
        flag = _flags()["llm-adapter"]
        assert (flag["enabled"], flag["version"]) == (False, 2)
        assert "KILLED" in runner.invoke(app, ["flags", "list"]).output
        assert runner.invoke(app, ["flags", "delete", "llm-adapter"]).exit_code == 0
        assert _flags() == {}

    def test_a_multi_variant_flag_with_a_rule(self, db_env: Path) -> None:
        when = [{"attribute": "role", "op": "in", "values": ["researcher"]}]
        rule = json.dumps({"when": when, "variant": "b"})
        made = runner.invoke(
            app,
            [
                "flags",
                "create",
                "layout",
                "--variant",
                'a="wide"',
                "--variant",
                'b="narrow"',
                "--rule",
                rule,
            ],
        )
        assert made.exit_code == 0, made.output
        flag = _flags()["layout"]
        assert flag["variants"] == {"a": "wide", "b": "narrow"}
        assert flag["default_variant"] == "a"
        assert flag["rules"][0]["variant"] == "b"

    def test_errors_are_one_line_with_the_documented_exit_codes(self, db_env: Path) -> None:
        bad = runner.invoke(
            app, ["flags", "create", "x", "--rollout", "on=60", "--rollout", "off=60"]
        )
        assert bad.exit_code == 2
        assert "100 percent" in bad.output
        assert runner.invoke(app, ["flags", "create", "Bad Key"]).exit_code == 2
        assert runner.invoke(app, ["flags", "create", "dup"]).exit_code == 0
        again = runner.invoke(app, ["flags", "create", "dup"])
        assert again.exit_code == 1
        assert "exists" in again.output
        missing = runner.invoke(app, ["flags", "set", "nope", "--kill"])
        assert missing.exit_code == 2
        assert missing.output.startswith("tailored:")
