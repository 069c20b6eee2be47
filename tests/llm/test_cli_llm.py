"""`tailored personalize` with the LLM adapter configured from the environment, as an operator
would, against a loopback OpenAI-compatible server running in a thread of its own."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tailored.cli.main import app
from tailored.markdown import parse_document
from tailored.testing import OpenAIServer, reply
from tests.llm.test_llm_adapter import simplify

runner = CliRunner()


@pytest.fixture
def threaded_server() -> Iterator[OpenAIServer]:
    """The fake server on its own event loop: the CLI runs `asyncio.run` on this thread."""
    loop = asyncio.new_event_loop()
    server = OpenAIServer()
    server.default = reply(simplify)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(5)
    yield server
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_llm_adapter_from_environment(
    threaded_server: OpenAIServer,
    textbook_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider = {
        "name": "local",
        "kind": "openai",
        "base_url": threaded_server.base_url,
        "model": "tiny",
        "api_key": "sk-test",
    }
    monkeypatch.setenv("TAILORED_ADAPTER", "llm")
    monkeypatch.setenv("TAILORED_LLM", json.dumps({"providers": [provider]}))
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"software_level": "beginner", "hardware_level": "none"}))
    args = ["personalize", "ros2/nodes-and-topics", "--content", str(textbook_dir)]
    result = runner.invoke(app, [*args, "--profile", str(profile), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["verified"] is True
    assert "llm_rewrite" in [t["name"] for t in out["applied_transformations"]]
    assert " a simple " in out["content"]
    source = (textbook_dir / "ros2" / "01-nodes-and-topics.md").read_text()
    assert {c.content for c in parse_document(out["content"]).code} <= {
        c.content for c in parse_document(source).code
    }
    assert threaded_server.count > 0
    assert threaded_server.last.body["model"] == "tiny"


def test_llm_adapter_without_provider_is_a_clear_error(
    textbook_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILORED_ADAPTER", "llm")
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"software_level": "beginner", "hardware_level": "none"}))
    args = ["personalize", "intro", "--content", str(textbook_dir), "--profile", str(profile)]
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert "llm.providers" in result.output
    assert "Traceback" not in result.output
