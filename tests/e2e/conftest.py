"""End-to-end fixtures: a real `tailored serve` on loopback and one headless Chromium, shared
by the tests (starting them is most of the cost): the server for the whole run, the browser
for each module.

Chromium is the Debian package (`/usr/bin/chromium`, installed by `.ci/run`); Playwright
drives it and never downloads a browser of its own. Screenshots go to `.artifacts/e2e/`
(git-ignored) for people to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / ".artifacts" / "e2e"
ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "an admin passphrase"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass(frozen=True)
class Server:
    url: str
    content: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tailored() -> str:
    found = shutil.which("tailored", path=str(Path(sys.executable).parent))
    assert found, "the tailored command is not installed next to this Python"
    return found


def start_server(workdir: Path, content: Path) -> tuple[subprocess.Popen[bytes], Server]:
    """`tailored serve` on SQLite in `workdir`, with an admin account, ready to answer."""
    env = {
        **os.environ,
        "TAILORED_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'tailored.db'}",
        "TAILORED_CACHE_URL": "memory://",
        "TAILORED_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TAILORED_CONTENT_DIR": str(content),
    }
    for name in ("TAILORED_CONFIG_FILE", "TAILORED_ADAPTER", "TAILORED_LLM"):
        env.pop(name, None)
    tailored = _tailored()
    subprocess.run([tailored, "db", "upgrade"], cwd=workdir, env=env, check=True)
    subprocess.run(
        [tailored, "users", "create-admin", ADMIN_EMAIL], cwd=workdir, env=env, check=True
    )
    port = _free_port()
    with (workdir / "server.log").open("wb") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            [tailored, "serve", "--content", str(content), "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, (workdir / "server.log").read_text()
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, Server(url, content)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise AssertionError("tailored serve did not become ready within 60 s")


# Module scope, not session: Playwright's sync API runs an event loop in this thread while it
# is open, and the async tests of other modules need the thread's loop to themselves.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("TAILORED_REQUIRE_SERVICES") == "1":
            pytest.fail("/usr/bin/chromium is missing: apt-get install chromium (see .ci/run)")
        pytest.skip("/usr/bin/chromium is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def textbook_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    process, server = start_server(
        tmp_path_factory.mktemp("e2e-textbook"), REPO / "examples" / "textbook"
    )
    yield server
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, errors  # no script error on any screen


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
