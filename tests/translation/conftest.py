"""Translation fixtures: a copy of the sample textbook per test, settings pointing at it.

Apertium tests need the `apertium` command and the eng-spa pair (Debian: `apt-get install
apertium apertium-eng-spa`, which .ci/run does). Without them they skip with the reason, unless
TAILORED_REQUIRE_SERVICES=1, where a missing Apertium fails the run like a missing PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.config import Settings
from tailored.config.translation import TranslationConfig
from tailored.content import service as content
from tailored.content.loader import load_docs
from tailored.models import RequestLog
from tailored.state import AppState
from tailored.translation import human
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.settings import make_settings

# A chapter with every kind of protected region, and terms the keep list protects.
SAMPLE = """---
title: Talking to a Node
sidebar_position: 9
---

# Talking to a node

A ROS 2 node publishes messages on a topic. Call `rclpy.spin(node)` to keep the node running.
Read the [ROS 2 documentation](https://docs.ros.org/en/jazzy/index.html) for the details, or
visit https://example.org/robots for more examples.

```python title="talker.py"
node = rclpy.create_node("talker")  # the node has a name
```

:::tip[Start small]
Write one small node first and check that the topic shows messages.
:::

<Tabs groupId="language">
<TabItem value="python" label="Python">

The robot walks when the node sends a command.

</TabItem>
</Tabs>

## The second section

The robot reads the sensor and the node sends the data.
"""

KEEP = """keep:
  - ROS 2: {es: Ros Dos}
  - Tabs
"""

# The sample textbook's Urdu translation of its intro, relative to the docs folder.
URDU_INTRO = human.docs_path("ur", "intro.md")

COMPLETE = {"software_level": "beginner", "hardware_level": "none", "languages": ["python"]}


def _required() -> bool:
    return os.environ.get("TAILORED_REQUIRE_SERVICES", "") not in ("", "0", "false")


@lru_cache(maxsize=1)
def _apertium_problem() -> str | None:
    if shutil.which("apertium") is None:
        return "the apertium command is not installed (apt-get install apertium apertium-eng-spa)"
    listing = subprocess.run(
        ["apertium", "-l"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    if "eng-spa" not in listing.split():
        return "the Apertium eng-spa pair is not installed (apt-get install apertium-eng-spa)"
    return None


def need_apertium() -> None:
    problem = _apertium_problem()
    if problem is None:
        return
    if _required():
        pytest.fail(f"{problem} and TAILORED_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(problem)


@pytest.fixture
def apertium() -> None:
    need_apertium()


def mark_translated(docs: Path, lang: str, chapter_id: str) -> None:
    """What a translator runs after updating a file (`tailored translations mark`)."""
    chapter = next(c for c in load_docs(docs).chapters if c.id == chapter_id)
    human.record(docs, lang, [(chapter.path, chapter.source, chapter.source_hash)])


@pytest.fixture
def docs(tmp_path: Path, textbook_dir: Path) -> Path:
    """The sample textbook, its Urdu intro and manifest, plus the sample chapter and keep list."""
    root = tmp_path / "docs"
    # Part of the book keeps each test's ingest short: the intro (which has an Urdu
    # translation) and what it refers to; `sample.md` has no translation.
    for name in ("intro.md", "glossary.yml", "img", "i18n"):
        source = textbook_dir / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    (root / "sample.md").write_text(SAMPLE, encoding="utf-8")
    (root / "i18n" / "glossary-keep.yml").write_text(KEEP, encoding="utf-8")
    return root


@pytest.fixture
def translation_config() -> TranslationConfig:
    """Apertium only by default; tests that need another setup override this fixture."""
    return TranslationConfig(machine=["apertium"])


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(
    engine: AsyncEngine,
    docs: Path,
    translation_config: TranslationConfig,
    settings_overrides: dict[str, Any],
) -> Settings:
    return make_settings(
        engine, content_dir=docs, translation=translation_config, **settings_overrides
    )


@pytest.fixture
async def library(sessionmaker: async_sessionmaker[AsyncSession], docs: Path) -> Path:
    """The copied textbook ingested; returns its folder."""
    async with sessionmaker() as session:
        report = await content.ingest(session, docs)
        assert report.ok, report.errors
        await session.commit()
    return docs


Reingest = Callable[[], Any]


@pytest.fixture
def reingest(sessionmaker: async_sessionmaker[AsyncSession], docs: Path) -> Reingest:
    async def run() -> None:
        async with sessionmaker() as session:
            assert (await content.ingest(session, docs)).ok
            await session.commit()

    return run


async def learner(
    client: httpx.AsyncClient, state: AppState, profile: Mapping[str, object] | None = COMPLETE
) -> dict[str, str]:
    _user, headers = await create_logged_in_user(state, client)
    if profile is not None:
        response = await client.patch("/api/me/profile", headers=headers, json=profile)
        assert response.status_code == 200, response.text
    return headers


async def translate_logs(sessionmaker: async_sessionmaker[AsyncSession]) -> list[RequestLog]:
    """The translate requests logged so far, oldest first (flush the recorder before)."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(RequestLog).where(RequestLog.kind == "translate").order_by(RequestLog.id)
        )
        return list(rows.scalars())
